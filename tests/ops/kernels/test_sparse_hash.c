/* test_sparse_hash.c: FarmHash Fingerprint64 (behind StringToHashBucketFast),
 * Philox4x32-10 (behind RandomUniform) and the two kernels.
 *
 * Reference values (published, not computed by our code):
 *  - TensorFlow's string_to_hash_bucket_op_test: Fingerprint64 of "a".."d"
 *    and the buckets [9, 2, 2, 5] for num_buckets 10; fingerprint_test.cc:
 *    Fingerprint64("Hello") / ("World").
 *  - FarmHash's own test vectors for farmhashna::Hash64 (= Fingerprint64) as
 *    republished by the go-farm port (column oh64na), one string per length
 *    branch: 0, 1-3, 4-7, 8-16, 17-32, 33-64, 65-128, > 128 bytes.
 *  - Philox4x32-10 known-answer vectors from Random123 (kat_vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ops/kernels/sparse_common.h"
#include "tests/ops/harness.h"

static const struct {
    const char *s;
    uint64_t h;
} fp_golden[] = {
    { "", 0x9ae16a3b2f90404full },
    { "a", 12917804110809363939ull },
    { "b", 11795596070477164822ull },
    { "c", 11430444447143000872ull },
    { "d", 4470636696479570465ull },
    { "abc", 0x24a5b3a074e7f369ull },
    { "abcd", 0x1a5502de4a1f8101ull },
    { "Hello", 15404698994557526151ull },
    { "World", 18308117990299812472ull },
    { "abcdefghi", 0x332c8ed4dae5ba42ull },
    { "0123456789=012345", 0x46a7416ed4861e3bull },
    { "C is as portable as Stonehedge!!", 0xb944f8a16261e414ull },
    { "Discard medicine more than two years old.", 0xe8f89ab6df9bdd25ull },
    { "For every action there is an equal and opposite government program.",
      0x55182f8859eca4ceull },
    { "The fugacity of a constituent in a mixture of gases at a given temperature is "
      "proportional to its mole fraction.  Lewis-Randall Rule",
      0x098eff6958c5e91aull },
    { "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
      "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
      "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
      "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
      "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt "
      "mollit anim id est laborum.",
      0xc3f02c4ffd5d71e6ull },
};

static void test_fingerprint64(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fp_golden / sizeof fp_golden[0]; i++) {
        uint64_t h = md_fingerprint64(fp_golden[i].s, strlen(fp_golden[i].s));
        if (h != fp_golden[i].h)
            fail_msg("Fingerprint64(\"%.20s\"... len %zu) = %#llx, want %#llx", fp_golden[i].s,
                     strlen(fp_golden[i].s), (unsigned long long)h,
                     (unsigned long long)fp_golden[i].h);
    }
}

static void test_hash_bucket_kernel(void **state)
{
    (void)state;
    const char *s[] = { "a", "b", "c", "d" };
    struct md_tensor x = th_tensor(MD_DT_STRING, 1, (int64_t[]){ 4 }, s);
    Tensorflow__NodeDef *n = th_node("StringToHashBucketFast");
    th_attr_int(n, "num_buckets", 10);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out;
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    assert_int_equal(out[0].dtype, MD_DT_INT64);
    const int64_t want[] = { 9, 2, 2, 5 };
    assert_memory_equal(out[0].data, want, sizeof want);
    th_free_outputs(out, n_out);
    th_node_free(n);
    /* empty input */
    struct md_tensor e = th_tensor(MD_DT_STRING, 2, (int64_t[]){ 0, 3 }, NULL);
    n = th_node("StringToHashBucketFast");
    th_attr_int(n, "num_buckets", 3);
    assert_true(th_run(n, 1, (const struct md_tensor *[]){ &e }, &n_out, out, &st));
    assert_int_equal(out[0].rank, 2);
    assert_int_equal(out[0].dims[1], 3);
    th_free_outputs(out, n_out);
    /* wrong dtype */
    struct md_tensor f = th_scalar_f32(1);
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(th_run(n, 1, (const struct md_tensor *[]){ &f }, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "input must be string"));
    th_node_free(n);
    /* num_buckets 0 refused at init */
    n = th_node("StringToHashBucketFast");
    th_attr_int(n, "num_buckets", 0);
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(th_run(n, 1, (const struct md_tensor *[]){ &x }, &n_out, out, &st));
    assert_non_null(strstr(st.msg, "num_buckets"));
    th_node_free(n);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&e);
    md_tensor_cleanup(&f);
}

