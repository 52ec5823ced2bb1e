/* md_model_load / md_model_run on the real SavedModel fixtures
 * (../shared/fixtures/savedmodels, see its README): every signature returns
 * the documented outputs, TF Serving's error wording, the counter sequence,
 * concurrent runs, and the two real-world exports' accuracies. Skips (77)
 * when the fixtures are absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "ops/ops.h"

static char fixtures[4096];

static bool find_fixtures(void)
{
    const char *src = getenv("MD_SRCDIR");
    if (!src)
        src = MD_TEST_SRCDIR;
    snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures", src);
    struct stat sb;
    return stat(fixtures, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static struct md_model *load(const char *rel)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/savedmodels/%s", fixtures, rel);
    struct md_status st = MD_STATUS_INIT;
    struct md_model_options o = MD_MODEL_OPTIONS_INIT;
    o.intra_op_threads = 2;
    struct md_model *m = md_model_load(path, &o, &st);
    if (!m)
        fprintf(stderr, "load %s: %s: %s\n", rel, md_code_name(st.code), st.msg);
    assert_non_null(m);
    return m;
}

static struct md_tensor ftensor(int rank, const int64_t *dims, const float *v)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_tensor_alloc(&t, MD_DT_FLOAT, rank, dims, 0, &st));
    memcpy(t.data, v, md_tensor_nbytes(&t));
    return t;
}

/* ---- tf.Example encoding (protobuf wire format, by hand) ---- */
struct buf {
    uint8_t d[4096];
    size_t n;
};

static void put_varint(struct buf *b, uint64_t v)
{
    while (v >= 0x80) {
        b->d[b->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->d[b->n++] = (uint8_t)v;
}

static void put_bytes(struct buf *b, int field, const void *p, size_t len)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, len);
    memcpy(b->d + b->n, p, len);
    b->n += len;
}

struct feat {
    const char *key;
    int kind; /* 1 bytes, 2 float, 3 int64 */
    int n;
    float f[8];
    const char *s;
};

/* Example{features{feature{key: value}}} */
static void encode_example(const struct feat *fs, int nf, struct buf *out)
{
    struct buf features = { .n = 0 };
    for (int i = 0; i < nf; i++) {
        struct buf list = { .n = 0 }, feature = { .n = 0 }, entry = { .n = 0 };
        if (fs[i].kind == 2) {
            struct buf packed = { .n = 0 };
            memcpy(packed.d, fs[i].f, (size_t)fs[i].n * 4);
            packed.n = (size_t)fs[i].n * 4;
            put_bytes(&list, 1, packed.d, packed.n);
        } else if (fs[i].kind == 1) {
            put_bytes(&list, 1, fs[i].s, strlen(fs[i].s));
        }
        put_bytes(&feature, fs[i].kind, list.d, list.n);
        put_bytes(&entry, 1, fs[i].key, strlen(fs[i].key));
        put_bytes(&entry, 2, feature.d, feature.n);
        put_bytes(&features, 1, entry.d, entry.n);
    }
    out->n = 0;
    put_bytes(out, 1, features.d, features.n);
}

/* A string tensor [n] of serialized examples (one float feature each). */
static struct md_tensor examples(const char *key, const float *x, int n)
{
    struct buf enc[16];
    size_t total = 0;
    assert_true(n <= 16);
    for (int i = 0; i < n; i++) {
        struct feat f = { key, 2, 1, { x[i] }, NULL };
        encode_example(&f, 1, &enc[i]);
        total += enc[i].n;
    }
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    int64_t dims[1] = { n };
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, dims, total, &st));
    char *p = (char *)t.data + (size_t)n * sizeof(struct md_str);
    for (int i = 0; i < n; i++) {
        memcpy(p, enc[i].d, enc[i].n);
        ((struct md_str *)t.data)[i] = (struct md_str){ p, enc[i].n };
        p += enc[i].n;
    }
    return t;
}

