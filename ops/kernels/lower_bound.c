/* LowerBound: per row b, for each values[b,j] the number of sorted_inputs[b,:]
 * elements < it (a binary search; out_type int32 or int64). Shared code:
 * md_search_sorted (sparse_common.c). */
#include "ops/kernels/sparse_common.h"

static bool lower_bound_init(struct md_kernel_init *ki, struct md_status *st)
{
    enum md_dtype *out = md_kernel_init_alloc(ki, sizeof *out, st);
    if (!out)
        return false;
    if (!md_attr_type(ki->node, "out_type", out))
        *out = MD_DT_INT32;
    if (*out != MD_DT_INT32 && *out != MD_DT_INT64)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "out_type must be int32 or int64, got %s", md_dtype_name(*out));
    ki->state = out;
    return true;
}

static bool lower_bound_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_search_sorted(k, false, *(const enum md_dtype *)k->state, st);
}

const struct md_op_def md_op_lower_bound = {
    .tf_name = "LowerBound",
    .init = lower_bound_init,
    .compute = lower_bound_compute,
};
