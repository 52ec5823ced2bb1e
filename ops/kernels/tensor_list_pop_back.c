/* TensorListPopBack: the list without its last item, and that item. */
#include "ops/kernels/control_tlist.h"

static bool pop_back_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 2, 2, st);
}

static bool pop_back_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    int rank;
    int64_t shape[MD_MAX_RANK];
    if (!l || !md_tlist_shape_arg(k->node, k->inputs[1], &rank, shape, st))
        return false;
    if (l->n == 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "the list is empty");
    if (!md_tlist_item_out(k, 1, l, &l->items[l->n - 1], rank, shape, st))
        return false;
    struct md_tlist *nl = md_tlist_copy(k->node, l, l->n, st);
    if (!nl)
        return false;
    md_tensor_cleanup(&nl->items[--nl->n]);
    md_tlist_output(k, 0, nl);
    return true;
}

const struct md_op_def md_op_tensor_list_pop_back = {
    .tf_name = "TensorListPopBack",
    .init = pop_back_init,
    .compute = pop_back_compute,
};
