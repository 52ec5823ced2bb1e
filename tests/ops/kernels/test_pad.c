/* Pad, PadV2, MirrorPad, BroadcastTo, BroadcastArgs: golden cases from tests/ops/gen/array.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_pad.h"

#define N_CASES (sizeof pad_cases / sizeof pad_cases[0])

static void test_pad(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(pad_cases, N_CASES, "Pad"), 0);
}

static void test_pad_v2(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(pad_cases, N_CASES, "PadV2"), 0);
}

static void test_mirror_pad(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(pad_cases, N_CASES, "MirrorPad"), 0);
}

static void test_broadcast_to(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(pad_cases, N_CASES, "BroadcastTo"), 0);
}

static void test_broadcast_args(void **s)
{
    (void)s;
    assert_int_equal(g_run_all(pad_cases, N_CASES, "BroadcastArgs"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_pad_v2),
        cmocka_unit_test(test_mirror_pad),
        cmocka_unit_test(test_broadcast_to),
        cmocka_unit_test(test_broadcast_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
