/* Unary elementwise ops and activations of the math family: numpy golden
 * cases (tests/ops/golden/math_unary.h) plus dtype and attr checks. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_unary.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_UNARY_COUNT; i++)
        mg_check(&mg_unary[i]);
}

static void expect_fail1(const char *op, const struct md_tensor *x, enum md_code code,
                         const char *needle)
{
    Tensorflow__NodeDef *n = th_node(op);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ x }, code, needle);
    th_node_free(n);
}

static void test_wrong_dtype(void **state)
{
    (void)state;
    struct md_tensor s = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 1 }, (const char *[]){ "a" });
    int32_t iv[1] = { 1 };
    float fv[1] = { 1 };
    struct md_tensor i = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 1 }, iv);
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 1 }, fv);
    const char *all[] = { "Neg", "Abs", "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Floor",
                          "Ceil", "Round", "Reciprocal", "IsNan", "Sign", "LogicalNot", "Relu",
                          "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus" };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        expect_fail1(all[k], &s, MD_UNIMPLEMENTED, "dtype DT_STRING not supported");
    const char *float_only[] = { "Exp", "Log", "Sqrt", "Rsqrt", "Floor", "Ceil", "Reciprocal",
                                 "IsNan", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh",
                                 "Softplus" };
    for (size_t k = 0; k < sizeof float_only / sizeof float_only[0]; k++)
        expect_fail1(float_only[k], &i, MD_UNIMPLEMENTED, "DT_INT32");
    expect_fail1("LogicalNot", &f, MD_UNIMPLEMENTED, "DT_FLOAT");
    /* load time: T attr */
    Tensorflow__NodeDef *n = th_node("Sigmoid");
    th_attr_type(n, "T", MD_DT_INT64);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_UNIMPLEMENTED,
                   "dtype DT_INT64 not supported");
    th_node_free(n);
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&i);
    md_tensor_cleanup(&f);
}

static void test_bad_node(void **state)
{
    (void)state;
    float fv[1] = { 1 };
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 1 }, fv);
    Tensorflow__NodeDef *n = th_node("LeakyRelu");
    th_attr_int(n, "alpha", 1);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_INVALID_ARGUMENT,
                   "attr 'alpha' is not a float");
    th_node_free(n);
    n = th_node("Relu");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &f, &f }, MD_INVALID_ARGUMENT,
                   "expected 1 inputs, got 2");
    th_node_free(n);
    md_tensor_cleanup(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_wrong_dtype),
        cmocka_unit_test(test_bad_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
