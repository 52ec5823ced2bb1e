/* math_golden.h: the case format of the math family's golden files and the
 * runner that checks one case. The data files (math_*.h next to this one)
 * are written by tests/ops/gen/math.py from numpy; tests include them after
 * this header:
 *
 *   #include "tests/ops/golden/math_golden.h"
 *   #include "tests/ops/golden/math_binary.h"   // mg_binary[], mg_binary_count
 *   ...
 *   for (size_t i = 0; i < mg_binary_count; i++) mg_check(&mg_binary[i]);
 */
#ifndef MD_TESTS_OPS_GOLDEN_MATH_GOLDEN_H
#define MD_TESTS_OPS_GOLDEN_MATH_GOLDEN_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ops/exec_env.h"
#include "tests/ops/harness.h"

#define MG_MAX_IN 6
#define MG_MAX_ATTR 4

struct mg_tensor {
    enum md_dtype dt;
    int rank;
    int64_t dims[MD_MAX_RANK];
    const void *data; /* NULL when empty; const char *[] for strings */
};

struct mg_attr {
    const char *name;
    char kind; /* 'i' int, 'f' float, 'b' bool, 't' type */
    int64_t i;
    double f;
};

struct mg_case {
    const char *name;
    const char *op;
    int n_in;
    struct mg_tensor in[MG_MAX_IN];
    struct mg_tensor out;
    int n_attr;
    struct mg_attr attr[MG_MAX_ATTR];
    double tol; /* max |got-want| / (1 + |want|); 0 = bitwise (nan matches nan) */
};

static inline Tensorflow__NodeDef *mg_node(const struct mg_case *c)
{
    Tensorflow__NodeDef *n = th_node(c->op);
    for (int i = 0; i < c->n_attr; i++) {
        const struct mg_attr *a = &c->attr[i];
        switch (a->kind) {
        case 'i': th_attr_int(n, a->name, a->i); break;
        case 'f': th_attr_float(n, a->name, (float)a->f); break;
        case 'b': th_attr_bool(n, a->name, a->i != 0); break;
        case 't': th_attr_type(n, a->name, (enum md_dtype)a->i); break;
        default: fail_msg("%s: bad attr kind", c->name);
        }
    }
    return n;
}

static inline double mg_elem(const struct md_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case MD_DT_FLOAT: return ((const float *)t->data)[i];
    case MD_DT_DOUBLE: return ((const double *)t->data)[i];
    default: return 0;
    }
}

