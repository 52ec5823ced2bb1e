/* Gradient kernels checked numerically: for a forward op y = F(x) and a
 * random cotangent w, the gradient kernel's d/dx sum(w * F(x)) must match
 * central finite differences of the forward kernel (run through the same
 * harness). One test per gradient kernel, plus rejected inputs and wrong
 * dtypes. Forward kernels are the interpreter's own (Relu, Conv2D, ...). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/ops/harness.h"

static uint64_t rng = 7;
static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

static struct md_tensor rand_tensor(int rank, const int64_t *dims, float scale)
{
    int64_t n = md_shape_num_elements(rank, dims);
    float *v = malloc((size_t)(n + 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = frand() * scale;
    struct md_tensor t = th_tensor(MD_DT_FLOAT, rank, dims, v);
    free(v);
    return t;
}

/* A forward node factory and which input is perturbed. */
typedef Tensorflow__NodeDef *node_fn(void);

/* sum(w * F(inputs)[out]) */
static double objective(node_fn *mk, int n_in, const struct md_tensor *const *in, int out,
                        const struct md_tensor *w)
{
    Tensorflow__NodeDef *n = mk();
    struct md_tensor o[TH_MAX_OUT];
    int n_out = 0;
    struct md_status st = MD_STATUS_INIT;
    bool ok = th_run(n, n_in, in, &n_out, o, &st);
    if (!ok)
        print_error("%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(md_tensor_num_elements(&o[out]), md_tensor_num_elements(w));
    double s = 0;
    for (int64_t i = 0; i < md_tensor_num_elements(w); i++)
        s += (double)((const float *)o[out].data)[i] * (double)((const float *)w->data)[i];
    th_free_outputs(o, n_out);
    th_node_free(n);
    return s;
}

/* Compares grad (float tensor shaped like in[wrt]) with finite differences. */
static void check_fd(node_fn *mk, int n_in, struct md_tensor **in, int wrt, int out,
                     const struct md_tensor *w, const struct md_tensor *grad, double tol)
{
    struct md_tensor *x = in[wrt];
    int64_t n = md_tensor_num_elements(x);
    assert_int_equal(md_tensor_num_elements(grad), n);
    const float eps = 1e-2f;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        float *p = (float *)x->data + i;
        float keep = *p;
        *p = keep + eps;
        double fp = objective(mk, n_in, (const struct md_tensor *const *)in, out, w);
        *p = keep - eps;
        double fm = objective(mk, n_in, (const struct md_tensor *const *)in, out, w);
        *p = keep;
        double num = (fp - fm) / (2.0 * (double)eps);
        double ana = (double)((const float *)grad->data)[i];
        double err = fabs(num - ana) / (1.0 + fabs(num));
        if (err > worst)
            worst = err;
        if (err > tol)
            print_error("element %lld: numeric %g analytic %g\n", (long long)i, num, ana);
        assert_true(err <= tol);
    }
    (void)worst;
}

static void run1(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in,
                 struct md_tensor *out)
{
    struct md_tensor o[TH_MAX_OUT];
    int n_out = 0;
    struct md_status st = MD_STATUS_INIT;
    bool ok = th_run(n, n_in, in, &n_out, o, &st);
    if (!ok)
        print_error("%s\n", st.msg);
    assert_true(ok);
    *out = o[0];
    for (int i = 1; i < n_out; i++)
        md_tensor_cleanup(&o[i]);
    th_node_free(n);
}

/* Expects failure with `code` and a message containing `what`. */
static void expect_fail(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in,
                        enum md_code code, const char *what)
{
    struct md_tensor o[TH_MAX_OUT];
    int n_out = 0;
    struct md_status st = MD_STATUS_INIT;
    bool ok = th_run(n, n_in, in, &n_out, o, &st);
    if (ok)
        th_free_outputs(o, n_out);
    assert_false(ok);
    if (!strstr(st.msg, what) || st.code != code)
        print_error("message: %s\n", st.msg);
    assert_int_equal(st.code, code);
    assert_non_null(strstr(st.msg, what));
    th_node_free(n);
}

