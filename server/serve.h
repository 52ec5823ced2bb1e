/* serve.h: the modeld daemon's transport-free core, shared by the REST and
 * gRPC front ends.
 *
 *   struct md_server_options o;
 *   md_server_options_init(&o);
 *   if (!md_server_options_parse(&o, argc, argv, &st)) ...;      // flags
 *   struct md_server_config cfg;
 *   if (!md_server_config_from_options(&o, &cfg, &st)) ...;      // model list
 *   struct md_manager *mgr = md_manager_new(&mopts, &st);
 *   md_manager_set_config(mgr, &cfg, &st);
 *   md_manager_poll(mgr);                       // first load, synchronous
 *   md_manager_start(mgr, &st);                 // background polling/reload
 *
 *   // per request (any thread):
 *   struct md_model_spec spec = { .name = "half" };             // latest
 *   struct md_servable *sv = md_manager_acquire(mgr, &spec, &st); // 404 if NULL
 *   const struct md_signature *sig = md_serve_signature(sv, "", &st);
 *   md_serve_predict(sv, sig, feeds, n, NULL, 0, arena, &outs, &n_outs, &st);
 *   ...encode outs...
 *   md_servable_release(sv);
 *
 * A servable is one loaded version of one model. It is immutable once
 * published; acquire/release are a refcount, and the last release of a
 * version that the manager has retired hands the model to a reaper thread,
 * so no request thread pays for freeing it.
 */
#ifndef MD_SERVER_SERVE_H
#define MD_SERVER_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "loader/loader.h"
#include "ops/ops.h"

/* ------------------------------------------------------------ options */
/* Command-line flags. TF Serving's names and defaults, plus our own
 * additions (marked "ours"). Strings point into argv or static storage. */
struct md_server_options {
    int port;                          /* gRPC port, 8500; 0 = off */
    const char *grpc_socket_path;      /* "" */
    int grpc_max_threads;              /* 0 = 4 x CPUs */
    const char *grpc_channel_arguments;
    bool enable_grpc_healthcheck_service;
    bool enable_serialization_as_tensor_content; /* gRPC Predict outputs */
    int rest_api_port;                 /* 8501; 0 = off */
    const char *rest_api_bind;         /* ours: "0.0.0.0" */
    int rest_api_num_threads;          /* 0 = 4 x CPUs */
    int rest_api_timeout_in_ms;        /* 30000 */
    bool rest_api_enable_cors_support;
    const char *model_name;            /* "default" */
    const char *model_base_path;       /* "" */
    const char *model_config_file;     /* "" */
    double model_config_file_poll_wait_seconds; /* 0 = read once */
    double file_system_poll_wait_seconds;       /* 1; 0 = once; < 0 never */
    int max_num_load_retries;          /* 5 */
    int64_t load_retry_interval_micros;/* 60 s */
    bool allow_version_labels_for_unavailable_models;
    const char *saved_model_tags;      /* "serve" */
    int tensorflow_intra_op_parallelism;  /* 0 = auto */
    int tensorflow_inter_op_parallelism;
    int tensorflow_session_parallelism;
    bool enable_model_warmup;          /* true */
    int num_request_iterations_for_warmup;
    const char *monitoring_config_file;/* "" */
    size_t max_request_bytes;          /* ours: 64 MiB; larger bodies get 413 */
    size_t per_request_memory_limit;   /* ours: 1 GiB of request arena */
    int log_level;                     /* ours: 0 debug .. 3 error; 1 */
    double shutdown_grace_seconds;     /* ours: serve, not ready, this long after SIGTERM; 0 */
    bool version;
    bool help;
};

/* Fills TF Serving's defaults. */
void md_server_options_init(struct md_server_options *o);
/* Parses argv[1..]: "--flag=value" and "--flag value"; booleans also as a
 * bare "--flag". Unknown flags and bad values fail with INVALID_ARGUMENT
 * naming the flag. Flags TF Serving has but modeld ignores are accepted
 * with a warning. o must have been initialised. */
