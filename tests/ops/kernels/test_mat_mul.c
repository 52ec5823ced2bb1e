/* MatMul and BatchMatMulV2: golden cases from numpy (tests/ops/gen/nn.py),
 * the threaded split paths against a naive product, rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_batch_matmul.h"
#include "tests/ops/golden/nn_matmul.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *matmul_node(enum md_dtype dt, bool ta, bool tb)
{
    Tensorflow__NodeDef *n = th_node("MatMul");
    th_attr_type(n, "T", dt);
    th_attr_bool(n, "transpose_a", ta);
    th_attr_bool(n, "transpose_b", tb);
    return n;
}

static void test_matmul_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(nn_matmul_cases); i++) {
        const struct nn_matmul_case *c = &nn_matmul_cases[i];
        enum md_dtype dt = c->is_double ? MD_DT_DOUBLE : MD_DT_FLOAT;
        for (int threads = 0; threads < 2; threads++) {
            struct md_status st = MD_STATUS_INIT;
            Tensorflow__NodeDef *n = matmul_node(dt, c->ta, c->tb);
            struct md_tensor a = th_tensor(dt, 2, c->ad, c->a);
            struct md_tensor b = th_tensor(dt, 2, c->bd, c->b);
            struct md_tensor want = th_tensor(dt, 2, c->yd, c->y);
            struct md_tensor out[TH_MAX_OUT];
            int n_out;
            if (!nn_run(n, 2, (const struct md_tensor *[]){ &a, &b }, &n_out, out, threads, &st))
                fail_msg("%s: %s", c->name, st.msg);
            assert_int_equal(n_out, 1);
            double err = th_max_rel_err(&out[0], &want);
            if (!(err < 1e-6))
                fail_msg("%s: max rel err %g", c->name, err);
            th_free_outputs(out, n_out);
            md_tensor_cleanup(&a);
            md_tensor_cleanup(&b);
            md_tensor_cleanup(&want);
            th_node_free(n);
        }
    }
}

/* Big enough for md_nn_gemm_run to split rows (m >= 32) or columns (m
 * small): compared with a naive double-precision product. */
static void check_big(int64_t m, int64_t k, int64_t nn, bool ta, bool tb)
{
    struct md_status st = MD_STATUS_INIT;
    float *a = malloc((size_t)(m * k) * sizeof *a), *b = malloc((size_t)(k * nn) * sizeof *b);
    nn_fill(a, m * k, 7);
    nn_fill(b, k * nn, 11);
    int64_t ad[2] = { ta ? k : m, ta ? m : k }, bd[2] = { tb ? nn : k, tb ? k : nn };
    struct md_tensor ta_t = th_tensor(MD_DT_FLOAT, 2, ad, a);
    struct md_tensor tb_t = th_tensor(MD_DT_FLOAT, 2, bd, b);
    Tensorflow__NodeDef *n = matmul_node(MD_DT_FLOAT, ta, tb);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(nn_run(n, 2, (const struct md_tensor *[]){ &ta_t, &tb_t }, &n_out, out, true, &st));
    assert_int_equal(out[0].dims[0], m);
    assert_int_equal(out[0].dims[1], nn);
    const float *y = out[0].data;
    double worst = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++) {
            double s = 0;
            for (int64_t p = 0; p < k; p++) {
                double av = ta ? a[p * m + i] : a[i * k + p];
                double bv = tb ? b[j * k + p] : b[p * nn + j];
                s += av * bv;
            }
            double e = fabs((double)y[i * nn + j] - s) / (1 + fabs(s));
            if (e > worst)
                worst = e;
        }
    if (!(worst < 1e-5))
        fail_msg("m=%lld k=%lld n=%lld: err %g", (long long)m, (long long)k, (long long)nn, worst);
    th_free_outputs(out, n_out);
    md_tensor_cleanup(&ta_t);
    md_tensor_cleanup(&tb_t);
    th_node_free(n);
    free(a);
    free(b);
}

static void test_matmul_split(void **state)
{
    (void)state;
    check_big(97, 64, 80, false, false);  /* row split */
    check_big(97, 64, 80, true, true);
    check_big(2, 300, 700, false, false); /* column split (batch-1 dense) */
    check_big(3, 300, 700, true, true);
}

static void test_matmul_rejects(void **state)
{
    (void)state;
    float v[24] = { 0 };
    struct md_tensor a23 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor a24 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 4 }, v);
    struct md_tensor r3 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 2, 3, 4 }, v);
    int32_t iv[6] = { 0 };
    struct md_tensor i23 = th_tensor(MD_DT_INT32, 2, (int64_t[]){ 2, 3 }, iv);
    Tensorflow__NodeDef *n;

    n = matmul_node(MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a23, &a24 }, MD_INVALID_ARGUMENT,
                   "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,4]");
    th_node_free(n);
    n = matmul_node(MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &r3, &a24 }, MD_INVALID_ARGUMENT, "2-D");
    th_node_free(n);
    n = matmul_node(MD_DT_FLOAT, false, true);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &a23, &i23 }, MD_INVALID_ARGUMENT,
                   "input 1 has dtype DT_INT32, expected DT_FLOAT");
    th_node_free(n);
    n = matmul_node(MD_DT_INT32, false, true);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &i23, &i23 }, MD_UNIMPLEMENTED,
                   "dtype DT_INT32 is not supported");
    th_node_free(n);
    n = matmul_node(MD_DT_FLOAT, false, false);
    nn_expect_fail(n, 1, (const struct md_tensor *[]){ &a23 }, MD_INVALID_ARGUMENT,
                   "expected 2 inputs");
    th_node_free(n);
    md_tensor_cleanup(&a23);
    md_tensor_cleanup(&a24);
    md_tensor_cleanup(&r3);
    md_tensor_cleanup(&i23);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmul_golden),
        cmocka_unit_test(test_matmul_split),
        cmocka_unit_test(test_matmul_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
