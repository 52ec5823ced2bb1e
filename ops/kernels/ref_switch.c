/* RefSwitch: forwards data to output 1 when pred is true, else to output 0; the
 * other output is dead (TF1 control flow). */
#include "ops/kernels/control_common.h"

const struct md_op_def md_op_ref_switch = {
    .tf_name = "RefSwitch",
    .init = md_control_switch_init,
    .compute = md_control_switch_compute,
    .flags = MD_OP_DEAD_OUTPUTS,
};
