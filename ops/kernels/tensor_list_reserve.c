/* TensorListReserve: a list of num_elements unset items of element_dtype
 * and (partial) element_shape. */
#include "ops/kernels/control_tlist.h"

static bool reserve_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 2, 1, st);
}

static bool reserve_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    int rank;
    int64_t shape[MD_MAX_RANK], n;
    if (!md_tlist_shape_arg(k->node, k->inputs[0], &rank, shape, st) ||
        !md_tlist_scalar_arg(k->node, k->inputs[1], "num_elements", &n, st))
        return false;
    if (n < 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "num_elements must be >= 0, got %lld", (long long)n);
    struct md_tlist *l = md_tlist_new(k->node, md_tlist_state_dtype(k->state), rank, shape, n, st);
    if (!l)
        return false;
    md_tlist_output(k, 0, l);
    return true;
}

const struct md_op_def md_op_tensor_list_reserve = {
    .tf_name = "TensorListReserve",
    .init = reserve_init,
    .compute = reserve_compute,
};
