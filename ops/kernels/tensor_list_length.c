/* TensorListLength: the number of items, an int32 scalar. */
#include "ops/kernels/control_tlist.h"

static bool length_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects 1 input, got %d",
                              ki->n_inputs);
    return true;
}

static bool length_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tlist *l = md_tlist_of(k->node, k->inputs[0], st);
    if (!l || !md_kernel_output(k, 0, MD_DT_INT32, 0, NULL, st))
        return false;
    *(int32_t *)k->outputs[0].data = (int32_t)l->n;
    return true;
}

const struct md_op_def md_op_tensor_list_length = {
    .tf_name = "TensorListLength",
    .init = length_init,
    .compute = length_compute,
};
