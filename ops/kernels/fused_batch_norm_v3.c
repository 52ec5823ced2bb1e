/* FusedBatchNormV3 at inference (is_training=false), NHWC, float: see
 * md_nn_batch_norm_init in nn_common.h. */
#include "ops/kernels/nn_common.h"

static bool fused_batch_norm_v3_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_nn_batch_norm_init(ki, 3, st);
}

const struct md_op_def md_op_fused_batch_norm_v3 = {
    .tf_name = "FusedBatchNormV3",
    .init = fused_batch_norm_v3_init,
    .compute = md_nn_batch_norm_compute,
};
