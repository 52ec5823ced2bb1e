/* BroadcastArgs: the broadcast (numpy rules) of two shape vectors. */
#include "ops/kernels/array_common.h"

static bool broadcast_args_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *s0 = k->inputs[0], *s1 = k->inputs[1];
    int64_t a[MD_MAX_RANK], b[MD_MAX_RANK], out[MD_MAX_RANK], na, nb;
    if (!md_arr_read_ints(k, s0, "s0", false, a, MD_MAX_RANK, &na, st) ||
        !md_arr_read_ints(k, s1, "s1", false, b, MD_MAX_RANK, &nb, st))
        return false;
    if (s0->dtype != s1->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "s0 and s1 must have one dtype");
    int r;
    if (!md_arr_broadcast_shape((int)na, a, (int)nb, b, &r, out)) {
        char x[96], y[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Incompatible shapes: %s vs. %s",
                              md_shape_str(x, sizeof x, (int)na, a),
                              md_shape_str(y, sizeof y, (int)nb, b));
    }
    int64_t n = r;
    if (!md_kernel_output(k, 0, s0->dtype, 1, &n, st))
        return false;
    for (int i = 0; i < r; i++)
        md_arr_index_set(&k->outputs[0], i, out[i]);
    return true;
}

const struct md_op_def md_op_broadcast_args = {
    .tf_name = "BroadcastArgs",
    .compute = broadcast_args_compute,
};
