/* parse_example_common.h: the tf.Example parser shared by ParseExample and
 * ParseExampleV2 (ops/kernels/parse_example.c, parse_example_v2.c).
 *
 * The two ops differ only in how keys arrive (V1: one scalar input per key;
 * V2: one string vector per kind, plus ragged features) and in the accepted
 * rank of `serialized` (V1: vector; V2: scalar or vector). Everything else,
 * the wire-format walker included, lives in parse_example_common.c.
 *
 * The walker reads the protobuf wire format directly (example.proto): no
 * per-feature allocation, last map entry wins, unknown fields are skipped,
 * packed and unpacked repeated scalars are both accepted. Output strings are
 * copied into the request arena, so they never point into the input.
 */
#ifndef MD_OPS_KERNELS_PARSE_EXAMPLE_COMMON_H
#define MD_OPS_KERNELS_PARSE_EXAMPLE_COMMON_H

#include "ops/kernel.h"

/* init for ParseExample (version 1) and ParseExampleV2 (version 2): reads and
 * checks the attrs, sets ki->state and ki->n_outputs. */
MD_MUST_CHECK bool md_parse_example_init(struct md_kernel_init *ki, int version,
                                         struct md_status *st);
/* compute for both ops (the version is in the state). reentrant */
MD_MUST_CHECK bool md_parse_example_compute(struct md_kernel_ctx *k, struct md_status *st);

#endif
