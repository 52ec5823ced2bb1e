/* test_warmup.c: --enable_model_warmup. Warmup files are written here with
 * our TFRecord writer and protobuf-c packed PredictionLogs, into a copy of
 * a model: good files (predict; classify, regress and multi_inference on
 * the half_plus_two_cpu fixture when ../shared is there), a missing file,
 * corrupt framing, an unparsable record, an unsupported log type, a
 * failing request and 1001 records. A version whose warmup fails must end
 * with the error in its status and never become AVAILABLE. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "example.pb-c.h"
#include "server/serve.h"
#include "serving_prediction_log.pb-c.h"

static char example[1024]; /* examples/half_plus_two/1: serving_default x -> y */
static char fixture[1024]; /* half_plus_two_cpu/00000123 or "" */
static char tmpdir[256];
static char base[600];
static bool warm_ok_metric; /* last load() saw an OK warmup observation */

static void run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* ------------------------------------------------------- log builders */

/* Packs log into a malloc'd buffer. */
static uint8_t *pack_log(const Tensorflow__Serving__PredictionLog *log, size_t *len)
{
    *len = tensorflow__serving__prediction_log__get_packed_size(log);
    uint8_t *b = malloc(*len ? *len : 1);
    assert_non_null(b);
    tensorflow__serving__prediction_log__pack(log, b);
    return b;
}

/* A predict record feeding `input` = float [n] (values 1, 2, ...). */
static uint8_t *predict_record(const char *input, int n, size_t *len)
{
    float vals[8];
    for (int i = 0; i < n; i++)
        vals[i] = (float)(i + 1);
    Tensorflow__TensorShapeProto__Dim dim;
    tensorflow__tensor_shape_proto__dim__init(&dim);
    dim.size = n;
    Tensorflow__TensorShapeProto__Dim *dims[1] = {&dim};
    Tensorflow__TensorShapeProto shape;
    tensorflow__tensor_shape_proto__init(&shape);
    shape.n_dim = 1;
    shape.dim = dims;
    Tensorflow__TensorProto tp;
    tensorflow__tensor_proto__init(&tp);
    tp.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    tp.tensor_shape = &shape;
    tp.n_float_val = (size_t)n;
    tp.float_val = vals;
    Tensorflow__Serving__PredictRequest__InputsEntry ent;
    tensorflow__serving__predict_request__inputs_entry__init(&ent);
    ent.key = (char *)(uintptr_t)input;
    ent.value = &tp;
    Tensorflow__Serving__PredictRequest__InputsEntry *ents[1] = {&ent};
    Tensorflow__Serving__ModelSpec ms;
    tensorflow__serving__model_spec__init(&ms);
    ms.name = (char *)"m";
    Tensorflow__Serving__PredictRequest req;
    tensorflow__serving__predict_request__init(&req);
    req.model_spec = &ms;
    req.n_inputs = 1;
    req.inputs = ents;
    Tensorflow__Serving__PredictLog pl;
    tensorflow__serving__predict_log__init(&pl);
    pl.request = &req;
    Tensorflow__Serving__PredictionLog log;
    tensorflow__serving__prediction_log__init(&log);
    log.log_type_case = TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_PREDICT_LOG;
    log.predict_log = &pl;
    return pack_log(&log, len);
}

enum ex_kind { EX_CLASSIFY, EX_REGRESS, EX_MULTI };

