/* VarIsInitializedOp (resource handle) and IsVariableInitialized (TF1
 * variable reference): a bool scalar. */
#include "ops/ops_impl.h"

static bool var_is_init_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got %d",
                              k->n_inputs);
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    if (!v || !md_kernel_output(k, 0, MD_DT_BOOL, 0, NULL, st))
        return false;
    *(uint8_t *)k->outputs[0].data = md_var_is_initialized(v);
    return true;
}

struct is_var_init_state {
    struct md_var *var;
};

static bool is_variable_init_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct is_var_init_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !(s->var = md_env_input_variable(ki->env, ki->node, 0, st)))
        return false;
    ki->state = s;
    return true;
}

static bool is_variable_init_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct is_var_init_state *s = k->state;
    if (!md_kernel_output(k, 0, MD_DT_BOOL, 0, NULL, st))
        return false;
    *(uint8_t *)k->outputs[0].data = md_var_is_initialized(s->var);
    return true;
}

const struct md_op_def md_op_var_is_initialized_op = {
    .tf_name = "VarIsInitializedOp",
    .compute = var_is_init_compute,
};

const struct md_op_def md_op_is_variable_initialized = {
    .tf_name = "IsVariableInitialized",
    .init = is_variable_init_init,
    .compute = is_variable_init_compute,
    .flags = MD_OP_REF_INPUT0,
};
