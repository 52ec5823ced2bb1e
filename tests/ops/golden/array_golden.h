/* array_golden.h: the case format written by tests/ops/gen/array.py and a
 * runner that builds the node, runs the kernel with the harness and compares
 * every output (or the expected error) — shared by the array family tests.
 *
 * A case names an op, its attrs, its inputs and either its outputs or an
 * error substring. Tensors are {dtype, rank, dims, data}; string data is an
 * array of struct g_bytes (bytes may contain NUL).
 */
#ifndef MD_TESTS_OPS_GOLDEN_ARRAY_GOLDEN_H
#define MD_TESTS_OPS_GOLDEN_ARRAY_GOLDEN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "tests/ops/harness.h"

struct g_bytes {
    const char *data;
    size_t len;
};

struct g_tensor {
    int dtype;
    int rank;
    int64_t dims[MD_MAX_RANK];
    const void *data; /* NULL for empty tensors */
};

enum g_attr_kind { GA_INT, GA_FLOAT, GA_BOOL, GA_TYPE, GA_STR, GA_LIST_INT, GA_LIST_TYPE,
                   GA_SHAPE, GA_LIST_SHAPE };

struct g_attr {
    const char *name;
    int kind;
    int64_t i;         /* INT, BOOL, TYPE; SHAPE: rank (-1 unknown) */
    double f;          /* FLOAT */
    const char *s;     /* STR */
    int n;             /* LIST_*: count */
    const int64_t *v;  /* LIST_INT, LIST_TYPE, SHAPE dims; LIST_SHAPE: rank, dims..., rank, ... */
};

struct g_case {
    const char *op;
    const char *name;
    int n_attr;
    const struct g_attr *attrs;
    int n_in;
    const struct g_tensor *in;
    int n_out;
    const struct g_tensor *out;
    const char *error; /* expected substring of the error, or NULL */
    int code;          /* expected status code when error != NULL */
    double tol;        /* 0: exact */
};

static inline struct md_tensor g_make(const struct g_tensor *g)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    int64_t n = md_shape_num_elements(g->rank, g->dims);
    size_t extra = 0;
    if (g->dtype == MD_DT_STRING)
        for (int64_t i = 0; i < n; i++)
            extra += ((const struct g_bytes *)g->data)[i].len;
    if (!md_tensor_alloc(&t, (enum md_dtype)g->dtype, g->rank, g->dims, extra, &st)) {
        fprintf(stderr, "g_make: %s\n", st.msg);
        abort();
    }
    if (g->dtype == MD_DT_STRING) {
        struct md_str *s = t.data;
        char *p = (char *)t.data + md_tensor_nbytes(&t);
        for (int64_t i = 0; i < n; i++) {
            const struct g_bytes *b = &((const struct g_bytes *)g->data)[i];
            if (b->len)
                memcpy(p, b->data, b->len);
            s[i] = (struct md_str){ p, b->len };
            p += b->len;
        }
    } else if (n > 0) {
        memcpy(t.data, g->data, md_tensor_nbytes(&t));
    }
    return t;
}

static inline void g_attr_list_shape(Tensorflow__NodeDef *n, const char *name, int count,
                                     const int64_t *v)
{
    static const int64_t none[1] = { 0 };
    th_attr_list_int(n, name, 0, none); /* creates an empty list attr */
    Tensorflow__AttrValue *a = n->attr[n->n_attr - 1]->value;
    Tensorflow__AttrValue__ListValue *l = a->list;
    l->n_shape = (size_t)count;
    l->shape = calloc((size_t)(count ? count : 1), sizeof *l->shape);
    for (int i = 0; i < count; i++) {
        int rank = (int)*v++;
        Tensorflow__TensorShapeProto *s = calloc(1, sizeof *s);
        tensorflow__tensor_shape_proto__init(s);
        if (rank < 0) {
            s->unknown_rank = 1;
        } else {
            s->n_dim = (size_t)rank;
            s->dim = calloc((size_t)(rank ? rank : 1), sizeof *s->dim);
            for (int d = 0; d < rank; d++) {
                s->dim[d] = calloc(1, sizeof *s->dim[d]);
                tensorflow__tensor_shape_proto__dim__init(s->dim[d]);
                s->dim[d]->size = *v++;
            }
        }
        l->shape[i] = s;
    }
}

static inline Tensorflow__NodeDef *g_node(const struct g_case *c)
{
    Tensorflow__NodeDef *n = th_node(c->op);
    for (int i = 0; i < c->n_attr; i++) {
        const struct g_attr *a = &c->attrs[i];
        switch (a->kind) {
        case GA_INT: th_attr_int(n, a->name, a->i); break;
        case GA_FLOAT: th_attr_float(n, a->name, (float)a->f); break;
        case GA_BOOL: th_attr_bool(n, a->name, a->i != 0); break;
        case GA_TYPE: th_attr_type(n, a->name, (enum md_dtype)a->i); break;
        case GA_STR: th_attr_str(n, a->name, a->s); break;
        case GA_LIST_INT: {
            static const int64_t none[1] = { 0 };
            th_attr_list_int(n, a->name, (size_t)a->n, a->n ? a->v : none);
            break;
        }
        case GA_LIST_TYPE: {
            enum md_dtype t[64];
            for (int j = 0; j < a->n && j < 64; j++)
                t[j] = (enum md_dtype)a->v[j];
            th_attr_list_type(n, a->name, (size_t)a->n, t);
            break;
        }
        case GA_SHAPE: th_attr_shape(n, a->name, (int)a->i, a->v); break;
        case GA_LIST_SHAPE: g_attr_list_shape(n, a->name, a->n, a->v); break;
        default: abort();
        }
    }
    return n;
}

