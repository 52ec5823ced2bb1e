/* AvgPool (NHWC): mean over each ksize window, counting only real pixels
 * (SAME padding is excluded from the divisor, as in TensorFlow). SAME /
 * VALID padding; float and double. */
#include "ops/kernels/nn_common.h"

struct avg_pool_state {
    enum md_dtype dt;
    struct md_nn_window w;
};

static bool avg_pool_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 1 input, got %d",
                              ki->n_inputs);
    struct avg_pool_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st) ||
        !md_nn_check_nhwc(ki->node, st) ||
        !md_nn_hw_attr(ki->node, "ksize", true, &s->w.ksize_h, &s->w.ksize_w, st) ||
        !md_nn_hw_attr(ki->node, "strides", true, &s->w.stride_h, &s->w.stride_w, st) ||
        !md_nn_padding_attr(ki->node, false, &s->w, st))
        return false;
    ki->state = s;
    return true;
}

static bool avg_pool_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct avg_pool_state *s = k->state;
    return md_nn_pool(k, s->dt, &s->w, false, st);
}

const struct md_op_def md_op_avg_pool = {
    .tf_name = "AvgPool",
    .init = avg_pool_init,
    .compute = avg_pool_compute,
};
