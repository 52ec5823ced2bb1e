/* ConcatV2: N tensors joined along `axis` (the last input, negative allowed);
 * all other dimensions must match. */
#include "ops/kernels/array_common.h"

static bool concat_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    int n = k->n_inputs - 1;
    if (n < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "needs at least one value input");
    const struct md_tensor *x0 = k->inputs[0];
    int64_t a;
    if (!md_arr_read_scalar(k, k->inputs[n], "axis", &a, st))
        return false;
    if (x0->rank == 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Can't concatenate scalars (use tf.stack instead)");
    int axis;
    if (!md_arr_axis(k, a, x0->rank, "concat dimension", &axis, st) ||
        !md_arr_check_dtype(k->node, x0->dtype, st))
        return false;
    int64_t dims[MD_MAX_RANK];
    for (int d = 0; d < x0->rank; d++)
        dims[d] = x0->dims[d];
    dims[axis] = 0;
    bool fix = false;
    for (int i = 0; i < n; i++) {
        const struct md_tensor *x = k->inputs[i];
        if (x->dtype != x0->dtype)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "input %d has dtype %s, input 0 has %s", i,
                                  md_dtype_info(x->dtype)->tf_name,
                                  md_dtype_info(x0->dtype)->tf_name);
        if (x->rank != x0->rank) {
            char s0[96], s1[96];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "ConcatOp : Ranks of all input tensors should match: shape[0] = "
                                  "%s vs. shape[%d] = %s",
                                  md_arr_shape_str(s0, sizeof s0, x0), i,
                                  md_arr_shape_str(s1, sizeof s1, x));
        }
        for (int d = 0; d < x0->rank; d++)
            if (d != axis && x->dims[d] != x0->dims[d]) {
                char s0[96], s1[96];
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "ConcatOp : Dimension %d in both shapes must be equal: "
                                      "shape[0] = %s vs. shape[%d] = %s",
                                      d, md_arr_shape_str(s0, sizeof s0, x0), i,
                                      md_arr_shape_str(s1, sizeof s1, x));
            }
        dims[axis] += x->dims[axis];
        fix |= x->buf != NULL;
    }
    if (!md_kernel_output(k, 0, x0->dtype, x0->rank, dims, st))
        return false;
    struct md_tensor *y = &k->outputs[0];
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= dims[d];
    for (int d = axis + 1; d < x0->rank; d++)
        inner *= dims[d];
    size_t es = md_dtype_size(x0->dtype);
    int64_t row = dims[axis] * inner, at = 0;
    for (int i = 0; i < n; i++) {
        const struct md_tensor *x = k->inputs[i];
        int64_t len = x->dims[axis] * inner;
        int64_t cdims[2] = { outer, len }, ds[2] = { row, 1 }, ss[2] = { len, 1 };
        md_arr_copy_nd((char *)y->data + (size_t)at * es, ds, x->data, ss, es, 2, cdims);
        at += len;
    }
    return !fix || md_arr_own_strings(k, y, st);
}

const struct md_op_def md_op_concat_v2 = {
    .tf_name = "ConcatV2",
    .compute = concat_v2_compute,
};
