/* Slice and StridedSlice (hand-picked and 120 random specs checked
 * against numpy basic indexing):
 * golden cases from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_slice.h"

#define N_CASES (sizeof slice_cases / sizeof slice_cases[0])

static void test_slice(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(slice_cases, N_CASES, "Slice"), 0);
}
static void test_strided_slice(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(slice_cases, N_CASES, "StridedSlice"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_strided_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
