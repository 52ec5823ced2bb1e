/* BroadcastTo: the input broadcast (numpy rules) to `shape`. */
#include "ops/kernels/array_common.h"

static bool broadcast_to_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    int64_t dims[MD_MAX_RANK], n;
    if (!md_arr_read_ints(k, k->inputs[1], "shape", false, dims, MD_MAX_RANK, &n, st))
        return false;
    int r = (int)n;
    bool ok = x->rank <= r;
    for (int d = 0; ok && d < r; d++) {
        if (dims[d] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "shape[%d] must be non-negative, got %lld", d,
                                  (long long)dims[d]);
        int xd = d - (r - x->rank);
        if (xd >= 0 && x->dims[xd] != dims[d] && x->dims[xd] != 1)
            ok = false;
    }
    if (!ok) {
        char a[96], b[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s",
                              md_arr_shape_str(a, sizeof a, x), md_shape_str(b, sizeof b, r, dims));
    }
    if (!md_arr_check_dtype(k->node, x->dtype, st) ||
        !md_kernel_output(k, 0, x->dtype, r, dims, st))
        return false;
    int64_t xs[MD_MAX_RANK], ss[MD_MAX_RANK], ys[MD_MAX_RANK];
    md_arr_strides(x->rank, x->dims, xs);
    md_arr_strides(r, dims, ys);
    for (int d = 0; d < r; d++) {
        int xd = d - (r - x->rank);
        ss[d] = xd < 0 || x->dims[xd] == 1 ? 0 : xs[xd];
    }
    md_arr_copy_nd(k->outputs[0].data, ys, x->data, ss, md_dtype_size(x->dtype), r, dims);
    return md_arr_fix_strings(k, &k->outputs[0], x, st);
}

const struct md_op_def md_op_broadcast_to = {
    .tf_name = "BroadcastTo",
    .compute = broadcast_to_compute,
};
