/* LookupTableSizeV2: the number of entries of a table (int64 scalar; 0
 * before it is initialised). */
#include "ops/kernels/lookup_common.h"

static bool size_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    struct md_tensor hold = MD_TENSOR_INIT;
    const struct md_lut *t;
    if (!md_lut_read(k, k->inputs[0], &hold, &t, st))
        return false;
    int64_t n = t->initialized ? t->n : 0;
    md_tensor_cleanup(&hold);
    if (!md_kernel_output(k, 0, MD_DT_INT64, 0, NULL, st))
        return false;
    *(int64_t *)k->outputs[0].data = n;
    return true;
}

const struct md_op_def md_op_lookup_table_size_v2 = {
    .tf_name = "LookupTableSizeV2",
    .compute = size_compute,
};
