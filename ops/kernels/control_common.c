/* control_common.c: Switch and Merge, shared with their Ref variants. */
#include "ops/kernels/control_common.h"

bool md_control_switch_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    ki->n_outputs = 2;
    return true;
}

bool md_control_switch_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *pred = k->inputs[1];
    if (!k->dead)
        return md_kernel_fail(k->node, st, MD_INTERNAL, "needs the executor's dead tensors");
    if (pred->dtype != MD_DT_BOOL || pred->rank != 0 || !pred->data) {
        char s[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "pred must be a bool scalar, got %s %s",
                              md_dtype_name(pred->dtype),
                              md_shape_str(s, sizeof s, pred->rank, pred->dims));
    }
    int take = *(const uint8_t *)pred->data ? 1 : 0;
    md_kernel_forward(k, take, k->inputs[0]);
    k->dead[1 - take] = 1;
    return true;
}

bool md_control_merge_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects at least 1 input");
    ki->n_outputs = 2;
    return true;
}

bool md_control_merge_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    int live = -1;
    for (int i = 0; i < k->n_inputs && live < 0; i++)
        if (!k->in_dead || !k->in_dead[i])
            live = i;
    if (live < 0) {
        k->dead[0] = k->dead[1] = 1;
        return true;
    }
    md_kernel_forward(k, 0, k->inputs[live]);
    if (!md_kernel_output(k, 1, MD_DT_INT32, 0, NULL, st))
        return false;
    *(int32_t *)k->outputs[1].data = live;
    return true;
}
