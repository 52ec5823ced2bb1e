/* Tests for loader/sstable.c and loader/bundle.c: the real TensorFlow
 * fixtures (values, shapes, 2 shards, snappy index blocks, a DT_STRING
 * entry), byte-for-byte agreement with what TensorFlow wrote, writer round
 * trips for every dtype, and one hand-made corrupt input per error. The
 * fixture group needs ../shared/fixtures next to the source tree; without it
 * the other tests still run and the program exits 77 (skip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"
#include "tensor_bundle.pb-c.h"
#include "trackable_object_graph.pb-c.h"

/* ---------------------------------------------------------------- helpers */

static char fixtures[4096];

static const char *fixture(const char *rel, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", fixtures, rel);
    return buf;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh temporary directory per test, removed afterwards. */
static int tmp_setup(void **state)
{
    const char *t = getenv("TMPDIR");
    char *dir = malloc(4096);
    if (!dir)
        return -1;
    snprintf(dir, 4096, "%s/md_test_bundle_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int tmp_teardown(void **state)
{
    char *dir = *state;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_all(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

#define EXPECT_ERR(st, want_code, substr)                                                      \
    do {                                                                                       \
        if ((st).code != (want_code) || !strstr((st).msg, (substr)))                           \
            fail_msg("expected %s containing \"%s\", got %s: %s", md_code_name(want_code),     \
                     (substr), md_code_name((st).code), (st).msg);                              \
    } while (0)

static float read_scalar_f32(struct md_bundle *b, const char *key)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    if (!md_bundle_read(b, key, &t, &st))
        fail_msg("%s: %s", key, st.msg);
    assert_int_equal(t.dtype, MD_DT_FLOAT);
    assert_int_equal(t.rank, 0);
    float v = *(const float *)t.data;
    md_tensor_cleanup(&t);
    return v;
}

/* Opens and reads every tensor; returns the bundle (caller frees). */
static struct md_bundle *open_and_read_all(const char *prefix)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle *b = md_bundle_open(prefix, &st);
    if (!b)
        fail_msg("%s: %s", prefix, st.msg);
    for (size_t i = 0; i < md_bundle_count(b); i++) {
        const struct md_bundle_entry *e = md_bundle_entry_at(b, i);
        struct md_tensor t = MD_TENSOR_INIT;
        if (!md_bundle_read(b, e->key, &t, &st))
            fail_msg("%s: %s", e->key, st.msg);
        assert_int_equal(t.dtype, e->dtype);
        assert_int_equal(t.rank, e->rank);
        md_tensor_cleanup(&t);
    }
    return b;
}

/* ------------------------------------------------------ fixture tests */

static void test_fixture_half_plus_two(void **state)
{
    (void)state;
    char p[4200];
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle *b = md_bundle_open(
        fixture("saved_model_half_plus_two_cpu/00000123/variables/variables", p, sizeof p), &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), 5);
    const char *keys[] = { "a", "a2", "b", "c", "c2" };
    const float vals[] = { 0.5f, 0.5f, 2.0f, 3.0f, 3.0f };
    for (int i = 0; i < 5; i++) {
        assert_string_equal(md_bundle_entry_at(b, (size_t)i)->key, keys[i]);
        assert_true(read_scalar_f32(b, keys[i]) == vals[i]);
    }
    assert_null(md_bundle_entry_at(b, 5));
    assert_int_equal(md_bundle_mapped_bytes(b), 20);

    /* A view keeps the mapping alive after the bundle is gone. */
    struct md_tensor c = MD_TENSOR_INIT;
    assert_true(md_bundle_read(b, "c", &c, &st));
    assert_non_null(c.buf);
    assert_ptr_equal((const char *)c.data, (const char *)c.buf->data + 12);
    md_bundle_free(b);
    assert_true(*(const float *)c.data == 3.0f);
    md_tensor_cleanup(&c);
}

static void test_fixture_tf2(void **state)
{
    (void)state;
    char p[4200];
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle *b = md_bundle_open(
        fixture("saved_model_half_plus_two_tf2_cpu/00000123/variables/variables", p, sizeof p),
        &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), 4);
    assert_true(read_scalar_f32(b, "a/.ATTRIBUTES/VARIABLE_VALUE") == 0.5f);
    assert_true(read_scalar_f32(b, "b/.ATTRIBUTES/VARIABLE_VALUE") == 2.0f);
    assert_true(read_scalar_f32(b, "c/.ATTRIBUTES/VARIABLE_VALUE") == 3.0f);

    const struct md_bundle_entry *e = md_bundle_find(b, "_CHECKPOINTABLE_OBJECT_GRAPH");
    assert_non_null(e);
    assert_int_equal(e->dtype, MD_DT_STRING);
    assert_int_equal(e->rank, 0);
    struct md_tensor t = MD_TENSOR_INIT;
    if (!md_bundle_read(b, "_CHECKPOINTABLE_OBJECT_GRAPH", &t, &st))
        fail_msg("%s", st.msg);
    md_bundle_free(b);
    const struct md_str *s = t.data;
    assert_true(s->len > 100);
    /* The string is a serialized TrackableObjectGraph naming the variables. */
    Tensorflow__TrackableObjectGraph *g =
        tensorflow__trackable_object_graph__unpack(NULL, s->len, (const uint8_t *)s->data);
    assert_non_null(g);
    assert_true(g->n_nodes >= 4);
    bool found_a = false;
    for (size_t i = 0; i < g->n_nodes; i++)
        for (size_t j = 0; j < g->nodes[i]->n_attributes; j++)
            if (!strcmp(g->nodes[i]->attributes[j]->checkpoint_key,
                        "a/.ATTRIBUTES/VARIABLE_VALUE"))
                found_a = true;
    assert_true(found_a);
    tensorflow__trackable_object_graph__free_unpacked(g, NULL);
    md_tensor_cleanup(&t);
}

static void test_fixture_keras_two_shards(void **state)
{
    (void)state;
    char p[4200];
    struct md_bundle *b =
        open_and_read_all(fixture("keras_mnist_cnn/1/variables/variables", p, sizeof p));
    assert_int_equal(md_bundle_count(b), 34);
    assert_int_equal(md_bundle_mapped_bytes(b), 7179 + 1688224);
    const struct md_bundle_entry *e =
        md_bundle_find(b, "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
    assert_non_null(e);
    assert_int_equal(e->rank, 4);
    assert_int_equal(e->dims[0], 3);
    assert_int_equal(e->dims[1], 3);
    assert_int_equal(e->dims[2], 1);
    assert_int_equal(e->dims[3], 64);
    assert_int_equal(e->shard_id, 1);
    e = md_bundle_find(b, "layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE");
    assert_non_null(e);
    assert_int_equal(e->rank, 2);
    assert_int_equal(e->dims[0], 1600);
    assert_int_equal(e->dims[1], 64);
    e = md_bundle_find(b, "_CHECKPOINTABLE_OBJECT_GRAPH");
    assert_non_null(e);
    assert_int_equal(e->shard_id, 0);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_bundle_read(b, "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", &t, &st));
    assert_int_equal(t.dtype, MD_DT_INT64);
    assert_int_equal(*(const int64_t *)t.data, 1875);
    md_tensor_cleanup(&t);
    assert_null(md_bundle_find(b, "layer_with_weights-0/kernel"));
    md_bundle_free(b);
}

static void test_fixture_counter_and_iris(void **state)
{
    (void)state;
    char p[4200];
    struct md_bundle *b = open_and_read_all(
        fixture("saved_model_counter/00000123/variables/variables", p, sizeof p));
    assert_int_equal(md_bundle_count(b), 1);
    assert_true(read_scalar_f32(b, "counter") == 0.0f);
    md_bundle_free(b);

    b = open_and_read_all(
        fixture("estimator_iris_dnn/1506648517/variables/variables", p, sizeof p));
    assert_int_equal(md_bundle_count(b), 11);
    const struct md_bundle_entry *e = md_bundle_find(b, "dnn/logits/kernel");
    assert_non_null(e);
    assert_int_equal(e->rank, 2);
    assert_int_equal(e->dims[0], 12);
    assert_int_equal(e->dims[1], 3);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_bundle_read(b, "global_step", &t, &st));
    assert_int_equal(t.dtype, MD_DT_INT64);
    assert_int_equal(*(const int64_t *)t.data, 113);
    md_tensor_cleanup(&t);
    md_bundle_free(b);
}