/* Compares got with want; prints the first mismatch. */
static inline bool mg_same(const char *name, const struct md_tensor *got, const struct md_tensor *want,
                           double tol)
{
    char s1[160], s2[160];
    if (got->dtype != want->dtype || got->rank != want->rank ||
        memcmp(got->dims, want->dims, sizeof(int64_t) * (size_t)got->rank) != 0) {
        print_error("%s: got %s %s, want %s %s\n", name, md_dtype_name(got->dtype),
                    md_shape_str(s1, sizeof s1, got->rank, got->dims), md_dtype_name(want->dtype),
                    md_shape_str(s2, sizeof s2, want->rank, want->dims));
        return false;
    }
    int64_t n = md_tensor_num_elements(want);
    bool fl = want->dtype == MD_DT_FLOAT || want->dtype == MD_DT_DOUBLE;
    if (!fl || tol == 0) {
        if (md_tensor_equal(got, want))
            return true;
        if (!fl) {
            size_t esz = md_dtype_size(want->dtype);
            for (int64_t i = 0; i < n; i++)
                if (memcmp((const char *)got->data + i * esz, (const char *)want->data + i * esz,
                           esz) != 0) {
                    print_error("%s: element %lld differs\n", name, (long long)i);
                    return false;
                }
            return false;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        double g = mg_elem(got, i), w = mg_elem(want, i);
        if (isnan(w) ? isnan(g) : (g == w || fabs(g - w) <= tol * (1 + fabs(w))))
            continue;
        print_error("%s: element %lld: got %.9g want %.9g (tol %g)\n", name, (long long)i, g, w,
                    tol);
        return false;
    }
    return true;
}

static inline struct md_tensor mg_tensor(const struct mg_tensor *t)
{
    return th_tensor(t->dt, t->rank, t->dims, t->data);
}

/* A parallel_for that ignores min_block and runs about five uneven blocks in
 * reverse order, serially: it checks that kernels place each block's start
 * correctly and that blocks do not depend on each other. */
static inline void mg_split_for(struct md_exec_env *env, int64_t n, int64_t min_block,
                                void (*fn)(void *arg, int64_t begin, int64_t end), void *arg)
{
    (void)env;
    (void)min_block;
    int64_t block = n / 5 + 1;
    int64_t last = (n - 1) / block * block;
    for (int64_t b = last; b >= 0; b -= block)
        fn(arg, b, b + block < n ? b + block : n);
}

/* th_run with mg_split_for as the executor's thread pool; output 0 only. */
static inline bool mg_run_split(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in,
                                struct md_tensor *out0, struct md_status *st)
{
    const struct md_op_def *op = md_op_lookup(n->op);
    if (!op)
        return md_status_set(st, MD_UNIMPLEMENTED, "op '%s' is not registered", n->op);
    struct md_exec_env env = { .parallel_for = mg_split_for };
    struct md_arena *persist = md_arena_new(0, 0, st);
    struct md_arena *arena = md_arena_new(0, 0, st);
    struct md_kernel_init ki = { .node = n, .op = op, .n_inputs = n_in, .persist = persist,
                                 .n_outputs = 1 };
    bool ok = !op->init || op->init(&ki, st);
    struct md_tensor tmp[TH_MAX_OUT];
    for (int i = 0; i < TH_MAX_OUT; i++)
        tmp[i] = (struct md_tensor)MD_TENSOR_INIT;
    if (ok) {
        struct md_kernel_ctx k = { .node = n, .state = ki.state, .n_inputs = n_in, .inputs = in,
                                   .n_outputs = ki.n_outputs, .outputs = tmp, .arena = arena,
                                   .env = &env };
        ok = op->compute(&k, st);
    }
    if (ok)
        ok = md_tensor_copy(out0, &tmp[0], st);
    for (int i = 0; i < TH_MAX_OUT; i++)
        md_tensor_cleanup(&tmp[i]);
    md_arena_free(arena);
    md_arena_free(persist);
    return ok;
}

/* Runs one golden case, serially and with split blocks; a cmocka failure on
 * mismatch. */
static inline void mg_check(const struct mg_case *c)
{
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__NodeDef *n = mg_node(c);
    struct md_tensor in[MG_MAX_IN];
    const struct md_tensor *pin[MG_MAX_IN];
    for (int i = 0; i < c->n_in; i++) {
        in[i] = mg_tensor(&c->in[i]);
        pin[i] = &in[i];
    }
    struct md_tensor want = mg_tensor(&c->out);
    struct md_tensor out[TH_MAX_OUT];
    int n_out = 0;
    bool ok = th_run(n, c->n_in, pin, &n_out, out, &st);
    if (!ok)
        print_error("%s: %s\n", c->name, st.msg);
    bool same = ok && mg_same(c->name, &out[0], &want, c->tol);
    th_free_outputs(out, n_out);
    if (same) {
        struct md_tensor split = MD_TENSOR_INIT;
        ok = mg_run_split(n, c->n_in, pin, &split, &st);
        if (!ok)
            print_error("%s (split): %s\n", c->name, st.msg);
        same = ok && mg_same(c->name, &split, &want, c->tol);
        md_tensor_cleanup(&split);
    }
    md_tensor_cleanup(&want);
    for (int i = 0; i < c->n_in; i++)
        md_tensor_cleanup(&in[i]);
    th_node_free(n);
    if (!same)
        fail_msg("golden case '%s' failed", c->name);
}

/* Runs op on inputs expecting failure with code; checks the message
 * mentions `needle` (may be NULL). */
static inline void mg_expect_fail(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in,
                                  enum md_code code, const char *needle)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out = 0;
    bool ok = th_run(n, n_in, in, &n_out, out, &st);
    th_free_outputs(out, n_out);
    if (ok)
        fail_msg("%s: expected failure %s, got success", n->op, md_code_name(code));
    if (st.code != code || (needle && !strstr(st.msg, needle)))
        fail_msg("%s: expected %s containing '%s', got %s: %s", n->op, md_code_name(code),
                 needle ? needle : "", md_code_name(st.code), st.msg);
}

#endif
