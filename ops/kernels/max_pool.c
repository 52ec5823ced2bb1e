/* MaxPool (NHWC): max over each ksize window; padded pixels never win.
 * SAME / VALID / EXPLICIT padding; float and double. */
#include "ops/kernels/nn_common.h"

struct max_pool_state {
    enum md_dtype dt;
    struct md_nn_window w;
};

static bool max_pool_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 1 input, got %d",
                              ki->n_inputs);
    struct max_pool_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st) ||
        !md_nn_check_nhwc(ki->node, st) ||
        !md_nn_hw_attr(ki->node, "ksize", true, &s->w.ksize_h, &s->w.ksize_w, st) ||
        !md_nn_hw_attr(ki->node, "strides", true, &s->w.stride_h, &s->w.stride_w, st) ||
        !md_nn_padding_attr(ki->node, true, &s->w, st))
        return false;
    ki->state = s;
    return true;
}

static bool max_pool_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct max_pool_state *s = k->state;
    return md_nn_pool(k, s->dt, &s->w, true, st);
}

const struct md_op_def md_op_max_pool = {
    .tf_name = "MaxPool",
    .init = max_pool_init,
    .compute = max_pool_compute,
};
