/* warmup.c: --enable_model_warmup. Replays a version's
 * assets.extra/tf_serving_warmup_requests (a TFRecord file of
 * tensorflow.serving.PredictionLog) through the serve core before the
 * version is published, as TF Serving's saved_model_warmup does: predict,
 * classify, regress and multi_inference logs, each run
 * --num_request_iterations_for_warmup times; more than 1000 records fail
 * the load (INVALID_ARGUMENT), as does any failing request, so a version
 * whose warmup breaks never becomes AVAILABLE and the error shows in its
 * status. A missing file is fine (warmup data is optional). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "example.pb-c.h"
#include "ops/kernel.h"
#include "server/server_impl.h"
#include "serving_prediction_log.pb-c.h"

#define WARMUP_FILE "assets.extra/tf_serving_warmup_requests"
#define WARMUP_MAX_RECORDS 1000 /* TF Serving's WarmupConsts::kMaxNumRecords */
#define WARMUP_MEMORY_LIMIT ((size_t)1 << 30) /* request arena and decoded inputs */
#define WARMUP_MAX_INPUTS 1024
#define DEFAULT_SIGNATURE "serving_default"
#define CLASSIFY_METHOD "tensorflow/serving/classify"
#define REGRESS_METHOD "tensorflow/serving/regress"

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *sig_key(const Tensorflow__Serving__ModelSpec *ms)
{
    return ms && ms->signature_name && ms->signature_name[0] ? ms->signature_name
                                                             : DEFAULT_SIGNATURE;
}

/* Bytes a TensorProto decodes to, so that a few bytes of file cannot ask
 * for a huge zero-filled tensor. 0 when the shape is unusable
 * (md_tensor_from_proto then says why). */
static uint64_t decoded_bytes(const Tensorflow__TensorProto *p)
{
    const Tensorflow__TensorShapeProto *s = p->tensor_shape;
    int64_t dims[MD_MAX_RANK];
    int rank = 0;
    if (s) {
        if (s->unknown_rank || s->n_dim > MD_MAX_RANK)
            return 0;
        for (size_t i = 0; i < s->n_dim; i++)
            dims[i] = s->dim[i] ? s->dim[i]->size : 0;
        rank = (int)s->n_dim;
    }
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0)
        return 0;
    uint64_t bytes = (uint64_t)n * md_dtype_info((int)p->dtype)->size;
    if (md_dtype_base((int)p->dtype) == MD_DT_STRING) {
        bytes += p->tensor_content.len;
        for (size_t i = 0; i < p->n_string_val; i++)
            bytes += p->string_val[i].len;
        if (p->n_string_val && (uint64_t)n > p->n_string_val)
            bytes += ((uint64_t)n - p->n_string_val) * p->string_val[p->n_string_val - 1].len;
    }
    return bytes;
}

