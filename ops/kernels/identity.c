/* Identity: its input, as a view (no copy). Also serves TF1 reads of
 * variables (`a/read`), which see a snapshot of the variable's value. */
#include "ops/kernel.h"

static bool identity_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got 0");
    md_kernel_forward(k, 0, k->inputs[0]);
    return true;
}

const struct md_op_def md_op_identity = {
    .tf_name = "Identity",
    .compute = identity_compute,
};
