/* Where (one input): the coordinates of the true (non-zero) elements, int64
 * [n_true, rank], in row-major order. */
#include <string.h>

#include "ops/kernels/array_common.h"

static bool is_true(const struct md_tensor *x, int64_t i, size_t es)
{
    const unsigned char *p = (const unsigned char *)x->data + (size_t)i * es;
    switch (x->dtype) {
    case MD_DT_FLOAT: return ((const float *)x->data)[i] != 0;
    case MD_DT_DOUBLE: return ((const double *)x->data)[i] != 0;
    case MD_DT_HALF: return (((const uint16_t *)x->data)[i] & 0x7fff) != 0; /* -0 is false */
    default:
        for (size_t b = 0; b < es; b++)
            if (p[b])
                return true;
        return false;
    }
}

static bool where_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (x->dtype == MD_DT_STRING || !md_arr_check_dtype(k->node, x->dtype, st)) {
        if (md_status_ok(st))
            md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                           md_dtype_name(x->dtype));
        return false;
    }
    if (k->n_inputs != 1)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED,
                              "only the one-input form (coordinates) is supported");
    int64_t n = md_tensor_num_elements(x), cnt = 0;
    size_t es = md_dtype_size(x->dtype);
    for (int64_t i = 0; i < n; i++)
        cnt += is_true(x, i, es);
    int64_t dims[2] = { cnt, x->rank };
    if (!md_kernel_output(k, 0, MD_DT_INT64, 2, dims, st))
        return false;
    int64_t *o = k->outputs[0].data;
    for (int64_t i = 0; i < n; i++) {
        if (!is_true(x, i, es))
            continue;
        int64_t rem = i;
        for (int d = x->rank - 1; d >= 0; d--) {
            o[d] = rem % x->dims[d];
            rem /= x->dims[d];
        }
        o += x->rank;
    }
    return true;
}

const struct md_op_def md_op_where = {
    .tf_name = "Where",
    .compute = where_compute,
};
