/* SigmoidGrad(y, dy): dy * y * (1 - y), y = sigmoid(x). */
#include "ops/kernels/train_common.h"

static bool sigmoid_grad_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_train_check_float(ki, 2, st);
}

static bool sigmoid_grad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *y = k->inputs[0], *dy = k->inputs[1];
    if (!md_train_input_float(k, 0, st) || !md_train_input_float(k, 1, st) ||
        !md_train_same_shape(k, 0, 1, st) ||
        !md_kernel_output_reuse(k, 0, 1, MD_DT_FLOAT, dy->rank, dy->dims, st))
        return false;
    const float *a = y->data, *g = dy->data;
    float *o = k->outputs[0].data;
    int64_t n = md_tensor_num_elements(dy);
    MD_NN_VLOOP(n, o[i] = g[i] * a[i] * (1.0f - a[i]));
    return true;
}

const struct md_op_def md_op_sigmoid_grad = {
    .tf_name = "SigmoidGrad",
    .init = sigmoid_grad_init,
    .compute = sigmoid_grad_compute,
};
