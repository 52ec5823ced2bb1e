/* PartitionedCall / StatefulPartitionedCall: function calls are inlined at
 * graph import (ops/graph.c), where the call node becomes a join node that
 * the executor skips. These definitions register the ops as supported; the
 * compute only runs if a call is used outside a graph (unit tests). */
#include "ops/kernel.h"

static bool call_init(struct md_kernel_init *ki, struct md_status *st)
{
    (void)st;
    ki->n_outputs = 0;
    return true;
}

static bool call_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_kernel_fail(k->node, st, MD_INTERNAL,
                          "function calls run only inlined in a model graph");
}

const struct md_op_def md_op_partitioned_call = {
    .tf_name = "PartitionedCall",
    .init = call_init,
    .compute = call_compute,
};

const struct md_op_def md_op_stateful_partitioned_call = {
    .tf_name = "StatefulPartitionedCall",
    .init = call_init,
    .compute = call_compute,
    .flags = MD_OP_STATEFUL,
};
