/* ExpandDims: inserts a size-1 dimension at `dim` (in [-rank-1, rank]). The
 * output is a view of the input. */
#include "ops/kernels/array_common.h"

static bool expand_dims_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t dim;
    if (!md_arr_read_scalar(k, k->inputs[1], "'dim'", &dim, st))
        return false;
    if (dim < -x->rank - 1 || dim > x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Tried to expand dim index %lld for tensor with %d dimensions.",
                              (long long)dim, x->rank);
    if (x->rank >= MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "rank %d exceeds the maximum %d",
                              x->rank + 1, MD_MAX_RANK);
    if (dim < 0)
        dim += x->rank + 1;
    int64_t dims[MD_MAX_RANK];
    int r = 0;
    for (int d = 0; d <= x->rank; d++) {
        if (d == dim)
            dims[r++] = 1;
        if (d < x->rank)
            dims[r++] = x->dims[d];
    }
    md_kernel_forward(k, 0, x);
    struct md_tensor *y = &k->outputs[0];
    y->rank = r;
    for (int i = 0; i < MD_MAX_RANK; i++)
        y->dims[i] = i < r ? dims[i] : 0;
    return true;
}

const struct md_op_def md_op_expand_dims = {
    .tf_name = "ExpandDims",
    .compute = expand_dims_compute,
};
