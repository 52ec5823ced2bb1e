/* BatchMatMul / V2 / V3: golden cases from numpy (tests/ops/gen/nn.py),
 * a threaded many-batch case, rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_batch_matmul.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *bmm_node(const char *op, enum md_dtype dt, bool ax, bool ay)
{
    Tensorflow__NodeDef *n = th_node(op);
    if (!strcmp(op, "BatchMatMulV3")) {
        th_attr_type(n, "Ta", dt);
        th_attr_type(n, "Tb", dt);
        th_attr_type(n, "Tout", dt);
    } else {
        th_attr_type(n, "T", dt);
    }
    th_attr_bool(n, "adj_x", ax);
    th_attr_bool(n, "adj_y", ay);
    return n;
}

static void test_bmm_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(nn_bmm_cases); i++) {
        const struct nn_bmm_case *c = &nn_bmm_cases[i];
        for (int v = 0; v < 2; v++) {
            struct md_status st = MD_STATUS_INIT;
            Tensorflow__NodeDef *n =
                bmm_node(v ? "BatchMatMulV3" : "BatchMatMulV2", MD_DT_FLOAT, c->adj_x, c->adj_y);
            struct md_tensor x = th_tensor(MD_DT_FLOAT, c->xr, c->xd, c->x);
            struct md_tensor y = th_tensor(MD_DT_FLOAT, c->yr, c->yd, c->y);
            struct md_tensor want = th_tensor(MD_DT_FLOAT, c->outr, c->od, c->out);
            struct md_tensor out[TH_MAX_OUT];
            int n_out;
            if (!nn_run(n, 2, (const struct md_tensor *[]){ &x, &y }, &n_out, out, v, &st))
                fail_msg("%s: %s", c->name, st.msg);
            double err = th_max_rel_err(&out[0], &want);
            if (!(err < 1e-6))
                fail_msg("%s: max rel err %g", c->name, err);
            th_free_outputs(out, n_out);
            md_tensor_cleanup(&x);
            md_tensor_cleanup(&y);
            md_tensor_cleanup(&want);
            th_node_free(n);
        }
    }
}

/* 40 batches of 16x24 * 24x20 (broadcast y), threaded, against a naive product. */
static void test_bmm_threads(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    enum { B = 40, M = 16, K = 24, N = 20 };
    static float xv[B * M * K], yv[K * N];
    nn_fill(xv, B * M * K, 9);
    nn_fill(yv, K * N, 13);
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ B, M, K }, xv);
    struct md_tensor y = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ K, N }, yv);
    Tensorflow__NodeDef *n = bmm_node("BatchMatMulV2", MD_DT_FLOAT, false, false);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(nn_run(n, 2, (const struct md_tensor *[]){ &x, &y }, &n_out, out, true, &st));
    const float *o = out[0].data;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int p = 0; p < K; p++)
                    s += (double)xv[(b * M + i) * K + p] * (double)yv[p * N + j];
                assert_true(fabs((double)o[(b * M + i) * N + j] - s) < 1e-4);
            }
    th_free_outputs(out, n_out);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&y);
    th_node_free(n);
}

static void test_bmm_v1_and_double(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    double xv[2 * 2 * 3] = { 1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0 };
    double yv[2 * 3 * 1] = { 1, 1, 1, 2, 3, 4 };
    double want[4] = { 6, 15, 2, 3 };
    struct md_tensor x = th_tensor(MD_DT_DOUBLE, 3, (int64_t[]){ 2, 2, 3 }, xv);
    struct md_tensor y = th_tensor(MD_DT_DOUBLE, 3, (int64_t[]){ 2, 3, 1 }, yv);
    Tensorflow__NodeDef *n = bmm_node("BatchMatMul", MD_DT_DOUBLE, false, false);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 2, (const struct md_tensor *[]){ &x, &y }, &n_out, out, &st));
    assert_int_equal(out[0].rank, 3);
    assert_memory_equal(out[0].data, want, sizeof want);
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&y);
}

static void test_bmm_rejects(void **state)
{
    (void)state;
    float v[64] = { 0 };
    struct md_tensor v3 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 3 }, v);
    struct md_tensor a234 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 2, 3, 4 }, v);
    struct md_tensor a345 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 3, 4, 5 }, v);
    struct md_tensor a235 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 2, 3, 5 }, v);
    struct md_tensor a45 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 4, 5 }, v);
    Tensorflow__NodeDef *n;

    n = bmm_node("BatchMatMulV2", MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &v3, &a45 }, MD_INVALID_ARGUMENT, "rank >= 2");
    th_node_free(n);
    n = bmm_node("BatchMatMulV2", MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a345 }, MD_INVALID_ARGUMENT,
                   "compatible batch dimensions: [2,3,4] vs. [3,4,5]");
    th_node_free(n);
    n = bmm_node("BatchMatMulV2", MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a235 }, MD_INVALID_ARGUMENT,
                   "Matrix size-incompatible");
    th_node_free(n);
    n = bmm_node("BatchMatMul", MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a45 }, MD_INVALID_ARGUMENT,
                   "same rank");
    th_node_free(n);
    n = bmm_node("BatchMatMulV2", MD_DT_INT32, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a45 }, MD_UNIMPLEMENTED,
                   "dtype DT_INT32 is not supported");
    th_node_free(n);
    n = bmm_node("BatchMatMulV2", MD_DT_DOUBLE, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a45 }, MD_INVALID_ARGUMENT,
                   "input 0 has dtype DT_FLOAT, expected DT_DOUBLE");
    th_node_free(n);
    n = th_node("BatchMatMulV3");
    th_attr_type(n, "Ta", MD_DT_FLOAT);
    th_attr_type(n, "Tb", MD_DT_FLOAT);
    th_attr_type(n, "Tout", MD_DT_DOUBLE);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a234, &a45 }, MD_UNIMPLEMENTED,
                   "mixed dtypes");
    th_node_free(n);
    md_tensor_cleanup(&v3);
    md_tensor_cleanup(&a234);
    md_tensor_cleanup(&a345);
    md_tensor_cleanup(&a235);
    md_tensor_cleanup(&a45);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bmm_golden),
        cmocka_unit_test(test_bmm_threads),
        cmocka_unit_test(test_bmm_v1_and_double),
        cmocka_unit_test(test_bmm_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