static const char *const all_fixtures[] = {
    "estimator_iris_dnn/1506648517/variables/variables",
    "keras_mnist_cnn/1/variables/variables",
    "saved_model_counter/00000123/variables/variables",
    "saved_model_half_plus_three/00000123/variables/variables",
    "saved_model_half_plus_two_2_versions/00000123/variables/variables",
    "saved_model_half_plus_two_2_versions/00000124/variables/variables",
    "saved_model_half_plus_two_cpu/00000123/variables/variables",
    "saved_model_half_plus_two_tf2_cpu/00000123/variables/variables",
};

static void test_fixture_all_read(void **state)
{
    (void)state;
    char p[4200];
    for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++)
        md_bundle_free(open_and_read_all(fixture(all_fixtures[i], p, sizeof p)));
}

static bool rebuild_visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                          struct md_status *st)
{
    return md_sst_builder_add(ctx, k, kl, v, vl, st);
}

/* Our table builder, fed the entries of each real index, must produce the
 * very bytes TensorFlow wrote (uncompressed, or snappy for the two indexes
 * that TF 1.14 / 2.14 compressed). */
static void test_fixture_sstable_bytes_match_tf(void **state)
{
    (void)state;
    char p[4200];
    for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++) {
        char ip[4300];
        snprintf(ip, sizeof ip, "%s.index", fixture(all_fixtures[i], p, sizeof p));
        size_t n;
        uint8_t *orig = read_all(ip, &n);
        assert_non_null(orig);
        bool matched = false;
        for (int comp = 0; comp < 2 && !matched; comp++) {
            struct md_sst_options o = MD_SST_OPTIONS_DEFAULT;
            o.compression = comp ? MD_SST_SNAPPY : MD_SST_NO_COMPRESSION;
            struct md_sst_builder *sb = md_sst_builder_new(&o);
            struct md_status st = MD_STATUS_INIT;
            struct md_bytes out = MD_BYTES_INIT;
            assert_true(md_sst_foreach(orig, n, "x", rebuild_visit, sb, &st));
            assert_true(md_sst_builder_finish(sb, &out, &st));
            matched = out.len == n && !memcmp(out.data, orig, n);
            md_sst_builder_free(sb);
            md_bytes_cleanup(&out);
        }
        if (!matched)
            fail_msg("%s: rebuilt index differs from TensorFlow's", all_fixtures[i]);
        free(orig);
    }
}

/* The whole writer against TensorFlow: re-saving a single-shard fixture (data
 * alignment 1, tensors in their original file order) gives identical
 * variables.index and data files. */
