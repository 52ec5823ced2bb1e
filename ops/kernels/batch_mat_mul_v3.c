/* BatchMatMulV3: batched matrix product (adj_x, adj_y, broadcasting batch dims):
 * see md_nn_batch_matmul_init in nn_common.h. */
#include "ops/kernels/nn_common.h"

static bool batch_mat_mul_v3_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_nn_batch_matmul_init(ki, 3, st);
}

const struct md_op_def md_op_batch_mat_mul_v3 = {
    .tf_name = "BatchMatMulV3",
    .init = batch_mat_mul_v3_init,
    .compute = md_nn_batch_matmul_compute,
};
