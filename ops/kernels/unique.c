/* Unique: the distinct elements of a vector in first-occurrence order (y)
 * and, for each input element, its position in y (idx, out_idx type).
 * Floats compare with == (0.0 and -0.0 are one value, every NaN is new). */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool unique_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_arr_out_type_init(ki, "out_idx", MD_DT_INT32, st))
        return false;
    ki->n_outputs = 2;
    return true;
}

static uint64_t hash_elem(const struct md_tensor *x, int64_t i, size_t es)
{
    const unsigned char *p;
    size_t n;
    unsigned char zero[8] = { 0 };
    if (x->dtype == MD_DT_STRING) {
        const struct md_str *s = &((const struct md_str *)x->data)[i];
        p = (const unsigned char *)s->data;
        n = s->len;
    } else {
        p = (const unsigned char *)x->data + (size_t)i * es;
        n = es;
        if ((x->dtype == MD_DT_FLOAT && ((const float *)x->data)[i] == 0) ||
            (x->dtype == MD_DT_DOUBLE && ((const double *)x->data)[i] == 0))
            p = zero; /* -0.0 hashes like 0.0 */
    }
    uint64_t h = 1469598103934665603u;
    for (size_t b = 0; b < n; b++)
        h = (h ^ p[b]) * 1099511628211u;
    return h;
}

static bool same(const struct md_tensor *x, int64_t i, int64_t j, size_t es)
{
    switch (x->dtype) {
    case MD_DT_FLOAT: return ((const float *)x->data)[i] == ((const float *)x->data)[j];
    case MD_DT_DOUBLE: return ((const double *)x->data)[i] == ((const double *)x->data)[j];
    case MD_DT_STRING: {
        const struct md_str *a = &((const struct md_str *)x->data)[i];
        const struct md_str *b = &((const struct md_str *)x->data)[j];
        return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
    }
    default:
        return !memcmp((const char *)x->data + (size_t)i * es,
                       (const char *)x->data + (size_t)j * es, es);
    }
}

static bool unique_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype it = *(const enum md_dtype *)k->state;
    const struct md_tensor *x = k->inputs[0];
    if (x->rank != 1) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "unique expects a 1D vector, got %s",
                              md_arr_shape_str(s, sizeof s, x));
    }
    if (x->dtype == MD_DT_HALF || !md_arr_check_dtype(k->node, x->dtype, st)) {
        if (md_status_ok(st))
            md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                           md_dtype_name(x->dtype));
        return false;
    }
    int64_t n = x->dims[0];
    if (it == MD_DT_INT32 && n > INT32_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "too many elements for int32 idx");
    if (!md_kernel_output(k, 1, it, 1, &n, st))
        return false;
    size_t cap = 16;
    while (cap < 2 * (size_t)n)
        cap <<= 1;
    int64_t *table = md_kernel_scratch(k, cap * sizeof *table, st); /* first index + 1 */
    int64_t *slot = md_kernel_scratch(k, (size_t)(n ? n : 1) * sizeof *slot, st);
    int64_t *first = md_kernel_scratch(k, (size_t)(n ? n : 1) * sizeof *first, st);
    if (!table || !slot || !first)
        return false;
    memset(table, 0, cap * sizeof *table);
    size_t es = md_dtype_size(x->dtype);
    int64_t n_unique = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t h = (size_t)hash_elem(x, i, es) & (cap - 1);
        int64_t found = -1;
        for (; table[h]; h = (h + 1) & (cap - 1)) {
            int64_t j = table[h] - 1;
            if (same(x, first[slot[j]], i, es)) {
                found = slot[j];
                break;
            }
        }
        if (found < 0) {
            table[h] = i + 1;
            first[n_unique] = i;
            found = n_unique++;
        }
        slot[i] = found;
        md_arr_index_set(&k->outputs[1], i, found);
    }
    if (!md_kernel_output(k, 0, x->dtype, 1, &n_unique, st))
        return false;
    char *y = k->outputs[0].data;
    for (int64_t u = 0; u < n_unique; u++)
        memcpy(y + (size_t)u * es, (const char *)x->data + (size_t)first[u] * es, es);
    return md_arr_fix_strings(k, &k->outputs[0], x, st);
}

const struct md_op_def md_op_unique = {
    .tf_name = "Unique",
    .init = unique_init,
    .compute = unique_compute,
};
