/* Conv2D and DepthwiseConv2dNative: golden cases from torch
 * (tests/ops/gen/nn.py), the block/lane split against a naive convolution,
 * rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_conv2d.h"
#include "tests/ops/golden/nn_depthwise.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *conv_node(const char *op, const char *padding, int64_t sh, int64_t sw,
                                      int64_t dh, int64_t dw, const int64_t *pads)
{
    Tensorflow__NodeDef *n = th_node(op);
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, sh, sw, 1 });
    th_attr_list_int(n, "dilations", 4, (int64_t[]){ 1, dh, dw, 1 });
    th_attr_str(n, "padding", padding);
    th_attr_str(n, "data_format", "NHWC");
    if (pads)
        th_attr_list_int(n, "explicit_paddings", 8,
                         (int64_t[]){ 0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0 });
    return n;
}

static void run_golden(const char *op, const struct nn_conv_case *cases, size_t n_cases)
{
    for (size_t i = 0; i < n_cases; i++) {
        const struct nn_conv_case *c = &cases[i];
        for (int threads = 0; threads < 2; threads++) {
            struct md_status st = MD_STATUS_INIT;
            bool expl = !strcmp(c->padding, "EXPLICIT");
            Tensorflow__NodeDef *n =
                conv_node(op, c->padding, c->sh, c->sw, c->dh, c->dw, expl ? c->pads : NULL);
            struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, c->xd, c->x);
            struct md_tensor f = th_tensor(MD_DT_FLOAT, 4, c->fd, c->f);
            struct md_tensor want = th_tensor(MD_DT_FLOAT, 4, c->yd, c->y);
            struct md_tensor out[TH_MAX_OUT];
            int n_out;
            if (!nn_run(n, 2, (const struct md_tensor *[]){ &x, &f }, &n_out, out, threads, &st))
                fail_msg("%s %s: %s", op, c->name, st.msg);
            double err = th_max_rel_err(&out[0], &want);
            if (!(err < 2e-6))
                fail_msg("%s %s: max rel err %g (out [%lld,%lld,%lld,%lld])", op, c->name, err,
                         (long long)out[0].dims[0], (long long)out[0].dims[1],
                         (long long)out[0].dims[2], (long long)out[0].dims[3]);
            th_free_outputs(out, n_out);
            md_tensor_cleanup(&x);
            md_tensor_cleanup(&f);
            md_tensor_cleanup(&want);
            th_node_free(n);
        }
    }
}

static void test_conv2d_golden(void **state)
{
    (void)state;
    run_golden("Conv2D", nn_conv_cases, N_OF(nn_conv_cases));
}

static void test_depthwise_golden(void **state)
{
    (void)state;
    run_golden("DepthwiseConv2dNative", nn_dw_cases, N_OF(nn_dw_cases));
}

/* A naive SAME convolution, stride s, in double. */
static void naive_conv(const float *x, const float *f, double *y, int64_t n, int64_t h, int64_t w,
                       int64_t c, int64_t k, int64_t o, int64_t s)
{
    int64_t oh = (h + s - 1) / s, ow = (w + s - 1) / s;
    int64_t pt = ((oh - 1) * s + k - h) / 2, pl = ((ow - 1) * s + k - w) / 2;
    if (pt < 0)
        pt = 0;
    if (pl < 0)
        pl = 0;
    for (int64_t b = 0; b < n; b++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++)
                for (int64_t q = 0; q < o; q++) {
                    double acc = 0;
                    for (int64_t ky = 0; ky < k; ky++)
                        for (int64_t kx = 0; kx < k; kx++) {
                            int64_t iy = i * s - pt + ky, ix = j * s - pl + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            for (int64_t p = 0; p < c; p++)
                                acc += (double)x[((b * h + iy) * w + ix) * c + p] *
                                       (double)f[((ky * k + kx) * c + p) * o + q];
                        }
                    y[((b * oh + i) * ow + j) * o + q] = acc;
                }
}

