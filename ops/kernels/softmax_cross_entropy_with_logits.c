/* SoftmaxCrossEntropyWithLogits(features, labels) [batch, classes] each ->
 * loss [batch] = -sum(labels * log_softmax(features)), backprop [batch,
 * classes] = softmax(features) * sum(labels) - labels (softmax - labels for
 * label rows summing to one), float. */
#include <math.h>

#include "ops/kernels/train_common.h"

static bool scewl_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_train_check_float(ki, 2, st))
        return false;
    ki->n_outputs = 2;
    return true;
}

static bool scewl_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *f = k->inputs[0], *l = k->inputs[1];
    char s1[96];
    if (!md_train_input_float(k, 0, st) || !md_train_input_float(k, 1, st) ||
        !md_train_same_shape(k, 0, 1, st))
        return false;
    if (f->rank != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "logits must be [batch, classes]: %s",
                              md_shape_str(s1, sizeof s1, f->rank, f->dims));
    int64_t b = f->dims[0], c = f->dims[1];
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 1, &b, st) ||
        !md_kernel_output(k, 1, MD_DT_FLOAT, 2, f->dims, st))
        return false;
    const float *x = f->data, *y = l->data;
    float *loss = k->outputs[0].data, *bp = k->outputs[1].data;
    for (int64_t i = 0; i < b; i++, x += c, y += c, bp += c) {
        float mx = c ? x[0] : 0.0f;
        for (int64_t j = 1; j < c; j++)
            mx = x[j] > mx ? x[j] : mx;
        double sum = 0.0, ysum = 0.0, lo = 0.0;
        for (int64_t j = 0; j < c; j++)
            sum += exp((double)(x[j] - mx));
        double lse = log(sum) + (double)mx;
        for (int64_t j = 0; j < c; j++) {
            lo -= (double)y[j] * ((double)x[j] - lse);
            ysum += (double)y[j];
        }
        loss[i] = (float)lo;
        for (int64_t j = 0; j < c; j++)
            bp[j] = (float)(exp((double)x[j] - lse) * ysum - (double)y[j]);
    }
    return true;
}

const struct md_op_def md_op_softmax_cross_entropy_with_logits = {
    .tf_name = "SoftmaxCrossEntropyWithLogits",
    .init = scewl_init,
    .compute = scewl_compute,
};