MD_MUST_CHECK bool md_server_options_parse(struct md_server_options *o, int argc, char **argv,
                                           struct md_status *st);
/* Writes the --help text. */
void md_server_options_usage(FILE *out);

/* ------------------------------------------------------------- config */
enum md_version_policy {
    MD_POLICY_LATEST = 0, /* num_latest highest versions (default 1) */
    MD_POLICY_ALL,
    MD_POLICY_SPECIFIC,
};

struct md_version_label {
    char *label;
    int64_t version;
};

/* One model of a ModelServerConfig (tensorflow.serving.ModelConfig). */
struct md_model_config {
    char *name;
    char *base_path;
    char *platform; /* "tensorflow" */
    enum md_version_policy policy;
    uint32_t num_latest;
    int64_t *versions; /* MD_POLICY_SPECIFIC */
    size_t n_versions;
    struct md_version_label *labels;
    size_t n_labels;
};

struct md_server_config {
    struct md_model_config *models;
    size_t n_models;
};

/* Single-model config from --model_name/--model_base_path, or the parsed
 * --model_config_file when that flag is set. Owned by the caller:
 * md_server_config_cleanup. Errors on a config file start with "Error
 * parsing text-format tensorflow.serving.ModelServerConfig: ". */
MD_MUST_CHECK bool md_server_config_from_options(const struct md_server_options *o,
                                                 struct md_server_config *out,
                                                 struct md_status *st);
MD_MUST_CHECK bool md_server_config_load(const char *path, struct md_server_config *out,
                                         struct md_status *st);
/* Parses text-format ModelServerConfig bytes (the fuzzable core). Checks
 * names are unique and non-empty, base paths set, platform "tensorflow". */
MD_MUST_CHECK bool md_server_config_parse(const char *text, size_t len,
                                          struct md_server_config *out, struct md_status *st);
void md_server_config_cleanup(struct md_server_config *c); /* NULL-safe */
void md_model_config_cleanup(struct md_model_config *m);   /* NULL-safe; zeroes *m */

/* --monitoring_config_file: text MonitoringConfig. *path gets the
 * prometheus path (malloc'd; "/monitoring/prometheus/metrics" when the file
 * leaves it empty) or NULL when prometheus is not enabled. */
MD_MUST_CHECK bool md_monitoring_config_load(const char *file, char **path, struct md_status *st);

/* ------------------------------------------------------------ manager */
/* ModelVersionStatus.State numbers (tensorflow_serving/apis/get_model_status.proto). */
enum md_version_state {
    MD_VS_UNKNOWN = 0,
    MD_VS_START = 10,
    MD_VS_LOADING = 20,
    MD_VS_AVAILABLE = 30,
    MD_VS_UNLOADING = 40,
    MD_VS_END = 50,
};
const char *md_version_state_name(enum md_version_state s); /* "AVAILABLE", ... */

struct md_manager_options {
    const char *tags;             /* "serve" */
    int intra_op_threads;         /* for md_model_load */
    double fs_poll_seconds;       /* 1; 0 = only md_manager_poll calls; < 0 same */
    double config_poll_seconds;   /* 0 = never re-read */
    const char *config_file;      /* re-read on poll/SIGHUP when set */
    int max_load_retries;         /* 5 */
    int64_t retry_interval_us;    /* 60 s */
    bool allow_labels_for_unavailable;
    bool enable_warmup;           /* replay assets.extra/tf_serving_warmup_requests */
    int warmup_iterations;        /* runs of each warmup record; < 1 = 1 */
};
#define MD_MANAGER_OPTIONS_INIT { "serve", 0, 1.0, 0, NULL, 5, 60000000, false, true, 1 }

struct md_manager;

/* thread-safe unless noted. */
struct md_manager *md_manager_new(const struct md_manager_options *o, struct md_status *st);
/* Replaces the whole model list (copied): models absent from cfg are
 * unloaded, new ones loaded, by the next poll. Fails (keeping the old
 * config) on an invalid config. */
