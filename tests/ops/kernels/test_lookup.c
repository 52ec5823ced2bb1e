/* test_lookup.c: end to end on a feature-column SavedModel written by
 * featcol_model.c the way a TF1 estimator export lays it out (no public
 * model at hand): ParseExample sparse output -> HashTableV2 +
 * LookupTableFindV2 initialised from an asset vocabulary by
 * InitializeTableFromTextFileV2 -> SparseReshape / SparseFillEmptyRows /
 * Unique / ResourceGather / SparseSegmentMean, StringToHashBucketFast ->
 * SparseToDense, LookupTableSizeV2. Expected values are worked out by hand
 * from the vocabulary and embedding rows; hash buckets use Fingerprint64,
 * checked against published values in test_sparse_hash.c. Also: vocabulary
 * paths outside the model directory are refused at load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/kernels/sparse_common.h"
#include "ops/ops.h"
#include "tests/ops/kernels/featcol_model.h"

static char *tmpdir(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/md_test_lookup_XXXXXX");
    assert_non_null(mkdtemp(buf));
    return buf;
}

static void rmdir_all(const char *d)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static struct md_tensor examples(uint8_t bufs[][512], size_t *lens, int n)
{
    struct md_tensor t = MD_TENSOR_INIT;
    struct md_status st = MD_STATUS_INIT;
    size_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += lens[i];
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, (int64_t[]){ n }, bytes, &st));
    char *p = (char *)t.data + (size_t)n * sizeof(struct md_str);
    for (int i = 0; i < n; i++) {
        memcpy(p, bufs[i], lens[i]);
        ((struct md_str *)t.data)[i] = (struct md_str){ p, lens[i] };
        p += lens[i];
    }
    return t;
}

static void test_featcol_predict(void **state)
{
    (void)state;
    char base[64], dir[128];
    tmpdir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/m", base);
    struct md_status st = MD_STATUS_INIT;
    if (!md_featcol_write(dir, &st))
        fail_msg("write: %s", st.msg);
    struct md_model *m = md_model_load(dir, NULL, &st);
    if (!m)
        fail_msg("load: %s", st.msg);
    const char *c0[] = { "red", "blue" }, *t0[] = { "paris" };
    const char *c2[] = { "green", "purple" }, *t2[] = { "rome", "oslo" };
    uint8_t bufs[3][512];
    size_t lens[3] = { md_featcol_example(c0, 2, t0, 1, bufs[0], 512),
                       md_featcol_example(NULL, 0, NULL, 0, bufs[1], 512),
                       md_featcol_example(c2, 2, t2, 2, bufs[2], 512) };
    struct md_tensor ex = examples(bufs, lens, 3);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_feed feed = { "examples", &ex };
    const char *want[3] = { "embedding", "city_ids", "vocab_size" };
    struct md_tensor out[3] = { MD_TENSOR_INIT, MD_TENSOR_INIT, MD_TENSOR_INIT };
    for (int rep = 0; rep < 2; rep++) { /* twice: the table and plan are reused */
        if (!md_model_run(m, "serving_default", &feed, 1, want, 3, out, a, &st))
            fail_msg("run: %s", st.msg);
        assert_int_equal(out[0].dtype, MD_DT_FLOAT);
        assert_int_equal(out[0].rank, 2);
        assert_int_equal(out[0].dims[0], 3);
        assert_int_equal(out[0].dims[1], 2);
        const float emb[6] = { 3, 4, 0, 0, 10, 20 }; /* mean(red, blue), none, green (purple OOV) */
        for (int i = 0; i < 6; i++)
            assert_true(((float *)out[0].data)[i] == emb[i]);
        assert_int_equal(out[1].dims[0], 3);
        assert_int_equal(out[1].dims[1], 2);
        const int64_t *ids = out[1].data;
        int64_t h_paris = (int64_t)(md_fingerprint64("paris", 5) % 10);
        int64_t h_rome = (int64_t)(md_fingerprint64("rome", 4) % 10);
        int64_t h_oslo = (int64_t)(md_fingerprint64("oslo", 4) % 10);
        const int64_t want_ids[6] = { h_paris, -1, -1, -1, h_rome, h_oslo };
        assert_memory_equal(ids, want_ids, sizeof want_ids);
        assert_int_equal(*(int64_t *)out[2].data, 3);
        for (int i = 0; i < 3; i++)
            md_tensor_cleanup(&out[i]);
        md_arena_reset(a);
    }
    /* A batch of one with only OOV words: the embedding is zeros. */
    const char *c3[] = { "mauve" };
    lens[0] = md_featcol_example(c3, 1, NULL, 0, bufs[0], 512);
    struct md_tensor ex1 = examples(bufs, lens, 1);
    feed.tensor = &ex1;
    assert_true(md_model_run(m, "serving_default", &feed, 1, want, 1, out, a, &st));
    assert_true(((float *)out[0].data)[0] == 0 && ((float *)out[0].data)[1] == 0);
    md_tensor_cleanup(&out[0]);
    md_arena_free(a);
    md_tensor_cleanup(&ex);
    md_tensor_cleanup(&ex1);
    md_model_unref(m);
    rmdir_all(base);
}

