/* Cast: numpy golden cases for every pair of numeric/bool dtypes
 * (tests/ops/golden/math_cast.h), plus the conversions C leaves undefined
 * (nan and out-of-range floats to integers) and attr checks. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_cast.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_CAST_COUNT; i++)
        mg_check(&mg_cast[i]);
}

static Tensorflow__NodeDef *cast_node(enum md_dtype src, enum md_dtype dst)
{
    Tensorflow__NodeDef *n = th_node("Cast");
    th_attr_type(n, "SrcT", src);
    th_attr_type(n, "DstT", dst);
    return n;
}

static void test_undefined_in_c(void **state)
{
    (void)state;
    /* What x86 TensorFlow gives: INT_MIN for nan and out-of-range, low bits
     * of the 32-bit conversion for narrow types. */
    struct md_status st = MD_STATUS_INIT;
    float v[5] = { NAN, INFINITY, -3e9f, 3e9f, 300.0f };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 5 }, v);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    Tensorflow__NodeDef *n = cast_node(MD_DT_FLOAT, MD_DT_INT32);
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    const int32_t w32[5] = { INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 300 };
    assert_memory_equal(out[0].data, w32, sizeof w32);
    th_free_outputs(out, n_out);
    th_node_free(n);
    n = cast_node(MD_DT_FLOAT, MD_DT_INT64);
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    const int64_t w64[5] = { INT64_MIN, INT64_MIN, -3000000000LL, 3000000000LL, 300 };
    assert_memory_equal(out[0].data, w64, sizeof w64);
    th_free_outputs(out, n_out);
    th_node_free(n);
    n = cast_node(MD_DT_FLOAT, MD_DT_UINT8);
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    const uint8_t w8[5] = { 0, 0, 0, 0, 44 };
    assert_memory_equal(out[0].data, w8, sizeof w8);
    th_free_outputs(out, n_out);
    th_node_free(n);
    n = cast_node(MD_DT_FLOAT, MD_DT_BOOL);
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    const uint8_t wb[5] = { 1, 1, 1, 1, 1 };
    assert_memory_equal(out[0].data, wb, sizeof wb);
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&x);
}

static void test_noncanonical_bool(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor x = th_tensor(MD_DT_BOOL, 1, (int64_t[]){ 3 }, (uint8_t[]){ 0, 2, 255 });
    Tensorflow__NodeDef *n = cast_node(MD_DT_BOOL, MD_DT_FLOAT);
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    const float w[3] = { 0, 1, 1 };
    assert_memory_equal(out[0].data, w, sizeof w);
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&x);
}

static void test_rejects(void **state)
{
    (void)state;
    struct md_tensor f = th_scalar_f32(1);
    struct md_tensor s = th_tensor(MD_DT_STRING, 0, NULL, (const char *[]){ "1" });
    Tensorflow__NodeDef *n = cast_node(MD_DT_STRING, MD_DT_FLOAT);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &s }, MD_UNIMPLEMENTED,
                   "cast from DT_STRING to DT_FLOAT not supported");
    th_node_free(n);
    n = cast_node(MD_DT_FLOAT, MD_DT_STRING);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_UNIMPLEMENTED,
                   "cast from DT_FLOAT to DT_STRING not supported");
    th_node_free(n);
    n = cast_node(MD_DT_FLOAT, MD_DT_HALF);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_UNIMPLEMENTED, "DT_HALF");
    th_node_free(n);
    n = cast_node(MD_DT_INT32, MD_DT_FLOAT);
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_INVALID_ARGUMENT,
                   "input is DT_FLOAT, SrcT is DT_INT32");
    th_node_free(n);
    n = th_node("Cast");
    mg_expect_fail(n, 1, (const struct md_tensor *[]){ &f }, MD_INVALID_ARGUMENT,
                   "missing attr SrcT or DstT");
    th_node_free(n);
    md_tensor_cleanup(&f);
    md_tensor_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_undefined_in_c),
        cmocka_unit_test(test_noncanonical_bool),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
