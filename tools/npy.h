/* npy.h: numpy's .npy files and .npz archives <-> md_tensor, for
 * `modeld-cli run`.
 *
 *   struct md_tensor t = MD_TENSOR_INIT;
 *   if (!md_npy_load("x.npz", "x0", &t, &st)) ...   // member x0.npy of the zip
 *   if (!md_npy_save("out/y.npy", &t, &st)) ...
 *   md_tensor_cleanup(&t);
 *
 * Read: format versions 1-3, little- and big-endian numbers (bool, int8-64,
 * uint8-64, float16/32/64), C or Fortran order, fixed-width bytes ('S') and
 * unicode ('U', stored as UTF-8 strings). Object arrays (pickles) are
 * refused. .npz members may be stored or deflated. Write: version 1.0,
 * numbers in native little-endian; strings as fixed-width bytes ('S').
 * Sizes are capped (MD_NPY_MAX_BYTES). single-owner
 */
#ifndef MD_TOOLS_NPY_H
#define MD_TOOLS_NPY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "base/tensor.h"

#define MD_NPY_MAX_BYTES ((size_t)1 << 32)

/* Parses one .npy image (data, len) into a new owned tensor. */
MD_MUST_CHECK bool md_npy_parse(const void *data, size_t len, struct md_tensor *out,
                                struct md_status *st);
/* Loads path: a .npy file, or member `key` of a .npz (key NULL: the only
 * member). INVALID_ARGUMENT / NOT_FOUND naming the file and key. */
MD_MUST_CHECK bool md_npy_load(const char *path, const char *key, struct md_tensor *out,
                               struct md_status *st);
/* What Python prints for str() of the numpy value TensorFlow returns for t:
 * numpy's array2string defaults (linewidth 75, precision 8, summarised
 * above 1000 elements with 3 edge items; strings as bytes reprs) and a numpy
 * scalar's str for rank 0. malloc'd; NULL on OOM. */
char *md_numpy_str(const struct md_tensor *t);
/* Writes t as a .npy file (replacing it). */
MD_MUST_CHECK bool md_npy_save(const char *path, const struct md_tensor *t, struct md_status *st);

#endif
