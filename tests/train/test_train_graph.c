/* The training library below the run loop: optimizer updates (Apply* ops
 * with TF's slot names) against the formulas, autodiff of a small network
 * against finite differences, checkpoints (keep_max, state file, restore),
 * event files read back with crc checks, export GC, and input errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ops/graph_run.h"
#include "tools/train/train.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_train_test_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void set_var(struct md_session *s, const char *name, int64_t n, const float *v)
{
    struct md_tensor t = MD_TENSOR_INIT;
    struct md_status st = MD_STATUS_INIT;
    int64_t d[1] = { n };
    assert_true(md_tensor_alloc(&t, MD_DT_FLOAT, n ? 1 : 0, d, 0, &st));
    memcpy(t.data, v, (size_t)(n ? n : 1) * sizeof *v);
    assert_true(md_session_var_set(s, name, &t, &st));
    md_tensor_cleanup(&t);
}

static float get_f(struct md_session *s, const char *name, int i)
{
    struct md_tensor t = MD_TENSOR_INIT;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_session_var_get(s, name, &t, &st));
    float v = ((const float *)t.data)[i];
    md_tensor_cleanup(&t);
    return v;
}

/* Two steps of each optimizer on w[3] with fixed gradients, against the
 * update formulas written out here. */
static void optimizer_case(enum md_train_optimizer kind)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tg *g = md_tg_new();
    int64_t d[1] = { 3 };
    md_tg_variable(g, "w", MD_DT_FLOAT, 1, d, MD_TG_ZEROS, 0, true);
    struct md_tg_t grad = md_tg_placeholder(g, "grad", MD_DT_FLOAT, 1, d);
    const struct md_tg_var *vars[1] = { md_tg_var_at(g, 0) };
    struct md_train_opt_spec o = { kind, 0.1f, 0.9f, 0.9f, 0.999f, 1e-8f };
    int op = md_train_optimizer_build(g, &o, vars, &grad, 1);
    assert_true(op >= 0);
    const Tensorflow__GraphDef *gd = md_tg_graphdef(g, &st);
    assert_non_null(gd);
    struct md_session *s = md_session_new(gd, 1, &st);
    assert_non_null(s);
    for (size_t i = 0; i < md_tg_var_count(g); i++) {
        const struct md_tg_var *v = md_tg_var_at(g, i);
        struct md_tensor t = MD_TENSOR_INIT;
        assert_true(md_tensor_alloc(&t, v->dtype, v->rank, v->dims, 0, &st));
        if (v->init == MD_TG_CONST)
            *(float *)t.data = v->value;
        assert_true(md_session_var_set(s, v->name, &t, &st));
        md_tensor_cleanup(&t);
    }
    float w0[3] = { 1.0f, -2.0f, 0.5f };
    set_var(s, "w", 3, w0);
    const char *feeds[1] = { "grad:0" }, *targets[1] = { md_tg_name(g, op) };
    struct md_session_plan *p = md_session_plan(s, feeds, 1, targets, 1, &st);
    if (!p)
        print_error("%s\n", st.msg);
    assert_non_null(p);
    struct md_arena *a = md_arena_new(0, 0, &st);
    float gv[3][3] = { { 0.5f, -1.0f, 2.0f }, { 0.25f, 0.0f, -1.0f }, { -0.5f, 1.0f, 0.5f } };
    double w[3] = { 1.0, -2.0, 0.5 }, m[3] = { 0 }, v[3] = { 0 }, acc[3] = { 0 };
    double b1p = 0.9, b2p = 0.999;
    for (int step = 0; step < 3; step++) {
        struct md_tensor gt = { .dtype = MD_DT_FLOAT, .rank = 1, .dims = { 3 }, .data = gv[step] };
        const struct md_tensor *f[1] = { &gt };
        struct md_tensor out = MD_TENSOR_INIT, before = MD_TENSOR_INIT;
        /* Step 1 updates w in place (its buffer is the store's alone after
         * step 0 replaced the value set by the test); in step 2 a snapshot
         * holds w, so the update goes elsewhere and the snapshot stays. */
        assert_true(md_session_var_get(s, "w", &before, &st));
        const void *was = before.data;
        float snap[3];
        memcpy(snap, before.data, sizeof snap);
        if (step != 2)
            md_tensor_cleanup(&before);
        assert_true(md_session_run(s, p, f, &out, a, &st));
        md_tensor_cleanup(&out);
        md_arena_reset(a);
        struct md_tensor after = MD_TENSOR_INIT;
        assert_true(md_session_var_get(s, "w", &after, &st));
        if (step == 1)
            assert_ptr_equal(after.data, was);
        if (step == 2) {
            assert_ptr_not_equal(after.data, was);
            assert_memory_equal(before.data, snap, sizeof snap);
            md_tensor_cleanup(&before);
        }
        md_tensor_cleanup(&after);
        for (int i = 0; i < 3; i++) {
            double gi = gv[step][i];
            if (kind == MD_OPT_SGD) {
                w[i] -= 0.1 * gi;
            } else if (kind == MD_OPT_MOMENTUM) {
                acc[i] = acc[i] * 0.9 + gi;
                w[i] -= 0.1 * acc[i];
            } else {
                double lr = 0.1 * sqrt(1 - b2p) / (1 - b1p);
                m[i] += (gi - m[i]) * 0.1;
                v[i] += (gi * gi - v[i]) * 0.001;
                w[i] -= lr * m[i] / (sqrt(v[i]) + 1e-8);
            }
        }
        b1p *= 0.9;
        b2p *= 0.999;
    }
    for (int i = 0; i < 3; i++)
        assert_true(fabs((double)get_f(s, "w", i) - w[i]) < 1e-5);
    if (kind == MD_OPT_MOMENTUM)
        assert_true(fabs((double)get_f(s, "w/Momentum", 0) - acc[0]) < 1e-6);
    if (kind == MD_OPT_ADAM) {
        assert_true(fabs((double)get_f(s, "w/Adam", 2) - m[2]) < 1e-6);
        assert_true(fabs((double)get_f(s, "w/Adam_1", 2) - v[2]) < 1e-6);
        assert_true(fabs((double)get_f(s, "beta1_power", 0) - b1p) < 1e-6);
        assert_true(fabs((double)get_f(s, "beta2_power", 0) - b2p) < 1e-6);
    }
    struct md_tensor gs = MD_TENSOR_INIT;
    assert_true(md_session_var_get(s, "global_step", &gs, &st));
    assert_int_equal(*(int64_t *)gs.data, 3);
    md_tensor_cleanup(&gs);
    md_arena_free(a);
    md_session_free(s);
    md_tg_free(g);
}

