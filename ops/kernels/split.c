/* Split: `value` cut into num_split equal parts along `split_dim` (the first
 * input). */
#include "ops/kernels/array_common.h"

static bool split_init(struct md_kernel_init *ki, struct md_status *st)
{
    int64_t n;
    if (!md_attr_int(ki->node, "num_split", &n) || n < 1 || n > 4096)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'num_split' missing or out of range [1, 4096]");
    ki->n_outputs = (int)n;
    return true;
}

static bool split_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[1];
    int64_t a;
    int axis, n = k->n_outputs;
    if (!md_arr_read_scalar(k, k->inputs[0], "split_dim", &a, st) ||
        !md_arr_axis(k, a, x->rank, "split_dim", &axis, st))
        return false;
    if (x->dims[axis] % n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Number of ways to split should evenly divide the split dimension, "
                              "but got split_dim %d (size = %lld) and num_split %d",
                              axis, (long long)x->dims[axis], n);
    int64_t sizes[4096];
    for (int i = 0; i < n; i++)
        sizes[i] = x->dims[axis] / n;
    return md_arr_split(k, x, axis, sizes, n, false, st);
}

const struct md_op_def md_op_split = {
    .tf_name = "Split",
    .init = split_init,
    .compute = split_compute,
};