static void test_philox_kat(void **state)
{
    (void)state;
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        { { 0, 0, 0, 0 }, { 0, 0 }, { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 } },
        { { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },
          { 0xffffffff, 0xffffffff },
          { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd } },
        { { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 },
          { 0xa4093822, 0x299f31d0 },
          { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 } },
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        struct md_philox g;
        memcpy(g.ctr, kat[i].ctr, sizeof g.ctr);
        memcpy(g.key, kat[i].key, sizeof g.key);
        uint32_t out[4];
        md_philox_block(&g, 0, out);
        for (int j = 0; j < 4; j++)
            if (out[j] != kat[i].out[j])
                fail_msg("kat %zu word %d: %#x, want %#x", i, j, out[j], kat[i].out[j]);
    }
    /* Skip(n) carries into the high counter words as TensorFlow's. */
    struct md_philox g = { { 0, 0 }, { 0xffffffff, 0, 0, 0 } };
    struct md_philox h = { { 0, 0 }, { 0, 1, 0, 0 } };
    uint32_t a[4], b[4];
    md_philox_block(&g, 1, a);
    md_philox_block(&h, 0, b);
    assert_memory_equal(a, b, sizeof a);
    assert_true(md_philox_float(0) == 0.0f);
    assert_true(md_philox_float(0xffffffffu) < 1.0f);
}

static void test_random_uniform(void **state)
{
    (void)state;
    struct md_tensor shape = th_tensor(MD_DT_INT32, 1, (int64_t[]){ 2 }, (int32_t[]){ 3, 5 });
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor a[TH_MAX_OUT], b[TH_MAX_OUT];
    int n_out;
    for (int dt = 0; dt < 2; dt++) {
        Tensorflow__NodeDef *n = th_node("RandomUniform");
        th_attr_int(n, "seed", 87654321);
        th_attr_int(n, "seed2", 42);
        th_attr_type(n, "dtype", dt ? MD_DT_DOUBLE : MD_DT_FLOAT);
        /* Two separate loads give the same first values (each th_run inits). */
        assert_true(th_run(n, 1, (const struct md_tensor *[]){ &shape }, &n_out, a, &st));
        assert_true(th_run(n, 1, (const struct md_tensor *[]){ &shape }, &n_out, b, &st));
        assert_true(md_tensor_equal(&a[0], &b[0]));
        assert_int_equal(a[0].dims[1], 5);
        struct md_philox g = md_philox_init(87654321, 42);
        uint32_t r[4];
        md_philox_block(&g, 1, r); /* element 4 (float) / elements 2,3 (double) */
        for (int i = 0; i < 15; i++) {
            double v = dt ? ((double *)a[0].data)[i] : (double)((float *)a[0].data)[i];
            assert_true(v >= 0 && v < 1);
        }
        if (dt)
            assert_true(((double *)a[0].data)[2] == md_philox_double(r[0], r[1]));
        else
            assert_true(((float *)a[0].data)[4] == md_philox_float(r[0]));
        th_free_outputs(a, n_out);
        th_free_outputs(b, n_out);
        th_node_free(n);
    }
    Tensorflow__NodeDef *n = th_node("RandomUniform");
    th_attr_type(n, "dtype", MD_DT_INT32);
    assert_false(th_run(n, 1, (const struct md_tensor *[]){ &shape }, &n_out, a, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    th_node_free(n);
    md_tensor_cleanup(&shape);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint64),
        cmocka_unit_test(test_hash_bucket_kernel),
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_random_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