/* ---------------------------------------------------------------- Relu */
static Tensorflow__NodeDef *mk_relu(void)
{
    Tensorflow__NodeDef *n = th_node("Relu");
    th_attr_type(n, "T", MD_DT_FLOAT);
    return n;
}

static void test_relu_grad(void **state)
{
    (void)state;
    int64_t d[2] = { 3, 7 };
    struct md_tensor x = rand_tensor(2, d, 1.0f), w = rand_tensor(2, d, 1.0f), g;
    for (int i = 0; i < 21; i++) /* keep away from the kink */
        if (fabsf(((float *)x.data)[i]) < 0.05f)
            ((float *)x.data)[i] = 0.3f;
    Tensorflow__NodeDef *n = th_node("ReluGrad");
    th_attr_type(n, "T", MD_DT_FLOAT);
    run1(n, 2, (const struct md_tensor *[]){ &w, &x }, &g);
    struct md_tensor *in[1] = { &x };
    check_fd(mk_relu, 1, in, 0, 0, &w, &g, 1e-3);
    md_tensor_cleanup(&g);
    /* rejected: shape mismatch, wrong dtype (init), empty ok */
    int64_t d2[2] = { 3, 6 };
    struct md_tensor y = rand_tensor(2, d2, 1.0f);
    n = th_node("ReluGrad");
    expect_fail(n, 2, (const struct md_tensor *[]){ &w, &y }, MD_INVALID_ARGUMENT, "same shape");
    n = th_node("ReluGrad");
    th_attr_type(n, "T", MD_DT_DOUBLE);
    expect_fail(n, 2, (const struct md_tensor *[]){ &w, &x }, MD_UNIMPLEMENTED, "DT_DOUBLE");
    int64_t e[2] = { 0, 4 };
    struct md_tensor z = th_tensor(MD_DT_FLOAT, 2, e, NULL);
    n = th_node("ReluGrad");
    run1(n, 2, (const struct md_tensor *[]){ &z, &z }, &g);
    assert_int_equal(g.dims[0], 0);
    md_tensor_cleanup(&g);
    md_tensor_cleanup(&z);
    md_tensor_cleanup(&y);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&w);
}

/* ------------------------------------------------------------- Sigmoid */
static Tensorflow__NodeDef *mk_sigmoid(void)
{
    Tensorflow__NodeDef *n = th_node("Sigmoid");
    th_attr_type(n, "T", MD_DT_FLOAT);
    return n;
}

static void test_sigmoid_grad(void **state)
{
    (void)state;
    int64_t d[1] = { 9 };
    struct md_tensor x = rand_tensor(1, d, 3.0f), w = rand_tensor(1, d, 1.0f), y, g;
    run1(mk_sigmoid(), 1, (const struct md_tensor *[]){ &x }, &y);
    Tensorflow__NodeDef *n = th_node("SigmoidGrad");
    run1(n, 2, (const struct md_tensor *[]){ &y, &w }, &g);
    struct md_tensor *in[1] = { &x };
    check_fd(mk_sigmoid, 1, in, 0, 0, &w, &g, 1e-3);
    int64_t d2[1] = { 8 };
    struct md_tensor bad = rand_tensor(1, d2, 1.0f);
    n = th_node("SigmoidGrad");
    expect_fail(n, 2, (const struct md_tensor *[]){ &y, &bad }, MD_INVALID_ARGUMENT,
                "same shape");
    md_tensor_cleanup(&bad);
    md_tensor_cleanup(&g);
    md_tensor_cleanup(&y);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&w);
}

/* ------------------------------------------------------------- BiasAdd */
static Tensorflow__NodeDef *mk_bias_add(void)
{
    Tensorflow__NodeDef *n = th_node("BiasAdd");
    th_attr_type(n, "T", MD_DT_FLOAT);
    return n;
}

