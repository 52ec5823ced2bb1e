/* SelectV2: where(cond, then, else) with cond, then and else broadcast
 * together (numpy rules). The engine is in math_select.c. */
#include "ops/kernels/math_common.h"

static bool select_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_math_select_compute(k, true, st);
}

const struct md_op_def md_op_select_v2 = {
    .tf_name = "SelectV2",
    .init = md_math_select_init,
    .compute = select_v2_compute,
};
