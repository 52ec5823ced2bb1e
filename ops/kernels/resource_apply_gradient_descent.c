/* ResourceApplyGradientDescent(var, alpha, delta): var -= alpha * delta on
 * the resource variable `var` (a VarHandleOp handle). No outputs.
 *
 * The update goes through the model's variable store (md_var_add with the
 * scaled delta and sign -1), so it is atomic under the model's variable
 * lock whatever use_locking says, and readers holding the old value keep
 * it untouched. float and double (attr T); alpha must be a scalar of T and
 * delta must have the variable's shape. */
#include "ops/ops_impl.h"

static bool ragd_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 3)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              ki->n_inputs);
    enum md_dtype t = MD_DT_FLOAT;
    md_attr_type(ki->node, "T", &t);
    if (t != MD_DT_FLOAT && t != MD_DT_DOUBLE)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(t));
    const Tensorflow__AttrValue *a = md_attr_find(ki->node, "use_locking");
    if (a && a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_B)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr use_locking must be a bool");
    ki->n_outputs = 0;
    return true;
}

static bool ragd_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *alpha = k->inputs[1], *delta = k->inputs[2];
    if (delta->dtype != MD_DT_FLOAT && delta->dtype != MD_DT_DOUBLE)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "delta must be float or double, got %s",
                              md_dtype_name(delta->dtype));
    if (alpha->dtype != delta->dtype || alpha->rank != 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "alpha must be a %s scalar, got %s of rank %d",
                              md_dtype_name(delta->dtype), md_dtype_name(alpha->dtype),
                              alpha->rank);
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    if (!v)
        return false;
    int64_t n = md_tensor_num_elements(delta);
    struct md_tensor step = *delta;
    step.buf = NULL;
    step.data = md_kernel_scratch(k, (size_t)n * (delta->dtype == MD_DT_FLOAT ? 4 : 8) + 1, st);
    if (!step.data)
        return false;
    if (delta->dtype == MD_DT_FLOAT) {
        float lr = *(const float *)alpha->data;
        const float *g = delta->data;
        float *o = step.data;
        for (int64_t i = 0; i < n; i++)
            o[i] = lr * g[i];
    } else {
        double lr = *(const double *)alpha->data;
        const double *g = delta->data;
        double *o = step.data;
        for (int64_t i = 0; i < n; i++)
            o[i] = lr * g[i];
    }
    return md_var_add(v, k->node, &step, -1, NULL, st);
}

const struct md_op_def md_op_resource_apply_gradient_descent = {
    .tf_name = "ResourceApplyGradientDescent",
    .init = ragd_init,
    .compute = ragd_compute,
    .flags = MD_OP_STATEFUL,
};