static void test_fixture_writer_bytes_match_tf(void **state)
{
    const char *dir = *state;
    const char *cases[] = {
        "saved_model_counter/00000123/variables/variables",
        "saved_model_half_plus_three/00000123/variables/variables",
        "estimator_iris_dnn/1506648517/variables/variables",
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char p[4200], out[4200];
        struct md_status st = MD_STATUS_INIT;
        struct md_bundle *b = md_bundle_open(fixture(cases[c], p, sizeof p), &st);
        if (!b)
            fail_msg("%s", st.msg);
        snprintf(out, sizeof out, "%s/re%zu/variables", dir, c);
        struct md_bundle_writer *w = md_bundle_writer_new(out, &st);
        assert_non_null(w);
        md_bundle_writer_set_alignment(w, 1);
        /* Add in data-file order (entries are in key order). */
        size_t n = md_bundle_count(b), done = 0;
        int64_t next = 0;
        while (done < n) {
            bool progressed = false;
            for (size_t i = 0; i < n; i++) {
                const struct md_bundle_entry *e = md_bundle_entry_at(b, i);
                if (e->offset != next)
                    continue;
                struct md_tensor t = MD_TENSOR_INIT;
                assert_true(md_bundle_read(b, e->key, &t, &st));
                if (!md_bundle_writer_add(w, e->key, &t, &st))
                    fail_msg("%s", st.msg);
                md_tensor_cleanup(&t);
                next += e->size;
                done++;
                progressed = true;
            }
            assert_true(progressed);
        }
        if (!md_bundle_writer_finish(w, &st))
            fail_msg("%s", st.msg);
        md_bundle_writer_free(w);
        md_bundle_free(b);
        const char *suffix[] = { ".index", ".data-00000-of-00001" };
        for (int s = 0; s < 2; s++) {
            char a[4300], bb[4300];
            snprintf(a, sizeof a, "%s%s", p, suffix[s]);
            snprintf(bb, sizeof bb, "%s%s", out, suffix[s]);
            size_t na, nb;
            uint8_t *da = read_all(a, &na), *db = read_all(bb, &nb);
            assert_non_null(da);
            assert_non_null(db);
            if (na != nb || memcmp(da, db, na))
                fail_msg("%s%s: written file differs from TensorFlow's (%zu vs %zu bytes)",
                         cases[c], suffix[s], nb, na);
            free(da);
            free(db);
        }
    }
}

/* ------------------------------------------------------ round trips */

struct sample {
    const char *key;
    struct md_tensor t;
};

static void fill_bytes(void *p, size_t n, uint32_t seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (uint8_t)(seed >> 16);
    }
}

static void make_numeric(struct md_tensor *t, enum md_dtype dt, int rank, const int64_t *dims,
                         uint32_t seed)
{
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_tensor_alloc(t, dt, rank, dims, 0, &st));
    fill_bytes(t->data, md_tensor_nbytes(t), seed);
    if (dt == MD_DT_BOOL) {
        uint8_t *v = t->data;
        for (size_t i = 0; i < md_tensor_nbytes(t); i++)
            v[i] &= 1;
    }
}

static void make_strings(struct md_tensor *t, int rank, const int64_t *dims,
                         const char *const *vals, const size_t *lens)
{
    struct md_status st = MD_STATUS_INIT;
    int64_t n = md_shape_num_elements(rank, dims);
    size_t extra = 0;
    for (int64_t i = 0; i < n; i++)
        extra += lens[i];
    assert_true(md_tensor_alloc(t, MD_DT_STRING, rank, dims, extra, &st));
    struct md_str *s = t->data;
    char *p = (char *)t->data + md_tensor_nbytes(t);
    for (int64_t i = 0; i < n; i++) {
        memcpy(p, vals[i], lens[i]);
        s[i].data = p;
        s[i].len = lens[i];
        p += lens[i];
    }
}

/* Writes samples with the writer, reads each back; returns views seen. */
static size_t roundtrip(const char *dir, struct sample *s, size_t n, size_t alignment)
{
    char prefix[4200];
    struct md_status st = MD_STATUS_INIT;
    snprintf(prefix, sizeof prefix, "%s/rt%zu/variables", dir, alignment);
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, &st);
    if (!w)
        fail_msg("%s", st.msg);
    md_bundle_writer_set_alignment(w, alignment);
    for (size_t i = 0; i < n; i++)
        if (!md_bundle_writer_add(w, s[i].key, &s[i].t, &st))
            fail_msg("%s: %s", s[i].key, st.msg);
    if (!md_bundle_writer_finish(w, &st))
        fail_msg("%s", st.msg);
    md_bundle_writer_free(w);

    struct md_bundle *b = md_bundle_open(prefix, &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), n);
    size_t views = 0;
    for (size_t i = 0; i < n; i++) {
        struct md_tensor t = MD_TENSOR_INIT;
        if (!md_bundle_read(b, s[i].key, &t, &st))
            fail_msg("%s: %s", s[i].key, st.msg);
        if (!md_tensor_equal(&t, &s[i].t))
            fail_msg("%s: read back differs", s[i].key);
        const struct md_bundle_entry *e = md_bundle_find(b, s[i].key);
        assert_int_equal(e->dtype, s[i].t.dtype);
        if (t.buf && t.buf->size == md_bundle_mapped_bytes(b) && t.dtype != MD_DT_STRING)
            views++;
        md_tensor_cleanup(&t);
    }
    /* Keys come back sorted. */
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(md_bundle_entry_at(b, i - 1)->key, md_bundle_entry_at(b, i)->key) < 0);
    md_bundle_free(b);
    return views;
}