static void check_split(int64_t n, int64_t h, int64_t w, int64_t c, int64_t k, int64_t o,
                        int64_t s)
{
    struct md_status st = MD_STATUS_INIT;
    int64_t nx = n * h * w * c, nf = k * k * c * o;
    int64_t oh = (h + s - 1) / s, ow = (w + s - 1) / s, ny = n * oh * ow * o;
    float *xv = malloc((size_t)nx * sizeof *xv), *fv = malloc((size_t)nf * sizeof *fv);
    double *want = malloc((size_t)ny * sizeof *want);
    nn_fill(xv, nx, 17);
    nn_fill(fv, nf, 19);
    naive_conv(xv, fv, want, n, h, w, c, k, o, s);
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ n, h, w, c }, xv);
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ k, k, c, o }, fv);
    for (int threads = 0; threads < 2; threads++) {
        Tensorflow__NodeDef *node = conv_node("Conv2D", "SAME", s, s, 1, 1, NULL);
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        assert_true(nn_run(node, 2, (const struct md_tensor *[]){ &x, &f }, &n_out, out, threads,
                           &st));
        const float *y = out[0].data;
        for (int64_t i = 0; i < ny; i++)
            if (!(fabs((double)y[i] - want[i]) < 1e-4))
                fail_msg("n=%lld h=%lld k=%lld: y[%lld] = %g, want %g", (long long)n,
                         (long long)h, (long long)k, (long long)i, (double)y[i], want[i]);
        th_free_outputs(out, n_out);
        th_node_free(node);
    }
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&f);
    free(xv);
    free(fv);
    free(want);
}

static void test_conv2d_split(void **state)
{
    (void)state;
    check_split(1, 14, 14, 8, 5, 16, 1);  /* batch 1: one image cut in row blocks */
    check_split(2, 13, 11, 3, 3, 5, 2);   /* batch 2, stride 2, odd sizes */
    check_split(7, 10, 10, 4, 3, 6, 1);   /* whole images over lanes */
    check_split(3, 9, 9, 5, 1, 7, 1);     /* 1x1: no im2col */
    check_split(2, 5, 5, 3, 5, 4, 1);     /* SAME with the window as large as the input */
}

static void test_conv2d_whole_window(void **state)
{
    (void)state;
    /* VALID with the window covering the image: a dense layer in disguise. */
    struct md_status st = MD_STATUS_INIT;
    float xv[2 * 2 * 2 * 1] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    float fv[2 * 2 * 1 * 2] = { 1, 0, 0, 1, 1, 0, 0, 1 }; /* ch0: x00 + x10, ch1: x01 + x11 */
    float want[4] = { 4, 6, 12, 14 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 2, 2, 2, 1 }, xv);
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 2, 2, 1, 2 }, fv);
    Tensorflow__NodeDef *n = conv_node("Conv2D", "VALID", 1, 1, 1, 1, NULL);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 2, (const struct md_tensor *[]){ &x, &f }, &n_out, out, &st));
    assert_int_equal(out[0].dims[1], 1);
    assert_memory_equal(out[0].data, want, sizeof want);
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&f);
}

static void test_conv2d_double(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    double xv[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, fv[4] = { 1, 1, 1, 1 };
    double want[4] = { 12, 16, 24, 28 };
    struct md_tensor x = th_tensor(MD_DT_DOUBLE, 4, (int64_t[]){ 1, 3, 3, 1 }, xv);
    struct md_tensor f = th_tensor(MD_DT_DOUBLE, 4, (int64_t[]){ 2, 2, 1, 1 }, fv);
    Tensorflow__NodeDef *n = conv_node("Conv2D", "VALID", 1, 1, 1, 1, NULL);
    n->attr[0]->value->type = (Tensorflow__DataType)MD_DT_DOUBLE;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 2, (const struct md_tensor *[]){ &x, &f }, &n_out, out, &st));
    assert_memory_equal(out[0].data, want, sizeof want);
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&f);
}

static void expect(const char *op, Tensorflow__NodeDef *n, const struct md_tensor *x,
                   const struct md_tensor *f, enum md_code code, const char *needle)
{
    (void)op;
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ x, f }, code, needle);
    th_node_free(n);
}