MD_MUST_CHECK bool md_manager_set_config(struct md_manager *m, const struct md_server_config *cfg,
                                         struct md_status *st);
/* One synchronous pass: lists every base path, loads aspired versions,
 * publishes them, retires the versions they replace. Serialised with the
 * background thread. */
void md_manager_poll(struct md_manager *m);
/* Starts the background thread (polls every fs_poll_seconds, re-reads the
 * config file every config_poll_seconds). */
MD_MUST_CHECK bool md_manager_start(struct md_manager *m, struct md_status *st);
/* Asks the background thread to re-read the config file now (SIGHUP).
 * async-signal-unsafe: call from a normal thread. */
void md_manager_request_reload(struct md_manager *m);
/* Stops the thread, unloads everything, waits for in-flight requests to
 * release their servables, frees. NULL-safe. */
void md_manager_free(struct md_manager *m);

/* Which version a request wants: the latest (has_version false, label
 * NULL), a pinned version or a label. */
struct md_model_spec {
    const char *name;
    bool has_version;
    int64_t version;
    const char *label; /* NULL or "" for none */
};

struct md_servable;

/* Returns an AVAILABLE servable with one reference held by the caller, or
 * NULL: NOT_FOUND "Servable not found for request: Latest(m)" /
 * "Specific(m, 3)", INVALID_ARGUMENT "Unrecognized servable version label: l".
 * Never waits for a load. thread-safe */
struct md_servable *md_manager_acquire(struct md_manager *m, const struct md_model_spec *spec,
                                       struct md_status *st);
void md_servable_release(struct md_servable *s); /* NULL-safe; thread-safe */
struct md_model *md_servable_model(const struct md_servable *s);
const char *md_servable_name(const struct md_servable *s);
int64_t md_servable_version(const struct md_servable *s);

struct md_version_status {
    int64_t version;
    enum md_version_state state;
    enum md_code code;
    char message[MD_STATUS_MSG_MAX];
};

/* Every version the manager tracks for spec->name (all states, newest
 * first), or just the one asked for. *out is malloc'd (caller frees).
 * NOT_FOUND "Could not find any versions of model m" /
 * "Could not find version 3 of model m". */
MD_MUST_CHECK bool md_manager_model_status(struct md_manager *m, const struct md_model_spec *spec,
                                           struct md_version_status **out, size_t *n,
                                           struct md_status *st);
/* Shutdown has begun (SIGTERM): readiness (KServe v2 /v2/health/ready,
 * gRPC ServerReady) turns false from here on, while requests are still
 * served until the listeners drain. thread-safe */
void md_manager_set_draining(struct md_manager *m);
bool md_manager_draining(struct md_manager *m);
/* Names of the configured models, sorted; free with md_manager_names_free. */
size_t md_manager_model_names(struct md_manager *m, char ***names);
void md_manager_names_free(char **names, size_t n);

/* ---------------------------------------------------------- serve core */
/* Signature by key ("" = "serving_default"), or NULL + INVALID_ARGUMENT
 * 'Serving signature name: "x" not found in signature def'. */
const struct md_signature *md_serve_signature(const struct md_servable *s, const char *key,
                                              struct md_status *st);

struct md_serve_output {
    const char *alias;       /* signature output key */
    struct md_tensor tensor; /* borrowed from the arena or the model */
};

/* Runs a predict signature. feeds must name every signature input exactly
 * once (TF Serving's "Sent extra / Missing but required" message
 * otherwise) with the declared dtype. output_filter (n_filter aliases, may be
 * 0) picks outputs; default all, in alias order. *outs is allocated from the
 * arena; an output tensor may hold a buffer reference, so call
 * md_tensor_cleanup on each (before md_servable_release). thread-safe (one
 * arena per concurrent call) */
MD_MUST_CHECK bool md_serve_predict(struct md_servable *s, const struct md_signature *sig,
                                    const struct md_feed *feeds, size_t n_feeds,
                                    const char *const *output_filter, size_t n_filter,
                                    struct md_arena *arena, struct md_serve_output **outs,
                                    size_t *n_outs, struct md_status *st);