static void test_optimizers(void **state)
{
    (void)state;
    optimizer_case(MD_OPT_SGD);
    optimizer_case(MD_OPT_MOMENTUM);
    optimizer_case(MD_OPT_ADAM);
}

/* dense(4->5, relu) -> dense(5->3) -> mean sparse softmax xent: the
 * backward graph's gradients against finite differences of the loss. */
static void test_autodiff_dense(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tg *g = md_tg_new();
    int64_t xd[2] = { -1, 4 }, yd[1] = { -1 };
    struct md_tg_t x = md_tg_placeholder(g, "x", MD_DT_FLOAT, 2, xd);
    struct md_tg_t y = md_tg_placeholder(g, "y", MD_DT_INT64, 1, yd);
    int64_t d1[2] = { 4, 5 }, d2[2] = { 5, 3 }, b1[1] = { 5 }, b2[1] = { 3 };
    struct md_tg_t w1 = md_tg_variable(g, "w1", MD_DT_FLOAT, 2, d1, MD_TG_ZEROS, 0, true);
    struct md_tg_t c1 = md_tg_variable(g, "b1", MD_DT_FLOAT, 1, b1, MD_TG_ZEROS, 0, true);
    struct md_tg_t w2 = md_tg_variable(g, "w2", MD_DT_FLOAT, 2, d2, MD_TG_ZEROS, 0, true);
    struct md_tg_t c2 = md_tg_variable(g, "b2", MD_DT_FLOAT, 1, b2, MD_TG_ZEROS, 0, true);
    struct md_tg_t h = md_tg_op2(g, "MatMul", "mm1", x, w1);
    h = md_tg_op1(g, "Relu", "relu", md_tg_op2(g, "BiasAdd", "ba1", h, c1));
    struct md_tg_t lg = md_tg_op2(g, "BiasAdd", "ba2", md_tg_op2(g, "MatMul", "mm2", h, w2), c2);
    struct md_tg_t in[2] = { lg, y };
    int xe = md_tg_node(g, "SparseSoftmaxCrossEntropyWithLogits", "xent", in, 2);
    md_tg_attr_type(g, xe, "T", MD_DT_FLOAT);
    md_tg_attr_type(g, xe, "Tlabels", MD_DT_INT64);
    int32_t zero = 0;
    struct md_tg_t ax = md_tg_vec_i32(g, "axes", 1, &zero);
    struct md_tg_t loss = md_tg_op2(g, "Mean", "loss", md_tg_out(xe, 0), ax);
    md_tg_attr_type(g, loss.node, "Tidx", MD_DT_INT32);
    struct md_tg_t xs[4] = { w1, c1, w2, c2 }, gr[4];
    assert_true(md_tg_gradients(g, loss, xs, 4, gr, &st));
    const Tensorflow__GraphDef *gd = md_tg_graphdef(g, &st);
    struct md_session *s = md_session_new(gd, 2, &st);
    assert_non_null(s);
    const char *names[4] = { "w1", "b1", "w2", "b2" };
    int64_t sizes[4] = { 20, 5, 15, 3 };
    uint64_t r = 99;
    for (int k = 0; k < 4; k++) {
        float v[20];
        for (int i = 0; i < sizes[k]; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            v[i] = (float)((int)(r >> 40) % 2000 - 1000) / 1000.0f;
        }
        struct md_tensor t = MD_TENSOR_INIT;
        int rank = k % 2 ? 1 : 2;
        const int64_t *dd = k == 0 ? d1 : k == 1 ? b1 : k == 2 ? d2 : b2;
        assert_true(md_tensor_alloc(&t, MD_DT_FLOAT, rank, dd, 0, &st));
        memcpy(t.data, v, (size_t)sizes[k] * sizeof(float));
        assert_true(md_session_var_set(s, names[k], &t, &st));
        md_tensor_cleanup(&t);
    }
    char gn[4][600], ln[600];
    const char *fetch[5];
    snprintf(ln, sizeof ln, "%s:0", md_tg_name(g, loss.node));
    fetch[0] = ln;
    for (int k = 0; k < 4; k++) {
        snprintf(gn[k], sizeof gn[k], "%s:%d", md_tg_name(g, gr[k].node), gr[k].index);
        fetch[k + 1] = gn[k];
    }
    const char *feeds[2] = { "x:0", "y:0" };
    struct md_session_plan *p = md_session_plan(s, feeds, 2, fetch, 5, &st);
    if (!p)
        print_error("%s\n", st.msg);
    assert_non_null(p);
    float xv[6 * 4];
    for (int i = 0; i < 24; i++)
        xv[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
    int64_t yv[6] = { 0, 1, 2, 2, 1, 0 };
    struct md_tensor xt = { .dtype = MD_DT_FLOAT, .rank = 2, .dims = { 6, 4 }, .data = xv };
    struct md_tensor yt = { .dtype = MD_DT_INT64, .rank = 1, .dims = { 6 }, .data = yv };
    const struct md_tensor *f[2] = { &xt, &yt };
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor out[5];
    for (int i = 0; i < 5; i++)
        out[i] = (struct md_tensor)MD_TENSOR_INIT;
    assert_true(md_session_run(s, p, f, out, a, &st));
    float grads[4][20];
    for (int k = 0; k < 4; k++)
        memcpy(grads[k], out[k + 1].data, (size_t)sizes[k] * sizeof(float));
    for (int i = 0; i < 5; i++)
        md_tensor_cleanup(&out[i]);
    md_arena_reset(a);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < sizes[k]; i++) {
            double fl[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                struct md_tensor t = MD_TENSOR_INIT, c = MD_TENSOR_INIT;
                assert_true(md_session_var_get(s, names[k], &t, &st));
                assert_true(md_tensor_copy(&c, &t, &st));
                ((float *)c.data)[i] += sgn ? -1e-2f : 1e-2f;
                assert_true(md_session_var_set(s, names[k], &c, &st));
                for (int j = 0; j < 5; j++)
                    out[j] = (struct md_tensor)MD_TENSOR_INIT;
                assert_true(md_session_run(s, p, f, out, a, &st));
                fl[sgn] = (double)*(const float *)out[0].data;
                for (int j = 0; j < 5; j++)
                    md_tensor_cleanup(&out[j]);
                md_arena_reset(a);
                assert_true(md_session_var_set(s, names[k], &t, &st));
                md_tensor_cleanup(&t);
                md_tensor_cleanup(&c);
            }
            double num = (fl[0] - fl[1]) / 2e-2;
            if (fabs(num - (double)grads[k][i]) > 2e-3)
                print_error("%s[%d]: numeric %g analytic %g\n", names[k], i, num,
                            (double)grads[k][i]);
            assert_true(fabs(num - (double)grads[k][i]) <= 2e-3);
        }
    md_arena_free(a);
    md_session_free(s);
    md_tg_free(g);
}

