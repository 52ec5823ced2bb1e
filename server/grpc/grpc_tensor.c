/* grpc_tensor.c: TensorProto <-> md_tensor for the gRPC front end.
 *
 * Decoding is the engine's md_tensor_from_proto plus a size cap. Encoding
 * follows TensorFlow's Tensor::AsProtoField (what TF Serving's Predict
 * returns by default: one typed *_val field per dtype, int8/16 and uint8/16
 * widened into int_val, half as its 16 bits in half_val, bool in bool_val)
 * and Tensor::AsProtoTensorContent (--enable_serialization_as_tensor_content).
 * Numeric values are not copied: the proto points at the tensor's memory,
 * which lives until the response is serialized. */
#include <stdint.h>
#include <string.h>

#include "ops/kernel.h"
#include "server/grpc/grpc_impl.h"

/* Decoded bytes the proto asks for (elements x element size, plus string
 * bytes), or 0 when the shape is not decodable (the decoder says why). */
static uint64_t wanted_bytes(const Tensorflow__TensorProto *p)
{
    const Tensorflow__TensorShapeProto *s = p->tensor_shape;
    int64_t dims[MD_MAX_RANK];
    int rank = 0;
    if (s) {
        if (s->unknown_rank || s->n_dim > MD_MAX_RANK)
            return 0;
        for (size_t i = 0; i < s->n_dim; i++)
            dims[i] = s->dim[i]->size;
        rank = (int)s->n_dim;
    }
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0)
        return 0;
    uint64_t bytes = (uint64_t)n * md_dtype_info((int)p->dtype)->size;
    if (md_dtype_base((int)p->dtype) == MD_DT_STRING) {
        bytes += p->tensor_content.len;
        for (size_t i = 0; i < p->n_string_val; i++)
            bytes += p->string_val[i].len;
        /* A shorter list repeats its last value. */
        if (p->n_string_val && (uint64_t)n > p->n_string_val)
            bytes += ((uint64_t)n - p->n_string_val) * p->string_val[p->n_string_val - 1].len;
    }
    return bytes;
}

bool md_grpc_tensor_from_proto(const Tensorflow__TensorProto *p, size_t max_bytes,
                               struct md_tensor *out, struct md_status *st)
{
    if (p->dtype == TENSORFLOW__DATA_TYPE__DT_INVALID)
        return md_status_set(st, MD_INVALID_ARGUMENT, "TensorProto has no dtype (DT_INVALID)");
    uint64_t want = wanted_bytes(p);
    if (max_bytes && want > max_bytes)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED,
                             "a %s tensor of this shape needs %llu bytes, more than the "
                             "per-request limit of %zu bytes (--per_request_memory_limit)",
                             md_dtype_name((int)p->dtype), (unsigned long long)want, max_bytes);
    return md_tensor_from_proto(p, out, st);
}

static void *arena_array(struct md_arena *a, size_t n, size_t esz, struct md_status *st)
{
    return md_arena_alloc(a, n ? n * esz : 1, st);
}

/* Widens n elements of a small integer type into int32 (int_val, half_val). */
static int32_t *widen(struct md_arena *a, const struct md_tensor *t, size_t n,
                      struct md_status *st)
{
    int32_t *v = arena_array(a, n, sizeof *v, st);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case MD_DT_INT8: v[i] = ((const int8_t *)t->data)[i]; break;
        case MD_DT_UINT8: v[i] = ((const uint8_t *)t->data)[i]; break;
        case MD_DT_INT16: v[i] = ((const int16_t *)t->data)[i]; break;
        default: /* UINT16, HALF: the 16 bits, zero-extended */
            v[i] = ((const uint16_t *)t->data)[i];
            break;
        }
    }
    return v;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static bool string_content(const struct md_tensor *t, size_t n, struct md_arena *a,
                           Tensorflow__TensorProto *p, struct md_status *st)
{
    const struct md_str *s = t->data;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].len > UINT32_MAX)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "string element %zu of %zu bytes is too long for a TensorProto",
                                 i, s[i].len);
        total += varint_len(s[i].len) + s[i].len;
    }
    uint8_t *buf = md_arena_alloc(a, total ? total : 1, st);
    if (!buf)
        return false;
    uint8_t *w = buf;
    for (size_t i = 0; i < n; i++)
        w = put_varint(w, s[i].len);
    for (size_t i = 0; i < n; i++) {
        if (s[i].len)
            memcpy(w, s[i].data, s[i].len);
        w += s[i].len;
    }
    p->tensor_content.data = buf;
    p->tensor_content.len = total;
    return true;
}

