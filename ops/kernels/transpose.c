/* Transpose: output dim i is input dim perm[i]. */
#include "ops/kernels/array_common.h"

static bool transpose_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t perm[MD_MAX_RANK], n;
    if (!md_arr_read_ints(k, k->inputs[1], "perm", false, perm, MD_MAX_RANK, &n, st))
        return false;
    if (n != x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "transpose expects a vector of size %d. But input(1) is a vector of "
                              "size %lld",
                              x->rank, (long long)n);
    bool seen[MD_MAX_RANK] = { false };
    for (int i = 0; i < x->rank; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "%lld is out of range [0 .. %d)", (long long)perm[i], x->rank);
        if (seen[perm[i]])
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "perm is not a permutation: %lld appears twice",
                                  (long long)perm[i]);
        seen[perm[i]] = true;
    }
    if (!md_arr_check_dtype(k->node, x->dtype, st))
        return false;
    int64_t dims[MD_MAX_RANK], xs[MD_MAX_RANK], ss[MD_MAX_RANK], ys[MD_MAX_RANK];
    md_arr_strides(x->rank, x->dims, xs);
    for (int i = 0; i < x->rank; i++) {
        dims[i] = x->dims[perm[i]];
        ss[i] = xs[perm[i]];
    }
    if (!md_kernel_output(k, 0, x->dtype, x->rank, dims, st))
        return false;
    md_arr_strides(x->rank, dims, ys);
    md_arr_copy_nd(k->outputs[0].data, ys, x->data, ss, md_dtype_size(x->dtype), x->rank, dims);
    return md_arr_fix_strings(k, &k->outputs[0], x, st);
}

const struct md_op_def md_op_transpose = {
    .tf_name = "Transpose",
    .compute = transpose_compute,
};
