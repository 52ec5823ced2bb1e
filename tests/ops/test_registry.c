/* The op registry: names unique, every op computes, lookups work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/ops/harness.h"

static void test_unique_and_sorted(void **state)
{
    (void)state;
    size_t n;
    const struct md_op_def *const *all = md_op_all(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(all[i]->tf_name);
        assert_non_null(all[i]->compute);
        if (i)
            assert_true(strcmp(all[i - 1]->tf_name, all[i]->tf_name) < 0); /* no duplicates */
        assert_ptr_equal(md_op_lookup(all[i]->tf_name), all[i]);
    }
    assert_null(md_op_lookup("NoSuchOp"));
}

static void test_noop_runs(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__NodeDef *n = th_node("NoOp");
    struct md_tensor out[TH_MAX_OUT];
    int n_out = -1;
    assert_true(th_run(n, 0, NULL, &n_out, out, &st));
    assert_int_equal(n_out, 0);
    th_node_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_and_sorted),
        cmocka_unit_test(test_noop_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
