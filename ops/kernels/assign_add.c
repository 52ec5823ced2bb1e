/* AssignAdd / AssignSub: adds (subtracts) input 1 to the TF1 variable
 * referenced by input 0, under the model's variable lock, and outputs the
 * new value. The old buffer is never modified (readers may hold it). */
#include "ops/ops_impl.h"

struct assign_add_state {
    struct md_var *var;
};

static bool assign_add_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    struct assign_add_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->var = md_env_input_variable(ki->env, ki->node, 0, st);
    if (!s->var)
        return false;
    ki->state = s;
    ki->n_outputs = 1;
    return true;
}

static bool assign_add_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct assign_add_state *s = k->state;
    return md_var_add(s->var, k->node, k->inputs[1], 1, &k->outputs[0], st);
}

static bool assign_sub_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct assign_add_state *s = k->state;
    return md_var_add(s->var, k->node, k->inputs[1], -1, &k->outputs[0], st);
}

const struct md_op_def md_op_assign_add = {
    .tf_name = "AssignAdd",
    .init = assign_add_init,
    .compute = assign_add_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};

const struct md_op_def md_op_assign_sub = {
    .tf_name = "AssignSub",
    .init = assign_add_init,
    .compute = assign_sub_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};
