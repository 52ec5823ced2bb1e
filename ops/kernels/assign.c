/* Assign: stores input 1 into the TF1 variable referenced by input 0 and
 * outputs the new value. Runs under the model's variable lock. */
#include "ops/ops_impl.h"

struct assign_state {
    struct md_var *var;
    bool validate_shape;
};

static bool assign_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    struct assign_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->validate_shape = true;
    md_attr_bool(ki->node, "validate_shape", &s->validate_shape);
    s->var = md_env_input_variable(ki->env, ki->node, 0, st);
    if (!s->var)
        return false;
    ki->state = s;
    ki->n_outputs = 1;
    return true;
}

static bool assign_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct assign_state *s = k->state;
    return md_var_assign(s->var, k->node, k->inputs[1], s->validate_shape, &k->outputs[0], st);
}

const struct md_op_def md_op_assign = {
    .tf_name = "Assign",
    .init = assign_init,
    .compute = assign_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_INPUT0,
};
