/* control_tlist.c: the TensorList value and helpers (see control_tlist.h). */
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/control_tlist.h"

#define TLIST_MAGIC 0x6d64746cu /* "mdtl" */

static void tlist_release(struct md_buf *b)
{
    struct md_tlist *l = (struct md_tlist *)b;
    for (int64_t i = 0; i < l->n; i++)
        md_tensor_cleanup(&l->items[i]);
    free(l->items);
    l->magic = 0;
    free(l);
}

static struct md_tlist *tlist_alloc(const Tensorflow__NodeDef *node, int64_t cap,
                                    struct md_status *st)
{
    if (cap < 0 || cap > MD_TLIST_MAX_ITEMS)
        return (void)md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                    "a TensorList of %lld items is out of range (max %lld)",
                                    (long long)cap, (long long)MD_TLIST_MAX_ITEMS),
               NULL;
    struct md_tlist *l = calloc(1, sizeof *l);
    struct md_tensor *items = calloc((size_t)(cap ? cap : 1), sizeof *items);
    if (!l || !items) {
        free(l);
        free(items);
        md_kernel_fail(node, st, MD_RESOURCE_EXHAUSTED, "out of memory for a TensorList");
        return NULL;
    }
    atomic_init(&l->buf.refs, 1);
    l->buf.size = sizeof *l;
    l->buf.data = &l->self;
    l->buf.release = tlist_release;
    l->self = l;
    l->magic = TLIST_MAGIC;
    l->items = items;
    l->cap = cap ? cap : 1;
    return l;
}

struct md_tlist *md_tlist_new(const Tensorflow__NodeDef *node, enum md_dtype dtype, int rank,
                              const int64_t *shape, int64_t n, struct md_status *st)
{
    struct md_tlist *l = tlist_alloc(node, n, st);
    if (!l)
        return NULL;
    l->dtype = dtype;
    l->rank = rank;
    for (int d = 0; d < MD_MAX_RANK; d++)
        l->shape[d] = rank > 0 && d < rank ? shape[d] : 0;
    l->n = n;
    return l;
}

struct md_tlist *md_tlist_copy(const Tensorflow__NodeDef *node, const struct md_tlist *src,
                               int64_t cap, struct md_status *st)
{
    struct md_tlist *l = tlist_alloc(node, cap > src->n ? cap : src->n, st);
    if (!l)
        return NULL;
    l->dtype = src->dtype;
    l->rank = src->rank;
    memcpy(l->shape, src->shape, sizeof l->shape);
    l->n = src->n;
    for (int64_t i = 0; i < src->n; i++)
        md_tensor_share(&l->items[i], &src->items[i]);
    return l;
}

void md_tlist_unref(struct md_tlist *l)
{
    if (l)
        md_buf_unref(&l->buf);
}

const struct md_tlist *md_tlist_of(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                                   struct md_status *st)
{
    const struct md_tlist *l = NULL;
    if (t->dtype == MD_DT_VARIANT && t->rank == 0 && t->buf && t->buf->release == tlist_release)
        l = (const struct md_tlist *)t->buf;
    if (!l || l->magic != TLIST_MAGIC || t->data != &l->self) {
        char s[96];
        md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                       "input is not a TensorList (got a %s tensor of shape %s)",
                       md_dtype_name(t->dtype), md_shape_str(s, sizeof s, t->rank, t->dims));
        return NULL;
    }
    return l;
}

void md_tlist_output(struct md_kernel_ctx *k, int i, struct md_tlist *l)
{
    struct md_tensor *t = &k->outputs[i];
    md_tensor_cleanup(t);
    t->dtype = MD_DT_VARIANT;
    t->rank = 0;
    t->data = &l->self;
    t->buf = &l->buf;
}

/* Does a concrete shape fit a (partial) list shape? */
static bool shape_fits(const struct md_tlist *l, int rank, const int64_t *dims)
{
    if (l->rank < 0)
        return true;
    if (l->rank != rank)
        return false;
    for (int d = 0; d < rank; d++)
        if (l->shape[d] >= 0 && l->shape[d] != dims[d])
            return false;
    return true;
}

bool md_tlist_set(const Tensorflow__NodeDef *node, struct md_tlist *l, int64_t i,
                  const struct md_tensor *v, struct md_status *st)
{
    char s1[160], s2[160];
    if (v->dtype != l->dtype)
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "item is %s, the list holds %s", md_dtype_name(v->dtype),
                              md_dtype_name(l->dtype));
    if (!shape_fits(l, v->rank, v->dims)) {
        if (l->rank >= 0)
            md_shape_str(s1, sizeof s1, l->rank, l->shape);
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "item shape %s does not fit the list's element shape %s",
                              md_shape_str(s2, sizeof s2, v->rank, v->dims),
                              l->rank >= 0 ? s1 : "<unknown>");
    }
    struct md_tensor nv = MD_TENSOR_INIT;
    if (v->buf && v->dtype != MD_DT_STRING)
        md_tensor_share(&nv, v);
    else if (!md_tensor_copy(&nv, v, st))
        return false;
    md_tensor_cleanup(&l->items[i]);
    l->items[i] = nv;
    return true;
}

