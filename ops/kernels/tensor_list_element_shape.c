/* TensorListElementShape: the list's element shape (-1 for unknown dims; a
 * scalar -1 when the rank is unknown) as shape_type. */
#include "ops/kernels/control_tlist.h"

static bool element_shape_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got %d",
                              ki->n_inputs);
    enum md_dtype *t = md_kernel_init_alloc(ki, sizeof *t, st);
    if (!t)
        return false;
    *t = MD_DT_INT32;
    md_attr_type(ki->node, "shape_type", t);
    if (*t != MD_DT_INT32 && *t != MD_DT_INT64)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "shape_type %s not supported",
                              md_dtype_name(*t));
    ki->state = t;
    return true;
}

static bool element_shape_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    enum md_dtype t = *(const enum md_dtype *)k->state;
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    if (!l)
        return false;
    int64_t n = l->rank < 0 ? 1 : l->rank;
    if (!md_kernel_output(k, 0, t, l->rank < 0 ? 0 : 1, &n, st))
        return false;
    for (int64_t d = 0; d < n; d++) {
        int64_t v = l->rank < 0 ? -1 : l->shape[d];
        if (t == MD_DT_INT32)
            ((int32_t *)k->outputs[0].data)[d] = (int32_t)v;
        else
            ((int64_t *)k->outputs[0].data)[d] = v;
    }
    return true;
}

const struct md_op_def md_op_tensor_list_element_shape = {
    .tf_name = "TensorListElementShape",
    .init = element_shape_init,
    .compute = element_shape_compute,
};
