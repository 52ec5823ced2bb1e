/* Rank: the input's rank as an int32 scalar. */
#include "ops/kernels/array_common.h"

static bool rank_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (!md_kernel_output(k, 0, MD_DT_INT32, 0, NULL, st))
        return false;
    *(int32_t *)k->outputs[0].data = k->inputs[0]->rank;
    return true;
}

const struct md_op_def md_op_rank = {
    .tf_name = "Rank",
    .compute = rank_compute,
};
