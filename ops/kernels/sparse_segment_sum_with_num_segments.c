/* SparseSegmentSumWithNumSegments: sums rows of data picked by indices, grouped by
 * sorted segment_ids; num_segments (fourth input) output rows, empty segments are 0.
 * Shared code: md_sparse_segment (sparse_common.c). */
#include "ops/kernels/sparse_common.h"

static bool sparse_segment_sum_with_num_segments_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_sparse_segment(k, MD_SEGMENT_SUM, true, st);
}

const struct md_op_def md_op_sparse_segment_sum_with_num_segments = {
    .tf_name = "SparseSegmentSumWithNumSegments",
    .compute = sparse_segment_sum_with_num_segments_compute,
};
