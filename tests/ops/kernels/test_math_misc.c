/* AddN, ClipByValue and Cumsum: numpy golden cases
 * (tests/ops/golden/math_misc.h) plus shape, attr and dtype rejections. */
#include "tests/ops/golden/math_golden.h"
#include "tests/ops/golden/math_misc.h"

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < MG_MISC_COUNT; i++)
        mg_check(&mg_misc[i]);
}

static void test_add_n_rejects(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor a = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor b = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 6 }, v);
    struct md_tensor i = th_tensor(MD_DT_INT32, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor s = th_tensor(MD_DT_STRING, 0, NULL, (const char *[]){ "x" });
    Tensorflow__NodeDef *n = th_node("AddN");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &a, &b }, MD_INVALID_ARGUMENT,
                   "input 1 is DT_FLOAT [6]");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &a, &i }, MD_INVALID_ARGUMENT,
                   "same dtype and shape");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &s, &s }, MD_UNIMPLEMENTED, "DT_STRING");
    th_node_free(n);
    n = th_node("AddN");
    th_attr_int(n, "N", 3);
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &a, &a }, MD_INVALID_ARGUMENT,
                   "attr N is 3 but 2 inputs");
    th_node_free(n);
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&i);
    md_tensor_cleanup(&s);
}

static void test_add_n_single_input(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    float v[3] = { 1, 2, 3 };
    struct md_tensor a = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 3 }, v);
    Tensorflow__NodeDef *n = th_node("AddN");
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &a }, &n_out, out, &st));
    assert_true(md_tensor_equal(&out[0], &a));
    th_free_outputs(out, n_out);
    th_node_free(n);
    md_tensor_cleanup(&a);
}

static void test_clip_rejects(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor lo2 = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 2 }, v);
    struct md_tensor one = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 1 }, v);
    struct md_tensor f = th_scalar_f32(1);
    struct md_tensor i = th_scalar_i32(1);
    struct md_tensor b = th_tensor(MD_DT_BOOL, 0, NULL, (uint8_t[]){ 1 });
    Tensorflow__NodeDef *n = th_node("ClipByValue");
    mg_expect_fail(n, 3, (const struct md_tensor *[]){ &x, &lo2, &f }, MD_INVALID_ARGUMENT,
                   "clip_value_min shape [2]");
    mg_expect_fail(n, 3, (const struct md_tensor *[]){ &x, &f, &one }, MD_INVALID_ARGUMENT,
                   "clip_value_max shape [1]");
    mg_expect_fail(n, 3, (const struct md_tensor *[]){ &x, &i, &f }, MD_INVALID_ARGUMENT,
                   "clip values must be DT_FLOAT");
    mg_expect_fail(n, 3, (const struct md_tensor *[]){ &b, &b, &b }, MD_UNIMPLEMENTED, "DT_BOOL");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &x, &f }, MD_INVALID_ARGUMENT,
                   "expected 3 inputs");
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&lo2);
    md_tensor_cleanup(&one);
    md_tensor_cleanup(&f);
    md_tensor_cleanup(&i);
    md_tensor_cleanup(&b);
}

static void test_cumsum_rejects(void **state)
{
    (void)state;
    float v[6] = { 0 };
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){ 2, 3 }, v);
    struct md_tensor sc = th_scalar_f32(1);
    struct md_tensor s = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 1 }, (const char *[]){ "x" });
    struct md_tensor ax2 = th_scalar_i32(2), axm3 = th_scalar_i64(-3), ax0 = th_scalar_i32(0);
    struct md_tensor axv = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 1 }, (int32_t[]){ 0 });
    struct md_tensor axf = th_scalar_f32(0);
    Tensorflow__NodeDef *n = th_node("Cumsum");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &x, &ax2 }, MD_INVALID_ARGUMENT,
                   "axis must be in the range [-2, 2), got 2");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &x, &axm3 }, MD_INVALID_ARGUMENT, "got -3");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &x, &axv }, MD_INVALID_ARGUMENT,
                   "axis must be a scalar");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &x, &axf }, MD_INVALID_ARGUMENT,
                   "axis must be a scalar int32 or int64, got DT_FLOAT");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &sc, &ax0 }, MD_INVALID_ARGUMENT,
                   "input must be at least 1-D");
    mg_expect_fail(n, 2, (const struct md_tensor *[]){ &s, &ax0 }, MD_UNIMPLEMENTED, "DT_STRING");
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&sc);
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&ax2);
    md_tensor_cleanup(&axm3);
    md_tensor_cleanup(&ax0);
    md_tensor_cleanup(&axv);
    md_tensor_cleanup(&axf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_add_n_rejects),
        cmocka_unit_test(test_add_n_single_input),
        cmocka_unit_test(test_clip_rejects),
        cmocka_unit_test(test_cumsum_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