bool md_tlist_shape_arg(const Tensorflow__NodeDef *node, const struct md_tensor *t, int *rank,
                        int64_t *shape, struct md_status *st)
{
    if ((t->dtype != MD_DT_INT32 && t->dtype != MD_DT_INT64) || t->rank > 1 ||
        (md_tensor_num_elements(t) > 0 && !t->data))
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "element_shape must be an int32/int64 vector or scalar, got %s",
                              md_dtype_name(t->dtype));
    int64_t n = md_tensor_num_elements(t);
    if (t->rank == 0) {
        int64_t v = t->dtype == MD_DT_INT32 ? *(const int32_t *)t->data : *(const int64_t *)t->data;
        if (v != -1)
            return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                  "a scalar element_shape must be -1 (unknown rank), got %lld",
                                  (long long)v);
        *rank = -1;
        return true;
    }
    if (n > MD_MAX_RANK)
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "element_shape has rank %lld, more than %d", (long long)n,
                              MD_MAX_RANK);
    *rank = (int)n;
    for (int64_t d = 0; d < n; d++) {
        int64_t v = t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[d]
                                            : ((const int64_t *)t->data)[d];
        if (v < -1)
            return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                  "element_shape dim %lld is %lld", (long long)d, (long long)v);
        shape[d] = v;
    }
    return true;
}

bool md_tlist_merge_shape(const Tensorflow__NodeDef *node, int *rank, int64_t *a, int rank_b,
                          const int64_t *b, struct md_status *st)
{
    if (rank_b < 0)
        return true;
    if (*rank < 0) {
        *rank = rank_b;
        for (int d = 0; d < rank_b; d++)
            a[d] = b[d];
        return true;
    }
    char s1[160], s2[160];
    bool bad = *rank != rank_b;
    for (int d = 0; d < rank_b && !bad; d++) {
        if (a[d] < 0)
            a[d] = b[d];
        else if (b[d] >= 0 && a[d] != b[d])
            bad = true;
    }
    if (bad)
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "element shapes %s and %s are incompatible",
                              md_shape_str(s1, sizeof s1, *rank, a),
                              md_shape_str(s2, sizeof s2, rank_b, b));
    return true;
}

bool md_tlist_scalar_arg(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                         const char *what, int64_t *out, struct md_status *st)
{
    if ((t->dtype != MD_DT_INT32 && t->dtype != MD_DT_INT64) || t->rank != 0 || !t->data)
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "%s must be an int32 scalar, got %s of rank %d", what,
                              md_dtype_name(t->dtype), t->rank);
    *out = t->dtype == MD_DT_INT32 ? *(const int32_t *)t->data : *(const int64_t *)t->data;
    return true;
}

bool md_tlist_init_dtype(struct md_kernel_init *ki, int n_inputs, int n_outputs,
                         struct md_status *st)
{
    if (ki->n_inputs != n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expects %d inputs, got %d",
                              n_inputs, ki->n_inputs);
    enum md_dtype dt;
    if (!md_attr_type(ki->node, "element_dtype", &dt))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing attr element_dtype");
    if (!md_dtype_info(dt)->supported || dt == MD_DT_RESOURCE)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "element_dtype %s not supported",
                              md_dtype_name(dt));
    enum md_dtype *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    *s = dt;
    ki->state = s;
    ki->n_outputs = n_outputs;
    return true;
}

bool md_tlist_item_out(struct md_kernel_ctx *k, int o, const struct md_tlist *l,
                       const struct md_tensor *item, int rank, const int64_t *shape,
                       struct md_status *st)
{
    if (item->dtype != MD_DT_INVALID) {
        md_kernel_forward(k, o, item);
        return true;
    }
    /* Never set: zeros, when the shape is known. */
    int r = l->rank;
    int64_t dims[MD_MAX_RANK];
    memcpy(dims, l->shape, sizeof dims);
    if (!md_tlist_merge_shape(k->node, &r, dims, rank, shape, st))
        return false;
    bool known = r >= 0;
    for (int d = 0; d < r && known; d++)
        known = dims[d] >= 0;
    if (!known) {
        char s[160] = "<unknown>";
        if (r >= 0)
            md_shape_str(s, sizeof s, r, dims);
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "reading an item that was never set needs a fully defined "
                              "element shape, the list has %s",
                              s);
    }
    if (!md_kernel_output(k, o, l->dtype, r, dims, st))
        return false;
    memset(k->outputs[o].data, 0, md_tensor_nbytes(&k->outputs[o]));
    return true;
}
