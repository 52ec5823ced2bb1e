/* AssignVariableOp: stores input 1 into the resource variable of handle
 * input 0 (zero-copy when the value owns a numeric buffer, as RestoreV2's
 * bundle views do). No outputs. */
#include "ops/ops_impl.h"

static bool assign_variable_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              ki->n_inputs);
    ki->n_outputs = 0;
    return true;
}

static bool assign_variable_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    if (!v)
        return false;
    enum md_dtype want;
    if (md_attr_type(k->node, "dtype", &want) && want != k->inputs[1]->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "value is %s, attr dtype is %s",
                              md_dtype_info(k->inputs[1]->dtype)->tf_name,
                              md_dtype_info(want)->tf_name);
    bool validate = false;
    md_attr_bool(k->node, "validate_shape", &validate);
    return md_var_assign(v, k->node, k->inputs[1], validate, NULL, st);
}

const struct md_op_def md_op_assign_variable_op = {
    .tf_name = "AssignVariableOp",
    .init = assign_variable_init,
    .compute = assign_variable_compute,
    .flags = MD_OP_STATEFUL,
};
