/* LogSoftmax: x - log(sum(exp(x))) over the last axis (float, double),
 * computed with the max shift so it neither overflows nor takes log(0) for
 * very negative logits. The row loop lives in math_softmax.c. */
#include "ops/kernels/math_common.h"

static bool log_softmax_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_math_softmax_compute(k, true, st);
}

const struct md_op_def md_op_log_softmax = {
    .tf_name = "LogSoftmax",
    .init = md_math_softmax_init,
    .compute = log_softmax_compute,
};