static size_t make_all_dtypes(struct sample *s)
{
    static const enum md_dtype numeric[] = {
        MD_DT_FLOAT, MD_DT_DOUBLE, MD_DT_INT8,   MD_DT_INT16,  MD_DT_INT32, MD_DT_INT64,
        MD_DT_UINT8, MD_DT_UINT16, MD_DT_UINT32, MD_DT_UINT64, MD_DT_BOOL,  MD_DT_HALF,
    };
    static char keys[64][48];
    size_t n = 0;
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
        const int64_t d2[2] = { 3, 5 }, d1[1] = { 7 }, d0[1] = { 0 };
        const int64_t d8[8] = { 1, 2, 1, 2, 1, 2, 1, 3 };
        snprintf(keys[n], sizeof keys[n], "%s/matrix", md_dtype_name(numeric[i]));
        s[n].key = keys[n];
        make_numeric(&s[n++].t, numeric[i], 2, d2, (uint32_t)i);
        snprintf(keys[n], sizeof keys[n], "%s/scalar", md_dtype_name(numeric[i]));
        s[n].key = keys[n];
        make_numeric(&s[n++].t, numeric[i], 0, NULL, (uint32_t)i + 100);
        snprintf(keys[n], sizeof keys[n], "%s/vector", md_dtype_name(numeric[i]));
        s[n].key = keys[n];
        make_numeric(&s[n++].t, numeric[i], 1, i % 3 ? d1 : d0, (uint32_t)i + 200);
        if (i == 0) {
            snprintf(keys[n], sizeof keys[n], "%s/rank8", md_dtype_name(numeric[i]));
            s[n].key = keys[n];
            make_numeric(&s[n++].t, numeric[i], 8, d8, 7);
        }
    }
    static char big[300];
    memset(big, 'x', sizeof big);
    const char *vals[] = { "", "hello", "with\0nul", big, "\xff\xfe" };
    const size_t lens[] = { 0, 5, 8, sizeof big, 2 };
    const int64_t d5[1] = { 5 }, d0[1] = { 0 };
    s[n].key = "strings/vector";
    make_strings(&s[n++].t, 1, d5, vals, lens);
    s[n].key = "strings/scalar";
    make_strings(&s[n++].t, 0, NULL, vals + 1, lens + 1);
    s[n].key = "strings/empty";
    make_strings(&s[n++].t, 1, d0, vals, lens);
    return n;
}

static void test_roundtrip_every_dtype(void **state)
{
    const char *dir = *state;
    struct sample s[64];
    size_t n = make_all_dtypes(s);
    /* 64-byte alignment: every non-empty numeric tensor is a zero-copy view. */
    size_t nonempty = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].t.dtype != MD_DT_STRING && md_tensor_num_elements(&s[i].t) > 0)
            nonempty++;
    assert_int_equal(roundtrip(dir, s, n, 64), nonempty);
    /* Packed (alignment 1): misaligned ones are copied, values still equal. */
    size_t views = roundtrip(dir, s, n, 1);
    assert_true(views < nonempty);
    for (size_t i = 0; i < n; i++)
        md_tensor_cleanup(&s[i].t);
}

static void many_key(char *key, size_t cap, int i)
{
    static const char *const leaf[] = { "bias", "kernel", "kernel/Adam" };
    snprintf(key, cap, "model/layer_%04d/%s", i / 3, leaf[i % 3]);
}

static void test_many_keys_many_blocks(void **state)
{
    const char *dir = *state;
    char prefix[4200];
    struct md_status st = MD_STATUS_INIT;
    snprintf(prefix, sizeof prefix, "%s/many/variables", dir);
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, &st);
    assert_non_null(w);
    md_bundle_writer_set_block_size(w, 300); /* many data blocks, many restarts */
    enum { N = 1500 };
    /* Added in reverse order: the writer sorts. */
    for (int i = N - 1; i >= 0; i--) {
        char key[64];
        many_key(key, sizeof key, i);
        int64_t dims[1] = { 1 + i % 5 };
        struct md_tensor t = MD_TENSOR_INIT;
        make_numeric(&t, MD_DT_INT32, 1, dims, (uint32_t)i);
        if (!md_bundle_writer_add(w, key, &t, &st))
            fail_msg("%s", st.msg);
        md_tensor_cleanup(&t);
    }
    assert_true(md_bundle_writer_finish(w, &st));
    md_bundle_writer_free(w);
    struct md_bundle *b = md_bundle_open(prefix, &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), N);
    for (int i = 0; i < N; i++) {
        char key[64];
        many_key(key, sizeof key, i);
        const struct md_bundle_entry *e = md_bundle_find(b, key);
        if (!e)
            fail_msg("missing %s", key);
        assert_int_equal(e->dims[0], 1 + i % 5);
        struct md_tensor t = MD_TENSOR_INIT, want = MD_TENSOR_INIT;
        assert_true(md_bundle_read(b, key, &t, &st));
        int64_t dims[1] = { 1 + i % 5 };
        make_numeric(&want, MD_DT_INT32, 1, dims, (uint32_t)i);
        assert_true(md_tensor_equal(&t, &want));
        md_tensor_cleanup(&t);
        md_tensor_cleanup(&want);
    }
    assert_null(md_bundle_find(b, "model/layer_0000"));
    assert_null(md_bundle_find(b, "zzz"));
    assert_null(md_bundle_find(b, ""));
    struct md_tensor t = MD_TENSOR_INIT;
    assert_false(md_bundle_read(b, "model/nope", &t, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "variables.index: no variable 'model/nope'");
    md_bundle_free(b);
}

/* ------------------------------------------------ crafted index files */

