/* AsString: numbers (and bools, strings) to strings with printf rules, as
 * TensorFlow's kernel: ints "%d", floats "%f" by default (0.5 -> "0.500000"),
 * "%e" with scientific, "%g" with shortest; precision, width and a one-char
 * fill flag (' ', '0', '-', '+', '#') as in "%<fill><width>.<precision>f".
 * bool -> "true"/"false". */
#include <stdio.h>
#include <string.h>

#include "ops/kernels/array_common.h"

struct as_string_state {
    int precision; /* -1: default */
    int width;     /* -1: none */
    char fill;     /* 0: none */
    char conv;     /* 'f', 'e', 'g' for floats */
};

static bool as_string_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct as_string_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    int64_t precision = -1, width = -1;
    bool scientific = false, shortest = false;
    struct md_str fill = { "", 0 };
    enum md_dtype t = MD_DT_INVALID;
    (void)md_attr_int(ki->node, "precision", &precision);
    (void)md_attr_int(ki->node, "width", &width);
    (void)md_attr_bool(ki->node, "scientific", &scientific);
    (void)md_attr_bool(ki->node, "shortest", &shortest);
    (void)md_attr_str(ki->node, "fill", &fill);
    (void)md_attr_type(ki->node, "T", &t);
    bool is_float = t == MD_DT_FLOAT || t == MD_DT_DOUBLE || t == MD_DT_HALF || t == MD_DT_INVALID;
    if (!is_float && (scientific || shortest))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "scientific and shortest format not supported for datatype %s",
                              md_dtype_info(t)->tf_name);
    if (!is_float && precision >= 0)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "precision not supported for datatype %s", md_dtype_info(t)->tf_name);
    if (fill.len > 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "Fill string must be one or fewer characters");
    if (scientific && shortest)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "Cannot select both scientific and shortest notation");
    if (fill.len && !strchr(" 0-+#", fill.data[0]))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "Fill argument not supported: \"%c\"", fill.data[0]);
    if (precision > 400 || width > 4096)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "precision or width out of range (at most 400 and 4096)");
    s->precision = precision < 0 ? -1 : (int)precision;
    s->width = width < 0 ? -1 : (int)width;
    s->fill = fill.len ? fill.data[0] : 0;
    s->conv = shortest ? 'g' : scientific ? 'e' : 'f';
    ki->state = s;
    return true;
}

/* printf with the fill flag chosen at run time but literal format strings
 * (-Wformat-nonliteral): width w (0 = none), precision p (-1 = default). */
#define AS_FMT(buf, cap, fill, spec, w, p, v)                                             \
    ((fill) == '-'   ? snprintf(buf, cap, "%-*.*" spec, w, p, v)                          \
     : (fill) == '0' ? snprintf(buf, cap, "%0*.*" spec, w, p, v)                          \
     : (fill) == '+' ? snprintf(buf, cap, "%+*.*" spec, w, p, v)                          \
     : (fill) == ' ' ? snprintf(buf, cap, "% *.*" spec, w, p, v)                          \
     : (fill) == '#' ? snprintf(buf, cap, "%#*.*" spec, w, p, v)                          \
                     : snprintf(buf, cap, "%*.*" spec, w, p, v))
/* '#' means nothing for integers (glibc ignores it), '+' and ' ' nothing for
 * unsigned ones; leaving those literals out keeps -Wformat quiet. */
#define AS_FMT_D(buf, cap, fill, w, v)                                                    \
    ((fill) == '-'   ? snprintf(buf, cap, "%-*lld", w, v)                                 \
     : (fill) == '0' ? snprintf(buf, cap, "%0*lld", w, v)                                 \
     : (fill) == '+' ? snprintf(buf, cap, "%+*lld", w, v)                                 \
     : (fill) == ' ' ? snprintf(buf, cap, "% *lld", w, v)                                 \
                     : snprintf(buf, cap, "%*lld", w, v))
