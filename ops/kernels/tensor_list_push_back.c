/* TensorListPushBack: a new list with `tensor` appended (copy-on-write). */
#include "ops/kernels/control_tlist.h"

static bool push_back_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 2, 1, st);
}

static bool push_back_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    if (!l)
        return false;
    struct md_tlist *nl = md_tlist_copy(k->node, l, l->n + 1, st);
    if (!nl)
        return false;
    nl->n = l->n + 1;
    if (!md_tlist_set(k->node, nl, l->n, k->inputs[1], st)) {
        md_tlist_unref(nl);
        return false;
    }
    md_tlist_output(k, 0, nl);
    return true;
}

const struct md_op_def md_op_tensor_list_push_back = {
    .tf_name = "TensorListPushBack",
    .init = push_back_init,
    .compute = push_back_compute,
};
