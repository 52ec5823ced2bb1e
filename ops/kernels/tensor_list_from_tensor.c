/* TensorListFromTensor: the list of tensor's slices along dim 0. One heap
 * copy of the tensor; the items are views of it. */
#include <string.h>

#include "ops/kernels/control_tlist.h"

static bool from_tensor_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 2, 1, st);
}

static bool from_tensor_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    enum md_dtype dt = md_tlist_state_dtype(k->state);
    int rank;
    int64_t shape[MD_MAX_RANK];
    if (!md_tlist_shape_arg(k->node, k->inputs[1], &rank, shape, st))
        return false;
    if (x->dtype != dt)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "tensor is %s, element_dtype %s",
                              md_dtype_name(x->dtype), md_dtype_name(dt));
    if (x->rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "tensor must have rank >= 1, got a scalar");
    if (!md_tlist_merge_shape(k->node, &rank, shape, x->rank - 1, x->dims + 1, st))
        return false;
    struct md_tlist *l = md_tlist_new(k->node, dt, rank, shape, x->dims[0], st);
    if (!l)
        return false;
    struct md_tensor whole = MD_TENSOR_INIT;
    if (x->buf && dt != MD_DT_STRING)
        md_tensor_share(&whole, x);
    else if (!md_tensor_copy(&whole, x, st)) {
        md_tlist_unref(l);
        return false;
    }
    size_t stride = md_dtype_size(dt) * (size_t)md_shape_num_elements(x->rank - 1, x->dims + 1);
    for (int64_t i = 0; i < l->n; i++) {
        struct md_tensor *it = &l->items[i];
        md_tensor_share(it, &whole);
        it->rank = x->rank - 1;
        memset(it->dims, 0, sizeof it->dims);
        for (int d = 1; d < x->rank; d++)
            it->dims[d - 1] = x->dims[d];
        it->data = (char *)whole.data + (size_t)i * stride;
    }
    md_tensor_cleanup(&whole);
    md_tlist_output(k, 0, l);
    return true;
}

const struct md_op_def md_op_tensor_list_from_tensor = {
    .tf_name = "TensorListFromTensor",
    .init = from_tensor_init,
    .compute = from_tensor_compute,
};
