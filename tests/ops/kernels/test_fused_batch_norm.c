/* FusedBatchNorm / V2 / V3 at inference: golden cases from numpy
 * (tests/ops/gen/nn.py), the side outputs, rejected inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/nn_batch_norm.h"
#include "tests/ops/kernels/nn_test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Tensorflow__NodeDef *bn_node(const char *op, float eps)
{
    Tensorflow__NodeDef *n = th_node(op);
    th_attr_type(n, "T", MD_DT_FLOAT);
    if (strcmp(op, "FusedBatchNorm"))
        th_attr_type(n, "U", MD_DT_FLOAT);
    th_attr_float(n, "epsilon", eps);
    th_attr_bool(n, "is_training", false);
    th_attr_str(n, "data_format", "NHWC");
    return n;
}

static void test_bn_golden(void **state)
{
    (void)state;
    const char *ops[3] = { "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3" };
    for (size_t i = 0; i < N_OF(nn_bn_cases); i++) {
        const struct nn_bn_case *c = &nn_bn_cases[i];
        for (int v = 0; v < 3; v++) {
            struct md_status st = MD_STATUS_INIT;
            Tensorflow__NodeDef *n = bn_node(ops[v], c->eps);
            int64_t cd = c->xd[3];
            struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, c->xd, c->x);
            struct md_tensor sc = th_tensor(MD_DT_FLOAT, 1, &cd, c->scale);
            struct md_tensor of = th_tensor(MD_DT_FLOAT, 1, &cd, c->offset);
            struct md_tensor mu = th_tensor(MD_DT_FLOAT, 1, &cd, c->mean);
            struct md_tensor va = th_tensor(MD_DT_FLOAT, 1, &cd, c->var);
            struct md_tensor want = th_tensor(MD_DT_FLOAT, 4, c->xd, c->y);
            struct md_tensor out[TH_MAX_OUT];
            int n_out;
            if (!nn_run(n, 5, (const struct md_tensor *[]){ &x, &sc, &of, &mu, &va }, &n_out, out,
                        v == 1, &st))
                fail_msg("%s %s: %s", ops[v], c->name, st.msg);
            assert_int_equal(n_out, v == 2 ? 6 : 5);
            double err = th_max_rel_err(&out[0], &want);
            if (!(err < 1e-6))
                fail_msg("%s %s: max rel err %g", ops[v], c->name, err);
            bool empty = c->xd[0] == 0;
            for (int o = 1; o < 5; o++) {
                const struct md_tensor *src = (o % 2) ? &mu : &va;
                assert_int_equal(out[o].rank, 1);
                assert_int_equal(out[o].dims[0], cd);
                for (int64_t j = 0; j < cd; j++) {
                    float got = ((const float *)out[o].data)[j];
                    if (empty && o < 3)
                        assert_true(isnan(got));
                    else
                        assert_true(got == ((const float *)src->data)[j]);
                }
            }
            if (v == 2) {
                assert_int_equal(out[5].rank, 0);
                assert_true(*(const float *)out[5].data == 0.0f);
            }
            th_free_outputs(out, n_out);
            md_tensor_cleanup(&x);
            md_tensor_cleanup(&sc);
            md_tensor_cleanup(&of);
            md_tensor_cleanup(&mu);
            md_tensor_cleanup(&va);
            md_tensor_cleanup(&want);
            th_node_free(n);
        }
    }
}

static void test_bn_rejects(void **state)
{
    (void)state;
    float v[64] = { 0 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 4, (int64_t[]){ 1, 2, 2, 3 }, v);
    struct md_tensor x3 = th_tensor(MD_DT_FLOAT, 3, (int64_t[]){ 2, 2, 3 }, v);
    struct md_tensor c3 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 3 }, v);
    struct md_tensor c2 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, v);
    int32_t iv[3] = { 0 };
    struct md_tensor ci = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, iv);
    Tensorflow__NodeDef *n;

    n = bn_node("FusedBatchNormV3", 0.001f);
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x3, &c3, &c3, &c3, &c3 },
                   MD_INVALID_ARGUMENT, "x must be 4-dimensional: [2,2,3]");
    th_node_free(n);
    n = bn_node("FusedBatchNormV3", 0.001f);
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x, &c3, &c3, &c2, &c3 },
                   MD_INVALID_ARGUMENT, "mean must be 1-D with one value per channel of x: [2]");
    th_node_free(n);
    n = bn_node("FusedBatchNormV3", 0.001f);
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x, &c3, &c3, &c3, &ci },
                   MD_INVALID_ARGUMENT, "input 4 has dtype DT_INT32");
    th_node_free(n);
    n = bn_node("FusedBatchNormV3", 0.001f);
    nn_expect_fail(n, 4, (const struct md_tensor *[]){ &x, &c3, &c3, &c3 }, MD_INVALID_ARGUMENT,
                   "expected 5 inputs");
    th_node_free(n);
    n = th_node("FusedBatchNorm");
    th_attr_type(n, "T", MD_DT_FLOAT);
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x, &c3, &c3, &c3, &c3 }, MD_UNIMPLEMENTED,
                   "is_training=true");
    th_node_free(n);
    n = bn_node("FusedBatchNormV2", 0.001f);
    n->attr[0]->value->type = (Tensorflow__DataType)MD_DT_HALF;
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x, &c3, &c3, &c3, &c3 }, MD_UNIMPLEMENTED,
                   "dtype DT_HALF is not supported");
    th_node_free(n);
    n = bn_node("FusedBatchNormV3", 0.001f);
    memcpy(n->attr[n->n_attr - 1]->value->s.data, "NCHW", 4);
    nn_expect_fail(n, 5, (const struct md_tensor *[]){ &x, &c3, &c3, &c3, &c3 }, MD_UNIMPLEMENTED,
                   "data_format 'NCHW'");
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&x3);
    md_tensor_cleanup(&c3);
    md_tensor_cleanup(&c2);
    md_tensor_cleanup(&ci);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bn_golden),
        cmocka_unit_test(test_bn_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