/* Runs sig with one input and checks the one output's values. */
static void expect_run(struct md_model *m, const char *sig, const char *in_alias,
                       const struct md_tensor *in, const char *out_alias, const float *want,
                       int64_t n_want)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_feed f = { in_alias, in };
    struct md_tensor out = MD_TENSOR_INIT;
    const char *al[1] = { out_alias };
    bool ok = md_model_run(m, sig, &f, in ? 1 : 0, al, 1, &out, a, &st);
    if (!ok)
        fprintf(stderr, "%s: %s\n", sig, st.msg);
    assert_true(ok);
    assert_int_equal(out.dtype, MD_DT_FLOAT);
    assert_int_equal(md_tensor_num_elements(&out), n_want);
    for (int64_t i = 0; i < n_want; i++)
        assert_float_equal(((const float *)out.data)[i], want[i], 1e-5);
    md_tensor_cleanup(&out);
    md_arena_free(a);
}

static void expect_error(struct md_model *m, const char *sig, const struct md_feed *f, size_t nf,
                         const char *const *al, size_t nal, enum md_code code, const char *substr)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_tensor out[4] = { MD_TENSOR_INIT, MD_TENSOR_INIT, MD_TENSOR_INIT, MD_TENSOR_INIT };
    assert_false(md_model_run(m, sig, f, nf, al, nal, out, a, &st));
    if (!strstr(st.msg, substr))
        fprintf(stderr, "expected '%s' in '%s'\n", substr, st.msg);
    assert_int_equal(st.code, code);
    assert_non_null(strstr(st.msg, substr));
    md_arena_free(a);
}

static void test_half_plus_two(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_two_cpu/00000123");
    struct md_tensor x = ftensor(1, (int64_t[]){ 3 }, (float[]){ 2, 3, 4 });
    expect_run(m, "serving_default", "x", &x, "y", (float[]){ 3, 3.5f, 4 }, 3);
    md_tensor_cleanup(&x);
    /* Output shape follows the fed shape, even a scalar. */
    struct md_tensor s = ftensor(0, NULL, (float[]){ 2 });
    expect_run(m, "serving_default", "x", &s, "y", (float[]){ 3 }, 1);
    expect_run(m, "regress_x2_to_y3", "inputs", &s, "outputs", (float[]){ 4 }, 1);
    md_tensor_cleanup(&s);
    struct md_tensor ex = examples("x", (float[]){ 2 }, 1);
    expect_run(m, "classify_x_to_y", "inputs", &ex, "scores", (float[]){ 3 }, 1);
    expect_run(m, "regress_x_to_y", "inputs", &ex, "outputs", (float[]){ 3 }, 1);
    expect_run(m, "regress_x_to_y2", "inputs", &ex, "outputs", (float[]){ 4 }, 1);
    md_tensor_cleanup(&ex);
    assert_true(md_model_memory_bytes(m) > 0);
    md_model_unref(m);
}

static void test_errors(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_two_cpu/00000123");
    struct md_tensor x = ftensor(1, (int64_t[]){ 1 }, (float[]){ 2 });
    struct md_feed two[2] = { { "unknown_key1", &x }, { "unknown_key2", &x } };
    expect_error(m, "serving_default", two, 2, NULL, 0, MD_INVALID_ARGUMENT,
                 "Sent extra: {unknown_key1,unknown_key2}");
    expect_error(m, "serving_default", two, 2, NULL, 0, MD_INVALID_ARGUMENT,
                 "Missing but required: {x}");
    expect_error(m, "serving_default", NULL, 0, NULL, 0, MD_INVALID_ARGUMENT,
                 "Missing but required: {x}");
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor b = MD_TENSOR_INIT;
    assert_true(md_tensor_alloc(&b, MD_DT_BOOL, 1, (int64_t[]){ 1 }, 0, &st));
    struct md_feed fb = { "x", &b };
    expect_error(m, "serving_default", &fb, 1, NULL, 0, MD_INVALID_ARGUMENT,
                 "Expects arg[0] to be float but bool is provided");
    md_tensor_cleanup(&b);
    struct md_tensor ex = examples("x", (float[]){ 2 }, 1);
    struct md_feed fs = { "x", &ex };
    expect_error(m, "serving_default", &fs, 1, NULL, 0, MD_INVALID_ARGUMENT,
                 "Expects arg[0] to be float but string is provided");
    md_tensor_cleanup(&ex);
    struct md_feed fx = { "x", &x };
    expect_error(m, "serving_default", &fx, 1, (const char *[]){ "output_filter" }, 1,
                 MD_INVALID_ARGUMENT, "output tensor alias not found in signature: output_filter");
    expect_error(m, "serving_default", &fx, 1, (const char *[]){ "y", "y" }, 2,
                 MD_INVALID_ARGUMENT, "duplicate output tensor alias: y");
    expect_error(m, "no_such_signature", &fx, 1, NULL, 0, MD_FAILED_PRECONDITION,
                 "Serving signature key \"no_such_signature\" not found");
    /* A missing required tf.Example feature is the kernel's clear error. */
    struct md_tensor ex2 = examples("x2", (float[]){ 2 }, 1);
    struct md_feed f2 = { "inputs", &ex2 };
    expect_error(m, "regress_x_to_y", &f2, 1, NULL, 0, MD_INVALID_ARGUMENT, "x");
    md_tensor_cleanup(&ex2);
    md_tensor_cleanup(&x);
    md_model_unref(m);
}

