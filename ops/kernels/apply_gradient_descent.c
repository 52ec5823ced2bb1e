/* ApplyGradientDescent(var, alpha, delta): var -= alpha * delta. var is a
 * TF1 variable reference; output 0 is its new value. */
#include "ops/kernels/train_common.h"

static bool agd_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_train_apply_init(ki, 3, 1, st);
}

static bool agd_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    float lr;
    struct md_tensor cur[1], next[1];
    if (!md_train_scalar(k, 1, &lr, st) || !md_train_apply_begin(k, 2, cur, next, st))
        return false;
    const float *v = cur[0].data, *g = k->inputs[2]->data;
    float *o = next[0].data;
    int64_t n = md_tensor_num_elements(&cur[0]);
    MD_NN_VLOOP(n, o[i] = v[i] - lr * g[i]);
    return md_train_apply_end(k, cur, next, true, st);
}

const struct md_op_def md_op_apply_gradient_descent = {
    .tf_name = "ApplyGradientDescent",
    .init = agd_init,
    .compute = agd_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};
