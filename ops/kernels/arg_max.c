/* ArgMax: index of the largest element along `dimension` (input 1), as
 * output_type (int64 default, or int32). Ties give the first index. The
 * loops are in math_arg.c. */
#include "ops/kernels/math_common.h"

static bool arg_max_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_math_arg_init(ki, true, st);
}

const struct md_op_def md_op_arg_max = {
    .tf_name = "ArgMax",
    .init = arg_max_init,
    .compute = md_math_arg_compute,
};