static void test_half_plus_three(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_three/00000123");
    struct md_tensor s = ftensor(0, NULL, (float[]){ 2 });
    expect_run(m, "serving_default", "x", &s, "y", (float[]){ 4 }, 1);
    md_tensor_cleanup(&s);
    md_model_unref(m);
}

static void test_two_versions(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_two_2_versions/00000124");
    struct md_tensor x = ftensor(2, (int64_t[]){ 2, 2 }, (float[]){ 1, 2, 3, 4 });
    expect_run(m, "serving_default", "x", &x, "y", (float[]){ 2.5f, 3, 3.5f, 4 }, 4);
    md_tensor_cleanup(&x);
    struct md_tensor e80 = examples("x", (float[]){ 80 }, 1);
    expect_run(m, "regress_x_to_y", "inputs", &e80, "outputs", (float[]){ 42 }, 1);
    md_tensor_cleanup(&e80);
    struct md_tensor e = examples("x", (float[]){ 20, 10 }, 2);
    expect_run(m, "classify_x_to_y", "inputs", &e, "scores", (float[]){ 12, 7 }, 2);
    md_tensor_cleanup(&e);
    /* Unrelated features are ignored. */
    struct feat fs[3] = { { "x", 2, 1, { 80 }, NULL }, { "locale", 1, 1, { 0 }, "pt_BR" },
                          { "age", 2, 1, { 19 }, NULL } };
    struct buf enc;
    encode_example(fs, 3, &enc);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, (int64_t[]){ 1 }, enc.n, &st));
    char *p = (char *)t.data + sizeof(struct md_str);
    memcpy(p, enc.d, enc.n);
    *(struct md_str *)t.data = (struct md_str){ p, enc.n };
    expect_run(m, "classify_x_to_y", "inputs", &t, "scores", (float[]){ 42 }, 1);
    md_tensor_cleanup(&t);
    struct md_tensor s = ftensor(0, NULL, (float[]){ 2 });
    expect_run(m, "regress_x2_to_y3", "inputs", &s, "outputs", (float[]){ 4 }, 1);
    expect_run(m, "classify_x2_to_y3", "inputs", &s, "scores", (float[]){ 4 }, 1);
    md_tensor_cleanup(&s);
    md_model_unref(m);
}

static float counter_call(struct md_model *m, const char *sig, const struct md_tensor *delta)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_feed f = { "delta", delta };
    struct md_tensor out = MD_TENSOR_INIT;
    bool ok = md_model_run(m, sig, &f, delta ? 1 : 0, NULL, 0, &out, a, &st);
    if (!ok)
        fprintf(stderr, "%s: %s\n", sig, st.msg);
    assert_true(ok);
    assert_int_equal(out.dtype, MD_DT_FLOAT);
    assert_int_equal(out.rank, 0);
    float v = *(const float *)out.data;
    md_tensor_cleanup(&out);
    md_arena_free(a);
    return v;
}

