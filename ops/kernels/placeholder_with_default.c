/* PlaceholderWithDefault: its input (the default) when not fed; feeding it
 * cuts the graph before this node runs. */
#include "ops/kernel.h"

static bool placeholder_with_default_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got 0");
    md_kernel_forward(k, 0, k->inputs[0]);
    return true;
}

const struct md_op_def md_op_placeholder_with_default = {
    .tf_name = "PlaceholderWithDefault",
    .compute = placeholder_with_default_compute,
};