static void test_bias_add_grad(void **state)
{
    (void)state;
    int64_t d[4] = { 2, 3, 2, 5 }, bd[1] = { 5 };
    struct md_tensor x = rand_tensor(4, d, 1.0f), b = rand_tensor(1, bd, 1.0f);
    struct md_tensor w = rand_tensor(4, d, 1.0f), g;
    Tensorflow__NodeDef *n = th_node("BiasAddGrad");
    th_attr_str(n, "data_format", "NHWC");
    run1(n, 1, (const struct md_tensor *[]){ &w }, &g);
    assert_int_equal(g.rank, 1);
    assert_int_equal(g.dims[0], 5);
    struct md_tensor *in[2] = { &x, &b };
    check_fd(mk_bias_add, 2, in, 1, 0, &w, &g, 1e-3);
    md_tensor_cleanup(&g);
    struct md_tensor s = th_scalar_f32(1.0f);
    n = th_node("BiasAddGrad");
    expect_fail(n, 1, (const struct md_tensor *[]){ &s }, MD_INVALID_ARGUMENT, "2-dimensional");
    n = th_node("BiasAddGrad");
    th_attr_str(n, "data_format", "NCHW");
    expect_fail(n, 1, (const struct md_tensor *[]){ &w }, MD_UNIMPLEMENTED, "NCHW");
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&w);
}

/* -------------------------------------------------------------- Conv2D */
static const char *conv_padding = "SAME";
static int64_t conv_stride = 1;
static int64_t conv_dilation = 1;

static void conv_attrs(Tensorflow__NodeDef *n)
{
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, conv_stride, conv_stride, 1 });
    th_attr_str(n, "padding", conv_padding);
    th_attr_str(n, "data_format", "NHWC");
    if (conv_dilation != 1)
        th_attr_list_int(n, "dilations", 4, (int64_t[]){ 1, conv_dilation, conv_dilation, 1 });
}

static Tensorflow__NodeDef *mk_conv(void)
{
    Tensorflow__NodeDef *n = th_node("Conv2D");
    conv_attrs(n);
    return n;
}

static struct md_tensor shape_of(const struct md_tensor *t)
{
    int32_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (int32_t)t->dims[i];
    return th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, v);
}

static void conv_case(const char *padding, int64_t stride)
{
    conv_padding = padding;
    conv_stride = stride;
    int64_t xd[4] = { 2, 6, 5, 3 }, fd[4] = { 3, 3, 3, 4 };
    struct md_tensor x = rand_tensor(4, xd, 1.0f), f = rand_tensor(4, fd, 1.0f), y;
    run1(mk_conv(), 2, (const struct md_tensor *[]){ &x, &f }, &y);
    struct md_tensor w = rand_tensor(4, y.dims, 1.0f), gx, gf;
    struct md_tensor xs = shape_of(&x), fs = shape_of(&f);
    Tensorflow__NodeDef *n = th_node("Conv2DBackpropInput");
    conv_attrs(n);
    run1(n, 3, (const struct md_tensor *[]){ &xs, &f, &w }, &gx);
    n = th_node("Conv2DBackpropFilter");
    conv_attrs(n);
    run1(n, 3, (const struct md_tensor *[]){ &x, &fs, &w }, &gf);
    struct md_tensor *in[2] = { &x, &f };
    check_fd(mk_conv, 2, in, 0, 0, &w, &gx, 2e-3);
    check_fd(mk_conv, 2, in, 1, 0, &w, &gf, 2e-3);
    /* rejected: out_backprop of the wrong shape, filter depth mismatch */
    int64_t bd[4] = { 2, 1, 1, 4 };
    struct md_tensor bad = rand_tensor(4, bd, 1.0f);
    n = th_node("Conv2DBackpropInput");
    conv_attrs(n);
    expect_fail(n, 3, (const struct md_tensor *[]){ &xs, &f, &bad }, MD_INVALID_ARGUMENT,
                "out_backprop");
    n = th_node("Conv2DBackpropFilter");
    conv_attrs(n);
    expect_fail(n, 3, (const struct md_tensor *[]){ &x, &fs, &bad }, MD_INVALID_ARGUMENT,
                "out_backprop");
    int32_t neg[4] = { 2, -6, 5, 3 };
    struct md_tensor ns = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, neg);
    n = th_node("Conv2DBackpropInput");
    conv_attrs(n);
    expect_fail(n, 3, (const struct md_tensor *[]){ &ns, &f, &w }, MD_INVALID_ARGUMENT,
                "negative");
    md_tensor_cleanup(&ns);
    md_tensor_cleanup(&bad);
    md_tensor_cleanup(&gx);
    md_tensor_cleanup(&gf);
    md_tensor_cleanup(&xs);
    md_tensor_cleanup(&fs);
    md_tensor_cleanup(&w);
    md_tensor_cleanup(&y);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&f);
}