/* Packs a BundleEntryProto. */
static size_t pack_entry(uint8_t *out, int dtype, int rank, const int64_t *dims, int shard,
                         int64_t off, int64_t size, uint32_t crc, bool slice)
{
    Tensorflow__TensorShapeProto__Dim dv[10], *dp[10];
    for (int i = 0; i < rank; i++) {
        tensorflow__tensor_shape_proto__dim__init(&dv[i]);
        dv[i].size = dims[i];
        dp[i] = &dv[i];
    }
    Tensorflow__TensorShapeProto shape = TENSORFLOW__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = (size_t)rank;
    shape.dim = dp;
    Tensorflow__TensorSliceProto sl = TENSORFLOW__TENSOR_SLICE_PROTO__INIT, *slp = &sl;
    Tensorflow__BundleEntryProto e = TENSORFLOW__BUNDLE_ENTRY_PROTO__INIT;
    e.dtype = (Tensorflow__DataType)dtype;
    e.shape = &shape;
    e.shard_id = shard;
    e.offset = off;
    e.size = size;
    e.crc32c = crc;
    if (slice) {
        e.n_slices = 1;
        e.slices = &slp;
    }
    return tensorflow__bundle_entry_proto__pack(&e, out);
}

static size_t pack_header(uint8_t *out, int num_shards, int endianness)
{
    Tensorflow__BundleHeaderProto h = TENSORFLOW__BUNDLE_HEADER_PROTO__INIT;
    h.num_shards = num_shards;
    h.endianness = (Tensorflow__BundleHeaderProto__Endianness)endianness;
    return tensorflow__bundle_header_proto__pack(&h, out);
}

struct kv {
    const char *key;
    size_t klen;
    uint8_t val[256];
    size_t vlen;
};

static struct md_bytes build_table(const struct kv *kv, size_t n, enum md_sst_compression comp)
{
    struct md_sst_options o = MD_SST_OPTIONS_DEFAULT;
    o.compression = comp;
    struct md_sst_builder *sb = md_sst_builder_new(&o);
    struct md_status st = MD_STATUS_INIT;
    for (size_t i = 0; i < n; i++)
        if (!md_sst_builder_add(sb, kv[i].key, kv[i].klen, kv[i].val, kv[i].vlen, &st))
            fail_msg("%s", st.msg);
    struct md_bytes out = MD_BYTES_INIT;
    assert_true(md_sst_builder_finish(sb, &out, &st));
    md_sst_builder_free(sb);
    return out;
}

/* An index with a header (num_shards 1) and one float[2] entry "w" whose
 * fields the caller may override, over an 8-byte data shard. */
static struct md_bundle *open_crafted(int dtype, int rank, const int64_t *dims, int shard,
                                      int64_t off, int64_t size, bool slice, int num_shards,
                                      int endianness, struct md_status *st)
{
    static const float data[2] = { 1.0f, 2.0f };
    uint32_t crc = md_crc32c_mask(md_crc32c(data, sizeof data));
    struct kv kv[2] = { { "", 0, { 0 }, 0 }, { "w", 1, { 0 }, 0 } };
    kv[0].vlen = pack_header(kv[0].val, num_shards, endianness);
    kv[1].vlen = pack_entry(kv[1].val, dtype, rank, dims, shard, off, size, crc, slice);
    struct md_bytes idx = build_table(kv, 2, MD_SST_NO_COMPRESSION);
    const void *shards[1] = { data };
    size_t sizes[1] = { sizeof data };
    struct md_bundle *b = md_bundle_open_mem(idx.data, idx.len, shards, sizes, 1,
                                             "variables.index", st);
    md_bytes_cleanup(&idx);
    return b;
}

