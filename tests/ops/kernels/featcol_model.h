/* featcol_model.h: an estimator-style feature-column SavedModel written with
 * our own SavedModel writer, for tests/ops/kernels/test_lookup.c and
 * bench/featcol.c. See featcol_model.c for the graph. */
#ifndef MD_TESTS_FEATCOL_MODEL_H
#define MD_TESTS_FEATCOL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/tensor.h"

/* Writes the model into dir (must not exist): signature "serving_default",
 * input "examples" (serialized tf.Example, string [-1]), outputs
 * "embedding" (float [B,2]: mean of embedding rows of the "color" words
 * looked up in assets/vocab.txt = red, green, blue; 0 for none),
 * "city_ids" (int64 [B,max]: StringToHashBucketFast("city", 10), -1
 * padded) and "vocab_size" (int64 scalar). Embedding rows:
 * [1,2], [10,20], [5,6]. */
bool md_featcol_write(const char *dir, struct md_status *st);

/* Writes (a variant of) the model whose init op reads vocab file name
 * `vocab_const` (the asset is not registered, so the Const is not fed). */
bool md_featcol_write_vocab_const(const char *dir, const char *vocab_const,
                                  struct md_status *st);

/* Encodes a tf.Example with bytes_list features "color" and "city" into
 * out (cap bytes); returns its length (0 if it does not fit). */
size_t md_featcol_example(const char *const *colors, int n_colors, const char *const *cities,
                          int n_cities, uint8_t *out, size_t cap);

#endif
