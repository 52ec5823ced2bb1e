/* Select (TF1): where(cond, then, else). then and else have the same shape;
 * cond is a scalar (picks a whole input), the same shape, or a vector that
 * picks rows of then/else along dim 0. The engine is in math_select.c. */
#include "ops/kernels/math_common.h"

static bool select_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_math_select_compute(k, false, st);
}

const struct md_op_def md_op_select = {
    .tf_name = "Select",
    .init = md_math_select_init,
    .compute = select_compute,
};
