/* tensor_proto.c: TensorProto <-> md_tensor.
 *
 * Decoding follows TensorFlow's Tensor::FromProto: tensor_content (raw
 * little-endian values; for strings, all varint32 lengths then all bytes)
 * wins when present; otherwise the typed *_val field for the dtype is used,
 * an empty list means zeros and a shorter list is padded with its last value.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/ops_impl.h"

static bool decode_shape(const Tensorflow__TensorProto *p, int *rank, int64_t *dims,
                         struct md_status *st)
{
    const Tensorflow__TensorShapeProto *s = p->tensor_shape;
    *rank = 0;
    if (!s)
        return true;
    if (s->unknown_rank)
        return md_status_set(st, MD_INVALID_ARGUMENT, "tensor proto has an unknown rank");
    if (s->n_dim > MD_MAX_RANK)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "tensor proto has rank %zu, more than the maximum of %d", s->n_dim,
                             MD_MAX_RANK);
    for (size_t i = 0; i < s->n_dim; i++) {
        if (s->dim[i]->size < 0)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "tensor proto has a negative dimension (%lld)",
                                 (long long)s->dim[i]->size);
        dims[i] = s->dim[i]->size;
    }
    *rank = (int)s->n_dim;
    return true;
}

/* Reads a varint32 from [*p, end); false when malformed. */
static bool varint32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Typed value list for a dtype: pointer, count and element size. */
static const void *typed_vals(const Tensorflow__TensorProto *p, enum md_dtype dt, size_t *count,
                              size_t *src_size)
{
    switch (dt) {
    case MD_DT_FLOAT: *count = p->n_float_val; *src_size = 4; return p->float_val;
    case MD_DT_DOUBLE: *count = p->n_double_val; *src_size = 8; return p->double_val;
    case MD_DT_INT32: case MD_DT_INT16: case MD_DT_INT8: case MD_DT_UINT8: case MD_DT_UINT16:
        *count = p->n_int_val; *src_size = 4; return p->int_val;
    case MD_DT_INT64: *count = p->n_int64_val; *src_size = 8; return p->int64_val;
    case MD_DT_BOOL: *count = p->n_bool_val; *src_size = sizeof(protobuf_c_boolean); return p->bool_val;
    case MD_DT_HALF: *count = p->n_half_val; *src_size = 4; return p->half_val;
    case MD_DT_UINT32: *count = p->n_uint32_val; *src_size = 4; return p->uint32_val;
    case MD_DT_UINT64: *count = p->n_uint64_val; *src_size = 8; return p->uint64_val;
    default: *count = 0; *src_size = 0; return NULL;
    }
}

/* Stores element i of a typed list into dst (element size esz). */
static void put_elem(void *dst, size_t esz, enum md_dtype dt, const void *vals, size_t i)
{
    switch (dt) {
    case MD_DT_INT16: { int16_t v = (int16_t)((const int32_t *)vals)[i]; memcpy(dst, &v, esz); break; }
    case MD_DT_INT8: { int8_t v = (int8_t)((const int32_t *)vals)[i]; memcpy(dst, &v, esz); break; }
    case MD_DT_UINT8: { uint8_t v = (uint8_t)((const int32_t *)vals)[i]; memcpy(dst, &v, esz); break; }
    case MD_DT_UINT16: case MD_DT_HALF: {
        uint16_t v = (uint16_t)((const int32_t *)vals)[i];
        memcpy(dst, &v, esz);
        break;
    }
    case MD_DT_BOOL: { uint8_t v = ((const protobuf_c_boolean *)vals)[i] ? 1 : 0; memcpy(dst, &v, 1); break; }
    default: memcpy(dst, (const char *)vals + i * esz, esz); break;
    }
}

