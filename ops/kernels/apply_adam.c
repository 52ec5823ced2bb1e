/* ApplyAdam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon,
 * grad), TensorFlow's update:
 *   lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
 *   m = m + (g - m) * (1 - beta1);  v = v + (g^2 - v) * (1 - beta2)
 *   var -= lr_t * m / (sqrt(v) + epsilon)
 * The beta powers are inputs; the optimizer graph advances them afterwards. */
#include <math.h>

#include "ops/kernels/train_common.h"

static bool aa_init(struct md_kernel_init *ki, struct md_status *st)
{
    bool nesterov = false;
    md_attr_bool(ki->node, "use_nesterov", &nesterov);
    if (nesterov)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "use_nesterov is not supported");
    return md_train_apply_init(ki, 10, 3, st);
}

struct aa_job {
    const float *g;
    const float *v0, *m0, *s0;
    float *v1, *m1, *s1;
    float lr_t, b1, b2, eps;
};

/* One pass over var, m and v (fused, 8 lanes at a time; element i reads only
 * element i, so in-place updates are fine). sqrtf of a non-negative v never
 * sets errno: telling GCC so lets it use the vector square root. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-math-errno")))
#endif
static void aa_block(void *arg, int64_t begin, int64_t end)
{
    const struct aa_job *j = arg;
    const float *g = j->g + begin, *v0 = j->v0 + begin, *m0 = j->m0 + begin,
                *s0 = j->s0 + begin;
    float *v1 = j->v1 + begin, *m1 = j->m1 + begin, *s1 = j->s1 + begin;
    const float c1 = 1.0f - j->b1, c2 = 1.0f - j->b2, lr_t = j->lr_t, eps = j->eps;
    MD_NN_VLOOP(end - begin, {
        float gi = g[i];
        float m = m0[i] + (gi - m0[i]) * c1;
        float v = s0[i] + (gi * gi - s0[i]) * c2;
        m1[i] = m;
        s1[i] = v;
        v1[i] = v0[i] - lr_t * m / (sqrtf(v) + eps);
    });
}

static bool aa_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    float b1p, b2p, lr, b1, b2, eps;
    struct md_tensor cur[3], next[3];
    if (!md_train_scalar(k, 3, &b1p, st) || !md_train_scalar(k, 4, &b2p, st) ||
        !md_train_scalar(k, 5, &lr, st) || !md_train_scalar(k, 6, &b1, st) ||
        !md_train_scalar(k, 7, &b2, st) || !md_train_scalar(k, 8, &eps, st) ||
        !md_train_apply_begin(k, 9, cur, next, st))
        return false;
    struct aa_job j = {
        .g = k->inputs[9]->data, .v0 = cur[0].data, .m0 = cur[1].data, .s0 = cur[2].data,
        .v1 = next[0].data, .m1 = next[1].data, .s1 = next[2].data,
        .lr_t = (float)((double)lr * sqrt(1.0 - (double)b2p) / (1.0 - (double)b1p)),
        .b1 = b1, .b2 = b2, .eps = eps,
    };
    md_parallel_for(k, md_tensor_num_elements(&cur[0]), 1 << 15, aa_block, &j);
    return md_train_apply_end(k, cur, next, true, st);
}

const struct md_op_def md_op_apply_adam = {
    .tf_name = "ApplyAdam",
    .init = aa_init,
    .compute = aa_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};
