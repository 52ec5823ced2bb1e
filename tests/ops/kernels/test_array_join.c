/* Pack, Unpack, ConcatV2, Split, SplitV, Tile, Transpose, ReverseV2: golden cases
 * from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_join.h"

#define N_CASES (sizeof join_cases / sizeof join_cases[0])

static void test_pack(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "Pack"), 0);
}

static void test_unpack(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "Unpack"), 0);
}

static void test_concat_v2(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "ConcatV2"), 0);
}

static void test_split(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "Split"), 0);
}

static void test_split_v(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "SplitV"), 0);
}

static void test_tile(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "Tile"), 0);
}

static void test_transpose(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "Transpose"), 0);
}

static void test_reverse_v2(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(join_cases, N_CASES, "ReverseV2"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack),
        cmocka_unit_test(test_unpack),
        cmocka_unit_test(test_concat_v2),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_v),
        cmocka_unit_test(test_tile),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_reverse_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
