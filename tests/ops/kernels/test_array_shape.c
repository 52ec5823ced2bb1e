/* Reshape, Squeeze, ExpandDims, Shape, ShapeN, Size, Rank, Fill, ZerosLike,
 * OnesLike, Range:
 * golden cases from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_shape.h"

#define N_CASES (sizeof shape_cases / sizeof shape_cases[0])

static void test_reshape(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "Reshape"), 0);
}
static void test_squeeze(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "Squeeze"), 0);
}
static void test_expand_dims(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "ExpandDims"), 0);
}
static void test_shape(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "Shape") +
                         g_run_all(shape_cases, N_CASES, "ShapeN") +
                         g_run_all(shape_cases, N_CASES, "Size") +
                         g_run_all(shape_cases, N_CASES, "Rank"),
                     0);
}
static void test_fill(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "Fill"), 0);
}
static void test_zeros_ones(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "ZerosLike") +
                         g_run_all(shape_cases, N_CASES, "OnesLike"),
                     0);
}
static void test_range(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(shape_cases, N_CASES, "Range"), 0);
}

/* Reshape returns a view that shares the input's buffer. */
static void test_reshape_is_view(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *arena = md_arena_new(0, 0, &st);
    Tensorflow__NodeDef *n = th_node("Reshape");
    struct md_tensor x = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 4 }, (float[]){ 1, 2, 3, 4 });
    struct md_tensor shp = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, (int32_t[]){ 2, 2 });
    const struct md_tensor *in[2] = { &x, &shp };
    struct md_tensor out = MD_TENSOR_INIT;
    struct md_kernel_ctx k = { .node = n, .n_inputs = 2, .inputs = in, .n_outputs = 1,
                               .outputs = &out, .arena = arena };
    assert_true(md_op_lookup("Reshape")->compute(&k, &st));
    assert_ptr_equal(out.data, x.data);
    assert_ptr_equal(out.buf, x.buf);
    assert_int_equal(out.rank, 2);
    md_tensor_cleanup(&out);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&shp);
    th_node_free(n);
    md_arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reshape),     cmocka_unit_test(test_squeeze),
        cmocka_unit_test(test_expand_dims), cmocka_unit_test(test_shape),
        cmocka_unit_test(test_fill),        cmocka_unit_test(test_zeros_ones),
        cmocka_unit_test(test_range),       cmocka_unit_test(test_reshape_is_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