static bool run_predict(struct md_servable *sv, const Tensorflow__Serving__PredictRequest *r,
                        struct md_arena *a, struct md_status *st)
{
    static const Tensorflow__Serving__PredictRequest empty_req =
        TENSORFLOW__SERVING__PREDICT_REQUEST__INIT;
    if (!r)
        r = &empty_req;
    if (r->n_inputs > WARMUP_MAX_INPUTS)
        return md_status_set(st, MD_INVALID_ARGUMENT, "PredictRequest has %zu inputs (limit %d)",
                             r->n_inputs, WARMUP_MAX_INPUTS);
    const struct md_signature *sig = md_serve_signature(sv, sig_key(r->model_spec), st);
    if (!sig)
        return false;
    /* protobuf map semantics: a key sent twice keeps its last value. */
    size_t n = 0;
    const Tensorflow__Serving__PredictRequest__InputsEntry **ent =
        md_arena_alloc(a, (r->n_inputs + 1) * sizeof *ent, st);
    struct md_tensor *in = md_arena_alloc(a, (r->n_inputs + 1) * sizeof *in, st);
    struct md_feed *feeds = md_arena_alloc(a, (r->n_inputs + 1) * sizeof *feeds, st);
    if (!ent || !in || !feeds)
        return false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const char *k = r->inputs[i]->key ? r->inputs[i]->key : "";
        size_t j;
        for (j = 0; j < n && strcmp(ent[j]->key ? ent[j]->key : "", k); j++)
            ;
        ent[j] = r->inputs[i];
        if (j == n)
            n++;
    }
    bool ok = true;
    size_t n_dec = 0;
    uint64_t budget = WARMUP_MEMORY_LIMIT;
    static const Tensorflow__TensorProto empty = TENSORFLOW__TENSOR_PROTO__INIT;
    for (size_t i = 0; i < n && ok; i++) {
        const char *alias = ent[i]->key ? ent[i]->key : "";
        const Tensorflow__TensorProto *tp = ent[i]->value ? ent[i]->value : &empty;
        uint64_t want = decoded_bytes(tp);
        in[i] = (struct md_tensor)MD_TENSOR_INIT;
        if (want > budget)
            ok = md_status_set(st, MD_RESOURCE_EXHAUSTED,
                               "a tensor of this shape needs %llu bytes, more than the warmup "
                               "limit of %zu bytes",
                               (unsigned long long)want, WARMUP_MEMORY_LIMIT);
        else if (tp->dtype == TENSORFLOW__DATA_TYPE__DT_INVALID)
            ok = md_status_set(st, MD_INVALID_ARGUMENT, "TensorProto has no dtype (DT_INVALID)");
        else
            ok = md_tensor_from_proto(tp, &in[i], st);
        if (!ok) {
            char esc[128];
            md_status_prefix(st, "input '%s'", md_escape(esc, sizeof esc, alias, strlen(alias)));
            break;
        }
        n_dec = i + 1;
        budget -= want;
        feeds[i].alias = alias;
        feeds[i].tensor = &in[i];
    }
    struct md_serve_output *outs = NULL;
    size_t n_outs = 0;
    if (ok)
        ok = md_serve_predict(sv, sig, feeds, n, (const char *const *)r->output_filter,
                              r->n_output_filter, a, &outs, &n_outs, st);
    for (size_t i = 0; i < n_outs; i++)
        md_tensor_cleanup(&outs[i].tensor);
    for (size_t i = 0; i < n_dec; i++)
        md_tensor_cleanup(&in[i]);
    return ok;
}

/* Serializes ex (NULL: nothing) after `prefix` into the arena. */
static bool pack_example(const Tensorflow__Example *prefix, const Tensorflow__Example *ex,
                         struct md_arena *a, struct md_str *out, struct md_status *st)
{
    size_t pl = prefix ? tensorflow__example__get_packed_size(prefix) : 0;
    size_t el = ex ? tensorflow__example__get_packed_size(ex) : 0;
    uint8_t *b = md_arena_alloc(a, pl + el + 1, st);
    if (!b)
        return false;
    if (prefix)
        tensorflow__example__pack(prefix, b);
    if (ex)
        tensorflow__example__pack(ex, b + pl);
    out->data = (const char *)b;
    out->len = pl + el;
    return true;
}

/* Input -> DT_STRING [n] serialized tf.Examples, the context Example
 * prepended to each (parsing the concatenation merges them, the example's
 * own features winning), as the REST and gRPC front ends feed them. */
