/* While: runs body while cond holds on the loop variables, sequentially, up to the loop cap. See
 * control_fn.c. */
#include "ops/kernels/control_fn.h"

const struct md_op_def md_op_while = {
    .tf_name = "While",
    .init = md_control_while_init,
    .compute = md_control_while_compute,
    .flags = MD_OP_STATEFUL,
};
