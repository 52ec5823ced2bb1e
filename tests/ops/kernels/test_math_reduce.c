/* Reductions (Sum, Mean, Prod, Max, Min, All, Any) and ArgMax/ArgMin:
 * numpy golden cases (tests/ops/golden/math_reduce.h) plus bad axes, empty
 * arg-reductions and dtype checks. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_reduce.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_REDUCE_COUNT; i++)
        mg_check(&mg_reduce[i]);
}

static void expect_fail2(const char *op, const struct md_tensor *a, const struct md_tensor *b,
                         enum md_code code, const char *needle)
{
    Tensorflow__NodeDef *n = th_node(op);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ a, b }, code, needle);
    th_node_free(n);
}

static const char *const reducers[] = { "Sum", "Mean", "Prod", "Max", "Min" };

static void test_bad_axes(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor ax_hi = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, (int32_t[]){ 0, 2 });
    struct md_tensor ax_lo = th_scalar_i64(-3);
    struct md_tensor ax_f = th_scalar_f32(0);
    struct md_tensor ax_2d = th_tensor(MD_DT_INT32, 2, (int64_t[]){ 1, 1 }, (int32_t[]){ 0 });
    for (size_t i = 0; i < sizeof reducers / sizeof reducers[0]; i++) {
        expect_fail2(reducers[i], &x, &ax_hi, MD_INVALID_ARGUMENT,
                     "Invalid reduction dimension (2 for input with 2 dimension(s))");
        expect_fail2(reducers[i], &x, &ax_lo, MD_INVALID_ARGUMENT, "(-3 for input");
        expect_fail2(reducers[i], &x, &ax_f, MD_INVALID_ARGUMENT, "must be int32 or int64");
        expect_fail2(reducers[i], &x, &ax_2d, MD_INVALID_ARGUMENT, "scalar or vector");
    }
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&ax_hi);
    md_tensor_cleanup(&ax_lo);
    md_tensor_cleanup(&ax_f);
    md_tensor_cleanup(&ax_2d);
}

static void test_wrong_dtype(void **state)
{
    (void)state;
    float fv[2] = { 1, 2 };
    struct md_tensor f = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, fv);
    struct md_tensor s = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 2 }, (const char *[]){ "a", "" });
    struct md_tensor b = th_tensor(MD_DT_BOOL, 1, (int64_t[]){ 2 }, (uint8_t[]){ 1, 0 });
    struct md_tensor ax = th_scalar_i32(0);
    for (size_t i = 0; i < sizeof reducers / sizeof reducers[0]; i++) {
        expect_fail2(reducers[i], &s, &ax, MD_UNIMPLEMENTED, "dtype DT_STRING not supported");
        expect_fail2(reducers[i], &b, &ax, MD_UNIMPLEMENTED, "dtype DT_BOOL not supported");
    }
    expect_fail2("All", &f, &ax, MD_UNIMPLEMENTED, "dtype DT_FLOAT not supported");
    expect_fail2("Any", &s, &ax, MD_UNIMPLEMENTED, "dtype DT_STRING not supported");
    expect_fail2("ArgMax", &b, &ax, MD_UNIMPLEMENTED, "dtype DT_BOOL not supported");
    expect_fail2("ArgMin", &s, &ax, MD_UNIMPLEMENTED, "dtype DT_STRING not supported");
    Tensorflow__NodeDef *n = th_node("Sum");
    th_attr_type(n, "T", MD_DT_STRING);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &f, &ax }, MD_UNIMPLEMENTED, "DT_STRING");
    th_node_free(n);
    n = th_node("Mean");
    th_attr_type(n, "Tidx", MD_DT_FLOAT);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &f, &ax }, MD_UNIMPLEMENTED, "Tidx");
    th_node_free(n);
    n = th_node("ArgMax");
    th_attr_type(n, "output_type", MD_DT_FLOAT);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &f, &ax }, MD_UNIMPLEMENTED,
                   "output_type DT_FLOAT not supported");
    th_node_free(n);
    n = th_node("Max");
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_INVALID_ARGUMENT,
                   "expected 2 inputs");
    th_node_free(n);
    md_tensor_cleanup(&f);
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&ax);
}

static void test_arg_errors(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor e = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 0 }, NULL);
    struct md_tensor sc = th_scalar_f32(1);
    struct md_tensor ax2 = th_scalar_i32(2), axm3 = th_scalar_i64(-3), ax1 = th_scalar_i32(1);
    struct md_tensor ax0 = th_scalar_i32(0);
    struct md_tensor axv = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, (int32_t[]){ 0, 1 });
    struct md_tensor axf = th_scalar_f32(1);
    const char *ops[] = { "ArgMax", "ArgMin" };
    for (int i = 0; i < 2; i++) {
        expect_fail2(ops[i], &x, &ax2, MD_INVALID_ARGUMENT,
                     "Expected dimension in the range [-2, 2), but got 2");
        expect_fail2(ops[i], &x, &axm3, MD_INVALID_ARGUMENT, "but got -3");
        expect_fail2(ops[i], &e, &ax1, MD_INVALID_ARGUMENT, "Reduction axis 1 is empty in shape [2,0]");
        expect_fail2(ops[i], &sc, &ax0, MD_INVALID_ARGUMENT, "range [0, 0)");
        expect_fail2(ops[i], &x, &axv, MD_INVALID_ARGUMENT, "with 2 elements");
        expect_fail2(ops[i], &x, &axf, MD_INVALID_ARGUMENT, "DT_FLOAT");
    }
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&e);
    md_tensor_cleanup(&sc);
    md_tensor_cleanup(&ax2);
    md_tensor_cleanup(&axm3);
    md_tensor_cleanup(&ax1);
    md_tensor_cleanup(&ax0);
    md_tensor_cleanup(&axv);
    md_tensor_cleanup(&axf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_bad_axes),
        cmocka_unit_test(test_wrong_dtype),
        cmocka_unit_test(test_arg_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
