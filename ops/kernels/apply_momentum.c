/* ApplyMomentum(var, accum, lr, grad, momentum): accum = accum * momentum +
 * grad; var -= lr * accum, or with use_nesterov var -= lr * grad + lr *
 * momentum * accum (TensorFlow's formulation). */
#include "ops/kernels/train_common.h"

struct am_state {
    struct md_train_apply a; /* first: md_train_apply_* read it */
    bool nesterov;
};

static bool am_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_train_apply_init(ki, 5, 2, st))
        return false;
    /* Re-home the shared state inside a bigger one to keep the flag. */
    struct am_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->a = *(const struct md_train_apply *)ki->state;
    s->nesterov = false;
    md_attr_bool(ki->node, "use_nesterov", &s->nesterov);
    ki->state = s;
    return true;
}

static bool am_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct am_state *s = k->state;
    float lr, mom;
    struct md_tensor cur[2], next[2];
    if (!md_train_scalar(k, 2, &lr, st) || !md_train_scalar(k, 4, &mom, st) ||
        !md_train_apply_begin(k, 3, cur, next, st))
        return false;
    const float *v = cur[0].data, *acc = cur[1].data, *g = k->inputs[3]->data;
    float *nv = next[0].data, *na = next[1].data;
    int64_t n = md_tensor_num_elements(&cur[0]);
    MD_NN_VLOOP(n, na[i] = acc[i] * mom + g[i]);
    if (s->nesterov)
        MD_NN_VLOOP(n, nv[i] = v[i] - lr * g[i] - lr * mom * na[i]);
    else
        MD_NN_VLOOP(n, nv[i] = v[i] - lr * na[i]);
    return md_train_apply_end(k, cur, next, true, st);
}

const struct md_op_def md_op_apply_momentum = {
    .tf_name = "ApplyMomentum",
    .init = am_init,
    .compute = am_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};