static void test_crafted_entry_errors(void **state)
{
    (void)state;
    struct md_status st;
    const int64_t two[1] = { 2 }, three[1] = { 3 }, neg[1] = { -1 };
    const int64_t nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 2 };
    struct md_bundle *b;

    st = (struct md_status)MD_STATUS_INIT;
    b = open_crafted(MD_DT_FLOAT, 1, two, 0, 0, 8, false, 1, 0, &st);
    assert_non_null(b); /* the baseline is valid */
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_bundle_read(b, "w", &t, &st));
    assert_true(((const float *)t.data)[1] == 2.0f);
    md_tensor_cleanup(&t);
    md_bundle_free(b);

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(99, 1, two, 0, 0, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: variable 'w' has unknown dtype 99");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, three, 0, 0, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "size 8 bytes does not match shape [3] of DT_FLOAT (12 bytes)");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, neg, 0, 0, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "invalid shape [-1]");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 9, nine, 0, 0, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "rank 9");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 0, 4, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS,
               "variable 'w' (offset 4, size 8) extends past the end of "
               "bundle.data-00000-of-00001 (8 bytes)");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 3, 0, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variable 'w' is in shard 3 but the bundle has 1 shards");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 0, 0, 8, true, 1, 0, &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "variable 'w' is saved as 1 slices");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 0, 0, 8, false, 1, 1, &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "big-endian");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 0, 0, 8, false, 2, 0, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "bundle.data-00001-of-00002: shard missing");

    st = (struct md_status)MD_STATUS_INIT;
    assert_null(open_crafted(MD_DT_FLOAT, 1, two, 0, -4, 8, false, 1, 0, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "negative shard_id, offset or size");

    /* A dtype we know but cannot read opens, and fails on read. */
    st = (struct md_status)MD_STATUS_INIT;
    const int64_t four[1] = { 4 };
    b = open_crafted(MD_DT_BFLOAT16, 1, four, 0, 0, 8, false, 1, 0, &st);
    assert_non_null(b);
    assert_false(md_bundle_read(b, "w", &t, &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "variable 'w' has dtype DT_BFLOAT16");
    md_bundle_free(b);
}

static void test_crafted_table_errors(void **state)
{
    (void)state;
    struct md_status st;
    uint8_t hdr[64];
    size_t hl = pack_header(hdr, 0, 0);

    /* No header entry first. */
    struct kv kv[3] = { { "a", 1, { 0 }, 0 } };
    struct md_bytes idx = build_table(kv, 1, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "first key is 'a', expected the empty header key");
    md_bytes_cleanup(&idx);

    /* An empty table. */
    idx = build_table(kv, 0, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "no header entry");
    md_bytes_cleanup(&idx);

    /* Corrupt header and entry protos (a truncated varint). */
    kv[0] = (struct kv){ "", 0, { 0x08 }, 1 };
    idx = build_table(kv, 1, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: corrupt BundleHeaderProto");
    md_bytes_cleanup(&idx);

    kv[0] = (struct kv){ "", 0, { 0 }, 0 };
    memcpy(kv[0].val, hdr, hl);
    kv[0].vlen = hl;
    kv[1] = (struct kv){ "bad\nkey", 7, { 0x12, 0x05, 0x01 }, 3 };
    idx = build_table(kv, 2, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    /* The key from the file is escaped in the message. */
    EXPECT_ERR(st, MD_DATA_LOSS, "corrupt BundleEntryProto for 'bad\\x0akey'");
    md_bytes_cleanup(&idx);

    /* A key with a NUL byte, and an OrderedCode slice key (leading 0). */
    const int64_t two[1] = { 2 };
    kv[1] = (struct kv){ "a\0b", 3, { 0 }, 0 };
    kv[1].vlen = pack_entry(kv[1].val, MD_DT_FLOAT, 1, two, 0, 0, 8, 0, false);
    idx = build_table(kv, 2, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "key 'a\\x00b' contains a NUL byte");
    md_bytes_cleanup(&idx);

    kv[1].key = "\0\x01w";
    idx = build_table(kv, 2, MD_SST_NO_COMPRESSION);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, NULL, NULL, 0, "variables.index", &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "1 slice entries of partitioned variables");
    md_bytes_cleanup(&idx);
}

/* Snappy blocks: readable when valid, DATA_LOSS when the stream is bad but
 * the checksum (computed over the compressed bytes) is right. */
static void test_snappy_blocks(void **state)
{
    (void)state;
    static float data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (float)i;
    struct kv kv[40];
    char keys[40][32];
    kv[0] = (struct kv){ "", 0, { 0 }, 0 };
    kv[0].vlen = pack_header(kv[0].val, 1, 0);
    for (int i = 1; i < 40; i++) {
        snprintf(keys[i], sizeof keys[i], "layer/%02d/weights", i);
        uint32_t crc = md_crc32c_mask(md_crc32c(&data[i], 4));
        kv[i] = (struct kv){ keys[i], strlen(keys[i]), { 0 }, 0 };
        kv[i].vlen = pack_entry(kv[i].val, MD_DT_FLOAT, 0, NULL, 0, 4 * i, 4, crc, false);
    }
    struct md_bytes idx = build_table(kv, 40, MD_SST_SNAPPY);
    const void *shards[1] = { data };
    size_t sizes[1] = { sizeof data };
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle *b =
        md_bundle_open_mem(idx.data, idx.len, shards, sizes, 1, "variables.index", &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), 39);
    assert_true(read_scalar_f32(b, "layer/17/weights") == 17.0f);
    md_bundle_free(b);

    /* The single data block starts at 0; the metaindex block follows its
     * trailer, so its handle (first footer varint) gives the block size. */
    const uint8_t *fp = idx.data + idx.len - 48;
    uint64_t meta_off = 0;
    assert_true(md_varint64_get(&fp, idx.data + idx.len, &meta_off));
    size_t blen = (size_t)meta_off - 5;
    assert_int_equal(idx.data[blen], MD_SST_SNAPPY);
    idx.data[0] ^= 0x01; /* the uncompressed-length preamble now lies */
    md_put_le32(idx.data + blen + 1, md_crc32c_mask(md_crc32c(idx.data, blen + 1)));
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, shards, sizes, 1, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: data block 0 at offset 0: bad snappy data");

    /* Unknown compression type 2 (checksum fixed up too). */
    idx.data[0] ^= 0x01;
    idx.data[blen] = 2;
    md_put_le32(idx.data + blen + 1, md_crc32c_mask(md_crc32c(idx.data, blen + 1)));
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open_mem(idx.data, idx.len, shards, sizes, 1, "variables.index", &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "unknown compression type 2");
    md_bytes_cleanup(&idx);
}

/* ------------------------------------------- corrupting written files */

/* Writes a small good bundle: "w" float[4] and "s" string[2]. */
static void write_small(const char *prefix)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, &st);
    if (!w)
        fail_msg("%s", st.msg);
    const int64_t d4[1] = { 4 }, d2[1] = { 2 };
    struct md_tensor t = MD_TENSOR_INIT, s = MD_TENSOR_INIT;
    make_numeric(&t, MD_DT_FLOAT, 1, d4, 1);
    const char *vals[] = { "alpha", "beta" };
    const size_t lens[] = { 5, 4 };
    make_strings(&s, 1, d2, vals, lens);
    assert_true(md_bundle_writer_add(w, "w", &t, &st));
    assert_true(md_bundle_writer_add(w, "s", &s, &st));
    assert_true(md_bundle_writer_finish(w, &st));
    md_bundle_writer_free(w);
    md_tensor_cleanup(&t);
    md_tensor_cleanup(&s);
}

