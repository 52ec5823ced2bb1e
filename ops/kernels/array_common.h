/* array_common.h: helpers shared by the array/shape kernels (Reshape, Slice,
 * StridedSlice, ConcatV2, Tile, Transpose, Gather, ...).
 *
 * Array kernels move elements without looking at them, so most work for
 * every dtype by element size; DT_STRING elements are struct md_str and are
 * moved the same way. A string output whose elements were copied from an
 * input that owns a buffer (buf != NULL, e.g. a model constant shared by
 * reference) could outlive that buffer, so md_arr_fix_strings copies such
 * outputs' bytes into the request arena.
 */
#ifndef MD_OPS_KERNELS_ARRAY_COMMON_H
#define MD_OPS_KERNELS_ARRAY_COMMON_H

#include "ops/kernel.h"

/* True for DT_INT32 / DT_INT64 (index tensors). */
static inline bool md_arr_is_index(enum md_dtype t) { return t == MD_DT_INT32 || t == MD_DT_INT64; }

/* Element i of an int32/int64 tensor. */
static inline int64_t md_arr_index_at(const struct md_tensor *t, int64_t i)
{
    return t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
}

/* UNIMPLEMENTED unless tensors of dtype t can be moved by element size. */
MD_MUST_CHECK bool md_arr_check_dtype(const Tensorflow__NodeDef *node, enum md_dtype t,
                                      struct md_status *st);

/* Reads an int32/int64 tensor of at most cap elements that must be a vector
 * (or a scalar when allow_scalar) into out; *n = element count. Errors name
 * `what`. */
MD_MUST_CHECK bool md_arr_read_ints(struct md_kernel_ctx *k, const struct md_tensor *t,
                                    const char *what, bool allow_scalar, int64_t *out,
                                    int64_t cap, int64_t *n, struct md_status *st);

/* Reads a scalar (or one-element) int32/int64 tensor. */
MD_MUST_CHECK bool md_arr_read_scalar(struct md_kernel_ctx *k, const struct md_tensor *t,
                                      const char *what, int64_t *out, struct md_status *st);

/* Normalizes axis into [0, rank) (negative counts from the end); false with
 * INVALID_ARGUMENT "Expected <what> in range [-rank, rank), but got a". */
MD_MUST_CHECK bool md_arr_axis(struct md_kernel_ctx *k, int64_t axis, int rank, const char *what,
                               int *out, struct md_status *st);

/* Row-major element strides of a shape. */
void md_arr_strides(int rank, const int64_t *dims, int64_t *strides);

/* dst[i] = src[o(i)] over an N-d index space (rank <= 2 * MD_MAX_RANK): for each index tuple
 * (i_0..i_{rank-1}) < dims, copies es bytes from src + sum(i_d*src_strides[d])
 * elements to dst + sum(i_d*dst_strides[d]) elements (strides in elements,
 * source strides may be negative). The innermost run is memcpy'd when both
 * strides are 1. */
void md_arr_copy_nd(void *dst, const int64_t *dst_strides, const void *src,
                    const int64_t *src_strides, size_t es, int rank, const int64_t *dims);

/* Copies the bytes of out's strings into the request arena when `src` owns a
 * buffer (see above). No-op for other dtypes. */
MD_MUST_CHECK bool md_arr_fix_strings(struct md_kernel_ctx *k, struct md_tensor *out,
                                      const struct md_tensor *src, struct md_status *st);
/* Unconditionally copies out's string bytes into the request arena. */
MD_MUST_CHECK bool md_arr_own_strings(struct md_kernel_ctx *k, struct md_tensor *out,
                                      struct md_status *st);

/* Init helper for ops with an int32/int64 output type attr (Shape's
 * out_type, ...): ki->state becomes a const enum md_dtype (def if absent). */
MD_MUST_CHECK bool md_arr_out_type_init(struct md_kernel_init *ki, const char *attr,
                                        enum md_dtype def, struct md_status *st);

/* Stores v as element i of an int32/int64 tensor. */
static inline void md_arr_index_set(struct md_tensor *t, int64_t i, int64_t v)
{
    if (t->dtype == MD_DT_INT32)
        ((int32_t *)t->data)[i] = (int32_t)v;
    else
        ((int64_t *)t->data)[i] = v;
}

/* Splits x along axis into k->outputs[0..n): output i takes sizes[i]
 * entries (drop_axis: sizes are all 1 and the axis is removed, as Unpack). */
MD_MUST_CHECK bool md_arr_split(struct md_kernel_ctx *k, const struct md_tensor *x, int axis,
                                const int64_t *sizes, int n, bool drop_axis, struct md_status *st);

/* outputs[0] = x sliced per input dim d: size[d] elements from begin[d] in
 * steps of stride[d] (begin/size already checked against x), reshaped to
 * out_rank/out_dims (same element count). */
MD_MUST_CHECK bool md_arr_slice(struct md_kernel_ctx *k, const struct md_tensor *x,
                                const int64_t *begin, const int64_t *stride, const int64_t *size,
                                int out_rank, const int64_t *out_dims, struct md_status *st);

/* Packs many small strings into few arena chunks (kernels may not malloc,
 * and one arena allocation per string would waste its 64-byte alignment).
 * Start with {NULL, 0, first_chunk_bytes}. */
struct md_arr_sbuf {
    char *p;
    size_t left;
    size_t next_chunk;
};
/* Copies len bytes into the buffer (data NULL: only reserves them); returns
 * where they are (NULL + st on OOM). */
char *md_arr_sbuf_put(struct md_kernel_ctx *k, struct md_arr_sbuf *sb, const char *data,
                      size_t len, struct md_status *st);

/* Gather: out = params.shape[:axis] + indices.shape[batch_dims:] +
 * params.shape[axis+1:], every index checked against params.shape[axis]
 * (INVALID_ARGUMENT naming the bad index). For GatherV2 and Gather. */
MD_MUST_CHECK bool md_arr_gather(struct md_kernel_ctx *k, const struct md_tensor *params,
                                 const struct md_tensor *indices, int64_t axis, int64_t batch_dims,
                                 struct md_status *st);

/* Pad modes for md_arr_pad. */
enum md_arr_pad_mode { MD_PAD_CONSTANT, MD_PAD_REFLECT, MD_PAD_SYMMETRIC };
/* Pad / PadV2 / MirrorPad: paddings is an int [rank, 2] tensor; value points
 * at one element of x's dtype (CONSTANT; NULL = zeros). */
MD_MUST_CHECK bool md_arr_pad(struct md_kernel_ctx *k, const struct md_tensor *x,
                              const struct md_tensor *paddings, const void *value,
                              enum md_arr_pad_mode mode, struct md_status *st);

/* Writes "[2,3]" into buf. */
const char *md_arr_shape_str(char *buf, size_t cap, const struct md_tensor *t);

/* Computes the broadcast of two shapes (numpy rules) into out/out_rank;
 * false if incompatible. */
bool md_arr_broadcast_shape(int ra, const int64_t *a, int rb, const int64_t *b, int *out_rank,
                            int64_t *out);

#endif
