/* MaxPool, MaxPoolV2, AvgPool: golden cases from torch (tests/ops/gen/nn.py),
 * threaded runs, rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_pool.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *pool_node(const char *op, const char *padding, int64_t kh, int64_t kw,
                                      int64_t sh, int64_t sw)
{
    Tensorflow__NodeDef *n = th_node(op);
    th_attr_type(n, "T", MD_DT_FLOAT);
    if (strcmp(op, "MaxPoolV2")) {
        th_attr_list_int(n, "ksize", 4, (int64_t[]){ 1, kh, kw, 1 });
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, sh, sw, 1 });
    }
    th_attr_str(n, "padding", padding);
    th_attr_str(n, "data_format", "NHWC");
    return n;
}

static void test_pool_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(nn_pool_cases); i++) {
        const struct nn_pool_case *c = &nn_pool_cases[i];
        for (int v = 0; v < (c->is_max ? 2 : 1); v++) {
            for (int threads = 0; threads < 2; threads++) {
                struct md_status st = MD_STATUS_INIT;
                const char *op = c->is_max ? (v ? "MaxPoolV2" : "MaxPool") : "AvgPool";
                Tensorflow__NodeDef *n = pool_node(op, c->padding, c->kh, c->kw, c->sh, c->sw);
                struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, c->xd, c->x);
                int32_t kv[4] = { 1, (int32_t)c->kh, (int32_t)c->kw, 1 };
                int32_t sv[4] = { 1, (int32_t)c->sh, (int32_t)c->sw, 1 };
                struct md_tensor ks = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, kv);
                struct md_tensor ss = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, sv);
                struct md_tensor want = th_tensor(MD_DT_FLOAT, 4, c->yd, c->y);
                struct md_tensor out[TH_MAX_OUT];
                int n_out;
                if (!nn_run(n, v ? 3 : 1, (const struct md_tensor *[]){ &x, &ks, &ss }, &n_out,
                            out, threads, &st))
                    fail_msg("%s %s: %s", op, c->name, st.msg);
                double err = th_max_rel_err(&out[0], &want);
                if (!(err < 1e-6))
                    fail_msg("%s %s: max rel err %g", op, c->name, err);
                th_free_outputs(out, n_out);
                md_tensor_cleanup(&x);
                md_tensor_cleanup(&ks);
                md_tensor_cleanup(&ss);
                md_tensor_cleanup(&want);
                th_node_free(n);
            }
        }
    }
}

static void test_pool_double(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    double xv[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    double want_max[4] = { 5, 6, 8, 9 }, want_avg[4] = { 3, 4.5, 7.5, 9 };
    struct md_tensor x = th_tensor(MD_DT_DOUBLE, 4, (int64_t[]){ 1, 3, 3, 1 }, xv);
    for (int m = 0; m < 2; m++) {
        Tensorflow__NodeDef *n = pool_node(m ? "MaxPool" : "AvgPool", "SAME", 2, 2, 2, 2);
        n->attr[0]->value->type = (Tensorflow__DataType)MD_DT_DOUBLE;
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
        assert_memory_equal(out[0].data, m ? want_max : want_avg, sizeof want_max);
        th_free_outputs(out, n_out);
        th_node_free(n);
    }
    md_tensor_cleanup(&x);
}

static void test_pool_rejects(void **state)
{
    (void)state;
    float v[64] = { 0 };
    struct md_tensor x4 = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 1, 4, 4, 4 }, v);
    struct md_tensor x3 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 4, 4, 4 }, v);
    double dv[4] = { 0 };
    struct md_tensor xd = th_tensor(MD_DT_DOUBLE, 4, (int64_t[]){ 1, 2, 2, 1 }, dv);
    int32_t good[4] = { 1, 2, 2, 1 }, zero[4] = { 1, 0, 2, 1 }, depth[4] = { 1, 1, 1, 2 };
    struct md_tensor kg = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, good);
    struct md_tensor kz = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, zero);
    struct md_tensor kd = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 4 }, depth);
    struct md_tensor k3 = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, good);
    const char *ops[2] = { "MaxPool", "AvgPool" };
    Tensorflow__NodeDef *n;
    for (int o = 0; o < 2; o++) {
        n = pool_node(ops[o], "SAME", 2, 2, 2, 2);
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x3 }, MD_INVALID_ARGUMENT,
                       "input must be 4-dimensional: [4,4,4]");
        th_node_free(n);
        n = pool_node(ops[o], "SAME", 2, 2, 2, 2);
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &xd }, MD_INVALID_ARGUMENT,
                       "input 0 has dtype DT_DOUBLE, expected DT_FLOAT");
        th_node_free(n);
        n = pool_node(ops[o], "VALID", 6, 6, 1, 1);
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_INVALID_ARGUMENT,
                       "computed output size would be negative");
        th_node_free(n);
        n = th_node(ops[o]);
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "ksize", 4, (int64_t[]){ 1, 1, 1, 2 });
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, 1, 1, 2 });
        th_attr_str(n, "padding", "VALID");
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_UNIMPLEMENTED,
                       "ksize in the batch and depth dimensions are not supported");
        th_node_free(n);
        n = pool_node(ops[o], "SAME", 2, 2, 2, 2);
        memcpy(n->attr[4]->value->s.data, "NCHW", 4);
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_UNIMPLEMENTED,
                       "data_format 'NCHW'");
        th_node_free(n);
        n = pool_node(ops[o], "SAME", 2, 2, 2, 2);
        n->attr[0]->value->type = (Tensorflow__DataType)MD_DT_INT64;
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_UNIMPLEMENTED,
                       "dtype DT_INT64 is not supported");
        th_node_free(n);
        n = th_node(ops[o]);
        th_attr_type(n, "T", MD_DT_FLOAT);
        th_attr_list_int(n, "strides", 4, (int64_t[]){ 1, 1, 1, 1 });
        th_attr_str(n, "padding", "VALID");
        nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_INVALID_ARGUMENT,
                       "attr 'ksize' missing");
        th_node_free(n);
    }
    n = pool_node("AvgPool", "EXPLICIT", 2, 2, 2, 2);
    nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_INVALID_ARGUMENT,
                   "padding 'EXPLICIT' is not supported");
    th_node_free(n);
    n = pool_node("MaxPoolV2", "VALID", 0, 0, 0, 0);
    nn_expect_fail(n, 3, (const struct md_tensor *[]){ &x4, &kz, &kg }, MD_INVALID_ARGUMENT,
                   "ksize[1] = 0, must be >= 1");
    th_node_free(n);
    n = pool_node("MaxPoolV2", "VALID", 0, 0, 0, 0);
    nn_expect_fail(n, 3, (const struct md_tensor *[]){ &x4, &kg, &k3 }, MD_INVALID_ARGUMENT,
                   "strides must be a 1-D int32 tensor of 4 elements");
    th_node_free(n);
    n = pool_node("MaxPoolV2", "VALID", 0, 0, 0, 0);
    nn_expect_fail(n, 3, (const struct md_tensor *[]){ &x4, &kd, &kg }, MD_UNIMPLEMENTED,
                   "ksize in the batch and depth dimensions");
    th_node_free(n);
    n = pool_node("MaxPoolV2", "VALID", 0, 0, 0, 0);
    nn_expect_fail(n, 1, (const struct md_tensor *[]){ &x4 }, MD_INVALID_ARGUMENT,
                   "expected 3 inputs");
    th_node_free(n);
    md_tensor_cleanup(&x4);
    md_tensor_cleanup(&x3);
    md_tensor_cleanup(&xd);
    md_tensor_cleanup(&kg);
    md_tensor_cleanup(&kz);
    md_tensor_cleanup(&kd);
    md_tensor_cleanup(&k3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_golden),
        cmocka_unit_test(test_pool_double),
        cmocka_unit_test(test_pool_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