static void test_file_errors(void **state)
{
    const char *dir = *state;
    char prefix[4200], ipath[4300], dpath[4300];
    snprintf(prefix, sizeof prefix, "%s/variables", dir);
    snprintf(ipath, sizeof ipath, "%s.index", prefix);
    snprintf(dpath, sizeof dpath, "%s.data-00000-of-00001", prefix);
    struct md_status st = MD_STATUS_INIT;

    /* Missing files. */
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "variables.index: cannot open");

    write_small(prefix);
    size_t ilen, dlen;
    uint8_t *idx = read_all(ipath, &ilen), *data = read_all(dpath, &dlen);
    assert_non_null(idx);
    assert_non_null(data);
    md_bundle_free(open_and_read_all(prefix));

    /* Shard missing. */
    unlink(dpath);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "variables.data-00000-of-00001: shard missing");

    /* Truncated shard: an entry now points past its end. */
    write_all(dpath, data, dlen - 1);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "extends past the end of variables.data-00000-of-00001");
    write_all(dpath, data, dlen);

    /* Truncated index. */
    write_all(ipath, idx, 20);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: file too short (20 bytes");
    write_all(ipath, idx, ilen - 1);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: bad magic 0x");

    /* Bad magic. */
    idx[ilen - 1] ^= 0x40;
    write_all(ipath, idx, ilen);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variables.index: bad magic 0x9b4775248b80fb57 (not an SSTable)");
    idx[ilen - 1] ^= 0x40;

    /* Block checksum: flip a byte inside the data block. */
    idx[3] ^= 0x20;
    write_all(ipath, idx, ilen);
    st = (struct md_status)MD_STATUS_INIT;
    assert_null(md_bundle_open(prefix, &st));
    EXPECT_ERR(st, MD_DATA_LOSS,
               "variables.index: data block 0 at offset 0: block checksum mismatch");
    idx[3] ^= 0x20;
    write_all(ipath, idx, ilen);

    /* Tensor crc: flip a data byte of "w". */
    struct md_bundle *b = md_bundle_open(prefix, &st);
    assert_non_null(b);
    const struct md_bundle_entry *ew = md_bundle_find(b, "w"), *es = md_bundle_find(b, "s");
    int64_t woff = ew->offset, soff = es->offset, ssize = es->size;
    md_bundle_free(b);
    data[woff + 2] ^= 1;
    write_all(dpath, data, dlen);
    b = md_bundle_open(prefix, &st); /* open does not read tensor bytes */
    assert_non_null(b);
    struct md_tensor t = MD_TENSOR_INIT;
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_read(b, "w", &t, &st));
    EXPECT_ERR(st, MD_DATA_LOSS,
               "variable 'w' in variables.data-00000-of-00001: crc32c mismatch (stored 0x");
    md_bundle_free(b);
    data[woff + 2] ^= 1;

    /* Strings: the length checksum, then the bytes. Layout: 2 varint
     * lengths, 4-byte checksum, "alphabeta". */
    data[soff + 2] ^= 1;
    write_all(dpath, data, dlen);
    b = md_bundle_open(prefix, &st);
    assert_non_null(b);
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_read(b, "s", &t, &st));
    EXPECT_ERR(st, MD_DATA_LOSS,
               "variable 's' in variables.data-00000-of-00001: string length checksum mismatch");
    md_bundle_free(b);
    data[soff + 2] ^= 1;
    data[soff + ssize - 1] ^= 1;
    write_all(dpath, data, dlen);
    b = md_bundle_open(prefix, &st);
    assert_non_null(b);
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_read(b, "s", &t, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "variable 's' in variables.data-00000-of-00001: crc32c mismatch");
    md_bundle_free(b);
    free(idx);
    free(data);
}

/* Every single-byte truncation and bit flip of a small index either opens
 * (flips in padding) or fails with a message; never crashes (ASan). */
static void test_index_mutations(void **state)
{
    const char *dir = *state;
    char prefix[4200], ipath[4300], dpath[4300];
    snprintf(prefix, sizeof prefix, "%s/variables", dir);
    snprintf(ipath, sizeof ipath, "%s.index", prefix);
    snprintf(dpath, sizeof dpath, "%s.data-00000-of-00001", prefix);
    write_small(prefix);
    size_t ilen, dlen;
    uint8_t *idx = read_all(ipath, &ilen), *data = read_all(dpath, &dlen);
    const void *shards[1] = { data };
    size_t sizes[1] = { dlen };
    /* Neither we nor TensorFlow read the (empty) metaindex block, and the
     * footer pads its handles to 40 bytes: flips there may go unnoticed.
     * Everything else must be caught. */
    const uint8_t *fp = idx + ilen - 48;
    uint64_t meta_off = 0, meta_size = 0;
    assert_true(md_varint64_get(&fp, idx + ilen, &meta_off));
    assert_true(md_varint64_get(&fp, idx + ilen, &meta_size));
    size_t meta_end = (size_t)(meta_off + meta_size + 5);
    for (size_t cut = 0; cut < ilen; cut++) {
        struct md_status st = MD_STATUS_INIT;
        struct md_bundle *b =
            md_bundle_open_mem(idx, cut, shards, sizes, 1, "variables.index", &st);
        assert_null(b);
        assert_int_not_equal(st.code, MD_OK);
        assert_true(st.msg[0] != '\0');
    }
    size_t unnoticed = 0;
    for (size_t i = 0; i < ilen; i++)
        for (int bit = 0; bit < 8; bit++) {
            idx[i] ^= (uint8_t)(1 << bit);
            struct md_status st = MD_STATUS_INIT;
            struct md_bundle *b =
                md_bundle_open_mem(idx, ilen, shards, sizes, 1, "variables.index", &st);
            if (b) {
                for (size_t k = 0; k < md_bundle_count(b); k++) {
                    struct md_tensor t = MD_TENSOR_INIT;
                    struct md_status st2 = MD_STATUS_INIT;
                    if (md_bundle_read(b, md_bundle_entry_at(b, k)->key, &t, &st2))
                        md_tensor_cleanup(&t);
                }
                md_bundle_free(b);
                bool in_meta = i >= meta_off && i < meta_end;
                bool in_footer = i >= ilen - 48 && i < ilen - 8;
                if (!in_meta && !in_footer)
                    fail_msg("flipping bit %d of byte %zu went unnoticed", bit, i);
                unnoticed++;
            } else {
                assert_true(st.msg[0] != '\0');
            }
            idx[i] ^= (uint8_t)(1 << bit);
        }
    assert_true(unnoticed < (meta_end - meta_off + 40) * 8);
    free(idx);
    free(data);
}

