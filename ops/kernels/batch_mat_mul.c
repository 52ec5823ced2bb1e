/* BatchMatMul: batched matrix product (adj_x, adj_y):
 * see md_nn_batch_matmul_init in nn_common.h. */
#include "ops/kernels/nn_common.h"

static bool batch_mat_mul_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_nn_batch_matmul_init(ki, 1, st);
}

const struct md_op_def md_op_batch_mat_mul = {
    .tf_name = "BatchMatMul",
    .init = batch_mat_mul_init,
    .compute = md_nn_batch_matmul_compute,
};
