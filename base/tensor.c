#include "base/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DT(e, n, tf, np, sz) [e] = { n, tf, np, sz, true }
static const struct md_dtype_info dtype_table[MD_DT_COUNT] = {
    [MD_DT_INVALID] = { "DT_INVALID", "invalid", NULL, 0, false },
    DT(MD_DT_FLOAT, "DT_FLOAT", "float", "float32", 4),
    DT(MD_DT_DOUBLE, "DT_DOUBLE", "double", "float64", 8),
    DT(MD_DT_INT32, "DT_INT32", "int32", "int32", 4),
    DT(MD_DT_UINT8, "DT_UINT8", "uint8", "uint8", 1),
    DT(MD_DT_INT16, "DT_INT16", "int16", "int16", 2),
    DT(MD_DT_INT8, "DT_INT8", "int8", "int8", 1),
    DT(MD_DT_STRING, "DT_STRING", "string", NULL, sizeof(struct md_str)),
    [MD_DT_COMPLEX64] = { "DT_COMPLEX64", "complex64", "complex64", 8, false },
    DT(MD_DT_INT64, "DT_INT64", "int64", "int64", 8),
    DT(MD_DT_BOOL, "DT_BOOL", "bool", "bool", 1),
    [MD_DT_QINT8] = { "DT_QINT8", "qint8", NULL, 1, false },
    [MD_DT_QUINT8] = { "DT_QUINT8", "quint8", NULL, 1, false },
    [MD_DT_QINT32] = { "DT_QINT32", "qint32", NULL, 4, false },
    [MD_DT_BFLOAT16] = { "DT_BFLOAT16", "bfloat16", NULL, 2, false },
    [MD_DT_QINT16] = { "DT_QINT16", "qint16", NULL, 2, false },
    [MD_DT_QUINT16] = { "DT_QUINT16", "quint16", NULL, 2, false },
    DT(MD_DT_UINT16, "DT_UINT16", "uint16", "uint16", 2),
    [MD_DT_COMPLEX128] = { "DT_COMPLEX128", "complex128", "complex128", 16, false },
    DT(MD_DT_HALF, "DT_HALF", "half", "float16", 2),
    /* A resource handle in modeld is an index/pointer-sized value. */
    DT(MD_DT_RESOURCE, "DT_RESOURCE", "resource", NULL, sizeof(void *)),
    DT(MD_DT_VARIANT, "DT_VARIANT", "variant", NULL, sizeof(void *)),
    DT(MD_DT_UINT32, "DT_UINT32", "uint32", "uint32", 4),
    DT(MD_DT_UINT64, "DT_UINT64", "uint64", "uint64", 8),
};
#undef DT

static const char *const ref_names[MD_DT_COUNT] = {
    [MD_DT_FLOAT] = "DT_FLOAT_REF", [MD_DT_DOUBLE] = "DT_DOUBLE_REF",
    [MD_DT_INT32] = "DT_INT32_REF", [MD_DT_UINT8] = "DT_UINT8_REF",
    [MD_DT_INT16] = "DT_INT16_REF", [MD_DT_INT8] = "DT_INT8_REF",
    [MD_DT_STRING] = "DT_STRING_REF", [MD_DT_COMPLEX64] = "DT_COMPLEX64_REF",
    [MD_DT_INT64] = "DT_INT64_REF", [MD_DT_BOOL] = "DT_BOOL_REF",
    [MD_DT_QINT8] = "DT_QINT8_REF", [MD_DT_QUINT8] = "DT_QUINT8_REF",
    [MD_DT_QINT32] = "DT_QINT32_REF", [MD_DT_BFLOAT16] = "DT_BFLOAT16_REF",
    [MD_DT_QINT16] = "DT_QINT16_REF", [MD_DT_QUINT16] = "DT_QUINT16_REF",
    [MD_DT_UINT16] = "DT_UINT16_REF", [MD_DT_COMPLEX128] = "DT_COMPLEX128_REF",
    [MD_DT_HALF] = "DT_HALF_REF", [MD_DT_RESOURCE] = "DT_RESOURCE_REF",
    [MD_DT_VARIANT] = "DT_VARIANT_REF", [MD_DT_UINT32] = "DT_UINT32_REF",
    [MD_DT_UINT64] = "DT_UINT64_REF",
};

const struct md_dtype_info *md_dtype_info(int dtype)
{
    int b = md_dtype_base(dtype);
    if (b < 0 || b >= MD_DT_COUNT || !dtype_table[b].name)
        return &dtype_table[MD_DT_INVALID];
    return &dtype_table[b];
}

const char *md_dtype_name(int dtype)
{
    static _Thread_local char unknown[32];
    if (dtype >= 0 && dtype < MD_DT_COUNT && dtype_table[dtype].name)
        return dtype_table[dtype].name;
    if (dtype > MD_DT_REF_OFFSET && dtype - MD_DT_REF_OFFSET < MD_DT_COUNT &&
        ref_names[dtype - MD_DT_REF_OFFSET])
        return ref_names[dtype - MD_DT_REF_OFFSET];
    snprintf(unknown, sizeof unknown, "DT_%d", dtype);
    return unknown;
}

enum md_dtype md_dtype_from_name(const char *name)
{
    for (int i = 1; i < MD_DT_COUNT; i++) {
        const struct md_dtype_info *d = &dtype_table[i];
        if (!d->name)
            continue;
        if (!strcmp(name, d->name) || !strcmp(name, d->tf_name) ||
            (d->np_name && !strcmp(name, d->np_name)))
            return (enum md_dtype)i;
    }
    return MD_DT_INVALID;
}

