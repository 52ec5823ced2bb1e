/* GatherV2, Gather, OneHot, TopKV2, Where, Unique: golden cases from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_gather.h"

#define N_CASES (sizeof gather_cases / sizeof gather_cases[0])

static void test_gather_v2(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "GatherV2"), 0);
}

static void test_gather(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "Gather"), 0);
}

static void test_one_hot(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "OneHot"), 0);
}

static void test_top_kv2(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "TopKV2"), 0);
}

static void test_where(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "Where"), 0);
}

static void test_unique(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(gather_cases, N_CASES, "Unique"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gather_v2),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_one_hot),
        cmocka_unit_test(test_top_kv2),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
