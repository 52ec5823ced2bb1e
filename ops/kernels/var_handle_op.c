/* VarHandleOp: a handle (DT_RESOURCE scalar) to the model's resource
 * variable named by shared_name (else the node name). */
#include "ops/ops_impl.h"

struct var_handle_state {
    struct md_var *var;
};

static bool var_handle_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct var_handle_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
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

static bool var_handle_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct var_handle_state *s = k->state;
    if (!md_kernel_output(k, 0, MD_DT_RESOURCE, 0, NULL, st))
        return false;
    md_var_to_handle(s->var, &k->outputs[0]);
    return true;
}

const struct md_op_def md_op_var_handle_op = {
    .tf_name = "VarHandleOp",
    .init = var_handle_init,
    .compute = var_handle_compute,
    .flags = MD_OP_STATEFUL,
};
