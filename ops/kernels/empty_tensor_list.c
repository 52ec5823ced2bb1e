/* EmptyTensorList: a list without items (max_num_elements is a hint). */
#include "ops/kernels/control_tlist.h"

static bool empty_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_tlist_init_dtype(ki, 2, 1, st);
}

static bool empty_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    int rank;
    int64_t shape[MD_MAX_RANK], max;
    if (!md_tlist_shape_arg(k->node, k->inputs[0], &rank, shape, st) ||
        !md_tlist_scalar_arg(k->node, k->inputs[1], "max_num_elements", &max, st))
        return false;
    struct md_tlist *l = md_tlist_new(k->node, md_tlist_state_dtype(k->state), rank, shape, 0, st);
    if (!l)
        return false;
    md_tlist_output(k, 0, l);
    return true;
}

const struct md_op_def md_op_empty_tensor_list = {
    .tf_name = "EmptyTensorList",
    .init = empty_init,
    .compute = empty_compute,
};
