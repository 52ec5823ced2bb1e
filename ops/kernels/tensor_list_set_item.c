/* TensorListSetItem: a new list with item `index` replaced (the input list
 * is not changed: copy-on-write, unchanged items are shared). With
 * resize_if_index_out_of_bounds the list grows to index + 1. */
#include "ops/kernels/control_tlist.h"

struct set_state {
    enum md_dtype dtype; /* first, for md_tlist_state_dtype */
    bool resize;
};

static bool set_item_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_tlist_init_dtype(ki, 3, 1, st))
        return false;
    struct set_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->dtype = md_tlist_state_dtype(ki->state);
    md_attr_bool(ki->node, "resize_if_index_out_of_bounds", &s->resize);
    ki->state = s;
    return true;
}

static bool set_item_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct set_state *s = k->state;
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    int64_t i;
    if (!l || !md_tlist_scalar_arg(k->node, k->inputs[1], "index", &i, st))
        return false;
    if (i < 0 || (i >= l->n && !s->resize))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "index %lld is out of range for a list of %lld items",
                              (long long)i, (long long)l->n);
    if (i >= MD_TLIST_MAX_ITEMS)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "index %lld is too large",
                              (long long)i);
    struct md_tlist *nl = md_tlist_copy(k->node, l, i + 1, st);
    if (!nl)
        return false;
    if (i >= nl->n)
        nl->n = i + 1;
    if (!md_tlist_set(k->node, nl, i, k->inputs[2], st)) {
        md_tlist_unref(nl);
        return false;
    }
    md_tlist_output(k, 0, nl);
    return true;
}

const struct md_op_def md_op_tensor_list_set_item = {
    .tf_name = "TensorListSetItem",
    .init = set_item_init,
    .compute = set_item_compute,
};