static void test_conv2d_backprop(void **state)
{
    (void)state;
    conv_case("SAME", 1);
    conv_case("SAME", 2);
    conv_case("VALID", 2);
    conv_dilation = 2; /* im2col/col2im's per-tap path */
    conv_case("SAME", 1);
    conv_case("VALID", 1);
    conv_dilation = 1;
    /* wrong dtype at load */
    Tensorflow__NodeDef *n = th_node("Conv2DBackpropFilter");
    th_attr_type(n, "T", MD_DT_DOUBLE);
    th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, 1, 1, 1 });
    th_attr_str(n, "padding", "SAME");
    struct md_tensor s = th_scalar_f32(0);
    expect_fail(n, 3, (const struct md_tensor *[]){ &s, &s, &s }, MD_UNIMPLEMENTED, "DT_DOUBLE");
    md_tensor_cleanup(&s);
}

/* ------------------------------------------------------------- MaxPool */
static Tensorflow__NodeDef *mk_pool_op(const char *op)
{
    Tensorflow__NodeDef *n = th_node(op);
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_list_int(n, "ksize", 4, (int64_t[]){ 1, 2, 2, 1 });
    th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, 2, 2, 1 });
    th_attr_str(n, "padding", conv_padding);
    return n;
}

static Tensorflow__NodeDef *mk_pool(void)
{
    return mk_pool_op("MaxPool");
}

static void test_max_pool_grad(void **state)
{
    (void)state;
    const char *pads[2] = { "VALID", "SAME" };
    for (int k = 0; k < 2; k++) {
        conv_padding = pads[k];
        int64_t xd[4] = { 2, 5, 4, 3 };
        int64_t n_el = md_shape_num_elements(4, xd);
        /* Distinct values (a shuffled ramp) so no window has a tie. */
        float *v = malloc((size_t)n_el * sizeof *v);
        for (int64_t i = 0; i < n_el; i++)
            v[i] = (float)((i * 37) % n_el) * 0.1f;
        struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, xd, v), y, g;
        free(v);
        run1(mk_pool(), 1, (const struct md_tensor *[]){ &x }, &y);
        struct md_tensor w = rand_tensor(4, y.dims, 1.0f);
        Tensorflow__NodeDef *n = mk_pool_op("MaxPoolGrad");
        run1(n, 3, (const struct md_tensor *[]){ &x, &y, &w }, &g);
        struct md_tensor *in[1] = { &x };
        check_fd(mk_pool, 1, in, 0, 0, &w, &g, 1e-3);
        n = mk_pool_op("MaxPoolGrad");
        expect_fail(n, 3, (const struct md_tensor *[]){ &x, &x, &x }, MD_INVALID_ARGUMENT,
                    "grad has shape");
        md_tensor_cleanup(&g);
        md_tensor_cleanup(&w);
        md_tensor_cleanup(&y);
        md_tensor_cleanup(&x);
    }
}

