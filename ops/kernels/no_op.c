/* NoOp: does nothing; used as a grouping node for control dependencies. */
#include "ops/kernel.h"

static bool no_op_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    (void)k;
    (void)st;
    return true;
}

static bool no_op_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 0;
    return true;
}

const struct md_op_def md_op_no_op = {
    .tf_name = "NoOp",
    .init = no_op_init,
    .compute = no_op_compute,
};