static void expect_load_error(const char *vocab_const, const char *needle)
{
    char base[64], dir[128];
    tmpdir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/m", base);
    struct md_status st = MD_STATUS_INIT;
    if (!md_featcol_write_vocab_const(dir, vocab_const, &st))
        fail_msg("write: %s", st.msg);
    struct md_model *m = md_model_load(dir, NULL, &st);
    if (m)
        fail_msg("%s: loaded", vocab_const);
    if (!strstr(st.msg, needle) || !strstr(st.msg, "table_init"))
        fail_msg("%s: got '%s', want '%s'", vocab_const, st.msg, needle);
    rmdir_all(base);
}

static void test_vocab_confined(void **state)
{
    (void)state;
    expect_load_error("/etc/hostname", "outside the model directory");
    expect_load_error("../../etc/hostname", "'..' is not allowed");
    expect_load_error("assets/../../x", "'..' is not allowed");
    expect_load_error("missing.txt", "not found");
    /* A relative name is resolved in <dir>/assets: this one loads. */
    char base[64], dir[128];
    tmpdir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/m", base);
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_featcol_write_vocab_const(dir, "vocab.txt", &st));
    struct md_model *m = md_model_load(dir, NULL, &st);
    if (!m)
        fail_msg("load: %s", st.msg);
    md_model_unref(m);
    /* A short vocabulary file is refused (vocab_size 3). */
    char path[256];
    snprintf(path, sizeof path, "%s/assets/vocab.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("red\ngreen\n", f);
    fclose(f);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_model_load(dir, NULL, &st));
    assert_non_null(strstr(st.msg, "Invalid vocab_size in vocab.txt: expected 3 but got 2"));
    /* An empty line is refused. */
    f = fopen(path, "w");
    fputs("red\n\nblue\n", f);
    fclose(f);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_model_load(dir, NULL, &st));
    assert_non_null(strstr(st.msg, "empty line"));
    /* A repeated word gets two line numbers: refused as TensorFlow does. */
    f = fopen(path, "w");
    fputs("red\nred\nblue\n", f);
    fclose(f);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_model_load(dir, NULL, &st));
    assert_non_null(strstr(st.msg, "different value for same key. Key red"));
    /* Windows line ends are accepted. */
    f = fopen(path, "w");
    fputs("red\r\ngreen\r\nblue\r\n", f);
    fclose(f);
    st = (struct md_status)MD_STATUS_INIT;
    m = md_model_load(dir, NULL, &st);
    if (!m)
        fail_msg("load crlf: %s", st.msg);
    md_model_unref(m);
    rmdir_all(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_featcol_predict),
        cmocka_unit_test(test_vocab_confined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