/* A classify / regress / multi_inference record on one tf.Example x=2. */
static uint8_t *examples_record(enum ex_kind kind, size_t *len)
{
    float two = 2.0f;
    Tensorflow__FloatList fl;
    tensorflow__float_list__init(&fl);
    fl.n_value = 1;
    fl.value = &two;
    Tensorflow__Feature f;
    tensorflow__feature__init(&f);
    f.kind_case = TENSORFLOW__FEATURE__KIND_FLOAT_LIST;
    f.float_list = &fl;
    Tensorflow__Features__FeatureEntry fe;
    tensorflow__features__feature_entry__init(&fe);
    fe.key = (char *)"x";
    fe.value = &f;
    Tensorflow__Features__FeatureEntry *fes[1] = {&fe};
    Tensorflow__Features feats;
    tensorflow__features__init(&feats);
    feats.n_feature = 1;
    feats.feature = fes;
    Tensorflow__Example ex;
    tensorflow__example__init(&ex);
    ex.features = &feats;
    Tensorflow__Example *exs[1] = {&ex};
    Tensorflow__Serving__ExampleList el;
    tensorflow__serving__example_list__init(&el);
    el.n_examples = 1;
    el.examples = exs;
    Tensorflow__Serving__Input in;
    tensorflow__serving__input__init(&in);
    in.kind_case = TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST;
    in.example_list = &el;

    Tensorflow__Serving__ModelSpec cms;
    tensorflow__serving__model_spec__init(&cms);
    cms.name = (char *)"m";
    cms.signature_name = (char *)"classify_x_to_y";
    Tensorflow__Serving__ModelSpec rms;
    tensorflow__serving__model_spec__init(&rms);
    rms.name = (char *)"m";
    rms.signature_name = (char *)"regress_x_to_y";

    Tensorflow__Serving__PredictionLog log;
    tensorflow__serving__prediction_log__init(&log);
    Tensorflow__Serving__ClassificationRequest creq;
    tensorflow__serving__classification_request__init(&creq);
    Tensorflow__Serving__ClassifyLog clog;
    tensorflow__serving__classify_log__init(&clog);
    Tensorflow__Serving__RegressionRequest rreq;
    tensorflow__serving__regression_request__init(&rreq);
    Tensorflow__Serving__RegressLog rlog;
    tensorflow__serving__regress_log__init(&rlog);
    Tensorflow__Serving__InferenceTask t1;
    tensorflow__serving__inference_task__init(&t1);
    Tensorflow__Serving__InferenceTask t2;
    tensorflow__serving__inference_task__init(&t2);
    Tensorflow__Serving__InferenceTask *tasks[2] = {&t1, &t2};
    Tensorflow__Serving__MultiInferenceRequest mreq;
    tensorflow__serving__multi_inference_request__init(&mreq);
    Tensorflow__Serving__MultiInferenceLog mlog;
    tensorflow__serving__multi_inference_log__init(&mlog);
    switch (kind) {
    case EX_CLASSIFY:
        creq.model_spec = &cms;
        creq.input = &in;
        clog.request = &creq;
        log.log_type_case = TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_CLASSIFY_LOG;
        log.classify_log = &clog;
        break;
    case EX_REGRESS:
        rreq.model_spec = &rms;
        rreq.input = &in;
        rlog.request = &rreq;
        log.log_type_case = TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_REGRESS_LOG;
        log.regress_log = &rlog;
        break;
    case EX_MULTI:
        t1.model_spec = &cms;
        t1.method_name = (char *)"tensorflow/serving/classify";
        t2.model_spec = &rms;
        t2.method_name = (char *)"tensorflow/serving/regress";
        mreq.n_tasks = 2;
        mreq.tasks = tasks;
        mreq.input = &in;
        mlog.request = &mreq;
        log.log_type_case = TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_MULTI_INFERENCE_LOG;
        log.multi_inference_log = &mlog;
        break;
    }
    return pack_log(&log, len);
}

/* ------------------------------------------------------- the harness */

/* Fresh base/1 copied from src, with assets.extra/ ready; returns the
 * warmup file's descriptor (or -1 with no_file). */
static int fresh_version(const char *src, bool no_file)
{
    run("rm -rf '%s' && mkdir -p '%s' && cp -r '%s' '%s/1' && mkdir -p '%s/1/assets.extra'", base,
        base, src, base, base);
    if (no_file)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/1/assets.extra/tf_serving_warmup_requests", base);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    return fd;
}

static void put_record(int fd, uint8_t *rec, size_t len)
{
    struct md_status st = MD_STATUS_INIT;
    if (!md_tfrecord_write(fd, rec, len, &st))
        fail_msg("md_tfrecord_write: %s", st.msg);
    free(rec);
}

/* Loads base/1 with warmup on/off; *vs gets version 1's status. */
static void load(bool warmup, int iterations, struct md_version_status *out)
{
    struct md_manager_options o = MD_MANAGER_OPTIONS_INIT;
    o.fs_poll_seconds = 0;
    o.enable_warmup = warmup;
    o.warmup_iterations = iterations;
    struct md_status st = MD_STATUS_INIT;
    struct md_manager *m = md_manager_new(&o, &st);
    assert_non_null(m);
    struct md_model_config mc = {(char *)"m", base, (char *)"tensorflow", MD_POLICY_LATEST, 1,
                                 NULL, 0, NULL, 0};
    struct md_server_config cfg = {&mc, 1};
    assert_true(md_manager_set_config(m, &cfg, &st));
    md_manager_poll(m);
    struct md_model_spec spec = {"m", true, 1, NULL};
    struct md_version_status *vs;
    size_t n;
    assert_true(md_manager_model_status(m, &spec, &vs, &n, &st));
    assert_int_equal(n, 1);
    *out = vs[0];
    free(vs);
    /* An AVAILABLE version serves; a failed one does not. */
    struct md_servable *s = md_manager_acquire(m, &spec, &st);
    assert_int_equal(s != NULL, out->state == MD_VS_AVAILABLE);
    md_servable_release(s);
    size_t mlen;
    char *text = md_metrics_render(&mlen);
    assert_non_null(text);
    char want[1200];
    snprintf(want, sizeof want,
             ":tensorflow:serving:model_warmup_latency_count{model_path=\"%s/1\",status=\"OK\"} 1",
             base);
    warm_ok_metric = strstr(text, want) != NULL;
    free(text);
    md_manager_free(m);
    printf("  -> %s %s %s\n", md_version_state_name(out->state), md_code_name(out->code),
           out->message);
}

static void expect_failure(const struct md_version_status *vs, enum md_code code,
                           const char *needle)
{
    assert_int_equal(vs->state, MD_VS_END);
    assert_int_equal(vs->code, code);
    if (!strstr(vs->message, needle))
        fail_msg("status message '%s' lacks '%s'", vs->message, needle);
}

