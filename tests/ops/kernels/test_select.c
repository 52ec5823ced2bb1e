/* Select (TF1 shape rules) and SelectV2 (broadcasting): numpy golden cases
 * (tests/ops/golden/math_select.h) plus every shape/dtype rejection. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_select.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_SELECT_COUNT; i++)
        mg_check(&mg_select[i]);
}

static void expect_fail3(const char *op, const struct md_tensor *c, const struct md_tensor *t,
                         const struct md_tensor *e, enum md_code code, const char *needle)
{
    Tensorflow__NodeDef *n = th_node(op);
    mg_expect_fail(n, 3, (const struct md_tensor *[]){ c, t, e }, code, needle);
    th_node_free(n);
}

static void test_rejects(void **state)
{
    (void)state;
    float v[12] = { 0 };
    uint8_t b[6] = { 1, 0, 1, 0, 1, 0 };
    struct md_tensor t23 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor t32 = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 3, 2 }, v);
    struct md_tensor t4 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 4 }, v);
    struct md_tensor i23 = th_tensor(MD_DT_INT32, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor c23 = th_tensor(MD_DT_BOOL, 2, (int64_t[]){ 2, 3 }, b);
    struct md_tensor c3 = th_tensor(MD_DT_BOOL, 1, (int64_t[]){ 3 }, b);
    struct md_tensor c32 = th_tensor(MD_DT_BOOL, 2, (int64_t[]){ 3, 2 }, b);
    struct md_tensor cf = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    const char *ops[] = { "Select", "SelectV2" };
    for (int k = 0; k < 2; k++) {
        expect_fail3(ops[k], &cf, &t23, &t23, MD_INVALID_ARGUMENT, "condition must be bool");
        expect_fail3(ops[k], &c23, &t23, &i23, MD_INVALID_ARGUMENT,
                     "'then' and 'else' dtypes differ");
    }
    expect_fail3("Select", &c23, &t23, &t32, MD_INVALID_ARGUMENT,
                 "'then' and 'else' must have the same size. but are [2,3] and [3,2]");
    expect_fail3("Select", &c3, &t23, &t23, MD_INVALID_ARGUMENT,
                 "Number of batches of 'then' must match size of 'cond', but saw: 2 vs. 3");
    expect_fail3("Select", &c32, &t23, &t23, MD_INVALID_ARGUMENT,
                 "'cond' and 'then' must have the same shape");
    expect_fail3("Select", &c3, &t4, &t4, MD_INVALID_ARGUMENT, "got [3] and [4]");
    expect_fail3("SelectV2", &c32, &t23, &t23, MD_INVALID_ARGUMENT,
                 "do not broadcast: [3,2], [2,3] and [2,3]");
    expect_fail3("SelectV2", &c23, &t23, &t4, MD_INVALID_ARGUMENT, "do not broadcast");
    Tensorflow__NodeDef *n = th_node("SelectV2");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &c23, &t23 }, MD_INVALID_ARGUMENT,
                   "expected 3 inputs, got 2");
    th_node_free(n);
    md_tensor_cleanup(&t23);
    md_tensor_cleanup(&t32);
    md_tensor_cleanup(&t4);
    md_tensor_cleanup(&i23);
    md_tensor_cleanup(&c23);
    md_tensor_cleanup(&c3);
    md_tensor_cleanup(&c32);
    md_tensor_cleanup(&cf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