bool md_grpc_tensor_to_proto(const struct md_tensor *t, bool as_content, struct md_arena *a,
                             Tensorflow__TensorProto *p, struct md_status *st)
{
    tensorflow__tensor_proto__init(p);
    int64_t count = md_tensor_num_elements(t);
    if (count < 0 || t->rank < 0 || t->rank > MD_MAX_RANK)
        return md_status_set(st, MD_INTERNAL, "output tensor has an invalid shape");
    size_t n = (size_t)count;
    const struct md_dtype_info *info = md_dtype_info(t->dtype);
    if (!info->supported || t->dtype == MD_DT_RESOURCE || t->dtype == MD_DT_VARIANT)
        return md_status_set(st, MD_UNIMPLEMENTED, "an output of dtype %s cannot be returned",
                             md_dtype_name(t->dtype));

    size_t r = (size_t)t->rank;
    Tensorflow__TensorShapeProto *sp = md_arena_alloc(a, sizeof *sp, st);
    Tensorflow__TensorShapeProto__Dim **dp = arena_array(a, r, sizeof *dp, st);
    Tensorflow__TensorShapeProto__Dim *dd = arena_array(a, r, sizeof *dd, st);
    if (!sp || !dp || !dd)
        return false;
    tensorflow__tensor_shape_proto__init(sp);
    for (size_t i = 0; i < r; i++) {
        tensorflow__tensor_shape_proto__dim__init(&dd[i]);
        dd[i].size = t->dims[i];
        dp[i] = &dd[i];
    }
    sp->n_dim = r;
    sp->dim = r ? dp : NULL;
    p->tensor_shape = sp;
    p->dtype = (Tensorflow__DataType)t->dtype;

    if (as_content) {
        if (t->dtype == MD_DT_STRING)
            return string_content(t, n, a, p, st);
        p->tensor_content.data = t->data;
        p->tensor_content.len = md_tensor_nbytes(t);
        return true;
    }
    switch (t->dtype) {
    case MD_DT_FLOAT:
        p->float_val = t->data;
        p->n_float_val = n;
        return true;
    case MD_DT_DOUBLE:
        p->double_val = t->data;
        p->n_double_val = n;
        return true;
    case MD_DT_INT32:
        p->int_val = t->data;
        p->n_int_val = n;
        return true;
    case MD_DT_INT64:
        p->int64_val = t->data;
        p->n_int64_val = n;
        return true;
    case MD_DT_UINT32:
        p->uint32_val = t->data;
        p->n_uint32_val = n;
        return true;
    case MD_DT_UINT64:
        p->uint64_val = t->data;
        p->n_uint64_val = n;
        return true;
    case MD_DT_INT8:
    case MD_DT_UINT8:
    case MD_DT_INT16:
    case MD_DT_UINT16:
        if (!(p->int_val = widen(a, t, n, st)))
            return false;
        p->n_int_val = n;
        return true;
    case MD_DT_HALF:
        if (!(p->half_val = widen(a, t, n, st)))
            return false;
        p->n_half_val = n;
        return true;
    case MD_DT_BOOL: {
        protobuf_c_boolean *b = arena_array(a, n, sizeof *b, st);
        if (!b)
            return false;
        for (size_t i = 0; i < n; i++)
            b[i] = ((const uint8_t *)t->data)[i] != 0;
        p->bool_val = b;
        p->n_bool_val = n;
        return true;
    }
    case MD_DT_STRING: {
        const struct md_str *s = t->data;
        ProtobufCBinaryData *v = arena_array(a, n, sizeof *v, st);
        if (!v)
            return false;
        for (size_t i = 0; i < n; i++) {
            /* Serialized, never written through: the cast only drops const. */
            v[i].data = (uint8_t *)(uintptr_t)s[i].data;
            v[i].len = s[i].len;
        }
        p->string_val = v;
        p->n_string_val = n;
        return true;
    }
    default:
        return md_status_set(st, MD_UNIMPLEMENTED, "an output of dtype %s cannot be returned",
                             md_dtype_name(t->dtype));
    }
}