static void buf_release_malloc(struct md_buf *b)
{
    free(b->data);
    free(b);
}

struct md_buf *md_buf_new(size_t size, struct md_status *st)
{
    struct md_buf *b = malloc(sizeof *b);
    void *data = NULL;
    size_t rounded = (size + 63) & ~(size_t)63;
    if (b && (rounded >= size))
        data = aligned_alloc(64, rounded ? rounded : 64);
    if (!b || !data) {
        free(b);
        free(data);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory allocating %zu bytes", size);
        return NULL;
    }
    memset(data, 0, rounded ? rounded : 64);
    atomic_init(&b->refs, 1);
    b->size = size;
    b->data = data;
    b->release = buf_release_malloc;
    b->owner = NULL;
    return b;
}

struct md_buf *md_buf_ref(struct md_buf *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void md_buf_unref(struct md_buf *b)
{
    if (!b)
        return;
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        b->release(b);
}

int64_t md_shape_num_elements(int rank, const int64_t *dims)
{
    const int64_t cap = (int64_t)1 << 40;
    int64_t n = 1;
    if (rank < 0 || rank > MD_MAX_RANK)
        return -1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return -1;
        if (dims[i] == 0)
            n = 0;
        else if (n > cap / dims[i])
            return -1;
        else
            n *= dims[i];
    }
    /* A zero dim makes the product 0 even if a later dim is huge; keep checking
     * the other dims for negativity above, and report 0. */
    return n;
}

size_t md_tensor_nbytes(const struct md_tensor *t)
{
    int64_t n = md_tensor_num_elements(t);
    return n < 0 ? 0 : (size_t)n * md_dtype_size(t->dtype);
}

bool md_tensor_alloc(struct md_tensor *t, enum md_dtype dtype, int rank, const int64_t *dims,
                     size_t extra, struct md_status *st)
{
    const struct md_dtype_info *info = md_dtype_info(dtype);
    if (!info->supported || md_dtype_base(dtype) != dtype)
        return md_status_set(st, MD_UNIMPLEMENTED, "dtype %s is not supported",
                             md_dtype_name(dtype));
    if (rank < 0 || rank > MD_MAX_RANK)
        return md_status_set(st, MD_INVALID_ARGUMENT, "rank %d exceeds the maximum of %d", rank,
                             MD_MAX_RANK);
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0) {
        char s[160];
        return md_status_set(st, MD_INVALID_ARGUMENT, "invalid or too large shape %s",
                             md_shape_str(s, sizeof s, rank, dims));
    }
    size_t bytes = (size_t)n * info->size;
    if (extra > SIZE_MAX - bytes)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "tensor too large");
    struct md_buf *b = md_buf_new(bytes + extra, st);
    if (!b)
        return false;
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < MD_MAX_RANK; i++)
        t->dims[i] = i < rank ? dims[i] : 0;
    t->data = b->data;
    t->buf = b;
    return true;
}

void md_tensor_share(struct md_tensor *dst, const struct md_tensor *src)
{
    *dst = *src;
    md_buf_ref(dst->buf);
}

bool md_tensor_copy(struct md_tensor *dst, const struct md_tensor *src, struct md_status *st)
{
    size_t nb = md_tensor_nbytes(src);
    size_t extra = 0;
    int64_t n = md_tensor_num_elements(src);
    if (src->dtype == MD_DT_STRING) {
        const struct md_str *s = src->data;
        for (int64_t i = 0; i < n; i++)
            extra += s[i].len;
    }
    if (!md_tensor_alloc(dst, src->dtype, src->rank, src->dims, extra, st))
        return false;
    if (src->dtype == MD_DT_STRING) {
        const struct md_str *s = src->data;
        struct md_str *d = dst->data;
        char *p = (char *)dst->data + nb;
        for (int64_t i = 0; i < n; i++) {
            if (s[i].len)
                memcpy(p, s[i].data, s[i].len);
            d[i].data = p;
            d[i].len = s[i].len;
            p += s[i].len;
        }
    } else if (nb) {
        memcpy(dst->data, src->data, nb);
    }
    return true;
}

void md_tensor_cleanup(struct md_tensor *t)
{
    if (!t)
        return;
    md_buf_unref(t->buf);
    *t = (struct md_tensor)MD_TENSOR_INIT;
}

char *md_shape_str(char *buf, size_t cap, int rank, const int64_t *dims)
{
    size_t o = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    o += (size_t)snprintf(buf + o, cap - o, "[");
    for (int i = 0; i < rank && i < MD_MAX_RANK && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, i ? ",%lld" : "%lld", (long long)dims[i]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
    return buf;
}

bool md_tensor_equal(const struct md_tensor *a, const struct md_tensor *b)
{
    if (a->dtype != b->dtype || a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    int64_t n = md_tensor_num_elements(a);
    if (a->dtype == MD_DT_STRING) {
        const struct md_str *x = a->data, *y = b->data;
        for (int64_t i = 0; i < n; i++)
            if (x[i].len != y[i].len || (x[i].len && memcmp(x[i].data, y[i].data, x[i].len)))
                return false;
        return true;
    }
    size_t nb = md_tensor_nbytes(a);
    return nb == 0 || memcmp(a->data, b->data, nb) == 0;
}