/* ---- finite-difference checks of the broadcasting / Mean / MatMul rules.
 * A case builds a scalar loss from variables v0..v{n-1} (no feeds); every
 * gradient element is compared with a central difference. */
struct fd_var {
    int rank;
    int64_t dims[4];
};

static struct md_tg_t fd_mean_all(struct md_tg *g, const char *name, struct md_tg_t x, int rank)
{
    int32_t ax[4] = { 0, 1, 2, 3 };
    struct md_tg_t axes = md_tg_vec_i32(g, "fd_axes", (size_t)rank, ax);
    struct md_tg_t m = md_tg_op2(g, "Mean", name, x, axes);
    md_tg_attr_type(g, m.node, "Tidx", MD_DT_INT32);
    md_tg_attr_bool(g, m.node, "keep_dims", false);
    return m;
}

static void fd_check(struct md_tg *g, struct md_tg_t loss, const struct md_tg_t *xs,
                     const struct fd_var *vs, int n)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tg_t gr[8];
    if (!md_tg_gradients(g, loss, xs, (size_t)n, gr, &st))
        print_error("%s\n", st.msg);
    assert_int_equal(st.code, MD_OK);
    const Tensorflow__GraphDef *gd = md_tg_graphdef(g, &st);
    assert_non_null(gd);
    struct md_session *s = md_session_new(gd, 1, &st);
    assert_non_null(s);
    char names[8][16], gn[8][600], ln[600];
    const char *fetch[9];
    uint64_t r = 7;
    for (int k = 0; k < n; k++) {
        snprintf(names[k], sizeof names[k], "v%d", k);
        struct md_tensor t = MD_TENSOR_INIT;
        assert_true(md_tensor_alloc(&t, MD_DT_FLOAT, vs[k].rank, vs[k].dims, 0, &st));
        for (int64_t i = 0; i < md_tensor_num_elements(&t); i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            ((float *)t.data)[i] = 0.5f + (float)((r >> 40) % 1000) / 1000.0f; /* [0.5, 1.5) */
        }
        assert_true(md_session_var_set(s, names[k], &t, &st));
        md_tensor_cleanup(&t);
        snprintf(gn[k], sizeof gn[k], "%s:%d", md_tg_name(g, gr[k].node), gr[k].index);
        fetch[k + 1] = gn[k];
    }
    snprintf(ln, sizeof ln, "%s:0", md_tg_name(g, loss.node));
    fetch[0] = ln;
    struct md_session_plan *p = md_session_plan(s, NULL, 0, fetch, (size_t)n + 1, &st);
    if (!p)
        print_error("%s\n", st.msg);
    assert_non_null(p);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor out[9];
    for (int i = 0; i <= n; i++)
        out[i] = (struct md_tensor)MD_TENSOR_INIT;
    if (!md_session_run(s, p, NULL, out, a, &st))
        print_error("%s\n", st.msg);
    assert_int_equal(st.code, MD_OK);
    assert_int_equal(out[0].rank, 0);
    for (int k = 0; k < n; k++) {
        /* each gradient has its variable's shape */
        assert_int_equal(out[k + 1].rank, vs[k].rank);
        for (int d = 0; d < vs[k].rank; d++)
            assert_int_equal(out[k + 1].dims[d], vs[k].dims[d]);
        struct md_tensor grad = MD_TENSOR_INIT;
        assert_true(md_tensor_copy(&grad, &out[k + 1], &st));
        for (int64_t i = 0; i < md_tensor_num_elements(&grad); i++) {
            double fl[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                struct md_tensor t = MD_TENSOR_INIT, c = MD_TENSOR_INIT;
                struct md_tensor o2[9];
                assert_true(md_session_var_get(s, names[k], &t, &st));
                assert_true(md_tensor_copy(&c, &t, &st));
                ((float *)c.data)[i] += sgn ? -1e-2f : 1e-2f;
                assert_true(md_session_var_set(s, names[k], &c, &st));
                for (int j = 0; j <= n; j++)
                    o2[j] = (struct md_tensor)MD_TENSOR_INIT;
                assert_true(md_session_run(s, p, NULL, o2, a, &st));
                fl[sgn] = (double)*(const float *)o2[0].data;
                for (int j = 0; j <= n; j++)
                    md_tensor_cleanup(&o2[j]);
                assert_true(md_session_var_set(s, names[k], &t, &st));
                md_tensor_cleanup(&t);
                md_tensor_cleanup(&c);
            }
            double num = (fl[0] - fl[1]) / 2e-2, an = (double)((const float *)grad.data)[i];
            if (fabs(num - an) > 2e-3 + 1e-2 * fabs(an))
                print_error("%s v%d[%lld]: numeric %g analytic %g\n", md_tg_name(g, loss.node),
                            k, (long long)i, num, an);
            assert_true(fabs(num - an) <= 2e-3 + 1e-2 * fabs(an));
        }
        md_tensor_cleanup(&grad);
    }
    for (int i = 0; i <= n; i++)
        md_tensor_cleanup(&out[i]);
    md_arena_free(a);
    md_session_free(s);
}

