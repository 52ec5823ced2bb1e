/* Pad: zeros around the input, paddings[d] = {before, after}. */
#include "ops/kernels/array_common.h"

static bool pad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_arr_pad(k, k->inputs[0], k->inputs[1], NULL, MD_PAD_CONSTANT, st);
}

const struct md_op_def md_op_pad = {
    .tf_name = "Pad",
    .compute = pad_compute,
};