static void test_conv_rejects(void **state)
{
    (void)state;
    float v[256] = { 0 };
    struct md_tensor x4 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 1, 4, 4, 4 }, v);
    struct md_tensor x3 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 1, 4, 4, 3 }, v);
    struct md_tensor x1 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 1, 1, 1, 4 }, v);
    struct md_tensor xr3 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 4, 4, 4 }, v);
    struct md_tensor f44 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 3, 3, 4, 4 }, v);
    struct md_tensor f42 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 3, 3, 2, 4 }, v);
    struct md_tensor fr3 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 3, 3, 4 }, v);
    double dv[64] = { 0 };
    struct md_tensor fd = th_tensor(MD_DT_DOUBLE, 4, (int64_t[]){ 1, 1, 4, 4 }, dv);
    Tensorflow__NodeDef *n;
    const char *ops[2] = { "Conv2D", "DepthwiseConv2dNative" };

    for (int o = 0; o < 2; o++) {
        const char *op = ops[o];
        expect(op, conv_node(op, "SAME", 1, 1, 1, 1, NULL), &x4, &fr3, MD_INVALID_ARGUMENT,
               "filter must be 4-dimensional: [3,3,4]");
        expect(op, conv_node(op, "SAME", 1, 1, 1, 1, NULL), &xr3, &f44, MD_INVALID_ARGUMENT,
               "input must be 4-dimensional: [4,4,4]");
        expect(op, conv_node(op, "SAME", 1, 1, 1, 1, NULL), &x4, &fd, MD_INVALID_ARGUMENT,
               "input 1 has dtype DT_DOUBLE, expected DT_FLOAT");
        expect(op, conv_node(op, "VALID", 1, 1, 1, 1, NULL), &x1, &f44, MD_INVALID_ARGUMENT,
               "computed output size would be negative");
        n = conv_node(op, "SAME", 1, 1, 1, 1, NULL);
        memcpy(n->attr[4]->value->s.data, "NCHW", 4);
        expect(op, n, &x4, &f44, MD_UNIMPLEMENTED, "data_format 'NCHW' is not supported");
        n = th_node(op);
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "strides", 3, (int64_t[]){ 1, 1, 1 });
        th_attr_str(n, "padding", "SAME");
        expect(op, n, &x4, &f44, MD_INVALID_ARGUMENT, "attr 'strides' has 3 entries, expected 4");
        n = th_node(op);
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 2, 1, 1, 1 });
        th_attr_str(n, "padding", "SAME");
        expect(op, n, &x4, &f44, MD_UNIMPLEMENTED, "strides in the batch and depth dimensions");
        n = th_node(op);
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_str(n, "padding", "SAME");
        expect(op, n, &x4, &f44, MD_INVALID_ARGUMENT, "attr 'strides' missing");
        expect(op, conv_node(op, "FULL", 1, 1, 1, 1, NULL), &x4, &f44, MD_INVALID_ARGUMENT,
               "padding 'FULL' is not supported");
        expect(op, conv_node(op, "EXPLICIT", 1, 1, 1, 1, NULL), &x4, &f44, MD_INVALID_ARGUMENT,
               "explicit_paddings with 8 entries");
        n = conv_node(op, "SAME", 1, 1, 1, 1, NULL);
        n->attr[0]->value->type = (Tensorflow__DataType)MD_DT_INT32;
        expect(op, n, &x4, &f44, MD_UNIMPLEMENTED, "dtype DT_INT32 is not supported");
        n = conv_node(op, "SAME", 1, 1, 0, 1, NULL);
        expect(op, n, &x4, &f44, MD_INVALID_ARGUMENT, "attr 'dilations'[1] = 0");
    }
    expect("Conv2D", conv_node("Conv2D", "SAME", 1, 1, 1, 1, NULL), &x4, &f42, MD_UNIMPLEMENTED,
           "grouped convolution");
    expect("Conv2D", conv_node("Conv2D", "SAME", 1, 1, 1, 1, NULL), &x3, &f42,
           MD_INVALID_ARGUMENT, "input depth must be evenly divisible by filter depth: 3 vs 2");
    expect("DepthwiseConv2dNative", conv_node("DepthwiseConv2dNative", "SAME", 1, 1, 1, 1, NULL),
           &x3, &f44, MD_INVALID_ARGUMENT, "same depth: 3 vs 4");
    expect("DepthwiseConv2dNative", conv_node("DepthwiseConv2dNative", "SAME", 1, 2, 1, 1, NULL),
           &x4, &f44, MD_INVALID_ARGUMENT, "equal length strides");
    md_tensor_cleanup(&x4);
    md_tensor_cleanup(&x3);
    md_tensor_cleanup(&x1);
    md_tensor_cleanup(&xr3);
    md_tensor_cleanup(&f44);
    md_tensor_cleanup(&f42);
    md_tensor_cleanup(&fr3);
    md_tensor_cleanup(&fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d_golden),
        cmocka_unit_test(test_depthwise_golden),
        cmocka_unit_test(test_conv2d_split),
        cmocka_unit_test(test_conv2d_whole_window),
        cmocka_unit_test(test_conv2d_double),
        cmocka_unit_test(test_conv_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