bool md_tensor_decode_proto(const Tensorflow__TensorProto *p, struct md_arena *a,
                            struct md_tensor *out, struct md_status *st)
{
    enum md_dtype dt = (enum md_dtype)p->dtype;
    const struct md_dtype_info *info = md_dtype_info(dt);
    if ((int)p->dtype > MD_DT_REF_OFFSET || !info->supported || dt == MD_DT_RESOURCE ||
        dt == MD_DT_VARIANT)
        return md_status_set(st, MD_UNIMPLEMENTED, "tensor proto of dtype %s is not supported",
                             md_dtype_name((int)p->dtype));
    int rank;
    int64_t dims[MD_MAX_RANK] = { 0 };
    if (!decode_shape(p, &rank, dims, st))
        return false;
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0) {
        char s[160];
        return md_status_set(st, MD_INVALID_ARGUMENT, "tensor proto shape %s is too large",
                             md_shape_str(s, sizeof s, rank, dims));
    }
    size_t esz = info->size;
    size_t nbytes = (size_t)n * esz;
    size_t extra = 0;
    const uint8_t *content = p->tensor_content.data;
    size_t clen = p->tensor_content.len;
    const uint8_t *sbytes = NULL; /* string bytes inside tensor_content */
    if (dt == MD_DT_STRING) {
        if (clen) {
            const uint8_t *q = content, *end = content + clen;
            uint64_t total = 0;
            for (int64_t i = 0; i < n; i++) {
                uint32_t l;
                if (!varint32(&q, end, &l))
                    return md_status_set(st, MD_INVALID_ARGUMENT,
                                         "string tensor_content is malformed");
                total += l;
            }
            if (total != (uint64_t)(end - q))
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "string tensor_content holds %llu bytes, lengths say %llu",
                                     (unsigned long long)(end - q), (unsigned long long)total);
            extra = (size_t)total;
            sbytes = q;
        } else {
            if (p->n_string_val > (uint64_t)n)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "tensor proto has %zu values but its shape holds %lld",
                                     p->n_string_val, (long long)n);
            for (size_t i = 0; i < p->n_string_val; i++)
                extra += p->string_val[i].len;
            if (p->n_string_val && (uint64_t)n > p->n_string_val) {
                size_t last = p->string_val[p->n_string_val - 1].len;
                uint64_t pad = (uint64_t)(n - (int64_t)p->n_string_val) * last;
                if (pad > ((uint64_t)1 << 40))
                    return md_status_set(st, MD_RESOURCE_EXHAUSTED, "string tensor too large");
                extra += (size_t)pad;
            }
        }
    } else if (clen && clen != nbytes) {
        char s[160];
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "tensor_content has %zu bytes, %s of %s needs %zu", clen,
                             md_shape_str(s, sizeof s, rank, dims), info->tf_name, nbytes);
    }
    if (extra > SIZE_MAX - nbytes)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "tensor too large");
    struct md_tensor t = MD_TENSOR_INIT;
    if (a) {
        t.data = md_arena_alloc(a, nbytes + extra, st);
        if (!t.data)
            return false;
        t.dtype = dt;
        t.rank = rank;
        memcpy(t.dims, dims, sizeof dims);
    } else if (!md_tensor_alloc(&t, dt, rank, dims, extra, st)) {
        return false;
    }
    if (dt == MD_DT_STRING) {
        struct md_str *s = t.data;
        char *bytes = (char *)t.data + nbytes;
        if (sbytes) {
            const uint8_t *q = content, *end = content + clen;
            for (int64_t i = 0; i < n; i++) {
                uint32_t l = 0;
                (void)varint32(&q, end, &l); /* validated above */
                if (l)
                    memcpy(bytes, sbytes, l);
                s[i] = (struct md_str){ bytes, l };
                sbytes += l;
                bytes += l;
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                if (!p->n_string_val) {
                    s[i] = (struct md_str){ bytes, 0 };
                    continue;
                }
                size_t k = (size_t)i < p->n_string_val ? (size_t)i : p->n_string_val - 1;
                size_t l = p->string_val[k].len;
                if (l)
                    memcpy(bytes, p->string_val[k].data, l);
                s[i] = (struct md_str){ bytes, l };
                bytes += l;
            }
        }
    } else if (clen) {
        memcpy(t.data, content, nbytes);
    } else {
        size_t count, ssz;
        const void *vals = typed_vals(p, dt, &count, &ssz);
        if (count > (uint64_t)n) {
            md_tensor_cleanup(&t);
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "tensor proto has %zu values but its shape holds %lld", count,
                                 (long long)n);
        }
        if (count == 0) {
            if (nbytes)
                memset(t.data, 0, nbytes);
        } else {
            char *d = t.data;
            for (int64_t i = 0; i < n; i++)
                put_elem(d + (size_t)i * esz, esz, dt, vals,
                         (size_t)i < count ? (size_t)i : count - 1);
        }
    }
    *out = t;
    return true;
}