static bool examples_tensor(const Tensorflow__Serving__Input *in, struct md_arena *a,
                            struct md_tensor *t, struct md_status *st)
{
    size_t n = 0;
    Tensorflow__Example **ex = NULL;
    const Tensorflow__Example *ctx = NULL;
    if (in && in->kind_case == TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST &&
        in->example_list) {
        n = in->example_list->n_examples;
        ex = in->example_list->examples;
    } else if (in &&
               in->kind_case == TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST_WITH_CONTEXT &&
               in->example_list_with_context) {
        n = in->example_list_with_context->n_examples;
        ex = in->example_list_with_context->examples;
        ctx = in->example_list_with_context->context;
    }
    struct md_str *s = md_arena_alloc(a, (n ? n : 1) * sizeof *s, st);
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!pack_example(ctx, ex[i], a, &s[i], st))
            return false;
    *t = (struct md_tensor)MD_TENSOR_INIT;
    t->dtype = MD_DT_STRING;
    t->rank = 1;
    t->dims[0] = (int64_t)n;
    t->data = s;
    return true;
}

static bool run_examples(struct md_servable *sv, const Tensorflow__Serving__ModelSpec *ms,
                         const Tensorflow__Serving__Input *input, bool classify,
                         struct md_arena *a, struct md_status *st)
{
    const struct md_signature *sig = md_serve_signature(sv, sig_key(ms), st);
    struct md_tensor ex;
    if (!sig || !examples_tensor(input, a, &ex, st))
        return false;
    if (classify) {
        struct md_classify_result r;
        return md_serve_classify(sv, sig, &ex, a, &r, st);
    }
    const float *v;
    size_t n;
    return md_serve_regress(sv, sig, &ex, a, &v, &n, st);
}

/* TF Serving's checks on the task list (multi_inference.cc), then every
 * task on the shared examples. */
static bool run_multi(struct md_servable *sv, const Tensorflow__Serving__MultiInferenceRequest *r,
                      struct md_arena *a, struct md_status *st)
{
    char esc[256];
    if (!r || r->n_tasks == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "MultiInferenceRequest has no tasks: add at least one InferenceTask");
    const char *model = r->tasks[0]->model_spec && r->tasks[0]->model_spec->name
                            ? r->tasks[0]->model_spec->name
                            : "";
    for (size_t i = 0; i < r->n_tasks; i++) {
        const Tensorflow__Serving__InferenceTask *t = r->tasks[i];
        const char *name = t->model_spec && t->model_spec->name ? t->model_spec->name : "";
        if (!name[0])
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Found ModelSpec with an empty model name");
        if (strcmp(name, model))
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "All ModelSpecs in a MultiInferenceRequest must access the same "
                                 "model name");
        const char *key = sig_key(t->model_spec);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(sig_key(r->tasks[k]->model_spec), key))
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Duplicate evaluation of signature: %s",
                                     md_escape(esc, sizeof esc, key, strlen(key)));
        const char *method = t->method_name ? t->method_name : "";
        if (strcmp(method, CLASSIFY_METHOD) && strcmp(method, REGRESS_METHOD))
            return md_status_set(st, MD_UNIMPLEMENTED, "Unsupported signature method_name: %s",
                                 md_escape(esc, sizeof esc, method, strlen(method)));
    }
    for (size_t i = 0; i < r->n_tasks; i++) {
        const Tensorflow__Serving__InferenceTask *t = r->tasks[i];
        if (!run_examples(sv, t->model_spec, r->input, !strcmp(t->method_name, CLASSIFY_METHOD),
                          a, st))
            return false;
    }
    return true;
}

/* The log type protobuf-c did not decode (SessionRunLog = 5,
 * PredictStreamedLog = 7 are not in our proto): the first unknown field in
 * the oneof's range, or 0. */
static unsigned unknown_log_type(const Tensorflow__Serving__PredictionLog *log)
{
    for (unsigned i = 0; i < log->base.n_unknown_fields; i++) {
        uint32_t tag = log->base.unknown_fields[i].tag;
        if (tag >= 2 && tag <= 16)
            return tag;
    }
    return 0;
}