/* MaxPoolGrad against a direct loop (first maximum in scan order wins,
 * padding never wins), with many ties, for window/stride pairs that take the
 * kernel's different paths: exact tiling (2/2 VALID on 8x6), disjoint with
 * gaps (2/3), disjoint with padding (2/2 SAME on 7x5) and overlapping (3/2).
 * 6 channels: a 4-wide vector part and a scalar tail. */
static void test_max_pool_grad_paths(void **state)
{
    (void)state;
    static const struct {
        int64_t k, s, h, w;
        const char *pad;
    } cases[] = { { 2, 2, 8, 6, "VALID" }, { 2, 3, 8, 7, "VALID" }, { 2, 2, 7, 5, "SAME" },
                  { 3, 2, 7, 6, "SAME" } };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        int64_t xd[4] = { 2, cases[t].h, cases[t].w, 6 }, c = 6;
        int64_t n_el = md_shape_num_elements(4, xd);
        float *v = malloc((size_t)n_el * sizeof *v);
        for (int64_t i = 0; i < n_el; i++)
            v[i] = (float)((i * 7) % 3); /* values 0, 1, 2: ties everywhere */
        struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, xd, v), y, g;
        Tensorflow__NodeDef *n = th_node("MaxPool");
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "ksize", 4, (int64_t[]){ 1, cases[t].k, cases[t].k, 1 });
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, cases[t].s, cases[t].s, 1 });
        th_attr_str(n, "padding", cases[t].pad);
        run1(n, 1, (const struct md_tensor *[]){ &x }, &y);
        struct md_tensor w = rand_tensor(4, y.dims, 1.0f);
        n = th_node("MaxPoolGrad");
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "ksize", 4, (int64_t[]){ 1, cases[t].k, cases[t].k, 1 });
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, cases[t].s, cases[t].s, 1 });
        th_attr_str(n, "padding", cases[t].pad);
        run1(n, 3, (const struct md_tensor *[]){ &x, &y, &w }, &g);
        /* reference */
        int64_t oh = y.dims[1], ow = y.dims[2], h = xd[1], wd = xd[2], k = cases[t].k;
        int64_t s = cases[t].s;
        int64_t pt = 0, pl = 0;
        if (!strcmp(cases[t].pad, "SAME")) {
            int64_t ph = (oh - 1) * s + k - h, pw = (ow - 1) * s + k - wd;
            pt = ph > 0 ? ph / 2 : 0;
            pl = pw > 0 ? pw / 2 : 0;
        }
        float *want = calloc((size_t)n_el, sizeof *want);
        const float *xv = x.data, *dy = w.data;
        for (int64_t b = 0; b < xd[0]; b++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++)
                    for (int64_t ch = 0; ch < c; ch++) {
                        int64_t best = -1;
                        for (int64_t ky = 0; ky < k; ky++)
                            for (int64_t kx = 0; kx < k; kx++) {
                                int64_t iy = oy * s - pt + ky, ix = ox * s - pl + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                                    continue;
                                int64_t at = ((b * h + iy) * wd + ix) * c + ch;
                                if (best < 0 || xv[at] > xv[best])
                                    best = at;
                            }
                        want[best] += dy[((b * oh + oy) * ow + ox) * c + ch];
                    }
        const float *got = g.data;
        for (int64_t i = 0; i < n_el; i++)
            if (fabsf(got[i] - want[i]) > 1e-5f)
                fail_msg("case %zu element %lld: got %g want %g", t, (long long)i,
                         (double)got[i], (double)want[i]);
        free(want);
        free(v);
        md_tensor_cleanup(&g);
        md_tensor_cleanup(&w);
        md_tensor_cleanup(&y);
        md_tensor_cleanup(&x);
    }
}

/* ------------------------------------------------ softmax cross-entropy */
static struct md_tensor *xent_labels;
static bool xent_sparse;

