/* GatherV2: slices of params along `axis` (third input) picked by indices,
 * with batch_dims leading dimensions shared by params and indices. Every
 * index is bounds-checked: INVALID_ARGUMENT "indices[i,j] = v is not in
 * [0, n)". */
#include "ops/kernels/array_common.h"

static bool gather_v2_init(struct md_kernel_init *ki, struct md_status *st)
{
    int64_t *bd = md_kernel_init_alloc(ki, sizeof *bd, st);
    if (!bd)
        return false;
    if (!md_attr_int(ki->node, "batch_dims", bd))
        *bd = 0;
    ki->state = bd;
    return true;
}

static bool gather_v2_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    int64_t axis;
    if (!md_arr_read_scalar(k, k->inputs[2], "axis", &axis, st))
        return false;
    return md_arr_gather(k, k->inputs[0], k->inputs[1], axis, *(const int64_t *)k->state, st);
}

const struct md_op_def md_op_gather_v2 = {
    .tf_name = "GatherV2",
    .init = gather_v2_init,
    .compute = gather_v2_compute,
};
