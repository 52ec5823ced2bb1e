/* ParseExample / ParseExampleV2: golden cases from tests/ops/gen/array.py
 * (serialized with protobuf, expected values from protobuf's own parsing),
 * plus attr checks and a large batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/ops/golden/array_parse_example.h"

static void test_golden(void **state)
{
    (void)state;
    assert_int_equal(g_run_all(parse_example_cases,
                               sizeof parse_example_cases / sizeof parse_example_cases[0], NULL),
                     0);
}

/* Attr problems are refused at init (the model would not load). */
static void test_bad_attrs(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    /* Ndense says 2 but Tdense lists 1 type */
    Tensorflow__NodeDef *n = th_node("ParseExample");
    th_attr_int(n, "Nsparse", 0);
    th_attr_int(n, "Ndense", 2);
    th_attr_list_type(n, "Tdense", 1, (enum md_dtype[]){ MD_DT_FLOAT });
    assert_false(th_run(n, 0, NULL, &n_out, out, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "attr 'Tdense' has 1 types, expected 2"));
    th_node_free(n);

    /* a dense shape with an unknown inner dimension */
    md_status_reset(&st);
    n = th_node("ParseExample");
    th_attr_int(n, "Nsparse", 0);
    th_attr_int(n, "Ndense", 1);
    th_attr_list_type(n, "Tdense", 1, (enum md_dtype[]){ MD_DT_FLOAT });
    g_attr_list_shape(n, "dense_shapes", 1, (int64_t[]){ 2, 3, -1 });
    assert_false(th_run(n, 0, NULL, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "all dimensions must be known except the first"));
    th_node_free(n);

    /* input count does not match the attrs */
    md_status_reset(&st);
    n = th_node("ParseExampleV2");
    th_attr_int(n, "num_sparse", 0);
    th_attr_list_type(n, "Tdense", 0, NULL);
    g_attr_list_shape(n, "dense_shapes", 0, NULL);
    struct md_tensor x = th_scalar_f32(1);
    assert_false(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "has 1 inputs, expected 5"));
    md_tensor_cleanup(&x);
    th_node_free(n);
}

/* A batch big enough to be split into blocks: example i holds x = i. */
static void test_large_batch(void **state)
{
    (void)state;
    enum { B = 3000 };
    static uint8_t bytes[B][17];
    struct g_bytes ser[B];
    for (int i = 0; i < B; i++) {
        float v = (float)i;
        /* Example{features{feature{key:"x" value{float_list{value:[v]}}}}} */
        const uint8_t head[] = { 0x0a, 0x0f, 0x0a, 0x0d, 0x0a, 0x01, 'x', 0x12,
                                 0x08, 0x12, 0x06, 0x0a, 0x04 };
        memcpy(bytes[i], head, sizeof head);
        memcpy(bytes[i] + sizeof head, &v, 4);
        ser[i] = (struct g_bytes){ (const char *)bytes[i], 17 };
    }
    struct g_tensor gs = { MD_DT_STRING, 1, { B }, ser };
    struct md_tensor in[4];
    in[0] = g_make(&gs);
    in[1] = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 0 }, NULL);
    in[2] = th_tensor(MD_DT_STRING, 0, NULL, (const char *[]){ "x" });
    in[3] = th_tensor(MD_DT_FLOAT, 1, (int64_t[]){ 0 }, NULL);
    Tensorflow__NodeDef *n = th_node("ParseExample");
    th_attr_int(n, "Nsparse", 0);
    th_attr_int(n, "Ndense", 1);
    th_attr_list_type(n, "Tdense", 1, (enum md_dtype[]){ MD_DT_FLOAT });
    g_attr_list_shape(n, "dense_shapes", 1, (int64_t[]){ 1, 1 });
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 4, (const struct md_tensor *[]){ &in[0], &in[1], &in[2], &in[3] },
                       &n_out, out, &st));
    assert_int_equal(out[0].dims[0], B);
    for (int i = 0; i < B; i++)
        assert_true(((float *)out[0].data)[i] == (float)i);
    th_free_outputs(out, n_out);
    for (int i = 0; i < 4; i++)
        md_tensor_cleanup(&in[i]);
    th_node_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_bad_attrs),
        cmocka_unit_test(test_large_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
