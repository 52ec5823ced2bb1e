/* StatelessCase: runs branches[branch_index] (the last one when out of range) on inputs[1:]. See
 * control_fn.c. */
#include "ops/kernels/control_fn.h"

const struct md_op_def md_op_stateless_case = {
    .tf_name = "StatelessCase",
    .init = md_control_case_init,
    .compute = md_control_case_compute,
    .flags = 0,
};
