/* ParseExampleV2: like ParseExample, but keys arrive as string vectors
 * (sparse_keys, dense_keys, ragged_keys), serialized may be a scalar, and
 * ragged features produce values + row_splits. Parser: parse_example_common.c. */
#include "ops/kernels/parse_example_common.h"

static bool parse_example_v2_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_parse_example_init(ki, 2, st);
}

const struct md_op_def md_op_parse_example_v2 = {
    .tf_name = "ParseExampleV2",
    .init = parse_example_v2_init,
    .compute = md_parse_example_compute,
};
