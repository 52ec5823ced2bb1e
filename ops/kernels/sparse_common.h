/* sparse_common.h: helpers shared by the sparse, string and feature-column
 * kernels (SparseSegment*, StringToHashBucketFast, RandomUniform, the lookup
 * tables).
 *
 *   uint64_t h = md_fingerprint64(s.data, s.len);      // TF's Fingerprint64
 *   struct md_philox g = md_philox_init(seed, seed2);  // TF's PhiloxRandom
 *   uint32_t out[4]; md_philox_block(&g, block, out);
 *
 * Everything here is pure: no globals, thread-safe.
 */
#ifndef MD_OPS_KERNELS_SPARSE_COMMON_H
#define MD_OPS_KERNELS_SPARSE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "ops/kernel.h"

/* FarmHash's Fingerprint64 (farmhashna::Hash64): the hash TensorFlow's
 * StringToHashBucketFast and feature columns' hash buckets use. Stable
 * forever (fingerprint), bit for bit equal to TensorFlow's. */
uint64_t md_fingerprint64(const char *s, size_t len);

/* Philox4x32-10 as TensorFlow's random::PhiloxRandom: key = seed (64 bits),
 * counter = (0, 0, seed2 low, seed2 high). */
struct md_philox {
    uint32_t key[2];
    uint32_t ctr[4];
};
struct md_philox md_philox_init(uint64_t seed, uint64_t seed2);
/* The 4 outputs of the generator skipped ahead by `block` 128-bit blocks
 * (TensorFlow's Skip(block) then operator()). */
void md_philox_block(const struct md_philox *g, uint64_t block, uint32_t out[4]);
/* TensorFlow's Uint32ToFloat / Uint64ToDouble: uniform in [0, 1). */
float md_philox_float(uint32_t x);
double md_philox_double(uint32_t lo, uint32_t hi);

/* Kind of a SparseSegment reduction. */
enum md_segment_kind { MD_SEGMENT_SUM, MD_SEGMENT_MEAN, MD_SEGMENT_SQRTN };
/* SparseSegmentSum/Mean/SqrtN[WithNumSegments]: inputs data, indices,
 * segment_ids[, num_segments]. */
MD_MUST_CHECK bool md_sparse_segment(struct md_kernel_ctx *k, enum md_segment_kind kind,
                                     bool with_num_segments, struct md_status *st);

/* True for DT_INT32 / DT_INT64. */
static inline bool md_sp_is_index(enum md_dtype t) { return t == MD_DT_INT32 || t == MD_DT_INT64; }

/* Reads an int32/int64 element. */
static inline int64_t md_sp_int_at(const struct md_tensor *t, int64_t i)
{
    return t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
}

/* Checks t has dtype want and rank (rank < 0: any); INVALID_ARGUMENT naming
 * `what` otherwise. */
MD_MUST_CHECK bool md_sp_check(struct md_kernel_ctx *k, const struct md_tensor *t, const char *what,
                               enum md_dtype want, int rank, struct md_status *st);



/* UpperBound / LowerBound: inputs sorted_inputs [B,N], values [B,M] (same
 * numeric dtype); output [B,M] of dtype out (int32/int64). */
MD_MUST_CHECK bool md_search_sorted(struct md_kernel_ctx *k, bool upper, enum md_dtype out,
                                    struct md_status *st);
#endif
