/* Gather (v1): rows of params (axis 0) picked by indices, bounds-checked. */
#include "ops/kernels/array_common.h"

static bool gather_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_arr_gather(k, k->inputs[0], k->inputs[1], 0, 0, st);
}

const struct md_op_def md_op_gather = {
    .tf_name = "Gather",
    .compute = gather_compute,
};
