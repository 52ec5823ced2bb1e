/* SparseSoftmaxCrossEntropyWithLogits(features [batch, classes], labels
 * [batch] int32/int64) -> loss [batch], backprop [batch, classes]:
 * loss = logsumexp(f) - f[label], backprop = softmax(f) - onehot(label).
 * A label outside [0, classes) is INVALID_ARGUMENT, as in TensorFlow. */
#include <math.h>

#include "ops/kernels/train_common.h"

static bool sscewl_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_train_check_float(ki, 2, st))
        return false;
    enum md_dtype tl = MD_DT_INT64;
    md_attr_type(ki->node, "Tlabels", &tl);
    if (tl != MD_DT_INT32 && tl != MD_DT_INT64)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "label dtype %s not supported",
                              md_dtype_name(tl));
    ki->n_outputs = 2;
    return true;
}

static bool sscewl_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *f = k->inputs[0], *l = k->inputs[1];
    char s1[96], s2[96];
    if (!md_train_input_float(k, 0, st))
        return false;
    if (l->dtype != MD_DT_INT32 && l->dtype != MD_DT_INT64)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "labels must be int32 or int64, got %s",
                              md_dtype_name(l->dtype));
    if (f->rank != 2 || l->rank != 1 || l->dims[0] != f->dims[0])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "logits and labels must be [batch, classes] and [batch]: %s vs %s",
                              md_shape_str(s1, sizeof s1, f->rank, f->dims),
                              md_shape_str(s2, sizeof s2, l->rank, l->dims));
    int64_t b = f->dims[0], c = f->dims[1];
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 1, &b, st) ||
        !md_kernel_output(k, 1, MD_DT_FLOAT, 2, f->dims, st))
        return false;
    const float *x = f->data;
    float *loss = k->outputs[0].data, *bp = k->outputs[1].data;
    for (int64_t i = 0; i < b; i++, x += c, bp += c) {
        int64_t lab = l->dtype == MD_DT_INT32 ? ((const int32_t *)l->data)[i]
                                               : ((const int64_t *)l->data)[i];
        if (lab < 0 || lab >= c)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Received a label value of %lld which is outside the valid "
                                  "range of [0, %lld)",
                                  (long long)lab, (long long)c);
        float mx = x[0];
        for (int64_t j = 1; j < c; j++)
            mx = x[j] > mx ? x[j] : mx;
        double sum = 0.0;
        for (int64_t j = 0; j < c; j++)
            sum += exp((double)(x[j] - mx));
        double lse = log(sum) + (double)mx;
        loss[i] = (float)(lse - (double)x[lab]);
        for (int64_t j = 0; j < c; j++)
            bp[j] = (float)exp((double)x[j] - lse);
        bp[lab] -= 1.0f;
    }
    return true;
}

const struct md_op_def md_op_sparse_softmax_cross_entropy_with_logits = {
    .tf_name = "SparseSoftmaxCrossEntropyWithLogits",
    .init = sscewl_init,
    .compute = sscewl_compute,
};
