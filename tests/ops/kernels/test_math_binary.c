/* Binary elementwise ops of the math family: numpy golden cases
 * (tests/ops/golden/math_binary.h) plus broadcasting errors, integer
 * division by zero, negative integer powers, dtype checks. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_binary.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_BINARY_COUNT; i++)
        mg_check(&mg_binary[i]);
}

static void expect_fail2(const char *op, const struct md_tensor *a, const struct md_tensor *b,
                         enum md_code code, const char *needle)
{
    Tensorflow__NodeDef *n = th_node(op);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ a, b }, code, needle);
    th_node_free(n);
}

static void test_incompatible_shapes(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor a = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor b = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 4 }, v);
    const char *ops[] = { "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod",
                          "Maximum", "Minimum", "Pow", "SquaredDifference", "Less", "LessEqual",
                          "Greater", "GreaterEqual", "Equal", "NotEqual" };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        expect_fail2(ops[i], &a, &b, MD_INVALID_ARGUMENT, "Incompatible shapes: [2,3] vs. [4]");
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
}

static void test_equal_shape_attr(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    float v[6] = { 0 };
    struct md_tensor a = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor b = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 4 }, v);
    const char *ops[] = { "Equal", "NotEqual" };
    for (int i = 0; i < 2; i++) {
        Tensorflow__NodeDef *n = th_node(ops[i]);
        th_attr_bool(n, "incompatible_shape_error", false);
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        assert_true(th_run(n, 2, (const struct md_tensor *[]){ &a, &b }, &n_out, out, &st));
        assert_int_equal(out[0].dtype, MD_DT_BOOL);
        assert_int_equal(out[0].rank, 0);
        assert_int_equal(*(uint8_t *)out[0].data, i == 1);
        th_free_outputs(out, n_out);
        th_node_free(n);
    }
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
}

static void test_dtype_checks(void **state)
{
    (void)state;
    float f[2] = { 1, 2 };
    int32_t i[2] = { 1, 2 };
    struct md_tensor a = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, f);
    struct md_tensor b = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, i);
    struct md_tensor s = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 2 }, (const char *[]){ "a", "b" });
    expect_fail2("Add", &a, &b, MD_INVALID_ARGUMENT, "input dtypes differ");
    /* wrong dtype for every op, found at request time */
    const char *numeric[] = { "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "FloorDiv",
                              "FloorMod", "Maximum", "Minimum", "Pow", "SquaredDifference",
                              "Less", "LessEqual", "Greater", "GreaterEqual" };
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++)
        expect_fail2(numeric[k], &s, &s, MD_UNIMPLEMENTED, "DT_STRING");
    expect_fail2("RealDiv", &b, &b, MD_UNIMPLEMENTED, "DT_INT32");
    expect_fail2("LogicalAnd", &a, &a, MD_UNIMPLEMENTED, "DT_FLOAT");
    expect_fail2("LogicalOr", &b, &b, MD_UNIMPLEMENTED, "DT_INT32");
    /* and at load time from the T attr */
    Tensorflow__NodeDef *n = th_node("RealDiv");
    th_attr_type(n, "T", MD_DT_INT32);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &a, &a }, MD_UNIMPLEMENTED,
                   "dtype DT_INT32 not supported");
    th_node_free(n);
    n = th_node("Mul");
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &a }, MD_INVALID_ARGUMENT,
                   "expected 2 inputs, got 1");
    th_node_free(n);
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&s);
}

static void test_integer_division_by_zero(void **state)
{
    (void)state;
    int32_t x[3] = { 1, 2, 3 }, y[3] = { 1, 0, 2 };
    int64_t x64[1] = { 5 }, z64[1] = { 0 };
    uint8_t xu[1] = { 5 }, zu[1] = { 0 };
    struct md_tensor a = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, x);
    struct md_tensor b = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, y);
    struct md_tensor a64 = th_tensor(MD_DT_INT64, 0, NULL, x64);
    struct md_tensor b64 = th_tensor(MD_DT_INT64, 0, NULL, z64);
    struct md_tensor au = th_tensor(MD_DT_UINT8, 0, NULL, xu);
    struct md_tensor bu = th_tensor(MD_DT_UINT8, 0, NULL, zu);
    const char *ops[] = { "Div", "FloorDiv", "FloorMod" };
    for (int i = 0; i < 3; i++) {
        expect_fail2(ops[i], &a, &b, MD_INVALID_ARGUMENT, "Integer division by zero");
        expect_fail2(ops[i], &a64, &b64, MD_INVALID_ARGUMENT, "Integer division by zero");
        expect_fail2(ops[i], &au, &bu, MD_INVALID_ARGUMENT, "Integer division by zero");
    }
    int32_t neg[3] = { 1, -1, 2 };
    struct md_tensor c = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 3 }, neg);
    expect_fail2("Pow", &a, &c, MD_INVALID_ARGUMENT, "negative integer powers");
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&c);
    md_tensor_cleanup(&a64);
    md_tensor_cleanup(&b64);
    md_tensor_cleanup(&au);
    md_tensor_cleanup(&bu);
}

static void test_output_too_large(void **state)
{
    (void)state;
    /* [2^21,1] * [1,2^20] would be 2^41 elements: refused, not attempted */
    struct md_tensor a = MD_TENSOR_INIT, b = MD_TENSOR_INIT;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_tensor_alloc(&a, MD_DT_UINT8, 2, (int64_t[]){ 1 << 21, 1 }, 0, &st));
    assert_true(md_tensor_alloc(&b, MD_DT_UINT8, 2, (int64_t[]){ 1, 1 << 20 }, 0, &st));
    expect_fail2("Mul", &a, &b, MD_INVALID_ARGUMENT, "invalid output shape");
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
}

static void test_noncanonical_bool(void **state)
{
    (void)state;
    /* bool bytes other than 0/1 (from a hand-made tensor_content) act as true */
    struct md_status st = MD_STATUS_INIT;
    uint8_t x[4] = { 2, 0, 255, 1 }, y[4] = { 1, 1, 0, 7 };
    struct md_tensor a = th_tensor(MD_DT_BOOL, 1, (int64_t[]){ 4 }, x);
    struct md_tensor b = th_tensor(MD_DT_BOOL, 1, (int64_t[]){ 4 }, y);
    const char *ops[] = { "LogicalAnd", "LogicalOr", "Equal" };
    const uint8_t want[3][4] = { { 1, 0, 0, 1 }, { 1, 1, 1, 1 }, { 1, 0, 0, 1 } };
    for (int i = 0; i < 3; i++) {
        Tensorflow__NodeDef *n = th_node(ops[i]);
        struct md_tensor out[TH_MAX_OUT];
        int n_out;
        assert_true(th_run(n, 2, (const struct md_tensor *[]){ &a, &b }, &n_out, out, &st));
        assert_memory_equal(out[0].data, want[i], 4);
        th_free_outputs(out, n_out);
        th_node_free(n);
    }
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_incompatible_shapes),
        cmocka_unit_test(test_equal_shape_attr),
        cmocka_unit_test(test_dtype_checks),
        cmocka_unit_test(test_integer_division_by_zero),
        cmocka_unit_test(test_output_too_large),
        cmocka_unit_test(test_noncanonical_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
