/* TopKV2: the k largest entries of each last-dimension row, in descending
 * order, and their indices (int32, or index_type); equal values keep the
 * lower index first. */
#include <string.h>

#include "ops/kernels/array_common.h"

struct top_k_state {
    enum md_dtype index_type;
};

static bool top_k_v2_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct top_k_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_type(ki->node, "index_type", &s->index_type))
        s->index_type = MD_DT_INT32;
    if (!md_arr_is_index(s->index_type))
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "index_type %s not supported",
                              md_dtype_name(s->index_type));
    ki->n_outputs = 2;
    ki->state = s;
    return true;
}

/* Sort keys: doubles for floating types, int64 for integer types. */
struct row {
    const struct md_tensor *x;
    int64_t base;
    bool real;
};

static bool before(const struct row *r, int64_t a, int64_t b)
{
    const struct md_tensor *x = r->x;
    int64_t i = r->base + a, j = r->base + b;
    if (r->real) {
        double u = x->dtype == MD_DT_FLOAT ? (double)((const float *)x->data)[i]
                                           : ((const double *)x->data)[i];
        double v = x->dtype == MD_DT_FLOAT ? (double)((const float *)x->data)[j]
                                           : ((const double *)x->data)[j];
        return u > v || (u == v && a < b);
    }
    int64_t u, v;
    switch (x->dtype) {
    case MD_DT_INT8: u = ((const int8_t *)x->data)[i]; v = ((const int8_t *)x->data)[j]; break;
    case MD_DT_UINT8: u = ((const uint8_t *)x->data)[i]; v = ((const uint8_t *)x->data)[j]; break;
    case MD_DT_INT16: u = ((const int16_t *)x->data)[i]; v = ((const int16_t *)x->data)[j]; break;
    case MD_DT_UINT16:
        u = ((const uint16_t *)x->data)[i];
        v = ((const uint16_t *)x->data)[j];
        break;
    case MD_DT_INT32: u = ((const int32_t *)x->data)[i]; v = ((const int32_t *)x->data)[j]; break;
    default: u = ((const int64_t *)x->data)[i]; v = ((const int64_t *)x->data)[j]; break;
    }
    return u > v || (u == v && a < b);
}

/* Bottom-up merge sort of idx[0..n) (stable, O(n log n)), tmp of n. */
static void sort_row(const struct row *r, int64_t *idx, int64_t *tmp, int64_t n)
{
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                tmp[o++] = before(r, idx[b], idx[a]) ? idx[b++] : idx[a++];
            while (a < mid)
                tmp[o++] = idx[a++];
            while (b < hi)
                tmp[o++] = idx[b++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
}

static bool top_k_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct top_k_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    int64_t kk;
    if (!md_arr_read_scalar(k, k->inputs[1], "k", &kk, st))
        return false;
    if (kk < 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Need k >= 0, got %lld",
                              (long long)kk);
    if (x->rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input must be >= 1-D, got shape []");
    switch (x->dtype) {
    case MD_DT_FLOAT: case MD_DT_DOUBLE: case MD_DT_INT8: case MD_DT_UINT8: case MD_DT_INT16:
    case MD_DT_UINT16: case MD_DT_INT32: case MD_DT_INT64:
        break;
    default:
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(x->dtype));
    }
    int64_t n = x->dims[x->rank - 1];
    if (n < kk)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input must have at least k columns. Had %lld, needed %lld",
                              (long long)n, (long long)kk);
    int64_t dims[MD_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
        dims[d] = x->dims[d];
    dims[x->rank - 1] = kk;
    if (!md_kernel_output(k, 0, x->dtype, x->rank, dims, st) ||
        !md_kernel_output(k, 1, s->index_type, x->rank, dims, st))
        return false;
    if (s->index_type == MD_DT_INT32 && n > INT32_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "row too long for int32 indices");
    int64_t rows = n ? md_tensor_num_elements(x) / n : 0;
    if (!kk || !rows)
        return true;
    int64_t *idx = md_kernel_scratch(k, (size_t)n * sizeof *idx, st);
    int64_t *tmp = md_kernel_scratch(k, (size_t)n * sizeof *tmp, st);
    if (!idx || !tmp)
        return false;
    size_t es = md_dtype_size(x->dtype);
    struct row r = { x, 0, x->dtype == MD_DT_FLOAT || x->dtype == MD_DT_DOUBLE };
    for (int64_t row_i = 0; row_i < rows; row_i++) {
        r.base = row_i * n;
        for (int64_t i = 0; i < n; i++)
            idx[i] = i;
        sort_row(&r, idx, tmp, n);
        char *vals = (char *)k->outputs[0].data + (size_t)(row_i * kk) * es;
        for (int64_t i = 0; i < kk; i++) {
            memcpy(vals + (size_t)i * es, (const char *)x->data + (size_t)(r.base + idx[i]) * es,
                   es);
            md_arr_index_set(&k->outputs[1], row_i * kk + i, idx[i]);
        }
    }
    return true;
}

const struct md_op_def md_op_top_k_v2 = {
    .tf_name = "TopKV2",
    .init = top_k_v2_init,
    .compute = top_k_v2_compute,
};
