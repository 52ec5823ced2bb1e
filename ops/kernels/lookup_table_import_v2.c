/* LookupTableImportV2: replaces a table's contents with keys -> values (as
 * a restore op does). See lookup_common.h. */
#include "ops/kernels/lookup_common.h"

static bool import_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 0;
    return true;
}

static bool import_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 3)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              k->n_inputs);
    return md_lut_build(k, k->inputs[0], k->inputs[1], k->inputs[2], NULL, st);
}

const struct md_op_def md_op_lookup_table_import_v2 = {
    .tf_name = "LookupTableImportV2",
    .init = import_init,
    .compute = import_compute,
    .flags = MD_OP_STATEFUL,
};
