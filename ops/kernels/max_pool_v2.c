/* MaxPoolV2: MaxPool with ksize and strides given as int32 input tensors
 * (4 values each, NHWC order) instead of attrs. */
#include "ops/kernels/nn_common.h"

struct max_pool_v2_state {
    enum md_dtype dt;
    struct md_nn_window w; /* padding only; sizes come with each request */
};

static bool max_pool_v2_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 3)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 3 inputs, got %d",
                              ki->n_inputs);
    struct max_pool_v2_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st) ||
        !md_nn_check_nhwc(ki->node, st) || !md_nn_padding_attr(ki->node, false, &s->w, st))
        return false;
    ki->state = s;
    return true;
}

/* Reads input i as 4 int32 values with [0] == [3] == 1 and all >= 1. */
static bool hw_input(struct md_kernel_ctx *k, int i, const char *what, int64_t *h, int64_t *w,
                     struct md_status *st)
{
    const struct md_tensor *t = k->inputs[i];
    if (t->dtype != MD_DT_INT32 || md_tensor_num_elements(t) != 4 || t->rank != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "%s must be a 1-D int32 tensor of 4 elements", what);
    const int32_t *v = t->data;
    for (int d = 0; d < 4; d++)
        if (v[d] < 1)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "%s[%d] = %d, must be >= 1",
                                  what, d, (int)v[d]);
    if (v[0] != 1 || v[3] != 1)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED,
                              "%s in the batch and depth dimensions are not supported", what);
    *h = v[1];
    *w = v[2];
    return true;
}

static bool max_pool_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct max_pool_v2_state *s = k->state;
    struct md_nn_window w = s->w;
    if (!hw_input(k, 1, "ksize", &w.ksize_h, &w.ksize_w, st) ||
        !hw_input(k, 2, "strides", &w.stride_h, &w.stride_w, st))
        return false;
    return md_nn_pool(k, s->dt, &w, true, st);
}

const struct md_op_def md_op_max_pool_v2 = {
    .tf_name = "MaxPoolV2",
    .init = max_pool_v2_init,
    .compute = max_pool_v2_compute,
};
