/* ReluGrad(gradients, features): gradients where features > 0, else 0. */
#include "ops/kernels/train_common.h"

static bool relu_grad_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_train_check_float(ki, 2, st);
}

static bool relu_grad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *dy = k->inputs[0], *x = k->inputs[1];
    if (!md_train_input_float(k, 0, st) || !md_train_input_float(k, 1, st) ||
        !md_train_same_shape(k, 0, 1, st) ||
        !md_kernel_output_reuse(k, 0, 0, MD_DT_FLOAT, dy->rank, dy->dims, st))
        return false;
    const float *g = dy->data, *f = x->data;
    float *o = k->outputs[0].data;
    int64_t n = md_tensor_num_elements(dy);
    MD_NN_VLOOP(n, o[i] = f[i] > 0.0f ? g[i] : 0.0f);
    return true;
}

const struct md_op_def md_op_relu_grad = {
    .tf_name = "ReluGrad",
    .init = relu_grad_init,
    .compute = relu_grad_compute,
};
