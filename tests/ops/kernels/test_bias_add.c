/* BiasAdd: golden cases from numpy (tests/ops/gen/nn.py), a large threaded
 * case, rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_bias_add.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *bias_node(enum md_dtype dt)
{
    Tensorflow__NodeDef *n = th_node("BiasAdd");
    th_attr_type(n, "T", dt);
    th_attr_str(n, "data_format", "NHWC");
    return n;
}

static void test_bias_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(nn_bias_cases); i++) {
        const struct nn_bias_case *c = &nn_bias_cases[i];
        enum md_dtype dt = (enum md_dtype)c->dt;
        struct md_status st = MD_STATUS_INIT;
        Tensorflow__NodeDef *n = bias_node(dt);
        struct md_tensor x = th_tensor(dt, c->rank, c->xd, c->x);
        struct md_tensor b = th_tensor(dt, 1, &c->c, c->b);
        struct md_tensor want = th_tensor(dt, c->rank, c->xd, c->y);
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        if (!th_run(n, 2, (const struct md_tensor *[]){ &x, &b }, &n_out, out, &st))
            fail_msg("%s: %s", c->name, st.msg);
        if (!md_tensor_equal(&out[0], &want))
            fail_msg("%s: output differs", c->name);
        th_free_outputs(out, n_out);
        md_tensor_cleanup(&x);
        md_tensor_cleanup(&b);
        md_tensor_cleanup(&want);
        th_node_free(n);
    }
}

static void test_bias_threads(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    int64_t d[4] = { 3, 17, 19, 32 };
    int64_t nel = 3 * 17 * 19 * 32;
    float *xv = malloc((size_t)nel * sizeof *xv), bv[32];
    nn_fill(xv, nel, 3);
    nn_fill(bv, 32, 5);
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, d, xv);
    struct md_tensor b = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 32 }, bv);
    Tensorflow__NodeDef *n = bias_node(MD_DT_FLOAT);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(nn_run(n, 2, (const struct md_tensor *[]){ &x, &b }, &n_out, out, true, &st));
    const float *y = out[0].data;
    for (int64_t i = 0; i < nel; i++)
        assert_true(y[i] == xv[i] + bv[i % 32]);
    th_free_outputs(out, n_out);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&b);
    th_node_free(n);
    free(xv);
}

static void test_bias_rejects(void **state)
{
    (void)state;
    float v[12] = { 0 };
    struct md_tensor x23 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor x3 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 3 }, v);
    struct md_tensor b2 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, v);
    struct md_tensor b13 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 1, 3 }, v);
    double dv[3] = { 0 };
    struct md_tensor bd = th_tensor(MD_DT_DOUBLE, 1, (int64_t[]){ 3 }, dv);
    Tensorflow__NodeDef *n;

    n = bias_node(MD_DT_FLOAT);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x23, &b2 }, MD_INVALID_ARGUMENT,
                   "Must provide as many biases as the last dimension of the input tensor: [2] vs. [2,3]");
    th_node_free(n);
    n = bias_node(MD_DT_FLOAT);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x3, &x3 }, MD_INVALID_ARGUMENT,
                   "at least 2D");
    th_node_free(n);
    n = bias_node(MD_DT_FLOAT);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x23, &b13 }, MD_INVALID_ARGUMENT,
                   "Biases must be 1D");
    th_node_free(n);
    n = bias_node(MD_DT_FLOAT);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x23, &bd }, MD_INVALID_ARGUMENT,
                   "input 1 has dtype DT_DOUBLE");
    th_node_free(n);
    n = th_node("BiasAdd");
    th_attr_type(n, "T", MD_DT_FLOAT);
    th_attr_str(n, "data_format", "NCHW");
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x23, &x3 }, MD_UNIMPLEMENTED,
                   "data_format 'NCHW' is not supported");
    th_node_free(n);
    n = bias_node(MD_DT_STRING);
    nn_expect_fail(n, 2, (const struct md_tensor *[]){ &x23, &x3 }, MD_UNIMPLEMENTED,
                   "dtype DT_STRING is not supported");
    th_node_free(n);
    md_tensor_cleanup(&x23);
    md_tensor_cleanup(&x3);
    md_tensor_cleanup(&b2);
    md_tensor_cleanup(&b13);
    md_tensor_cleanup(&bd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bias_golden),
        cmocka_unit_test(test_bias_threads),
        cmocka_unit_test(test_bias_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
