/* ResourceGather: rows of a resource variable's current value picked by
 * indices along axis 0 (batch_dims attr as GatherV2), e.g. the embedding
 * lookup of feature columns. The value is read under the model's variable
 * lock (a buffer reference), so a concurrent assign never tears it. */
#include "ops/exec_env.h"
#include "ops/kernels/array_common.h"

struct resource_gather_state {
    int64_t batch_dims;
    enum md_dtype dtype; /* MD_DT_INVALID: not declared */
};

static bool resource_gather_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct resource_gather_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_int(ki->node, "batch_dims", &s->batch_dims))
        s->batch_dims = 0;
    if (!md_attr_type(ki->node, "dtype", &s->dtype))
        s->dtype = MD_DT_INVALID;
    ki->state = s;
    return true;
}

static bool resource_gather_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct resource_gather_state *s = k->state;
    if (k->n_inputs != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              k->n_inputs);
    struct md_var *v = md_var_from_handle(k->inputs[0], k->node, st);
    struct md_tensor val = MD_TENSOR_INIT;
    if (!v || !md_var_read(v, k->node, &val, st))
        return false;
    bool ok;
    if (s->dtype != MD_DT_INVALID && val.dtype != s->dtype)
        ok = md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                            "variable holds %s, the op reads %s", md_dtype_info(val.dtype)->tf_name,
                            md_dtype_info(s->dtype)->tf_name);
    else if (val.rank < 1)
        ok = md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                            "params must be at least 1 dimensional");
    else
        ok = md_arr_gather(k, &val, k->inputs[1], 0, s->batch_dims, st);
    md_tensor_cleanup(&val);
    return ok;
}

const struct md_op_def md_op_resource_gather = {
    .tf_name = "ResourceGather",
    .init = resource_gather_init,
    .compute = resource_gather_compute,
};
