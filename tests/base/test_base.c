/* Tests for base/: status, dtype table, tensors, arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"

static void test_status_first_error_wins(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_status_ok(&st));
    assert_false(md_status_set(&st, MD_NOT_FOUND, "missing %s", "x"));
    md_status_set(&st, MD_INTERNAL, "second");
    assert_int_equal(st.code, MD_NOT_FOUND);
    md_status_prefix(&st, "model '%s'", "m");
    assert_string_equal(st.msg, "model 'm': missing x");
    assert_string_equal(md_code_name(MD_INVALID_ARGUMENT), "INVALID_ARGUMENT");
    assert_string_equal(md_code_name((enum md_code)99), "UNKNOWN");
}

static void test_status_prefix_truncates(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    char big[700];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    md_status_set(&st, MD_INTERNAL, "%s", big);
    md_status_prefix(&st, "%s", big);
    assert_true(strlen(st.msg) < MD_STATUS_MSG_MAX);
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    md_escape(out, sizeof out, "a\nb\"\xff", 5);
    assert_string_equal(out, "a\\x0ab\\x22\\xff");
}

static void test_dtype_table(void **state)
{
    (void)state;
    /* Every dtype modeld supports has a name, a size and round-trips by name. */
    const enum md_dtype supported[] = { MD_DT_FLOAT, MD_DT_DOUBLE, MD_DT_INT32, MD_DT_UINT8,
                                        MD_DT_INT16, MD_DT_INT8, MD_DT_STRING, MD_DT_INT64,
                                        MD_DT_BOOL, MD_DT_UINT16, MD_DT_HALF, MD_DT_UINT32,
                                        MD_DT_UINT64 };
    for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
        const struct md_dtype_info *d = md_dtype_info(supported[i]);
        assert_true(d->supported);
        assert_true(d->size > 0);
        assert_int_equal(md_dtype_from_name(d->name), supported[i]);
    }
    assert_int_equal(md_dtype_size(MD_DT_FLOAT), 4);
    assert_string_equal(md_dtype_name(101), "DT_FLOAT_REF");
    assert_int_equal(md_dtype_base(101), MD_DT_FLOAT);
    assert_string_equal(md_dtype_name(77), "DT_77");
    assert_false(md_dtype_info(77)->supported);
}

static void test_shape_overflow(void **state)
{
    (void)state;
    int64_t d1[2] = { 3, 4 };
    assert_int_equal(md_shape_num_elements(2, d1), 12);
    int64_t d2[2] = { INT64_MAX, 2 };
    assert_int_equal(md_shape_num_elements(2, d2), -1);
    int64_t d3[2] = { -1, 2 };
    assert_int_equal(md_shape_num_elements(2, d3), -1);
    assert_int_equal(md_shape_num_elements(0, NULL), 1);
    char s[32];
    assert_string_equal(md_shape_str(s, sizeof s, 2, d1), "[3,4]");
}

static void test_tensor_alloc_copy(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT, c = MD_TENSOR_INIT, v = MD_TENSOR_INIT;
    int64_t dims[1] = { 2 };
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, dims, 5, &st));
    struct md_str *s = t.data;
    char *bytes = (char *)t.data + md_tensor_nbytes(&t);
    memcpy(bytes, "abcde", 5);
    s[0] = (struct md_str){ bytes, 2 };
    s[1] = (struct md_str){ bytes + 2, 3 };
    assert_true(md_tensor_copy(&c, &t, &st));
    assert_true(md_tensor_equal(&t, &c));
    md_tensor_share(&v, &t);
    md_tensor_cleanup(&t);
    assert_true(md_tensor_equal(&v, &c)); /* the view keeps the buffer alive */
    md_tensor_cleanup(&v);
    md_tensor_cleanup(&c);
    int64_t bad[1] = { -3 };
    assert_false(md_tensor_alloc(&t, MD_DT_FLOAT, 1, bad, 0, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
}

static void test_arena_limit_and_reset(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(128, 1024, &st);
    assert_non_null(a);
    void *p = md_arena_alloc(a, 100, &st);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    assert_null(md_arena_alloc(a, 2000, &st));
    assert_int_equal(st.code, MD_RESOURCE_EXHAUSTED);
    md_status_reset(&st);
    for (int i = 0; i < 7; i++)
        assert_non_null(md_arena_alloc(a, 100, &st));
    assert_int_equal(md_arena_used(a), 8 * 128);
    md_arena_reset(a);
    assert_int_equal(md_arena_used(a), 0);
    assert_non_null(md_arena_alloc(a, 900, &st));
    md_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_first_error_wins),
        cmocka_unit_test(test_status_prefix_truncates),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_dtype_table),
        cmocka_unit_test(test_shape_overflow),
        cmocka_unit_test(test_tensor_alloc_copy),
        cmocka_unit_test(test_arena_limit_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