static void test_writer_errors(void **state)
{
    const char *dir = *state;
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s/w/variables", dir);
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, &st);
    assert_non_null(w);
    const int64_t d2[1] = { 2 };
    struct md_tensor t = MD_TENSOR_INIT, bf = MD_TENSOR_INIT;
    make_numeric(&t, MD_DT_FLOAT, 1, d2, 3);
    assert_true(md_bundle_writer_add(w, "x", &t, &st));
    assert_false(md_bundle_writer_add(w, "x", &t, &st));
    EXPECT_ERR(st, MD_INVALID_ARGUMENT, "duplicate key 'x'");
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_writer_add(w, "", &t, &st));
    EXPECT_ERR(st, MD_INVALID_ARGUMENT, "the empty key is reserved");
    bf.dtype = MD_DT_BFLOAT16;
    bf.rank = 1;
    bf.dims[0] = 1;
    bf.data = t.data;
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_writer_add(w, "bf", &bf, &st));
    EXPECT_ERR(st, MD_UNIMPLEMENTED, "'bf' has dtype DT_BFLOAT16");
    struct md_tensor bad = t;
    bad.dims[0] = -3;
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_writer_add(w, "bad", &bad, &st));
    EXPECT_ERR(st, MD_INVALID_ARGUMENT, "invalid shape [-3]");
    /* Errors on add leave the writer usable. */
    st = (struct md_status)MD_STATUS_INIT;
    assert_true(md_bundle_writer_add(w, "y", &t, &st));
    /* Dropped without finish: nothing is left behind. */
    md_bundle_writer_free(w);
    char d[4200];
    snprintf(d, sizeof d, "%s/w", dir);
    struct stat sb;
    assert_int_equal(stat(d, &sb), 0); /* the directory was created */
    char probe[4300];
    snprintf(probe, sizeof probe, "%s.index", prefix);
    assert_int_not_equal(stat(probe, &sb), 0);
    DIR *dd = opendir(d);
    assert_non_null(dd);
    int files = 0;
    for (struct dirent *de; (de = readdir(dd));)
        files += de->d_name[0] != '.';
    closedir(dd);
    assert_int_equal(files, 0);

    w = md_bundle_writer_new(prefix, &st);
    assert_non_null(w);
    assert_true(md_bundle_writer_add(w, "x", &t, &st));
    assert_true(md_bundle_writer_finish(w, &st));
    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_bundle_writer_add(w, "z", &t, &st));
    EXPECT_ERR(st, MD_FAILED_PRECONDITION, "already finished");
    md_bundle_writer_free(w);
    assert_int_equal(stat(probe, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    /* No directory to create the prefix in. */
    st = (struct md_status)MD_STATUS_INIT;
    snprintf(prefix, sizeof prefix, "%s/no/such/variables", dir);
    assert_null(md_bundle_writer_new(prefix, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "cannot create directory");
    md_tensor_cleanup(&t);
}

/* No tensors at all: a header-only index and an empty (unmapped) shard. */
static void test_empty_bundle(void **state)
{
    const char *dir = *state;
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s/variables", dir);
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, &st);
    assert_non_null(w);
    assert_true(md_bundle_writer_finish(w, &st));
    md_bundle_writer_free(w);
    struct md_bundle *b = md_bundle_open(prefix, &st);
    if (!b)
        fail_msg("%s", st.msg);
    assert_int_equal(md_bundle_count(b), 0);
    assert_int_equal(md_bundle_mapped_bytes(b), 0);
    assert_null(md_bundle_entry_at(b, 0));
    struct md_tensor t = MD_TENSOR_INIT;
    assert_false(md_bundle_read(b, "x", &t, &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "no variable 'x'");
    md_bundle_free(b);
    md_bundle_free(NULL);
    md_bundle_writer_free(NULL);
}

int main(void)
{
    const char *src = getenv("MD_SRCDIR");
#ifdef MD_TEST_SRCDIR
    if (!src)
        src = MD_TEST_SRCDIR;
#endif
    bool have_fixtures = false;
    if (src) {
        snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures/savedmodels", src);
        struct stat sb;
        have_fixtures = stat(fixtures, &sb) == 0 && S_ISDIR(sb.st_mode);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_every_dtype, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_many_keys_many_blocks, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_crafted_entry_errors),
        cmocka_unit_test(test_crafted_table_errors),
        cmocka_unit_test(test_snappy_blocks),
        cmocka_unit_test_setup_teardown(test_file_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_index_mutations, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_writer_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_empty_bundle, tmp_setup, tmp_teardown),
    };
    const struct CMUnitTest fixture_tests[] = {
        cmocka_unit_test(test_fixture_half_plus_two),
        cmocka_unit_test(test_fixture_tf2),
        cmocka_unit_test(test_fixture_keras_two_shards),
        cmocka_unit_test(test_fixture_counter_and_iris),
        cmocka_unit_test(test_fixture_all_read),
        cmocka_unit_test(test_fixture_sstable_bytes_match_tf),
        cmocka_unit_test_setup_teardown(test_fixture_writer_bytes_match_tf, tmp_setup,
                                        tmp_teardown),
    };
    int failed = cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
    if (!have_fixtures) {
        printf("test_bundle: fixtures not found (looked in $MD_SRCDIR/../shared/fixtures); "
               "skipping the fixture tests\n");
        return failed ? 1 : 77;
    }
    failed |= cmocka_run_group_tests_name("bundle_fixtures", fixture_tests, NULL, NULL);
    return failed ? 1 : 0;
}
