/* AsString, Assert, StringJoin: golden cases from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_string.h"

#define N_CASES (sizeof string_cases / sizeof string_cases[0])

static void test_as_string(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(string_cases, N_CASES, "AsString"), 0);
}

static void test_assert(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(string_cases, N_CASES, "Assert"), 0);
}

static void test_string_join(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(string_cases, N_CASES, "StringJoin"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_string),
        cmocka_unit_test(test_assert),
        cmocka_unit_test(test_string_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
