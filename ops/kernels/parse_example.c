/* ParseExample: a batch of serialized tf.Example protos -> sparse and dense
 * tensors. Inputs: serialized [B], names, Nsparse sparse_keys, Ndense
 * dense_keys, Ndense dense_defaults. The parser is parse_example_common.c. */
#include "ops/kernels/parse_example_common.h"

static bool parse_example_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_parse_example_init(ki, 1, st);
}

const struct md_op_def md_op_parse_example = {
    .tf_name = "ParseExample",
    .init = parse_example_init,
    .compute = md_parse_example_compute,
};
