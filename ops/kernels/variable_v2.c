/* VariableV2 / Variable: a TF1 variable. Bound at load to the model's
 * variable of the same name (shared_name when set); each run outputs a
 * snapshot of its value (a buffer reference, so a concurrent Assign never
 * tears it). An uninitialised variable outputs a value without data, which
 * only Assign-style ops accept (see exec.c). */
#include "ops/ops_impl.h"

struct var_state {
    struct md_var *var;
    enum md_dtype dtype;
    int rank;
    int64_t dims[MD_MAX_RANK];
};

static bool variable_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct var_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_type(ki->node, "dtype", &s->dtype))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing attr 'dtype'");
    int rank = 0;
    int64_t dims[MD_MAX_RANK];
    if (md_attr_shape(ki->node, "shape", &rank, dims) && rank > 0) {
        s->rank = rank;
        for (int i = 0; i < rank; i++)
            s->dims[i] = dims[i] < 0 ? 1 : dims[i];
    }
    char buf[1024];
    const char *key = md_var_node_key(ki->node, buf, sizeof buf);
    if (!key)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "invalid shared_name");
    s->var = md_env_variable(ki->env, key, st);
    if (!s->var) {
        md_status_prefix(st, "node '%s'", ki->node->name);
        return false;
    }
    ki->state = s;
    ki->n_outputs = 1;
    return true;
}

static bool variable_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct var_state *s = k->state;
    if (md_var_is_initialized(s->var))
        return md_var_read(s->var, k->node, &k->outputs[0], st);
    struct md_tensor *o = &k->outputs[0];
    md_tensor_cleanup(o);
    o->dtype = s->dtype;
    o->rank = s->rank;
    for (int i = 0; i < s->rank; i++)
        o->dims[i] = s->dims[i];
    o->data = NULL;
    return true;
}

const struct md_op_def md_op_variable_v2 = {
    .tf_name = "VariableV2",
    .init = variable_init,
    .compute = variable_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_OUTPUT,
};

const struct md_op_def md_op_variable = {
    .tf_name = "Variable",
    .init = variable_init,
    .compute = variable_compute,
    .flags = MD_OP_STATEFUL | MD_OP_REF_OUTPUT,
};