static bool run_record(struct md_servable *sv, const Tensorflow__Serving__PredictionLog *log,
                       struct md_arena *a, struct md_status *st)
{
    switch (log->log_type_case) {
    case TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_PREDICT_LOG:
        return run_predict(sv, log->predict_log ? log->predict_log->request : NULL, a, st);
    case TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_CLASSIFY_LOG: {
        const Tensorflow__Serving__ClassificationRequest *r =
            log->classify_log ? log->classify_log->request : NULL;
        return run_examples(sv, r ? r->model_spec : NULL, r ? r->input : NULL, true, a, st);
    }
    case TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_REGRESS_LOG: {
        const Tensorflow__Serving__RegressionRequest *r =
            log->regress_log ? log->regress_log->request : NULL;
        return run_examples(sv, r ? r->model_spec : NULL, r ? r->input : NULL, false, a, st);
    }
    case TENSORFLOW__SERVING__PREDICTION_LOG__LOG_TYPE_MULTI_INFERENCE_LOG:
        return run_multi(sv, log->multi_inference_log ? log->multi_inference_log->request : NULL,
                         a, st);
    default:
        return md_status_set(st, MD_UNIMPLEMENTED, "Unsupported log_type for warmup: %u",
                             unknown_log_type(log));
    }
}

bool md_warmup_run(struct md_servable *sv, const char *dir, int iterations, int *n_records,
                   struct md_status *st)
{
    *n_records = 0;
    if (iterations < 1)
        iterations = 1;
    char path[4096];
    int pl = snprintf(path, sizeof path, "%s/%s", dir, WARMUP_FILE);
    if (pl < 0 || (size_t)pl >= sizeof path)
        return md_status_set(st, MD_INVALID_ARGUMENT, "warmup file path too long under %s", dir);
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        md_log_info("No warmup data file found at %s", path);
        return true;
    }
    md_log_info("Starting to read warmup data for model at %s with model-warmup-options "
                "num_request_iterations: %d",
                path, iterations);
    int64_t t0 = now_us();
    struct md_status fst = MD_STATUS_INIT; /* the file's own errors */
    struct md_tfrecord_reader *rd = md_tfrecord_open(path, &fst);
    struct md_arena *a = rd ? md_arena_new(0, WARMUP_MEMORY_LIMIT, &fst) : NULL;
    bool ok = rd && a;
    int n = 0;
    while (ok) {
        const uint8_t *data;
        size_t len;
        if (!md_tfrecord_next(rd, &data, &len, &fst)) {
            ok = fst.code == MD_OK;
            break;
        }
        if (++n > WARMUP_MAX_RECORDS) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "Number of warmup records exceeds the maximum (%d) at %s",
                               WARMUP_MAX_RECORDS, path);
            break;
        }
        Tensorflow__Serving__PredictionLog *log =
            tensorflow__serving__prediction_log__unpack(NULL, len, data);
        if (!log) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "Failed to parse warmup record %d (%zu bytes) from %s", n, len,
                               path);
            break;
        }
        for (int it = 0; it < iterations && ok; it++) {
            md_arena_reset(a);
            ok = run_record(sv, log, a, st);
        }
        tensorflow__serving__prediction_log__free_unpacked(log, NULL);
        if (!ok)
            md_status_prefix(st, "warmup record %d of %s", n, path);
    }
    if (fst.code != MD_OK) {
        /* TF Serving's hint for a file that is not TFRecord framed. */
        if (fst.code == MD_DATA_LOSS)
            md_status_set(st, MD_DATA_LOSS,
                          "%s. Please verify your warmup data is in TFRecord format", fst.msg);
        else
            md_status_set(st, fst.code, "%s", fst.msg);
    }
    md_arena_free(a);
    md_tfrecord_close(rd);
    int64_t us = now_us() - t0;
    md_metrics_warmup(dir, ok ? MD_OK : st->code, (uint64_t)us);
    if (!ok)
        return false;
    *n_records = n;
    md_log_info("Finished reading warmup data for model at %s. Number of warmup records read: "
                "%d. Elapsed time (microseconds): %lld.",
                path, n, (long long)us);
    return true;
}
