/* StopGradient: identity for inference (it only matters to autodiff, where
 * its gradient is zero). */
#include "ops/kernel.h"

static bool stop_gradient_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got 0");
    md_kernel_forward(k, 0, k->inputs[0]);
    return true;
}

const struct md_op_def md_op_stop_gradient = {
    .tf_name = "StopGradient",
    .compute = stop_gradient_compute,
};