#define AS_FMT_U(buf, cap, fill, w, v)                                                    \
    ((fill) == '-'   ? snprintf(buf, cap, "%-*llu", w, v)                                 \
     : (fill) == '0' ? snprintf(buf, cap, "%0*llu", w, v)                                 \
                     : snprintf(buf, cap, "%*llu", w, v))

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = h >> 10 & 0x1f, m = h & 0x3ff, u;
    if (e == 0x1f) {
        u = sign | 0x7f800000u | m << 13;
    } else if (e) {
        u = sign | (e + 112) << 23 | m << 13;
    } else if (m) { /* subnormal */
        int shift = 0;
        while (!(m & 0x400)) {
            m <<= 1;
            shift++;
        }
        u = sign | (uint32_t)(113 - shift) << 23 | (m & 0x3ff) << 13;
    } else {
        u = sign;
    }
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int format_one(const struct as_string_state *s, const struct md_tensor *x, int64_t i,
                      char *buf, size_t cap)
{
    int w = s->width < 0 ? 0 : s->width, p = s->precision;
    switch (x->dtype) {
    case MD_DT_FLOAT:
    case MD_DT_DOUBLE:
    case MD_DT_HALF: {
        double v;
        if (x->dtype == MD_DT_FLOAT)
            v = (double)((const float *)x->data)[i];
        else if (x->dtype == MD_DT_DOUBLE)
            v = ((const double *)x->data)[i];
        else
            v = (double)half_to_float(((const uint16_t *)x->data)[i]);
        if (s->conv == 'g')
            return AS_FMT(buf, cap, s->fill, "g", w, p, v);
        if (s->conv == 'e')
            return AS_FMT(buf, cap, s->fill, "e", w, p, v);
        return AS_FMT(buf, cap, s->fill, "f", w, p, v);
    }
    case MD_DT_INT8:
    case MD_DT_INT16:
    case MD_DT_INT32:
    case MD_DT_INT64: {
        long long v = x->dtype == MD_DT_INT8    ? ((const int8_t *)x->data)[i]
                      : x->dtype == MD_DT_INT16 ? ((const int16_t *)x->data)[i]
                      : x->dtype == MD_DT_INT32 ? ((const int32_t *)x->data)[i]
                                                : ((const int64_t *)x->data)[i];
        return AS_FMT_D(buf, cap, s->fill, w, v);
    }
    case MD_DT_UINT8:
    case MD_DT_UINT16:
    case MD_DT_UINT32:
    case MD_DT_UINT64: {
        unsigned long long v = x->dtype == MD_DT_UINT8    ? ((const uint8_t *)x->data)[i]
                               : x->dtype == MD_DT_UINT16 ? ((const uint16_t *)x->data)[i]
                               : x->dtype == MD_DT_UINT32 ? ((const uint32_t *)x->data)[i]
                                                          : ((const uint64_t *)x->data)[i];
        return AS_FMT_U(buf, cap, s->fill, w, v);
    }
    case MD_DT_BOOL:
        return snprintf(buf, cap, "%s", ((const uint8_t *)x->data)[i] ? "true" : "false");
    default:
        return -1;
    }
}

static bool as_string_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct as_string_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    char probe[8];
    if (x->dtype != MD_DT_STRING && md_tensor_num_elements(x) > 0 &&
        format_one(s, x, 0, probe, sizeof probe) < 0)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(x->dtype));
    if (!md_kernel_output(k, 0, MD_DT_STRING, x->rank, x->dims, st))
        return false;
    struct md_str *out = k->outputs[0].data;
    int64_t n = md_tensor_num_elements(x);
    struct md_arr_sbuf sb = { NULL, 0, 4096 };
    char buf[4600]; /* width <= 4096, precision <= 400: "%f" of DBL_MAX is ~310 + 400 */
    for (int64_t i = 0; i < n; i++) {
        int len;
        if (x->dtype == MD_DT_STRING) {
            /* strings only get padded to the width */
            const struct md_str *v = &((const struct md_str *)x->data)[i];
            size_t pad = s->width > 0 && (size_t)s->width > v->len ? (size_t)s->width - v->len : 0;
            char *p = md_arr_sbuf_put(k, &sb, NULL, v->len + pad, st);
            if (!p)
                return false;
            bool left = s->fill == '-';
            memset(left ? p + v->len : p, ' ', pad);
            if (v->len)
                memcpy(left ? p : p + pad, v->data, v->len);
            out[i] = (struct md_str){ p, v->len + pad };
            continue;
        }
        len = format_one(s, x, i, buf, sizeof buf);
        if (len < 0 || (size_t)len >= sizeof buf)
            return md_kernel_fail(k->node, st, MD_INTERNAL, "formatting failed");
        const char *p = md_arr_sbuf_put(k, &sb, buf, (size_t)len, st);
        if (!p)
            return false;
        out[i] = (struct md_str){ p, (size_t)len };
    }
    return true;
}

const struct md_op_def md_op_as_string = {
    .tf_name = "AsString",
    .init = as_string_init,
    .compute = as_string_compute,
};