static struct md_tg_t fd_vars(struct md_tg *g, const struct fd_var *vs, int n,
                              struct md_tg_t *xs)
{
    for (int k = 0; k < n; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "v%d", k);
        xs[k] = md_tg_variable(g, nm, MD_DT_FLOAT, vs[k].rank, vs[k].dims, MD_TG_ZEROS, 0, true);
    }
    return xs[0];
}

/* ((v0[2,3] + v1[3]) * (v2[2,1] - v3[])) / v4[1,3], then AddV2 with itself
 * broadcast against v5[1,1,3] (rank grows), Mean over axis -1 keep_dims,
 * squared, Mean over everything. Covers Add/AddV2/Sub/Mul/RealDiv with
 * broadcasting on either side, a rank change and Mean with negative axes. */
static void test_autodiff_broadcast(void **state)
{
    (void)state;
    struct md_tg *g = md_tg_new();
    const struct fd_var vs[6] = { { 2, { 2, 3 } }, { 1, { 3 } },    { 2, { 2, 1 } },
                                  { 0, { 0 } },    { 2, { 1, 3 } }, { 3, { 1, 1, 3 } } };
    struct md_tg_t v[6];
    fd_vars(g, vs, 6, v);
    struct md_tg_t s1 = md_tg_op2(g, "Add", "add", v[0], v[1]);
    struct md_tg_t s2 = md_tg_op2(g, "Sub", "sub", v[2], v[3]);
    struct md_tg_t z = md_tg_op2(g, "RealDiv", "div", md_tg_op2(g, "Mul", "mul", s1, s2), v[4]);
    z = md_tg_op2(g, "AddV2", "add3", z, v[5]); /* [1,2,3] */
    int32_t m1 = -1;
    struct md_tg_t ax = md_tg_vec_i32(g, "last", 1, &m1);
    struct md_tg_t m = md_tg_op2(g, "Mean", "mean_last", z, ax); /* [1,2,1] */
    md_tg_attr_type(g, m.node, "Tidx", MD_DT_INT32);
    md_tg_attr_bool(g, m.node, "keep_dims", true);
    m = md_tg_op2(g, "Mul", "sq", m, m);
    fd_check(g, fd_mean_all(g, "loss", m, 3), v, vs, 6);
    md_tg_free(g);

    /* Mean over a scalar axis (not a vector), keep_dims false, axis 0 of 3. */
    g = md_tg_new();
    const struct fd_var w[2] = { { 3, { 2, 3, 2 } }, { 2, { 3, 2 } } };
    fd_vars(g, w, 2, v);
    int32_t zero = 0;
    struct md_tensor t0 = { .dtype = MD_DT_INT32, .rank = 0, .data = &zero };
    struct md_tg_t a0 = md_tg_const(g, "axis0", &t0);
    m = md_tg_op2(g, "Mean", "mean0", v[0], a0); /* [3,2] */
    md_tg_attr_type(g, m.node, "Tidx", MD_DT_INT32);
    m = md_tg_op2(g, "Mul", "weighted", m, v[1]);
    fd_check(g, fd_mean_all(g, "loss", md_tg_op2(g, "Mul", "sq", m, m), 2), v, w, 2);
    md_tg_free(g);
}

