/* json_encode.c: tensors -> TF Serving's REST response JSON, written
 * straight into a reusable buffer (no DOM). Floats are printed the way TF
 * Serving's json_tensor.cc does: shortest "%g" form if it round-trips, else
 * full precision, ".0" added to whole numbers, NaN/Infinity as tokens. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_impl.h"

/* ------------------------------------------------------------ sbuf */

void md_sbuf_reset(struct md_sbuf *b)
{
    b->len = 0;
    b->oom = false;
}

void md_sbuf_free(struct md_sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

bool md_sbuf_reserve(struct md_sbuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > more)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= more) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *nd = realloc(b->data, cap);
    if (!nd) {
        b->oom = true;
        return false;
    }
    b->data = nd;
    b->cap = cap;
    return true;
}

void md_sbuf_put(struct md_sbuf *b, const void *data, size_t len)
{
    if (!md_sbuf_reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void md_sbuf_puts(struct md_sbuf *b, const char *s) { md_sbuf_put(b, s, strlen(s)); }

void md_sbuf_putc(struct md_sbuf *b, char c)
{
    if (!md_sbuf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void md_sbuf_printf(struct md_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        md_sbuf_put(b, tmp, (size_t)n);
        return;
    }
    if (!md_sbuf_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---------------------------------------------------------- base64 */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void md_base64_encode(struct md_sbuf *out, const unsigned char *src, size_t len)
{
    if (!md_sbuf_reserve(out, (len + 2) / 3 * 4 + 1))
        return;
    char *o = out->data + out->len;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8 | src[i + 2];
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = b64chars[(v >> 6) & 63];
        *o++ = b64chars[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)src[i] << 16 | (i + 1 < len ? (unsigned)src[i + 1] << 8 : 0);
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long md_base64_decode(const char *src, size_t len, unsigned char *dst)
{
    /* Padding is optional; when present it must complete the last quad. */
    size_t pad = 0;
    while (len > 0 && src[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    if (pad && (len + pad) % 4 != 0)
        return -1;
    if (len % 4 == 1)
        return -1;
    long o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)src[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero (canonical encoding). */
    if (acc != 0)
        return -1;
    return o;
}

/* ----------------------------------------------------------- values */

void md_json_write_string(struct md_sbuf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!md_sbuf_reserve(out, len + 2))
        return;
    md_sbuf_putc(out, '"');
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            i++;
        }
        if (i > start)
            md_sbuf_put(out, s + start, i - start);
        if (i >= len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* Copy a valid UTF-8 sequence; an invalid byte becomes U+FFFD
             * since JSON text cannot carry it (use a *_bytes alias for
             * binary outputs). */
            int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            bool ok = n > 0 && i + (size_t)n <= len;
            for (int k = 1; ok && k < n; k++)
                ok = ((unsigned char)s[i + (size_t)k] & 0xc0) == 0x80;
            if (ok && n == 3) {
                unsigned char c1 = (unsigned char)s[i + 1];
                ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
            } else if (ok && n == 4) {
                unsigned char c1 = (unsigned char)s[i + 1];
                ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
            }
            if (ok) {
                md_sbuf_put(out, s + i, (size_t)n);
                i += (size_t)n;
            } else {
                md_sbuf_puts(out, "\\ufffd");
                i++;
            }
            continue;
        }
        i++;
        switch (c) {
        case '"': md_sbuf_puts(out, "\\\""); break;
        case '\\': md_sbuf_puts(out, "\\\\"); break;
        case '\n': md_sbuf_puts(out, "\\n"); break;
        case '\r': md_sbuf_puts(out, "\\r"); break;
        case '\t': md_sbuf_puts(out, "\\t"); break;
        case '\b': md_sbuf_puts(out, "\\b"); break;
        case '\f': md_sbuf_puts(out, "\\f"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            md_sbuf_put(out, u, 6);
        }
        }
    }
    md_sbuf_putc(out, '"');
}

static void finish_decimal(struct md_sbuf *out, const char *buf, int n)
{
    md_sbuf_put(out, buf, (size_t)n);
    if (!memchr(buf, '.', (size_t)n) && !memchr(buf, 'e', (size_t)n))
        md_sbuf_put(out, ".0", 2);
}

void md_json_write_float(struct md_sbuf *out, float v)
{
    if (isnan(v)) {
        md_sbuf_put(out, "NaN", 3);
        return;
    }
    if (isinf(v)) {
        md_sbuf_puts(out, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    char buf[40];
    int n;
    /* Whole numbers below 1e6 print the same under %g: skip the parse. */
    if (v == truncf(v) && fabsf(v) < 1e6f) {
        n = snprintf(buf, sizeof buf, "%.0f", (double)v);
        if (v == 0 && signbit(v))
            n = snprintf(buf, sizeof buf, "-0");
    } else {
        n = snprintf(buf, sizeof buf, "%.6g", (double)v);
        if (strtof(buf, NULL) != v)
            n = snprintf(buf, sizeof buf, "%.9g", (double)v);
    }
    finish_decimal(out, buf, n);
}

void md_json_write_double(struct md_sbuf *out, double v)
{
    if (isnan(v)) {
        md_sbuf_put(out, "NaN", 3);
        return;
    }
    if (isinf(v)) {
        md_sbuf_puts(out, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.6g", v);
    if (strtod(buf, NULL) != v)
        n = snprintf(buf, sizeof buf, "%.17g", v);
    finish_decimal(out, buf, n);
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float f;
    if (exp == 0)
        f = ldexpf((float)man, -24);
    else if (exp == 31)
        f = man ? NAN : INFINITY;
    else
        f = ldexpf((float)(man | 0x400), (int)exp - 25);
    return sign ? -f : f;
}

static float bf16_to_float(uint16_t b)
{
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static bool dtype_writable(enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_FLOAT: case MD_DT_DOUBLE: case MD_DT_INT32: case MD_DT_UINT8:
    case MD_DT_INT16: case MD_DT_INT8: case MD_DT_STRING: case MD_DT_INT64:
    case MD_DT_BOOL: case MD_DT_UINT16: case MD_DT_UINT32: case MD_DT_UINT64:
    case MD_DT_HALF: case MD_DT_BFLOAT16:
        return true;
    default:
        return false;
    }
}

static void write_elem(struct md_sbuf *o, const struct md_tensor *t, size_t i, bool b64)
{
    const void *d = t->data;
    switch (t->dtype) {
    case MD_DT_FLOAT: md_json_write_float(o, ((const float *)d)[i]); break;
    case MD_DT_DOUBLE: md_json_write_double(o, ((const double *)d)[i]); break;
    case MD_DT_HALF: md_json_write_float(o, half_to_float(((const uint16_t *)d)[i])); break;
    case MD_DT_BFLOAT16: md_json_write_float(o, bf16_to_float(((const uint16_t *)d)[i])); break;
    case MD_DT_INT32: md_sbuf_printf(o, "%d", ((const int32_t *)d)[i]); break;
    case MD_DT_INT16: md_sbuf_printf(o, "%d", ((const int16_t *)d)[i]); break;
    case MD_DT_INT8: md_sbuf_printf(o, "%d", ((const int8_t *)d)[i]); break;
    case MD_DT_UINT8: md_sbuf_printf(o, "%u", ((const uint8_t *)d)[i]); break;
    case MD_DT_UINT16: md_sbuf_printf(o, "%u", ((const uint16_t *)d)[i]); break;
    case MD_DT_UINT32: md_sbuf_printf(o, "%u", ((const uint32_t *)d)[i]); break;
    case MD_DT_INT64: md_sbuf_printf(o, "%lld", (long long)((const int64_t *)d)[i]); break;
    case MD_DT_UINT64: md_sbuf_printf(o, "%llu", (unsigned long long)((const uint64_t *)d)[i]); break;
    case MD_DT_BOOL: md_sbuf_puts(o, ((const bool *)d)[i] ? "true" : "false"); break;
    case MD_DT_STRING: {
        const struct md_str *s = &((const struct md_str *)d)[i];
        if (b64) {
            md_sbuf_puts(o, "{\"b64\": \"");
            md_base64_encode(o, (const unsigned char *)s->data, s->len);
            md_sbuf_puts(o, "\"}");
        } else {
            md_json_write_string(o, s->data, s->len);
        }
        break;
    }
    default: break;
    }
}

/* Writes the sub-tensor of t from dimension dim on, starting at element *idx. */
static void write_nd(struct md_sbuf *o, const struct md_tensor *t, int dim, size_t *idx, bool b64)
{
    if (dim >= t->rank) {
        write_elem(o, t, (*idx)++, b64);
        return;
    }
    md_sbuf_putc(o, '[');
    for (int64_t i = 0; i < t->dims[dim]; i++) {
        if (i)
            md_sbuf_putc(o, ',');
        write_nd(o, t, dim + 1, idx, b64);
    }
    md_sbuf_putc(o, ']');
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

bool md_json_predict_encode(struct md_sbuf *out, enum md_json_format format,
                            const struct md_serve_output *outs, size_t n, struct md_status *st)
{
    if (n == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Cannot convert empty tensor map to JSON");
    int64_t batch = -1;
    for (size_t i = 0; i < n; i++) {
        const struct md_tensor *t = &outs[i].tensor;
        if (!dtype_writable(t->dtype))
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Failed to write JSON value for tensor type: %s",
                                 md_dtype_info(t->dtype)->tf_name);
        if (t->rank > 0 && md_tensor_num_elements(t) > 0 && !t->data)
            return md_status_set(st, MD_INTERNAL, "output '%s' has no data", outs[i].alias);
        if (format != MD_JSON_ROW)
            continue;
        if (t->rank == 0)
            return md_status_set(st, MD_INVALID_ARGUMENT, "Tensor name: %s has no shape information ",
                                 outs[i].alias);
        if (batch >= 0 && t->dims[0] != batch)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Tensor name: %s has inconsistent batch size: %lld expecting: %lld",
                                 outs[i].alias, (long long)t->dims[0], (long long)batch);
        batch = t->dims[0];
    }
    if (format == MD_JSON_ROW) {
        md_sbuf_puts(out, "{\"predictions\":[");
        size_t *idx = calloc(n, sizeof *idx);
        if (!idx)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        for (int64_t r = 0; r < batch; r++) {
            if (r)
                md_sbuf_putc(out, ',');
            if (n > 1)
                md_sbuf_putc(out, '{');
            for (size_t i = 0; i < n; i++) {
                if (n > 1) {
                    if (i)
                        md_sbuf_putc(out, ',');
                    md_json_write_string(out, outs[i].alias, strlen(outs[i].alias));
                    md_sbuf_putc(out, ':');
                }
                const struct md_tensor *t = &outs[i].tensor;
                bool b64 = t->dtype == MD_DT_STRING && ends_with(outs[i].alias, "_bytes");
                write_nd(out, t, 1, &idx[i], b64);
            }
            if (n > 1)
                md_sbuf_putc(out, '}');
        }
        free(idx);
        md_sbuf_puts(out, "]}");
    } else {
        md_sbuf_puts(out, "{\"outputs\":");
        if (n > 1)
            md_sbuf_putc(out, '{');
        for (size_t i = 0; i < n; i++) {
            if (n > 1) {
                if (i)
                    md_sbuf_putc(out, ',');
                md_json_write_string(out, outs[i].alias, strlen(outs[i].alias));
                md_sbuf_putc(out, ':');
            }
            const struct md_tensor *t = &outs[i].tensor;
            size_t idx = 0;
            write_nd(out, t, 0, &idx, t->dtype == MD_DT_STRING && ends_with(outs[i].alias, "_bytes"));
        }
        if (n > 1)
            md_sbuf_putc(out, '}');
        md_sbuf_putc(out, '}');
    }
    if (out->oom)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing the response");
    return true;
}

bool md_json_classify_encode(struct md_sbuf *out, const struct md_classify_result *r,
                             struct md_status *st)
{
    if (r->n_examples == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Cannot convert empty ClassificationResults to JSON");
    md_sbuf_puts(out, "{\"results\":[");
    for (size_t e = 0; e < r->n_examples; e++) {
        if (e)
            md_sbuf_putc(out, ',');
        md_sbuf_putc(out, '[');
        for (size_t c = 0; c < r->n_classes; c++) {
            size_t i = e * r->n_classes + c;
            if (c)
                md_sbuf_putc(out, ',');
            md_sbuf_putc(out, '[');
            if (r->labels)
                md_json_write_string(out, r->labels[i].data, r->labels[i].len);
            else
                md_sbuf_puts(out, "\"\"");
            md_sbuf_putc(out, ',');
            md_json_write_float(out, r->scores ? r->scores[i] : 0.0f);
            md_sbuf_putc(out, ']');
        }
        md_sbuf_putc(out, ']');
    }
    md_sbuf_puts(out, "]}");
    if (out->oom)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing the response");
    return true;
}

bool md_json_regress_encode(struct md_sbuf *out, const float *v, size_t n, struct md_status *st)
{
    if (n == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Cannot convert empty RegressionResults to JSON");
    md_sbuf_puts(out, "{\"results\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            md_sbuf_putc(out, ',');
        md_json_write_float(out, v[i]);
    }
    md_sbuf_puts(out, "]}");
    if (out->oom)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing the response");
    return true;
}

void md_json_write_error(struct md_sbuf *out, const char *msg)
{
    /* Built with jansson; a message that is not valid UTF-8 is escaped first. */
    json_t *s = json_string(msg);
    if (!s) {
        char esc[MD_STATUS_MSG_MAX * 4];
        md_escape(esc, sizeof esc, msg, strlen(msg));
        s = json_string(esc);
    }
    json_t *o = json_object();
    char *text = NULL;
    if (s && o && json_object_set_new(o, "error", s) == 0) {
        s = NULL;
        text = json_dumps(o, JSON_COMPACT);
    }
    json_decref(s);
    json_decref(o);
    if (text) {
        md_sbuf_puts(out, text);
        free(text);
    } else {
        md_sbuf_puts(out, "{\"error\":\"out of memory\"}");
    }
}
