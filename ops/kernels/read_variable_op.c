/* ReadVariableOp: a snapshot of a resource variable's value (a buffer
 * reference taken under the model's variable lock). */
#include "ops/ops_impl.h"

static bool read_variable_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got %d",
                              k->n_inputs);
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    if (!v || !md_var_read(v, k->node, &k->outputs[0], st))
        return false;
    enum md_dtype want;
    if (md_attr_type(k->node, "dtype", &want) && want != k->outputs[0].dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "variable holds %s, the op reads %s",
                              md_dtype_info(k->outputs[0].dtype)->tf_name,
                              md_dtype_info(want)->tf_name);
    return true;
}

const struct md_op_def md_op_read_variable_op = {
    .tf_name = "ReadVariableOp",
    .compute = read_variable_compute,
};