static Tensorflow__NodeDef *mk_xent(void)
{
    Tensorflow__NodeDef *n = th_node(xent_sparse ? "SparseSoftmaxCrossEntropyWithLogits"
                                                 : "SoftmaxCrossEntropyWithLogits");
    th_attr_type(n, "T", MD_DT_FLOAT);
    if (xent_sparse)
        th_attr_type(n, "Tlabels", MD_DT_INT64);
    return n;
}

static void xent_case(bool sparse)
{
    xent_sparse = sparse;
    int64_t d[2] = { 4, 5 }, bd[1] = { 4 };
    struct md_tensor x = rand_tensor(2, d, 3.0f), w = rand_tensor(1, bd, 1.0f);
    int64_t lab[4] = { 0, 4, 2, 2 };
    float dense[20] = { 0 };
    for (int i = 0; i < 4; i++) {
        dense[i * 5 + lab[i]] = 0.7f;
        dense[i * 5 + (lab[i] + 1) % 5] = 0.3f;
    }
    struct md_tensor l = sparse ? th_tensor(MD_DT_INT64, 1, bd, lab)
                                : th_tensor(MD_DT_FLOAT, 2, d, dense);
    xent_labels = &l;
    struct md_tensor o[TH_MAX_OUT];
    int n_out = 0;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__NodeDef *n = mk_xent();
    assert_true(th_run(n, 2, (const struct md_tensor *[]){ &x, &l }, &n_out, o, &st));
    assert_int_equal(n_out, 2);
    th_node_free(n);
    /* grad = w[:, None] * backprop */
    float *g = o[1].data;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++)
            g[i * 5 + j] *= ((float *)w.data)[i];
    struct md_tensor *in[2] = { &x, &l };
    check_fd(mk_xent, 2, in, 0, 0, &w, &o[1], 1e-3);
    /* loss against a direct formula */
    for (int i = 0; i < 4; i++) {
        double mx = -1e30, s = 0, lo = 0;
        const float *rf = (const float *)x.data + i * 5;
        double r[5];
        for (int j = 0; j < 5; j++)
            r[j] = (double)rf[j];
        for (int j = 0; j < 5; j++)
            mx = r[j] > mx ? r[j] : mx;
        for (int j = 0; j < 5; j++)
            s += exp(r[j] - mx);
        for (int j = 0; j < 5; j++) {
            double y = sparse ? (j == lab[i]) : (double)dense[i * 5 + j];
            lo -= y * (r[j] - mx - log(s));
        }
        assert_true(fabs(lo - (double)((float *)o[0].data)[i]) < 1e-4);
    }
    th_free_outputs(o, n_out);
    md_tensor_cleanup(&l);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&w);
}

static void test_softmax_xent(void **state)
{
    (void)state;
    xent_case(true);
    xent_case(false);
    int64_t d[2] = { 2, 3 }, bd[1] = { 2 };
    struct md_tensor x = rand_tensor(2, d, 1.0f);
    int64_t bad[2] = { 1, 3 };
    struct md_tensor l = th_tensor(MD_DT_INT64, 1, bd, bad);
    xent_sparse = true;
    expect_fail(mk_xent(), 2, (const struct md_tensor *[]){ &x, &l }, MD_INVALID_ARGUMENT,
                "label value of 3");
    struct md_tensor l2 = th_tensor(MD_DT_INT64, 1, (int64_t[]){ 1 }, bad);
    expect_fail(mk_xent(), 2, (const struct md_tensor *[]){ &x, &l2 }, MD_INVALID_ARGUMENT,
                "[batch]");
    xent_sparse = false;
    expect_fail(mk_xent(), 2, (const struct md_tensor *[]){ &x, &l }, MD_INVALID_ARGUMENT,
                "input 1");
    Tensorflow__NodeDef *n = th_node("SoftmaxCrossEntropyWithLogits");
    th_attr_type(n, "T", MD_DT_DOUBLE);
    expect_fail(n, 2, (const struct md_tensor *[]){ &x, &x }, MD_UNIMPLEMENTED, "DT_DOUBLE");
    md_tensor_cleanup(&l);
    md_tensor_cleanup(&l2);
    md_tensor_cleanup(&x);
}