/* MatMul with every transpose_a / transpose_b combination: loss =
 * mean((op(A) op(B))^2) for A, B stored transposed as the attrs say. */
static void test_autodiff_matmul_transposes(void **state)
{
    (void)state;
    for (int c = 0; c < 4; c++) {
        bool ta = c & 1, tb = c & 2;
        struct md_tg *g = md_tg_new();
        /* op(A) is [2,3], op(B) is [3,4] */
        const struct fd_var vs[2] = { { 2, { ta ? 3 : 2, ta ? 2 : 3 } },
                                      { 2, { tb ? 4 : 3, tb ? 3 : 4 } } };
        struct md_tg_t v[2];
        fd_vars(g, vs, 2, v);
        struct md_tg_t mm = md_tg_op2(g, "MatMul", "mm", v[0], v[1]);
        md_tg_attr_bool(g, mm.node, "transpose_a", ta);
        md_tg_attr_bool(g, mm.node, "transpose_b", tb);
        struct md_tg_t sq = md_tg_op2(g, "Mul", "sq", mm, mm);
        fd_check(g, fd_mean_all(g, "loss", sq, 2), v, vs, 2);
        md_tg_free(g);
    }
}

static void test_autodiff_errors(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tg *g = md_tg_new();
    int64_t d[1] = { 3 };
    struct md_tg_t w = md_tg_variable(g, "w", MD_DT_FLOAT, 1, d, MD_TG_ZEROS, 0, true);
    struct md_tg_t u = md_tg_variable(g, "u", MD_DT_FLOAT, 1, d, MD_TG_ZEROS, 0, true);
    struct md_tg_t t = md_tg_op1(g, "Tanh", "tanh", w);
    struct md_tg_t gr[2];
    assert_false(md_tg_gradients(g, t, &w, 1, gr, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "Tanh"));
    md_status_reset(&st);
    struct md_tg_t sq = md_tg_op1(g, "Relu", "relu", w);
    struct md_tg_t xs[2] = { w, u };
    assert_false(md_tg_gradients(g, sq, xs, 2, gr, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "does not reach"));
    md_tg_free(g);
}

