/* StatelessIf: runs then_branch when cond is true (TensorFlow's truth rule), else else_branch,
 * on inputs[1:]. See control_fn.c. */
#include "ops/kernels/control_fn.h"

const struct md_op_def md_op_stateless_if = {
    .tf_name = "StatelessIf",
    .init = md_control_if_init,
    .compute = md_control_if_compute,
    .flags = 0,
};