/* --------------------------------------------------------------- tests */

static void test_no_file(void **state)
{
    (void)state;
    fresh_version(example, true);
    struct md_version_status vs;
    load(true, 1, &vs);
    assert_int_equal(vs.state, MD_VS_AVAILABLE);
}

static void test_predict_records(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    size_t len;
    for (int i = 1; i <= 3; i++) {
        uint8_t *r = predict_record("x", i, &len);
        put_record(fd, r, len);
    }
    close(fd);
    struct md_version_status vs;
    load(true, 3, &vs);
    assert_int_equal(vs.state, MD_VS_AVAILABLE);
    assert_int_equal(vs.code, MD_OK);
    assert_true(warm_ok_metric);
    /* The version's series went with it. */
    size_t mlen;
    char *text = md_metrics_render(&mlen);
    assert_non_null(text);
    assert_null(strstr(text, "model_warmup_latency_count{model_path=\""));
    free(text);
}

static void test_all_log_types(void **state)
{
    (void)state;
    if (!fixture[0]) {
        printf("  skipped: half_plus_two_cpu fixture not found\n");
        return;
    }
    int fd = fresh_version(fixture, false);
    size_t len;
    uint8_t *r = predict_record("x", 2, &len);
    put_record(fd, r, len);
    r = examples_record(EX_CLASSIFY, &len);
    put_record(fd, r, len);
    r = examples_record(EX_REGRESS, &len);
    put_record(fd, r, len);
    r = examples_record(EX_MULTI, &len);
    put_record(fd, r, len);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    assert_int_equal(vs.state, MD_VS_AVAILABLE);
}

static void test_failing_request(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    size_t len;
    uint8_t *r = predict_record("x", 1, &len);
    put_record(fd, r, len);
    r = predict_record("nope", 1, &len);
    put_record(fd, r, len);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    expect_failure(&vs, MD_INVALID_ARGUMENT, "warmup record 2 of ");
    expect_failure(&vs, MD_INVALID_ARGUMENT, "Missing but required: {x}");
    /* Off: the same version loads. */
    load(false, 1, &vs);
    assert_int_equal(vs.state, MD_VS_AVAILABLE);
}

static void test_corrupt_framing(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    assert_int_equal(write(fd, "this is not a TFRecord file at all", 34), 34);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    expect_failure(&vs, MD_DATA_LOSS, "Please verify your warmup data is in TFRecord format");
}

static void test_unparsable_record(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    uint8_t *junk = malloc(16);
    assert_non_null(junk);
    memset(junk, 0xff, 16);
    put_record(fd, junk, 16);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    expect_failure(&vs, MD_INVALID_ARGUMENT, "Failed to parse warmup record 1");
}

static void test_unsupported_log_type(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    Tensorflow__Serving__PredictionLog log;
    tensorflow__serving__prediction_log__init(&log);
    size_t len;
    uint8_t *r = pack_log(&log, &len);
    put_record(fd, r, len);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    expect_failure(&vs, MD_UNIMPLEMENTED, "Unsupported log_type for warmup: 0");
}

static void test_too_many_records(void **state)
{
    (void)state;
    int fd = fresh_version(example, false);
    size_t len;
    uint8_t *r = predict_record("x", 1, &len);
    struct md_status st = MD_STATUS_INIT;
    for (int i = 0; i < 1001; i++)
        if (!md_tfrecord_write(fd, r, len, &st))
            fail_msg("md_tfrecord_write: %s", st.msg);
    free(r);
    close(fd);
    struct md_version_status vs;
    load(true, 1, &vs);
    expect_failure(&vs, MD_INVALID_ARGUMENT, "Number of warmup records exceeds the maximum (1000)");

    /* Exactly 1000 is fine. */
    fd = fresh_version(example, false);
    r = predict_record("x", 1, &len);
    for (int i = 0; i < 1000; i++)
        if (!md_tfrecord_write(fd, r, len, &st))
            fail_msg("md_tfrecord_write: %s", st.msg);
    free(r);
    close(fd);
    load(true, 1, &vs);
    assert_int_equal(vs.state, MD_VS_AVAILABLE);
}

int main(void)
{
    const char *src = getenv("MD_SRCDIR");
    snprintf(example, sizeof example, "%s/examples/half_plus_two/1", src ? src : MD_TEST_SRCDIR);
    if (access(example, R_OK) != 0) {
        printf("SKIP: %s not found\n", example);
        return 77;
    }
    snprintf(fixture, sizeof fixture,
             "%s/../shared/fixtures/savedmodels/saved_model_half_plus_two_cpu/00000123",
             src ? src : MD_TEST_SRCDIR);
    if (access(fixture, R_OK) != 0)
        fixture[0] = '\0';
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_warmup_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(base, sizeof base, "%s/base", tmpdir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_predict_records),
        cmocka_unit_test(test_all_log_types),
        cmocka_unit_test(test_failing_request),
        cmocka_unit_test(test_corrupt_framing),
        cmocka_unit_test(test_unparsable_record),
        cmocka_unit_test(test_unsupported_log_type),
        cmocka_unit_test(test_too_many_records),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
