/* lookup_common.h: the hash tables behind HashTableV2 and the
 * LookupTable* / InitializeTable* kernels.
 *
 * A table is a resource living in the model's variable store under the name
 * "table:<shared_name or node name>" (ops/exec_env.h): its value is one
 * immutable, refcounted blob (a DT_UINT8 tensor) holding an open-addressing
 * index, the keys, the values and their string bytes. HashTableV2's kernel
 * init installs an empty, not-yet-initialised blob that records the key and
 * value dtypes; an initializer builds a new blob and swaps it in under the
 * store's lock; a lookup takes a reference to the current blob. So lookups
 * never lock per key, never copy the table, and are never torn by a
 * (re)initialisation. The resource handle is the variable's handle
 * (md_var_to_handle); the blob's magic tells a table from a variable.
 *
 *   struct md_tensor hold = MD_TENSOR_INIT;
 *   const struct md_lut *t;
 *   if (!md_lut_read(k, k->inputs[0], &hold, &t, st)) return false;
 *   int64_t e = md_lut_find(t, key_tensor, i);   // entry index or -1
 *   md_tensor_cleanup(&hold);
 */
#ifndef MD_OPS_KERNELS_LOOKUP_COMMON_H
#define MD_OPS_KERNELS_LOOKUP_COMMON_H

#include "ops/exec_env.h"
#include "ops/kernel.h"

#define MD_LUT_MAX_ENTRIES ((int64_t)1 << 31)

struct md_lut {
    uint32_t magic;
    bool initialized;
    enum md_dtype key_dtype;   /* string, int64 or int32 (stored as int64) */
    enum md_dtype value_dtype; /* string, int64, int32, float, double, bool */
    int64_t n;                 /* entries */
    uint64_t mask;             /* index slots - 1 */
    int64_t *slots;            /* entry index, -1 = empty */
    void *keys;                /* n keys: struct md_str or int64_t */
    void *values;              /* n values of value_dtype */
};

/* Table dtypes a kernel accepts. */
bool md_lut_key_dtype_ok(enum md_dtype t);
bool md_lut_value_dtype_ok(enum md_dtype t);

/* init-only (HashTableV2's init): finds or creates the table for node and
 * installs an empty blob when it has none. */
struct md_var *md_lut_create(struct md_kernel_init *ki, enum md_dtype key_dtype,
                             enum md_dtype value_dtype, struct md_status *st);

/* The table a handle tensor points at: *t points into hold (a reference the
 * caller cleans up). INVALID_ARGUMENT when the handle is not a table. */
MD_MUST_CHECK bool md_lut_read(struct md_kernel_ctx *k, const struct md_tensor *handle,
                               struct md_tensor *hold, const struct md_lut **t,
                               struct md_status *st);

/* Entry index of keys[i] (keys of the table's key dtype, or int32 for an
 * int32/int64 table), or -1. */
int64_t md_lut_find(const struct md_lut *t, const struct md_tensor *keys, int64_t i);

/* Replaces the table behind handle by one with n entries keys[i] ->
 * values[i] (flat tensors of the table's dtypes; int32 keys allowed for
 * int64 tables). A key repeated with a different value is an
 * INVALID_ARGUMENT naming the key, as TensorFlow's HashTable. what names the
 * source in messages (e.g. the vocabulary file). */
MD_MUST_CHECK bool md_lut_build(struct md_kernel_ctx *k, const struct md_tensor *handle,
                                const struct md_tensor *keys, const struct md_tensor *values,
                                const char *what, struct md_status *st);

/* The table's declared dtypes (for initialisers that parse text). */
MD_MUST_CHECK bool md_lut_dtypes(struct md_kernel_ctx *k, const struct md_tensor *handle,
                                 enum md_dtype *key_dtype, enum md_dtype *value_dtype,
                                 struct md_status *st);

#endif
