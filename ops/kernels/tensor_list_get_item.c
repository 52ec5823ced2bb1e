/* TensorListGetItem: item `index` of the list (zeros of the element shape
 * when it was never set). */
#include "ops/kernels/control_tlist.h"

static bool get_item_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 3, 1, st);
}

static bool get_item_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    int64_t i;
    int rank;
    int64_t shape[MD_MAX_RANK];
    if (!l || !md_tlist_scalar_arg(k->node, k->inputs[1], "index", &i, st) ||
        !md_tlist_shape_arg(k->node, k->inputs[2], &rank, shape, st))
        return false;
    if (l->dtype != md_tlist_state_dtype(k->state))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "the list holds %s, element_dtype is %s", md_dtype_name(l->dtype),
                              md_dtype_name(md_tlist_state_dtype(k->state)));
    if (i < 0 || i >= l->n)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "index %lld is out of range for a list of %lld items",
                              (long long)i, (long long)l->n);
    return md_tlist_item_out(k, 0, l, &l->items[i], rank, shape, st);
}

const struct md_op_def md_op_tensor_list_get_item = {
    .tf_name = "TensorListGetItem",
    .init = get_item_init,
    .compute = get_item_compute,
};
