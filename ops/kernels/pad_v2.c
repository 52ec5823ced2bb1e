/* PadV2: like Pad, with the scalar constant_values as the fill. */
#include "ops/kernels/array_common.h"

static bool pad_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0], *v = k->inputs[2];
    if (v->dtype != x->dtype || md_tensor_num_elements(v) != 1 || v->rank != 0) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "constant_values must be a scalar of the input's dtype %s, got %s %s",
                              md_dtype_info(x->dtype)->tf_name, md_dtype_info(v->dtype)->tf_name,
                              md_arr_shape_str(s, sizeof s, v));
    }
    if (!md_arr_pad(k, x, k->inputs[1], v->data, MD_PAD_CONSTANT, st))
        return false;
    /* the fill string may live in a buffer too */
    return md_arr_fix_strings(k, &k->outputs[0], v, st);
}

const struct md_op_def md_op_pad_v2 = {
    .tf_name = "PadV2",
    .compute = pad_v2_compute,
};