/* --------------------------------------------------- random + apply ops */
static void test_stateless_random_uniform(void **state)
{
    (void)state;
    int32_t shp[2] = { 100, 37 };
    int64_t seed[2] = { 42, 7 };
    struct md_tensor s = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, shp);
    struct md_tensor sd = th_tensor(MD_DT_INT64, 1, (int64_t[]){ 2 }, seed), a, b;
    Tensorflow__NodeDef *n = th_node("StatelessRandomUniform");
    th_attr_type(n, "dtype", MD_DT_FLOAT);
    run1(n, 2, (const struct md_tensor *[]){ &s, &sd }, &a);
    n = th_node("StatelessRandomUniform");
    run1(n, 2, (const struct md_tensor *[]){ &s, &sd }, &b);
    assert_int_equal(a.rank, 2);
    assert_int_equal(a.dims[1], 37);
    assert_memory_equal(a.data, b.data, 3700 * sizeof(float)); /* pure function of seed */
    double mean = 0;
    for (int i = 0; i < 3700; i++) {
        float v = ((float *)a.data)[i];
        assert_true(v >= 0.0f && v < 1.0f);
        mean += (double)v;
    }
    mean /= 3700;
    assert_true(fabs(mean - 0.5) < 0.02);
    md_tensor_cleanup(&b);
    seed[1] = 8;
    struct md_tensor sd2 = th_tensor(MD_DT_INT64, 1, (int64_t[]){ 2 }, seed);
    n = th_node("StatelessRandomUniform");
    run1(n, 2, (const struct md_tensor *[]){ &s, &sd2 }, &b);
    assert_true(memcmp(a.data, b.data, 3700 * sizeof(float)) != 0);
    int32_t three[3] = { 1, 2, 3 };
    struct md_tensor s3 = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, three);
    n = th_node("StatelessRandomUniform");
    expect_fail(n, 2, (const struct md_tensor *[]){ &s, &s3 }, MD_INVALID_ARGUMENT, "seed");
    md_tensor_cleanup(&s3);
    n = th_node("StatelessRandomUniform");
    th_attr_type(n, "dtype", MD_DT_DOUBLE);
    expect_fail(n, 2, (const struct md_tensor *[]){ &s, &sd }, MD_UNIMPLEMENTED, "DT_DOUBLE");
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&sd);
    md_tensor_cleanup(&sd2);
}

static void test_apply_needs_variable(void **state)
{
    (void)state;
    /* Without a model the Apply ops refuse to load (their input 0 must be a
     * variable); the update maths is checked in test_train_graph. */
    struct md_tensor s = th_scalar_f32(1.0f);
    Tensorflow__NodeDef *n = th_node("ApplyGradientDescent");
    th_attr_type(n, "T", MD_DT_FLOAT);
    expect_fail(n, 3, (const struct md_tensor *[]){ &s, &s, &s }, MD_FAILED_PRECONDITION,
                "variable");
    n = th_node("ApplyAdam");
    th_attr_type(n, "T", MD_DT_DOUBLE);
    expect_fail(n, 10, (const struct md_tensor *[]){ &s, &s, &s, &s, &s, &s, &s, &s, &s, &s },
                MD_UNIMPLEMENTED, "DT_DOUBLE");
    md_tensor_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_grad),
        cmocka_unit_test(test_sigmoid_grad),
        cmocka_unit_test(test_bias_add_grad),
        cmocka_unit_test(test_conv2d_backprop),
        cmocka_unit_test(test_max_pool_grad),
        cmocka_unit_test(test_max_pool_grad_paths),
        cmocka_unit_test(test_softmax_xent),
        cmocka_unit_test(test_stateless_random_uniform),
        cmocka_unit_test(test_apply_needs_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
