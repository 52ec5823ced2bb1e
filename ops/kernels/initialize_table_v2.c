/* InitializeTableV2: fills a table from keys and values tensors (same
 * size). A key given twice with different values is an error. Runs at load
 * as part of the init op. See lookup_common.h. */
#include "ops/kernels/lookup_common.h"

static bool init_table_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 0;
    return true;
}

static bool init_table_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    if (k->n_inputs != 3)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 3 inputs, got %d",
                              k->n_inputs);
    return md_lut_build(k, k->inputs[0], k->inputs[1], k->inputs[2], NULL, st);
}

const struct md_op_def md_op_initialize_table_v2 = {
    .tf_name = "InitializeTableV2",
    .init = init_table_init,
    .compute = init_table_compute,
    .flags = MD_OP_STATEFUL,
};