static void test_checkpoints(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tg *g = md_tg_new();
    int64_t d[1] = { 4 }, none[1] = { 0 };
    md_tg_variable(g, "dense/kernel", MD_DT_FLOAT, 1, d, MD_TG_ZEROS, 0, true);
    md_tg_variable(g, "global_step", MD_DT_INT64, 0, none, MD_TG_ZEROS, 0, false);
    struct md_session *s = md_session_new(md_tg_graphdef(g, &st), 1, &st);
    assert_non_null(s);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/ckpt", tmpdir);
    mkdir(dir, 0755);
    char *none_yet = md_train_latest_checkpoint(dir, &st);
    assert_null(none_yet);
    assert_int_equal(st.code, MD_OK);
    for (int64_t step = 1; step <= 7; step++) {
        float v[4] = { (float)step, 1, 2, 3 };
        set_var(s, "dense/kernel", 4, v);
        struct md_tensor gs = MD_TENSOR_INIT;
        assert_true(md_tensor_alloc(&gs, MD_DT_INT64, 0, NULL, 0, &st));
        *(int64_t *)gs.data = step;
        assert_true(md_session_var_set(s, "global_step", &gs, &st));
        md_tensor_cleanup(&gs);
        assert_true(md_train_save(dir, step, 3, g, s, &st));
    }
    char p[1024];
    for (int step = 1; step <= 7; step++) {
        snprintf(p, sizeof p, "%s/model.ckpt-%d.index", dir, step);
        assert_int_equal(access(p, F_OK) == 0, step >= 5);
    }
    char *latest = md_train_latest_checkpoint(dir, &st);
    assert_non_null(latest);
    assert_non_null(strstr(latest, "model.ckpt-7"));
    FILE *f = fopen(strcat(strcpy(p, dir), "/checkpoint"), "r");
    char text[2048] = { 0 };
    assert_true(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(text, "model_checkpoint_path: \"model.ckpt-7\""));
    assert_non_null(strstr(text, "all_model_checkpoint_paths: \"model.ckpt-5\""));
    assert_null(strstr(text, "model.ckpt-4\""));
    float z[4] = { 0 };
    set_var(s, "dense/kernel", 4, z);
    int64_t step = 0;
    assert_true(md_train_restore(latest, g, s, false, &step, &st));
    assert_int_equal(step, 7);
    assert_true(get_f(s, "dense/kernel", 0) == 7.0f);
    /* A model variable the checkpoint lacks is NOT_FOUND. */
    struct md_tg *g2 = md_tg_new();
    md_tg_variable(g2, "dense/bias", MD_DT_FLOAT, 1, d, MD_TG_ZEROS, 0, true);
    assert_false(md_train_restore(latest, g2, s, false, NULL, &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    assert_non_null(strstr(st.msg, "dense/bias"));
    md_status_reset(&st);
    /* A corrupt state file is an error naming it. */
    f = fopen(p, "w");
    fputs("model_checkpoint_path: 12 nonsense {", f);
    fclose(f);
    assert_null(md_train_latest_checkpoint(dir, &st));
    assert_int_not_equal(st.code, MD_OK);
    assert_non_null(strstr(st.msg, "checkpoint"));
    free(latest);
    md_session_free(s);
    md_tg_free(g);
    md_tg_free(g2);
}

struct seen {
    int n;
    float loss_at_5;
};

static void on_value(void *arg, int64_t step, const char *tag, float value)
{
    struct seen *s = arg;
    s->n++;
    if (step == 5 && !strcmp(tag, "loss"))
        s->loss_at_5 = value;
}

static void test_events(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/ev", tmpdir);
    struct md_train_events *e = md_train_events_open(dir, &st);
    assert_non_null(e);
    const char *tags[2] = { "loss", "accuracy" };
    float vals[2] = { 0.25f, 0.875f };
    assert_true(md_train_events_scalars(e, 5, 2, tags, vals, &st));
    float h[5] = { -1, 0, 0.5f, 2, 1e3f };
    assert_true(md_train_events_histogram(e, 5, "w", h, 5, &st));
    md_train_events_close(e);
    struct seen sn = { 0, 0 };
    assert_true(md_train_events_read(dir, on_value, &sn, &st));
    assert_int_equal(sn.n, 2);
    assert_true(sn.loss_at_5 == 0.25f);
    /* First record is the file version; flip a payload byte: crc error. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls %s/events.out.tfevents.* | head -1", dir);
    FILE *ls = popen(cmd, "r");
    char path[600] = { 0 };
    assert_non_null(fgets(path, sizeof path, ls));
    pclose(ls);
    path[strcspn(path, "\n")] = '\0';
    FILE *f = fopen(path, "r+b");
    char head[40];
    assert_int_equal(fread(head, 1, 40, f), 40);
    assert_non_null(memmem(head, 40, "brain.Event:2", 13));
    fseek(f, 30, SEEK_SET);
    fputc(head[30] ^ 0x55, f);
    fclose(f);
    assert_false(md_train_events_read(dir, on_value, &sn, &st));
    assert_int_equal(st.code, MD_DATA_LOSS);
}

static void test_export_gc(void **state)
{
    (void)state;
    char base[512], p[700];
    snprintf(base, sizeof base, "%s/exp", tmpdir);
    mkdir(base, 0755);
    const char *names[] = { "1700000001", "1700000003", "1700000002", "temp-1700000004",
                            "17000000", "1700000005" };
    for (size_t i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/%s", base, names[i]);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/%s/f", base, names[i]);
        fclose(fopen(p, "w"));
    }
    md_train_export_gc(base, 2);
    static const int expect[] = { 0, 1, 0, 1, 1, 1 };
    for (size_t i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/%s", base, names[i]);
        assert_int_equal(access(p, F_OK) == 0, expect[i]);
    }
}

static void test_input_errors(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/missing-images", tmpdir);
    snprintf(b, sizeof b, "%s/missing-labels", tmpdir);
    assert_null(md_train_load_idx(a, b, &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    md_status_reset(&st);
    FILE *f = fopen(a, "wb");
    fputs("not an idx file at all", f);
    fclose(f);
    f = fopen(b, "wb");
    fwrite("\0\0\x08\x01\0\0\0\x01\x0c", 1, 9, f);
    fclose(f);
    assert_null(md_train_load_idx(a, b, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "not an IDX image file"));
    md_status_reset(&st);
    /* TFRecord round trip, then wrong feature name and label range. */
    struct md_train_data *d = md_train_synthetic("dnn", 10, 1, &st);
    assert_non_null(d);
    d->y[3] = 1;
    snprintf(a, sizeof a, "%s/d.tfrecord", tmpdir);
    assert_true(md_train_write_tfrecord(d, a, "x", "label", &st));
    struct md_train_data *r = md_train_load_tfrecord(a, "x", "label", 32, 2, &st);
    assert_non_null(r);
    assert_int_equal(r->n, 10);
    assert_memory_equal(r->x, d->x, 10 * 32 * sizeof(float));
    assert_true(r->y[3] == 1.0f);
    md_train_data_free(r);
    assert_null(md_train_load_tfrecord(a, "pixels", "label", 32, 2, &st));
    assert_non_null(strstr(st.msg, "feature 'pixels'"));
    md_status_reset(&st);
    assert_null(md_train_load_tfrecord(a, "x", "label", 32, 1, &st));
    assert_non_null(strstr(st.msg, "out of range"));
    md_status_reset(&st);
    md_train_data_free(d);
    /* Batching: 10 examples, batch 4, no repeat -> 4, 4, 2. */
    d = md_train_synthetic("linear", 10, 3, &st);
    struct md_train_input *in = md_train_input_new(d, 4, true, false, 5, &st);
    const struct md_tensor *x, *y;
    int64_t sizes[3], k = 0;
    while (md_train_input_next(in, &x, &y))
        sizes[k++ < 3 ? k - 1 : 2] = x->dims[0];
    assert_int_equal(k, 3);
    assert_int_equal(sizes[0], 4);
    assert_int_equal(sizes[2], 2);
    md_train_input_free(in);
    md_train_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optimizers),      cmocka_unit_test(test_autodiff_dense),
        cmocka_unit_test(test_autodiff_errors), cmocka_unit_test(test_checkpoints),
        cmocka_unit_test(test_events),          cmocka_unit_test(test_export_gc),
        cmocka_unit_test(test_input_errors),    cmocka_unit_test(test_autodiff_broadcast),
        cmocka_unit_test(test_autodiff_matmul_transposes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