bool md_tensor_from_proto(const Tensorflow__TensorProto *p, struct md_tensor *out,
                          struct md_status *st)
{
    return md_tensor_decode_proto(p, NULL, out, st);
}

bool md_tensor_to_proto(const struct md_tensor *t, Tensorflow__TensorProto *p,
                        struct md_status *st)
{
    tensorflow__tensor_proto__init(p);
    int64_t n = md_tensor_num_elements(t);
    if (n < 0 || t->rank < 0 || t->rank > MD_MAX_RANK)
        return md_status_set(st, MD_INVALID_ARGUMENT, "invalid tensor shape");
    const struct md_dtype_info *info = md_dtype_info(t->dtype);
    if (!info->supported || t->dtype == MD_DT_RESOURCE || t->dtype == MD_DT_VARIANT)
        return md_status_set(st, MD_UNIMPLEMENTED, "dtype %s cannot be sent in a TensorProto",
                             md_dtype_name(t->dtype));
    /* Shape: one block holding the message, the pointer array and the dims. */
    size_t r = (size_t)t->rank;
    char *blk = malloc(sizeof(Tensorflow__TensorShapeProto) +
                       r * (sizeof(Tensorflow__TensorShapeProto__Dim *) +
                            sizeof(Tensorflow__TensorShapeProto__Dim)) + 1);
    if (!blk)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory encoding a tensor");
    Tensorflow__TensorShapeProto *sp = (Tensorflow__TensorShapeProto *)blk;
    tensorflow__tensor_shape_proto__init(sp);
    Tensorflow__TensorShapeProto__Dim **dp =
        (Tensorflow__TensorShapeProto__Dim **)(blk + sizeof *sp);
    Tensorflow__TensorShapeProto__Dim *dd =
        (Tensorflow__TensorShapeProto__Dim *)(blk + sizeof *sp + r * sizeof *dp);
    for (size_t i = 0; i < r; i++) {
        tensorflow__tensor_shape_proto__dim__init(&dd[i]);
        dd[i].size = t->dims[i];
        dp[i] = &dd[i];
    }
    sp->n_dim = r;
    sp->dim = r ? dp : NULL;
    p->tensor_shape = sp;
    p->dtype = (Tensorflow__DataType)t->dtype;
    if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = t->data;
        size_t total = 0;
        for (int64_t i = 0; i < n; i++)
            total += s[i].len;
        char *sb = malloc((size_t)n * sizeof(ProtobufCBinaryData) + total + 1);
        if (!sb) {
            md_tensor_proto_cleanup(p);
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory encoding a tensor");
        }
        ProtobufCBinaryData *v = (ProtobufCBinaryData *)sb;
        uint8_t *bytes = (uint8_t *)(sb + (size_t)n * sizeof *v);
        for (int64_t i = 0; i < n; i++) {
            if (s[i].len)
                memcpy(bytes, s[i].data, s[i].len);
            v[i].data = bytes;
            v[i].len = s[i].len;
            bytes += s[i].len;
        }
        p->string_val = v;
        p->n_string_val = (size_t)n;
        return true;
    }
    size_t nb = md_tensor_nbytes(t);
    if (nb) {
        p->tensor_content.data = malloc(nb);
        if (!p->tensor_content.data) {
            md_tensor_proto_cleanup(p);
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory encoding a tensor");
        }
        memcpy(p->tensor_content.data, t->data, nb);
        p->tensor_content.len = nb;
    }
    return true;
}

void md_tensor_proto_cleanup(Tensorflow__TensorProto *p)
{
    if (!p)
        return;
    free(p->tensor_shape);
    free(p->tensor_content.data);
    free(p->string_val);
    tensorflow__tensor_proto__init(p);
}
