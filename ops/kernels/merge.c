/* Merge: forwards the first live input and its index (output 1); dead when
 * every input is dead (TF1 control flow). */
#include "ops/kernels/control_common.h"

const struct md_op_def md_op_merge = {
    .tf_name = "Merge",
    .init = md_control_merge_init,
    .compute = md_control_merge_compute,
    .flags = MD_OP_DEAD_INPUTS | MD_OP_DEAD_OUTPUTS,
};
