/* ControlTrigger: does nothing and is never dead, even when its control
 * inputs are, so work ordered after it runs whichever branch was taken. */
#include "ops/kernel.h"

static bool control_trigger_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 0;
    return true;
}

static bool control_trigger_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    (void)k;
    (void)st;
    return true;
}

const struct md_op_def md_op_control_trigger = {
    .tf_name = "ControlTrigger",
    .init = control_trigger_init,
    .compute = control_trigger_compute,
    .flags = MD_OP_DEAD_INPUTS,
};
