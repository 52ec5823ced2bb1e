/* Softmax: exp(x) / sum(exp(x)) over the last axis (float, double); the
 * row loop lives in math_softmax.c, shared with LogSoftmax. */
#include "ops/kernels/math_common.h"

static bool softmax_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_math_softmax_compute(k, false, st);
}

const struct md_op_def md_op_softmax = {
    .tf_name = "Softmax",
    .init = md_math_softmax_init,
    .compute = softmax_compute,
};