static void test_counter(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_counter/00000123");
    assert_float_equal(counter_call(m, "get_counter", NULL), 0, 0);
    assert_float_equal(counter_call(m, "incr_counter", NULL), 1, 0);
    assert_float_equal(counter_call(m, "reset_counter", NULL), 0, 0);
    assert_float_equal(counter_call(m, "incr_counter", NULL), 1, 0);
    struct md_tensor d = ftensor(0, NULL, (float[]){ 3 });
    assert_float_equal(counter_call(m, "incr_counter_by", &d), 4, 0);
    assert_float_equal(counter_call(m, "get_counter", NULL), 4, 0);
    md_tensor_cleanup(&d);
    md_model_unref(m);
}

static void test_tf2(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_two_tf2_cpu/00000123");
    struct md_tensor x = ftensor(1, (int64_t[]){ 1 }, (float[]){ 2 });
    expect_run(m, "serving_default", "x", &x, "y", (float[]){ 3 }, 1);
    expect_run(m, "regress_x2_to_y3", "inputs", &x, "outputs", (float[]){ 4 }, 1);
    expect_run(m, "classify_x2_to_y3", "inputs", &x, "scores", (float[]){ 4 }, 1);
    md_tensor_cleanup(&x);
    struct md_tensor ex = examples("x", (float[]){ 2 }, 1);
    expect_run(m, "classify_x_to_y", "inputs", &ex, "scores", (float[]){ 3 }, 1);
    expect_run(m, "regress_x_to_y", "inputs", &ex, "outputs", (float[]){ 3 }, 1);
    expect_run(m, "regress_x_to_y2", "inputs", &ex, "outputs", (float[]){ 4 }, 1);
    md_tensor_cleanup(&ex);
    md_model_unref(m);
}

static void test_matrix(void **state)
{
    (void)state;
    struct md_model *m = load("matrix_half_plus_two/1");
    float v[18], want[18];
    for (int i = 0; i < 18; i++) {
        v[i] = (float)(i % 9 + 1 + (i / 9) * 10);
        want[i] = 0.5f * v[i] + 2;
    }
    struct md_tensor x = ftensor(3, (int64_t[]){ 2, 3, 3 }, v);
    expect_run(m, "serving_default", "x", &x, "y", want, 18);
    md_tensor_cleanup(&x);
    md_model_unref(m);
}

/* Every op of every fixture (all signatures, restore and init) is supported. */
static void test_check_ops(void **state)
{
    (void)state;
    const char *dirs[] = { "saved_model_half_plus_two_cpu/00000123",
                           "saved_model_half_plus_three/00000123",
                           "saved_model_half_plus_two_2_versions/00000123",
                           "saved_model_counter/00000123",
                           "saved_model_half_plus_two_tf2_cpu/00000123", "matrix_half_plus_two/1",
                           "estimator_iris_dnn/1506648517", "keras_mnist_cnn/1" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/savedmodels/%s", fixtures, dirs[i]);
        struct md_status st = MD_STATUS_INIT;
        struct md_savedmodel *sm = md_savedmodel_open(path, "serve", &st);
        assert_non_null(sm);
        struct md_unsupported *u;
        size_t n = md_model_check_ops(sm, &u);
        for (size_t j = 0; j < n; j++)
            fprintf(stderr, "%s: unsupported %s (%s)\n", dirs[i], u[j].op, u[j].nodes);
        assert_int_equal(n, 0);
        md_unsupported_free(u, n);
        md_savedmodel_free(sm);
    }
}

/* ---- concurrency ---- */
struct worker_arg {
    struct md_model *m;
    int id;
    int iters;
    int failures;
};

static void *predict_worker(void *p)
{
    struct worker_arg *w = p;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    for (int it = 0; it < w->iters; it++) {
        float v[4];
        for (int i = 0; i < 4; i++)
            v[i] = (float)(w->id * 1000 + it * 4 + i);
        struct md_tensor x = MD_TENSOR_INIT;
        if (!md_tensor_alloc(&x, MD_DT_FLOAT, 2, (int64_t[]){ 4, 1 }, 0, &st)) {
            w->failures++;
            break;
        }
        memcpy(x.data, v, sizeof v);
        struct md_feed f = { "x", &x };
        struct md_tensor out = MD_TENSOR_INIT;
        if (!md_model_run(w->m, "serving_default", &f, 1, NULL, 0, &out, a, &st)) {
            w->failures++;
        } else {
            for (int i = 0; i < 4; i++)
                if (((const float *)out.data)[i] != 0.5f * v[i] + 2)
                    w->failures++;
        }
        md_tensor_cleanup(&out);
        md_tensor_cleanup(&x);
        md_arena_reset(a);
    }
    md_arena_free(a);
    return NULL;
}

