/* kernel.c: the small services the executor offers kernels. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ops/kernel.h"
#include "ops/exec_env.h"

/* Request memory: through the executor (which recycles dead values'
 * buffers) when running in a plan, else straight from the arena. */
static void *req_alloc(struct md_kernel_ctx *k, size_t bytes, struct md_status *st)
{
    if (k->env && k->env->alloc)
        return k->env->alloc(k->env, bytes, st);
    return md_arena_alloc(k->arena, bytes, st);
}

bool md_kernel_output(struct md_kernel_ctx *k, int i, enum md_dtype dtype, int rank,
                      const int64_t *dims, struct md_status *st)
{
    if (i < 0 || i >= k->n_outputs)
        return md_kernel_fail(k->node, st, MD_INTERNAL, "output %d out of range", i);
    if (rank < 0 || rank > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "output rank %d not supported",
                              rank);
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0) {
        char s[160];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "invalid output shape %s",
                              md_shape_str(s, sizeof s, rank, dims));
    }
    size_t esz = md_dtype_size(dtype);
    if (esz == 0 || !md_dtype_info(dtype)->supported)
        return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(dtype));
    if ((uint64_t)n > SIZE_MAX / esz)
        return md_kernel_fail(k->node, st, MD_RESOURCE_EXHAUSTED, "output too large");
    size_t bytes = (size_t)n * esz;
    void *p = req_alloc(k, bytes, st);
    if (!p) {
        md_status_prefix(st, "node '%s'", k->node->name);
        return false;
    }
    if (dtype == MD_DT_STRING && bytes)
        memset(p, 0, bytes);
    struct md_tensor *t = &k->outputs[i];
    md_tensor_cleanup(t);
    t->dtype = dtype;
    t->rank = rank;
    for (int d = 0; d < MD_MAX_RANK; d++)
        t->dims[d] = d < rank ? dims[d] : 0;
    t->data = p;
    t->buf = NULL;
    return true;
}

bool md_kernel_output_reuse(struct md_kernel_ctx *k, int i, int j, enum md_dtype dtype, int rank,
                            const int64_t *dims, struct md_status *st)
{
    int64_t n = md_shape_num_elements(rank, dims);
    size_t esz = md_dtype_size(dtype);
    if (k->env && k->env->reuse && i >= 0 && i < k->n_outputs && j >= 0 && j < k->n_inputs &&
        rank >= 0 && rank <= MD_MAX_RANK && n >= 0 && esz && dtype != MD_DT_STRING &&
        md_dtype_info(dtype)->supported && (uint64_t)n <= SIZE_MAX / esz) {
        void *p = k->env->reuse(k->env, j, (size_t)n * esz);
        if (p) {
            struct md_tensor *t = &k->outputs[i];
            md_tensor_cleanup(t);
            t->dtype = dtype;
            t->rank = rank;
            for (int d = 0; d < MD_MAX_RANK; d++)
                t->dims[d] = d < rank ? dims[d] : 0;
            t->data = p;
            t->buf = NULL;
            return true;
        }
    }
    return md_kernel_output(k, i, dtype, rank, dims, st);
}

void md_kernel_forward(struct md_kernel_ctx *k, int i, const struct md_tensor *src)
{
    md_tensor_cleanup(&k->outputs[i]);
    md_tensor_share(&k->outputs[i], src);
}

void *md_kernel_scratch(struct md_kernel_ctx *k, size_t bytes, struct md_status *st)
{
    void *p = req_alloc(k, bytes, st);
    if (!p)
        md_status_prefix(st, "node '%s'", k->node->name);
    return p;
}

bool md_kernel_str(struct md_kernel_ctx *k, const char *data, size_t len, struct md_str *out,
                   struct md_status *st)
{
    /* String bytes are never recycled (see exec.c), so they skip the
     * executor's block tracking. */
    char *p = md_arena_alloc(k->arena, len, st);
    if (!p)
        return false;
    if (len)
        memcpy(p, data, len);
    out->data = p;
    out->len = len;
    return true;
}

void *md_kernel_init_alloc(struct md_kernel_init *ki, size_t bytes, struct md_status *st)
{
    void *p = md_arena_alloc(ki->persist, bytes, st);
    if (p)
        memset(p, 0, bytes);
    return p;
}

bool md_kernel_fail(const Tensorflow__NodeDef *node, struct md_status *st, enum md_code code,
                    const char *fmt, ...)
{
    char msg[MD_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char name[128];
    const char *nm = node && node->name ? node->name : "?";
    md_escape(name, sizeof name, nm, strlen(nm));
    return md_status_set(st, code, "node '%s': %s: %s", name, node && node->op ? node->op : "?",
                         msg);
}

void md_parallel_for(struct md_kernel_ctx *k, int64_t n, int64_t min_block,
                     void (*fn)(void *arg, int64_t begin, int64_t end), void *arg)
{
    if (n <= 0)
        return;
    if (k->env && k->env->parallel_for) {
        k->env->parallel_for(k->env, n, min_block, fn, arg);
        return;
    }
    fn(arg, 0, n);
}