/* Classification: one class list per example. labels or scores may be
 * NULL when the signature lacks `classes` / `scores` (then labels are ""
 * / scores are 0 as TF Serving reports them). Arrays live in the arena. */
struct md_classify_result {
    size_t n_examples;
    size_t n_classes;
    const struct md_str *labels; /* [n_examples * n_classes] or NULL */
    const float *scores;         /* [n_examples * n_classes] or NULL */
};

/* examples: DT_STRING [n] of serialized tf.Example, fed to the signature's
 * single input (`inputs`). */
MD_MUST_CHECK bool md_serve_classify(struct md_servable *s, const struct md_signature *sig,
                                     const struct md_tensor *examples, struct md_arena *arena,
                                     struct md_classify_result *res, struct md_status *st);
/* Regression: values[n_examples] (arena) from the `outputs` output, shape
 * [n] or [n, 1]. */
MD_MUST_CHECK bool md_serve_regress(struct md_servable *s, const struct md_signature *sig,
                                    const struct md_tensor *examples, struct md_arena *arena,
                                    const float **values, size_t *n_values, struct md_status *st);

/* Run timeout for the serve core calls made by the calling thread (TF
 * Serving's session-run deadline, RunOptions.timeout_in_ms): every model
 * run md_serve_predict/classify/regress start on this thread stops once
 * timeout_ms have passed since it began (checked between plan steps) and
 * fails with DEADLINE_EXCEEDED (HTTP 504) "request exceeded its N ms
 * deadline <what>: Timed out waiting for notification: ...". timeout_ms <= 0
 * = none (the default). what (static string, may be NULL) names the
 * setting, e.g. "(--rest_api_timeout_in_ms)". thread-local */
void md_serve_set_run_timeout(int64_t timeout_ms, const char *what);

/* ------------------------------------------------------------- metrics */
/* Prometheus counters and histograms (TF Serving's names where they exist).
 * All thread-safe; label strings are copied. */
void md_metrics_request(const char *model, int64_t version, const char *signature,
                        const char *api, const char *entrypoint, enum md_code code,
                        uint64_t latency_us);
void md_metrics_load(const char *model, int64_t version, const char *path, bool ok,
                     uint64_t latency_us);
void md_metrics_unload(const char *model, int64_t version, uint64_t latency_us);
/* :tensorflow:serving:model_warmup_latency{model_path, status}: one
 * observation per warmup of a version directory (status: the code name). */
void md_metrics_warmup(const char *path, enum md_code code, uint64_t latency_us);
/* Drops the series keyed by one version: request latency for (model,
 * version) and the load/warmup series of its directory `path` (either may
 * be NULL). Called when a version ends, so reloads do not grow the
 * registry. */
void md_metrics_forget_version(const char *model, int64_t version, const char *path);
/* The exposition text; malloc'd, caller frees. NULL on OOM. */
char *md_metrics_render(size_t *len);

/* ----------------------------------------------------------- HTTP/REST */
struct md_http_options {
    const char *bind;          /* "0.0.0.0" */
    int port;                  /* 0 = any free port (see md_http_port) */
    int threads;               /* pool size */
    int timeout_ms;            /* connection idle timeout, and each model run's deadline
                                  (--rest_api_timeout_in_ms; <= 0: 30 s idle, no deadline) */
    bool cors;
    size_t max_request_bytes;
    size_t per_request_memory_limit;
    const char *metrics_path;  /* NULL = no Prometheus page */
};

struct md_http;

struct md_http *md_http_start(const struct md_http_options *o, struct md_manager *m,
                              struct md_status *st);
int md_http_port(const struct md_http *h); /* the bound port */
/* Stops accepting, waits up to timeout_ms for in-flight requests, stops
 * the threads, frees. NULL-safe. */
void md_http_stop(struct md_http *h, int timeout_ms);

/* HTTP status for a canonical code (TF Serving's ToHTTPStatusCode). */
int md_http_status_from_code(enum md_code code);

#endif
