/* SplitV: `value` cut along `split_dim` into parts of size_splits (one entry
 * may be -1: the rest). */
#include "ops/kernels/array_common.h"

static bool split_v_init(struct md_kernel_init *ki, struct md_status *st)
{
    int64_t n;
    if (!md_attr_int(ki->node, "num_split", &n) || n < 1 || n > 4096)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "attr 'num_split' missing or out of range [1, 4096]");
    ki->n_outputs = (int)n;
    return true;
}

static bool split_v_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t a, sizes[4096], cnt;
    int axis, n = k->n_outputs;
    if (!md_arr_read_scalar(k, k->inputs[2], "split_dim", &a, st) ||
        !md_arr_axis(k, a, x->rank, "split_dim", &axis, st) ||
        !md_arr_read_ints(k, k->inputs[1], "size_splits", false, sizes, 4096, &cnt, st))
        return false;
    if (cnt != n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "size_splits has %lld elements but num_split is %d", (long long)cnt,
                              n);
    int unknown = -1;
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        if (sizes[i] == -1) {
            if (unknown >= 0)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "There can only be one -1 in the input.");
            unknown = i;
        } else if (sizes[i] < 0) {
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "size_splits[%d] = %lld is negative", i, (long long)sizes[i]);
        } else {
            sum += sizes[i];
            if (sum > x->dims[axis])
                break;
        }
    }
    int64_t dim = x->dims[axis];
    if ((unknown < 0 && sum != dim) || (unknown >= 0 && sum > dim))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Determined shape must either match input shape along split_dim "
                              "exactly if fully specified, or be less than the size of the input "
                              "along split_dim if not fully specified.  Got: %lld vs %lld",
                              (long long)sum, (long long)dim);
    if (unknown >= 0)
        sizes[unknown] = dim - sum;
    return md_arr_split(k, x, axis, sizes, n, false, st);
}

const struct md_op_def md_op_split_v = {
    .tf_name = "SplitV",
    .init = split_v_init,
    .compute = split_v_compute,
};
