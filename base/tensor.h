/* tensor.h: dtypes, shapes and tensors shared by every module.
 *
 *   struct md_tensor t = MD_TENSOR_INIT;
 *   int64_t dims[2] = {2, 3};
 *   if (!md_tensor_alloc(&t, MD_DT_FLOAT, 2, dims, 0, &st)) return false;
 *   float *v = t.data;                 // 6 floats, zeroed
 *   ...
 *   md_tensor_cleanup(&t);             // drops the buffer reference
 *
 * A tensor either owns one reference to a refcounted md_buf (buf != NULL) or
 * borrows its data (buf == NULL: request arena, mmapped weights) and never
 * frees it. DT_STRING elements are struct md_str {data, len} pointing at bytes
 * that live in the same buffer, the arena, or the model.
 */
#ifndef MD_BASE_TENSOR_H
#define MD_BASE_TENSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Keep in sync with tensorflow/base/framework/types.proto (DataType).
 * The numbers are TensorFlow's; never renumber. Reference types are
 * these + 100 (DT_FLOAT_REF = 101); md_dtype_base strips that. */
enum md_dtype {
    MD_DT_INVALID = 0,
    MD_DT_FLOAT = 1,
    MD_DT_DOUBLE = 2,
    MD_DT_INT32 = 3,
    MD_DT_UINT8 = 4,
    MD_DT_INT16 = 5,
    MD_DT_INT8 = 6,
    MD_DT_STRING = 7,
    MD_DT_COMPLEX64 = 8,
    MD_DT_INT64 = 9,
    MD_DT_BOOL = 10,
    MD_DT_QINT8 = 11,
    MD_DT_QUINT8 = 12,
    MD_DT_QINT32 = 13,
    MD_DT_BFLOAT16 = 14,
    MD_DT_QINT16 = 15,
    MD_DT_QUINT16 = 16,
    MD_DT_UINT16 = 17,
    MD_DT_COMPLEX128 = 18,
    MD_DT_HALF = 19,
    MD_DT_RESOURCE = 20,
    MD_DT_VARIANT = 21,
    MD_DT_UINT32 = 22,
    MD_DT_UINT64 = 23,
    MD_DT_COUNT
};
#define MD_DT_REF_OFFSET 100

#define MD_MAX_RANK 8

/* One element of a DT_STRING tensor. Bytes, not necessarily UTF-8 or NUL-terminated. */
struct md_str {
    const char *data;
    size_t len;
};

struct md_dtype_info {
    const char *name;    /* "DT_FLOAT" (TensorFlow's enum name) */
    const char *tf_name; /* "float" (TensorFlow's DataTypeString, used in its messages) */
    const char *np_name; /* "float32" (numpy), NULL if numpy has none */
    size_t size;         /* bytes per element in memory; sizeof(struct md_str) for strings */
    bool supported;      /* tensors of this dtype can be created and moved around */
};

/* Facts about a dtype; never NULL (unknown numbers get an "invalid" entry
 * whose supported is false). Reference dtypes are mapped to their base.
 * thread-safe */
const struct md_dtype_info *md_dtype_info(int dtype);
static inline size_t md_dtype_size(int dtype) { return md_dtype_info(dtype)->size; }
/* "DT_FLOAT", "DT_FLOAT_REF", ... written into a static table or "DT_<n>"
 * for unknowns (into a thread-local buffer). Never NULL. */
const char *md_dtype_name(int dtype);
/* DT_FLOAT_REF -> DT_FLOAT; other values unchanged. */
static inline enum md_dtype md_dtype_base(int dtype)
{
    return (enum md_dtype)(dtype > MD_DT_REF_OFFSET ? dtype - MD_DT_REF_OFFSET : dtype);
}
/* Looks up "DT_FLOAT" (or "float", "float32") -> MD_DT_FLOAT; MD_DT_INVALID if unknown. */
enum md_dtype md_dtype_from_name(const char *name);

/* ---- refcounted buffers ---- */
struct md_buf {
    _Atomic long refs;
    size_t size;
    void *data;
    /* Called by the last unref; frees data and the md_buf itself.
     * md_buf_new installs one that free()s both. */
    void (*release)(struct md_buf *b);
    void *owner; /* for custom release functions (e.g. an mmap region) */
};

/* size bytes, zeroed, 64-byte aligned; refs = 1. NULL + RESOURCE_EXHAUSTED on
 * failure. Caller owns the reference. thread-safe */
struct md_buf *md_buf_new(size_t size, struct md_status *st);
struct md_buf *md_buf_ref(struct md_buf *b);   /* returns b; NULL-safe */
void md_buf_unref(struct md_buf *b);           /* NULL-safe; atomic */

/* ---- tensors ---- */
struct md_tensor {
    enum md_dtype dtype;
    int rank;
    int64_t dims[MD_MAX_RANK];
    void *data;
    struct md_buf *buf; /* NULL: borrowed data */
};
#define MD_TENSOR_INIT { MD_DT_INVALID, 0, {0}, NULL, NULL }

/* Number of elements of a shape, or -1 if a dim is negative or the product
 * overflows int64 (or exceeds 2^40 elements). rank 0 -> 1. */
int64_t md_shape_num_elements(int rank, const int64_t *dims);
static inline int64_t md_tensor_num_elements(const struct md_tensor *t)
{
    return md_shape_num_elements(t->rank, t->dims);
}
/* Element bytes (for strings: the md_str array only). */
size_t md_tensor_nbytes(const struct md_tensor *t);

/* Allocates an owned tensor with a fresh zeroed buffer of
 * num_elements * dtype size + extra bytes (extra is for string bytes: the
 * caller may place them at (char *)t->data + md_tensor_nbytes(t)).
 * Fails with INVALID_ARGUMENT on bad rank/dims/dtype, RESOURCE_EXHAUSTED on OOM.
 * t is overwritten (not cleaned up first). */
MD_MUST_CHECK bool md_tensor_alloc(struct md_tensor *t, enum md_dtype dtype, int rank,
                                   const int64_t *dims, size_t extra, struct md_status *st);
/* Makes dst a view of src that shares its buffer (ref +1 if owned). */
void md_tensor_share(struct md_tensor *dst, const struct md_tensor *src);
/* Deep copy into a new owned tensor (strings are copied too). */
MD_MUST_CHECK bool md_tensor_copy(struct md_tensor *dst, const struct md_tensor *src,
                                  struct md_status *st);
/* Drops the buffer reference (if any) and resets t to MD_TENSOR_INIT. NULL-safe. */
void md_tensor_cleanup(struct md_tensor *t);

/* "[2,3]" / "[]" into buf (capacity cap). Returns buf. */
char *md_shape_str(char *buf, size_t cap, int rank, const int64_t *dims);

/* True if two tensors have the same dtype, shape and contents (strings by bytes,
 * floats bitwise). For tests and the writer round trip. */
bool md_tensor_equal(const struct md_tensor *a, const struct md_tensor *b);

#endif
