/* control_tlist.h: TensorLists (the DT_VARIANT values TensorListReserve,
 * TensorListFromTensor, ... pass around; Keras LSTMs and tf.TensorArray in
 * TF2 build on them).
 *
 * A list is a scalar DT_VARIANT tensor whose buf is the list itself: the
 * md_buf refcount is the list's, so md_tensor_share / md_tensor_cleanup (and
 * the executor, which never recycles a tensor that has a buf) manage its
 * life, and the last reference frees the list and drops its items. Lists
 * are immutable once another value can see them: ops that change a list
 * (SetItem, PushBack, PopBack) build a new list sharing the unchanged items
 * (copy-on-write at list level; items are never copied twice).
 *
 * Items outlive the request step that made them, so they cannot live in
 * the executor's recycled blocks: an item is an owned tensor (a reference
 * to a value that already has a buffer, else a heap copy). This is the one
 * place where kernels allocate from the heap, through md_tensor_copy and
 * the list's own arrays, each bounded by MD_TLIST_MAX_ITEMS.
 */
#ifndef MD_OPS_KERNELS_CONTROL_TLIST_H
#define MD_OPS_KERNELS_CONTROL_TLIST_H

#include "ops/kernel.h"

#define MD_TLIST_MAX_ITEMS ((int64_t)1 << 24)

struct md_tlist {
    struct md_buf buf;   /* first: the variant tensor's buf */
    void *self;          /* the variant tensor's one element: points here */
    uint32_t magic;
    enum md_dtype dtype; /* element dtype */
    int rank;            /* element shape; -1: unknown rank */
    int64_t shape[MD_MAX_RANK]; /* -1: unknown dim */
    int64_t n, cap;
    struct md_tensor *items; /* n of them; dtype INVALID: never set */
};

/* A new empty-item list of n items (refs 1, owned by the caller). */
struct md_tlist *md_tlist_new(const Tensorflow__NodeDef *node, enum md_dtype dtype, int rank,
                              const int64_t *shape, int64_t n, struct md_status *st);
/* A new list with l's element type and shape and references to its items,
 * with room for at least `cap` items. */
struct md_tlist *md_tlist_copy(const Tensorflow__NodeDef *node, const struct md_tlist *l,
                               int64_t cap, struct md_status *st);
void md_tlist_unref(struct md_tlist *l); /* NULL-safe */
/* The list t holds: INVALID_ARGUMENT naming node when t is not one. */
const struct md_tlist *md_tlist_of(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                                   struct md_status *st);
/* k->outputs[i] becomes a variant scalar holding l (takes the caller's
 * reference). */
void md_tlist_output(struct md_kernel_ctx *k, int i, struct md_tlist *l);
/* Stores item i of l (an owned reference or copy of v); v's dtype and
 * shape must fit the list. */
MD_MUST_CHECK bool md_tlist_set(const Tensorflow__NodeDef *node, struct md_tlist *l, int64_t i,
                                const struct md_tensor *v, struct md_status *st);

/* Reads an element_shape input (int32/int64; a scalar -1 = unknown rank;
 * -1 dims unknown) into *rank / shape. */
MD_MUST_CHECK bool md_tlist_shape_arg(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                                      int *rank, int64_t *shape, struct md_status *st);
/* Merges shape b into a (the most defined of both); INVALID_ARGUMENT when
 * they conflict. */
MD_MUST_CHECK bool md_tlist_merge_shape(const Tensorflow__NodeDef *node, int *rank, int64_t *a,
                                        int rank_b, const int64_t *b, struct md_status *st);
/* Reads an int32/int64 scalar input (index, num_elements). */
MD_MUST_CHECK bool md_tlist_scalar_arg(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                                       const char *what, int64_t *out, struct md_status *st);
/* Init helper: reads the element_dtype attr into *state (a persist copy). */
bool md_tlist_init_dtype(struct md_kernel_init *ki, int n_inputs, int n_outputs,
                         struct md_status *st);
/* element_dtype parsed by md_tlist_init_dtype. */
static inline enum md_dtype md_tlist_state_dtype(const void *state)
{
    return *(const enum md_dtype *)state;
}
/* A dense output for an item: a copy of item (in the request) or zeros
 * of the fully defined shape when item is unset. */
MD_MUST_CHECK bool md_tlist_item_out(struct md_kernel_ctx *k, int o, const struct md_tlist *l,
                                     const struct md_tensor *item, int rank, const int64_t *shape,
                                     struct md_status *st);

#endif