static void test_concurrent_predict(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_half_plus_two_cpu/00000123");
    enum { N = 8 };
    pthread_t th[N];
    struct worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker_arg){ .m = md_model_ref(m), .id = i, .iters = 300 };
        assert_int_equal(pthread_create(&th[i], NULL, predict_worker, &w[i]), 0);
    }
    md_model_unref(m); /* workers keep it alive */
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
        md_model_unref(w[i].m);
    }
}

static void *incr_worker(void *p)
{
    struct worker_arg *w = p;
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    for (int it = 0; it < w->iters; it++) {
        struct md_tensor out = MD_TENSOR_INIT;
        if (!md_model_run(w->m, it % 2 ? "incr_counter" : "get_counter", NULL, 0, NULL, 0, &out,
                          a, &st))
            w->failures++;
        else if (*(const float *)out.data != floorf(*(const float *)out.data))
            w->failures++; /* a torn value would not be a whole number */
        md_tensor_cleanup(&out);
        md_arena_reset(a);
    }
    md_arena_free(a);
    return NULL;
}

/* Variable updates are atomic: N threads x K increments = N*K. */
static void test_concurrent_counter(void **state)
{
    (void)state;
    struct md_model *m = load("saved_model_counter/00000123");
    enum { N = 6, K = 400 };
    pthread_t th[N];
    struct worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker_arg){ .m = m, .id = i, .iters = K };
        assert_int_equal(pthread_create(&th[i], NULL, incr_worker, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_float_equal(counter_call(m, "get_counter", NULL), N * K / 2, 0);
    md_model_unref(m);
}

/* ---- real-world exports ---- */
static void test_iris(void **state)
{
    (void)state;
    struct md_model *m = load("estimator_iris_dnn/1506648517");
    char path[4200];
    snprintf(path, sizeof path, "%s/data/iris.csv", fixtures);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    struct buf enc[150];
    int label[150], n = 0;
    size_t total = 0;
    while (n < 150 && fgets(line, sizeof line, f)) {
        float v[4];
        if (sscanf(line, "%f,%f,%f,%f,%d", &v[0], &v[1], &v[2], &v[3], &label[n]) != 5)
            continue;
        struct feat fs[4] = { { "SepalLength", 2, 1, { v[0] }, NULL },
                              { "SepalWidth", 2, 1, { v[1] }, NULL },
                              { "PetalLength", 2, 1, { v[2] }, NULL },
                              { "PetalWidth", 2, 1, { v[3] }, NULL } };
        encode_example(fs, 4, &enc[n]);
        total += enc[n].n;
        n++;
    }
    fclose(f);
    assert_int_equal(n, 150);
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, (int64_t[]){ n }, total, &st));
    char *p = (char *)t.data + (size_t)n * sizeof(struct md_str);
    for (int i = 0; i < n; i++) {
        memcpy(p, enc[i].d, enc[i].n);
        ((struct md_str *)t.data)[i] = (struct md_str){ p, enc[i].n };
        p += enc[i].n;
    }
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_feed fd = { "inputs", &t };
    struct md_tensor out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
    bool ok = md_model_run(m, "serving_default", &fd, 1, NULL, 0, out, a, &st);
    if (!ok)
        fprintf(stderr, "iris: %s\n", st.msg);
    assert_true(ok);
    /* outputs in alias order: classes, scores */
    assert_int_equal(out[0].dtype, MD_DT_STRING);
    assert_int_equal(out[1].dtype, MD_DT_FLOAT);
    assert_int_equal(out[1].rank, 2);
    assert_int_equal(out[1].dims[0], n);
    assert_int_equal(out[1].dims[1], 3);
    const float *sc = out[1].data;
    const struct md_str *cl = out[0].data;
    int right = 0;
    for (int i = 0; i < n; i++) {
        int best = 0;
        float sum = 0;
        for (int c = 0; c < 3; c++) {
            sum += sc[i * 3 + c];
            if (sc[i * 3 + c] > sc[i * 3 + best])
                best = c;
            assert_int_equal(cl[i * 3 + c].len, 1);
            assert_int_equal(cl[i * 3 + c].data[0], '0' + c);
        }
        assert_float_equal(sum, 1, 1e-4);
        right += best == label[i];
    }
    double acc = (double)right / n;
    fprintf(stderr, "estimator_iris_dnn accuracy on iris.csv: %d/%d = %.4f\n", right, n, acc);
    assert_true(acc > 0.9);
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    md_tensor_cleanup(&t);
    md_arena_free(a);
    md_model_unref(m);
}

