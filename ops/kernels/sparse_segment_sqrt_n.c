/* SparseSegmentSqrtN: sums divided by sqrt(count) of rows of data picked by indices, grouped by
 * sorted segment_ids; last segment id + 1 output rows, empty segments are 0.
 * Shared code: md_sparse_segment (sparse_common.c). */
#include "ops/kernels/sparse_common.h"

static bool sparse_segment_sqrt_n_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_sparse_segment(k, MD_SEGMENT_SQRTN, false, st);
}

const struct md_op_def md_op_sparse_segment_sqrt_n = {
    .tf_name = "SparseSegmentSqrtN",
    .compute = sparse_segment_sqrt_n_compute,
};
