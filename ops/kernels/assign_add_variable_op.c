/* AssignAddVariableOp / AssignSubVariableOp: resource variable += (-=)
 * input 1, under the model's variable lock. No outputs. */
#include "ops/ops_impl.h"

static bool assign_add_variable_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    ki->n_outputs = 0;
    return true;
}

static bool add_compute(struct md_kernel_ctx *k, int sign, struct md_status *st)
{
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    return v && md_var_add(v, k->node, k->inputs[1], sign, NULL, st);
}

static bool assign_add_variable_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return add_compute(k, 1, st);
}

static bool assign_sub_variable_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return add_compute(k, -1, st);
}

const struct md_op_def md_op_assign_add_variable_op = {
    .tf_name = "AssignAddVariableOp",
    .init = assign_add_variable_init,
    .compute = assign_add_variable_compute,
    .flags = MD_OP_STATEFUL,
};

const struct md_op_def md_op_assign_sub_variable_op = {
    .tf_name = "AssignSubVariableOp",
    .init = assign_add_variable_init,
    .compute = assign_sub_variable_compute,
    .flags = MD_OP_STATEFUL,
};
