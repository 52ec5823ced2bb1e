/* BiasAddGrad(out_backprop): sum over every dimension but the last (NHWC),
 * the gradient of BiasAdd with respect to its bias. */
#include <string.h>

#include "ops/kernels/train_common.h"

static bool bias_add_grad_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_train_check_float(ki, 1, st) && md_nn_check_nhwc(ki->node, st);
}

static bool bias_add_grad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *dy = k->inputs[0];
    if (!md_train_input_float(k, 0, st))
        return false;
    if (dy->rank < 2) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input must be at least 2-dimensional: %s",
                              md_shape_str(s, sizeof s, dy->rank, dy->dims));
    }
    int64_t c = dy->dims[dy->rank - 1];
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 1, &c, st))
        return false;
    float *o = k->outputs[0].data;
    memset(o, 0, (size_t)c * sizeof *o);
    int64_t rows = c ? md_tensor_num_elements(dy) / c : 0;
    const float *g = dy->data;
    for (int64_t r = 0; r < rows; r++, g += c)
        md_nn_acc_f32(o, g, c);
    return true;
}

const struct md_op_def md_op_bias_add_grad = {
    .tf_name = "BiasAddGrad",
    .init = bias_add_grad_init,
    .compute = bias_add_grad_compute,
};
