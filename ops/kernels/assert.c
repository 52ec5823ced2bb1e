/* Assert: fails the request with INVALID_ARGUMENT "assertion failed: [..]
 * [..]" (each data tensor summarized, at most `summarize` elements) when the
 * scalar bool condition is false; no outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/array_common.h"

struct assert_state {
    int64_t summarize;
};

static bool assert_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct assert_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_int(ki->node, "summarize", &s->summarize))
        s->summarize = 3;
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "needs a condition input");
    ki->state = s;
    ki->n_outputs = 0;
    return true;
}

struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->len + n >= t->cap)
        n = t->cap - 1 > t->len ? t->cap - 1 - t->len : 0;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = 0;
}

static void put_elem(struct text *t, const struct md_tensor *x, int64_t i)
{
    char b[64];
    int n = 0;
    switch (x->dtype) {
    case MD_DT_FLOAT: {
        /* TensorFlow prints floats with 6 significant digits unless that
         * does not round-trip, then 9 (doubles: 15, then 17). */
        float v = ((const float *)x->data)[i];
        n = snprintf(b, sizeof b, "%.6g", (double)v);
        if (strtof(b, NULL) != v)
            n = snprintf(b, sizeof b, "%.9g", (double)v);
        break;
    }
    case MD_DT_DOUBLE: {
        double v = ((const double *)x->data)[i];
        n = snprintf(b, sizeof b, "%.15g", v);
        if (strtod(b, NULL) != v)
            n = snprintf(b, sizeof b, "%.17g", v);
        break;
    }
    case MD_DT_INT32: n = snprintf(b, sizeof b, "%d", ((const int32_t *)x->data)[i]); break;
    case MD_DT_INT64:
        n = snprintf(b, sizeof b, "%lld", (long long)((const int64_t *)x->data)[i]);
        break;
    case MD_DT_INT16: n = snprintf(b, sizeof b, "%d", ((const int16_t *)x->data)[i]); break;
    case MD_DT_INT8: n = snprintf(b, sizeof b, "%d", ((const int8_t *)x->data)[i]); break;
    case MD_DT_UINT8: n = snprintf(b, sizeof b, "%u", ((const uint8_t *)x->data)[i]); break;
    case MD_DT_UINT16: n = snprintf(b, sizeof b, "%u", ((const uint16_t *)x->data)[i]); break;
    case MD_DT_UINT32: n = snprintf(b, sizeof b, "%u", ((const uint32_t *)x->data)[i]); break;
    case MD_DT_UINT64:
        n = snprintf(b, sizeof b, "%llu", (unsigned long long)((const uint64_t *)x->data)[i]);
        break;
    case MD_DT_BOOL: n = snprintf(b, sizeof b, "%d", ((const uint8_t *)x->data)[i] ? 1 : 0); break;
    case MD_DT_STRING: {
        const struct md_str *s = &((const struct md_str *)x->data)[i];
        put(t, s->data, s->len);
        return;
    }
    default: n = snprintf(b, sizeof b, "?"); break;
    }
    put(t, b, (size_t)n);
}

/* One dimension of TensorFlow's SummarizeValue (non-v2): elements separated
 * by spaces, a bracket pair per inner row, "..." where the limit cuts. */
static void print_dim(struct text *t, const struct md_tensor *x, int dim, int64_t limit,
                      int64_t *idx)
{
    int64_t count = x->dims[dim];
    if (dim == x->rank - 1) {
        for (int64_t i = 0; i < count; i++) {
            if (*idx >= limit) {
                if (dim != 0)
                    put(t, "...", 3);
                return;
            }
            if (i > 0)
                put(t, " ", 1);
            put_elem(t, x, (*idx)++);
        }
        return;
    }
    for (int64_t i = 0; i < count; i++) {
        bool open = *idx < limit;
        if (open)
            put(t, "[", 1);
        print_dim(t, x, dim + 1, limit, idx);
        if (*idx < limit || open)
            put(t, "]", 1);
        if (t->len + 1 >= t->cap)
            return; /* the message is full */
    }
}

static void summarize(struct text *t, const struct md_tensor *x, int64_t limit)
{
    int64_t n = md_tensor_num_elements(x);
    if (limit > n)
        limit = n;
    if (x->rank == 0) {
        put_elem(t, x, 0);
        return;
    }
    int64_t idx = 0;
    print_dim(t, x, 0, limit, &idx);
    if (n > limit)
        put(t, "...", 3);
}

static bool assert_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct assert_state *s = k->state;
    const struct md_tensor *c = k->inputs[0];
    if (c->dtype != MD_DT_BOOL || md_tensor_num_elements(c) != 1 || c->rank != 0) {
        char sh[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "In[0] should be a scalar bool: %s %s",
                              md_dtype_info(c->dtype)->tf_name, md_arr_shape_str(sh, sizeof sh, c));
    }
    if (*(const uint8_t *)c->data)
        return true;
    char buf[MD_STATUS_MSG_MAX];
    struct text t = { buf, 0, sizeof buf };
    buf[0] = 0;
    for (int i = 1; i < k->n_inputs; i++) {
        if (i > 1)
            put(&t, " ", 1);
        put(&t, "[", 1);
        summarize(&t, k->inputs[i], s->summarize < 0 ? INT64_MAX : s->summarize);
        put(&t, "]", 1);
    }
    /* data may hold arbitrary bytes: keep the message single-line ASCII */
    char esc[MD_STATUS_MSG_MAX];
    md_escape(esc, sizeof esc, buf, t.len);
    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "assertion failed: %s", esc);
}

const struct md_op_def md_op_assert = {
    .tf_name = "Assert",
    .init = assert_init,
    .compute = assert_compute,
    .flags = MD_OP_STATEFUL,
};
