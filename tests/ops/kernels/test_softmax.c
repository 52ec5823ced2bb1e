/* Softmax and LogSoftmax: numpy golden cases (tests/ops/golden/math_softmax.h,
 * including huge and equal logits) plus rank and dtype checks. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_softmax.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_SOFTMAX_COUNT; i++)
        mg_check(&mg_softmax[i]);
}

static void test_rejects(void **state)
{
    (void)state;
    struct md_tensor sc = th_scalar_f32(1);
    struct md_tensor i = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, (int32_t[]){ 1, 2 });
    const char *ops[] = { "Softmax", "LogSoftmax" };
    for (int k = 0; k < 2; k++) {
        Tensorflow__NodeDef *n = th_node(ops[k]);
        mg_expect_fail(n, 1, (const struct md_tensor *[]){ &sc }, MD_INVALID_ARGUMENT,
                       "logits must have >= 1 dimension, got []");
        mg_expect_fail(n, 1, (const struct md_tensor *[]){ &i }, MD_UNIMPLEMENTED,
                       "dtype DT_INT32 not supported");
        mg_expect_fail(n, 2, (const struct md_tensor *[]){ &i, &i }, MD_INVALID_ARGUMENT,
                       "expected 1 inputs, got 2");
        th_attr_type(n, "T", MD_DT_INT32);
        mg_expect_fail(n, 1, (const struct md_tensor *[]){ &i }, MD_UNIMPLEMENTED, "DT_INT32");
        th_node_free(n);
    }
    md_tensor_cleanup(&sc);
    md_tensor_cleanup(&i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