static uint8_t *read_gz(const char *rel, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/data/%s", fixtures, rel);
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    size_t cap = 1 << 20, n = 0;
    uint8_t *d = malloc(cap);
    for (;;) {
        if (n == cap)
            d = realloc(d, cap *= 2);
        int r = gzread(g, d + n, (unsigned)(cap - n));
        assert_true(r >= 0);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    *len = n;
    return d;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_mnist(void **state)
{
    (void)state;
    struct md_model *m = load("keras_mnist_cnn/1");
    size_t il, ll;
    uint8_t *img = read_gz("mnist-digits-10k-images-idx3-ubyte.gz", &il);
    uint8_t *lab = read_gz("mnist-digits-10k-labels-idx1-ubyte.gz", &ll);
    assert_int_equal(be32(img), 2051);
    assert_int_equal(be32(lab), 2049);
    int n = (int)be32(img + 4);
    assert_int_equal(be32(img + 8), 28);
    assert_int_equal(be32(img + 12), 28);
    assert_int_equal((int)be32(lab + 4), n);
    assert_true(il >= 16 + (size_t)n * 784 && ll >= 8 + (size_t)n);
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *a = md_arena_new(0, 0, &st);
    int right = 0;
    enum { B = 500 };
    for (int b0 = 0; b0 < n; b0 += B) {
        int bn = n - b0 < B ? n - b0 : B;
        struct md_tensor x = MD_TENSOR_INIT;
        assert_true(md_tensor_alloc(&x, MD_DT_FLOAT, 4, (int64_t[]){ bn, 28, 28, 1 }, 0, &st));
        float *xv = x.data;
        for (size_t i = 0; i < (size_t)bn * 784; i++)
            xv[i] = img[16 + (size_t)b0 * 784 + i] / 255.0f;
        struct md_feed f = { "conv2d_input", &x };
        struct md_tensor out = MD_TENSOR_INIT;
        bool ok = md_model_run(m, "serving_default", &f, 1, NULL, 0, &out, a, &st);
        if (!ok)
            fprintf(stderr, "mnist: %s\n", st.msg);
        assert_true(ok);
        assert_int_equal(out.rank, 2);
        assert_int_equal(out.dims[0], bn);
        assert_int_equal(out.dims[1], 10);
        const float *p = out.data;
        for (int i = 0; i < bn; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++)
                if (p[i * 10 + c] > p[i * 10 + best])
                    best = c;
            right += best == lab[8 + b0 + i];
        }
        md_tensor_cleanup(&out);
        md_tensor_cleanup(&x);
        md_arena_reset(a);
    }
    double acc = (double)right / n;
    fprintf(stderr, "keras_mnist_cnn accuracy on %d digits: %d/%d = %.4f (arena peak %zu bytes)\n",
            n, right, n, acc, md_arena_peak(a));
    assert_true(acc > 0.95);
    md_arena_free(a);
    free(img);
    free(lab);
    md_model_unref(m);
}

int main(void)
{
    if (!find_fixtures()) {
        fprintf(stderr, "test_model: fixtures not found at %s; skipping\n", fixtures);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_plus_two),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_half_plus_three),  cmocka_unit_test(test_two_versions),
        cmocka_unit_test(test_counter),          cmocka_unit_test(test_tf2),
        cmocka_unit_test(test_matrix),           cmocka_unit_test(test_check_ops),
        cmocka_unit_test(test_concurrent_predict), cmocka_unit_test(test_concurrent_counter),
        cmocka_unit_test(test_iris),             cmocka_unit_test(test_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