/* Compares an output with the expected tensor; prints the first difference. */
static inline bool g_equal(const char *what, const struct md_tensor *t, const struct g_tensor *g,
                           double tol)
{
    char a[128], b[128];
    if ((int)t->dtype != g->dtype || t->rank != g->rank ||
        memcmp(t->dims, g->dims, (size_t)g->rank * sizeof(int64_t))) {
        fprintf(stderr, "%s: got %s %s, want %s %s\n", what, md_dtype_name(t->dtype),
                md_shape_str(a, sizeof a, t->rank, t->dims), md_dtype_name(g->dtype),
                md_shape_str(b, sizeof b, g->rank, g->dims));
        return false;
    }
    int64_t n = md_tensor_num_elements(t);
    for (int64_t i = 0; i < n; i++) {
        bool ok;
        double x = 0, y = 0;
        switch (g->dtype) {
        case MD_DT_FLOAT:
            x = (double)((const float *)t->data)[i];
            y = (double)((const float *)g->data)[i];
            goto real;
        case MD_DT_DOUBLE:
            x = ((const double *)t->data)[i];
            y = ((const double *)g->data)[i];
        real:
            ok = (isnan(x) && isnan(y)) || x == y || fabs(x - y) <= tol * (1 + fabs(y));
            break;
        case MD_DT_STRING: {
            const struct md_str *s = &((const struct md_str *)t->data)[i];
            const struct g_bytes *e = &((const struct g_bytes *)g->data)[i];
            ok = s->len == e->len && (!e->len || !memcmp(s->data, e->data, e->len));
            if (!ok)
                fprintf(stderr, "%s[%lld]: got '%.*s', want '%.*s'\n", what, (long long)i,
                        (int)s->len, s->data, (int)e->len, e->data);
            break;
        }
        default: {
            size_t es = md_dtype_size(g->dtype);
            ok = !memcmp((const char *)t->data + i * es, (const char *)g->data + i * es, es);
            if (!ok && g->dtype == MD_DT_INT64)
                fprintf(stderr, "%s[%lld]: got %lld want %lld\n", what, (long long)i,
                        (long long)((const int64_t *)t->data)[i],
                        (long long)((const int64_t *)g->data)[i]);
            if (!ok && g->dtype == MD_DT_INT32)
                fprintf(stderr, "%s[%lld]: got %d want %d\n", what, (long long)i,
                        ((const int32_t *)t->data)[i], ((const int32_t *)g->data)[i]);
            break;
        }
        }
        if (!ok) {
            if (g->dtype == MD_DT_FLOAT || g->dtype == MD_DT_DOUBLE)
                fprintf(stderr, "%s[%lld]: got %.9g want %.9g\n", what, (long long)i, x, y);
            else
                fprintf(stderr, "%s: element %lld differs\n", what, (long long)i);
            return false;
        }
    }
    return true;
}

/* Runs one case; returns true when it behaves as recorded. */
static inline bool g_run(const struct g_case *c)
{
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__NodeDef *n = g_node(c);
    struct md_tensor in[64];
    const struct md_tensor *inp[64];
    for (int i = 0; i < c->n_in; i++) {
        in[i] = g_make(&c->in[i]);
        inp[i] = &in[i];
    }
    struct md_tensor out[TH_MAX_OUT];
    int n_out = 0;
    bool ran = th_run(n, c->n_in, inp, &n_out, out, &st);
    bool ok = true;
    if (c->error) {
        if (ran) {
            fprintf(stderr, "%s/%s: expected error '%s', got success\n", c->op, c->name, c->error);
            ok = false;
        } else if (!strstr(st.msg, c->error) || (c->code && (int)st.code != c->code)) {
            fprintf(stderr, "%s/%s: expected %s '%s', got %s '%s'\n", c->op, c->name,
                    md_code_name((enum md_code)c->code), c->error, md_code_name(st.code), st.msg);
            ok = false;
        }
    } else if (!ran) {
        fprintf(stderr, "%s/%s: failed: %s\n", c->op, c->name, st.msg);
        ok = false;
    } else if (n_out != c->n_out) {
        fprintf(stderr, "%s/%s: %d outputs, want %d\n", c->op, c->name, n_out, c->n_out);
        ok = false;
    } else {
        for (int i = 0; i < n_out && ok; i++) {
            char what[160];
            snprintf(what, sizeof what, "%s/%s: output %d", c->op, c->name, i);
            ok = g_equal(what, &out[i], &c->out[i], c->tol);
        }
    }
    if (ran)
        th_free_outputs(out, n_out);
    for (int i = 0; i < c->n_in; i++)
        md_tensor_cleanup(&in[i]);
    th_node_free(n);
    return ok;
}

/* Runs every case of a table; returns the number of failures. */
static inline int g_run_all(const struct g_case *cases, size_t n, const char *only_op)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!only_op || !strcmp(cases[i].op, only_op))
            bad += !g_run(&cases[i]);
    return bad;
}

#endif
