/* config.c: command-line flags (TF Serving's names and defaults) and the
 * text-format ModelServerConfig / MonitoringConfig files. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "loader/loader.h"
#include "model_server_config.pb-c.h"
#include "server/serve.h"

/* ---------------------------------------------------------------- flags */

enum flag_type { F_INT, F_INT64, F_BOOL, F_STR, F_DOUBLE, F_SIZE, F_IGNORED };

struct flag {
    const char *name;
    enum flag_type type;
    size_t offset;
    const char *help;
};

#define OPT(field) offsetof(struct md_server_options, field)

/* Keep the names in sync with tensorflow_serving/model_servers/main.cc. */
static const struct flag flags[] = {
    {"port", F_INT, OPT(port), "TCP port for gRPC (default 8500); 0 turns the gRPC listener off"},
    {"grpc_socket_path", F_STR, OPT(grpc_socket_path), "UNIX socket path for gRPC"},
    {"grpc_max_threads", F_INT, OPT(grpc_max_threads), "gRPC worker threads (default 4 x CPUs)"},
    {"grpc_channel_arguments", F_STR, OPT(grpc_channel_arguments), "gRPC channel arguments k=v,k=v"},
    {"enable_grpc_healthcheck_service", F_BOOL, OPT(enable_grpc_healthcheck_service),
     "serve grpc.health.v1.Health"},
    {"enable_serialization_as_tensor_content", F_BOOL,
     OPT(enable_serialization_as_tensor_content),
     "gRPC Predict returns outputs in tensor_content instead of the typed *_val fields"},
    {"rest_api_port", F_INT, OPT(rest_api_port),
     "HTTP/REST port (default 8501); 0 turns the REST listener off"},
    {"rest_api_bind", F_STR, OPT(rest_api_bind),
     "(modeld) address the REST listener binds (default 0.0.0.0)"},
    {"rest_api_num_threads", F_INT, OPT(rest_api_num_threads),
     "REST worker threads (default 4 x CPUs)"},
    {"rest_api_timeout_in_ms", F_INT, OPT(rest_api_timeout_in_ms),
     "deadline of each model run of a REST request, in ms (504 DEADLINE_EXCEEDED when "
     "passed), also the REST connection idle timeout (default 30000)"},
    {"rest_api_enable_cors_support", F_BOOL, OPT(rest_api_enable_cors_support),
     "add CORS headers and answer OPTIONS preflights"},
    {"model_name", F_STR, OPT(model_name), "name of the model (default \"default\")"},
    {"model_base_path", F_STR, OPT(model_base_path),
     "path of the model: numeric version directories live below it"},
    {"model_config_file", F_STR, OPT(model_config_file),
     "text-format tensorflow.serving.ModelServerConfig; overrides --model_name/--model_base_path"},
    {"model_config_file_poll_wait_seconds", F_DOUBLE, OPT(model_config_file_poll_wait_seconds),
     "re-read --model_config_file every N seconds (0 = read once; SIGHUP re-reads too)"},
    {"file_system_poll_wait_seconds", F_DOUBLE, OPT(file_system_poll_wait_seconds),
     "look for new model versions every N seconds (default 1; 0 = once at start)"},
    {"max_num_load_retries", F_INT, OPT(max_num_load_retries),
     "retries of a failed version load (default 5)"},
    {"load_retry_interval_micros", F_INT64, OPT(load_retry_interval_micros),
     "delay between load retries (default 60000000)"},
    {"allow_version_labels_for_unavailable_models", F_BOOL,
     OPT(allow_version_labels_for_unavailable_models), "accepted; labels may always name any version"},
    {"saved_model_tags", F_STR, OPT(saved_model_tags), "MetaGraphDef tag set (default \"serve\")"},
    {"tensorflow_intra_op_parallelism", F_INT, OPT(tensorflow_intra_op_parallelism),
     "threads inside one op (default 0 = number of CPUs)"},
    {"tensorflow_inter_op_parallelism", F_INT, OPT(tensorflow_inter_op_parallelism),
     "accepted for compatibility"},
    {"tensorflow_session_parallelism", F_INT, OPT(tensorflow_session_parallelism),
     "accepted for compatibility"},
    {"enable_model_warmup", F_BOOL, OPT(enable_model_warmup),
     "replay assets.extra/tf_serving_warmup_requests before a version becomes AVAILABLE"},
    {"num_request_iterations_for_warmup", F_INT, OPT(num_request_iterations_for_warmup),
     "run each warmup record N times (default 1; used when > 0)"},
    {"monitoring_config_file", F_STR, OPT(monitoring_config_file),
     "text-format MonitoringConfig (prometheus_config { enable: true path: \"...\" })"},
    {"max_request_bytes", F_SIZE, OPT(max_request_bytes),
     "(modeld) largest accepted request body (larger: 413) or gRPC message (larger: "
     "RESOURCE_EXHAUSTED) (default 64 MiB)"},
    {"per_request_memory_limit", F_SIZE, OPT(per_request_memory_limit),
     "(modeld) memory one request may take for tensors (default 1 GiB)"},
    {"log_level", F_INT, OPT(log_level), "(modeld) 0 debug, 1 info, 2 warning, 3 error"},
    {"shutdown_grace_seconds", F_DOUBLE, OPT(shutdown_grace_seconds),
     "(modeld) on SIGTERM, report not ready (/v2/health/ready) but keep serving this long "
     "before draining, so load balancers stop sending first (default 0)"},
    {"version", F_BOOL, OPT(version), "print the version and exit"},
    {"help", F_BOOL, OPT(help), "print this text and exit"},
    /* TF Serving flags with no meaning here: accepted, warned about. */
    {"enable_batching", F_IGNORED, 0, NULL},
    {"batching_parameters_file", F_IGNORED, 0, NULL},
    {"enable_per_model_batching_parameters", F_IGNORED, 0, NULL},
    {"num_load_threads", F_IGNORED, 0, NULL},
    {"num_unload_threads", F_IGNORED, 0, NULL},
    {"flush_filesystem_caches", F_IGNORED, 0, NULL},
    {"tensorflow_session_config_file", F_IGNORED, 0, NULL},
    {"use_alts_credentials", F_IGNORED, 0, NULL},
    {"ssl_config_file", F_IGNORED, 0, NULL},
    {"platform_config_file", F_IGNORED, 0, NULL},
    {"per_process_gpu_memory_fraction", F_IGNORED, 0, NULL},
    {"remove_unused_fields_from_bundle_metagraph", F_IGNORED, 0, NULL},
    {"prefer_tflite_model", F_IGNORED, 0, NULL},
    {"num_tflite_pools", F_IGNORED, 0, NULL},
    {"num_tflite_interpreters_per_pool", F_IGNORED, 0, NULL},
    {"enable_signature_method_name_check", F_IGNORED, 0, NULL},
    {"xla_cpu_compilation_enabled", F_IGNORED, 0, NULL},
    {"xla_gpu_compilation_enabled", F_IGNORED, 0, NULL},
    {"enable_profiler", F_IGNORED, 0, NULL},
    {"thread_pool_factory_config_file", F_IGNORED, 0, NULL},
    {"mixed_precision", F_IGNORED, 0, NULL},
    {"skip_initialize_tpu", F_IGNORED, 0, NULL},
};

void md_server_options_init(struct md_server_options *o)
{
    memset(o, 0, sizeof *o);
    o->port = 8500;
    o->grpc_socket_path = "";
    o->grpc_channel_arguments = "";
    o->rest_api_port = 8501;
    o->rest_api_bind = "0.0.0.0";
    o->rest_api_timeout_in_ms = 30000;
    o->model_name = "default";
    o->model_base_path = "";
    o->model_config_file = "";
    o->file_system_poll_wait_seconds = 1;
    o->max_num_load_retries = 5;
    o->load_retry_interval_micros = 60000000;
    o->saved_model_tags = "serve";
    o->enable_model_warmup = true;
    o->num_request_iterations_for_warmup = 1;
    o->monitoring_config_file = "";
    o->max_request_bytes = (size_t)64 << 20;
    o->per_request_memory_limit = (size_t)1 << 30;
    o->log_level = 1;
}

void md_server_options_usage(FILE *out)
{
    fprintf(out, "usage: modeld [--flag=value | --flag value]...\n\n"
                 "Serves TensorFlow SavedModels over TF Serving's REST and gRPC APIs. Flags:\n\n");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const struct flag *f = &flags[i];
        if (f->type == F_IGNORED)
            continue;
        static const char *const tname[] = {"int32", "int64", "bool", "string", "float", "bytes", ""};
        fprintf(out, "  --%s (%s)\n      %s\n", f->name, tname[f->type], f->help);
    }
    fprintf(out, "\nAccepted and ignored (TF Serving flags with no effect here):");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].type == F_IGNORED)
            fprintf(out, " --%s", flags[i].name);
    fprintf(out, "\n\nSizes accept K, M, G suffixes (powers of 1024).\n");
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_i64(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return false;
    *out = x;
    return true;
}

static bool parse_size(const char *v, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || v[0] == '-')
        return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end || (shift && x > (ULLONG_MAX >> shift)))
        return false;
    *out = (size_t)(x << shift);
    return true;
}

static bool set_flag(struct md_server_options *o, const struct flag *f, const char *v,
                     struct md_status *st)
{
    char *base = (char *)o;
    char esc[128];
    switch (f->type) {
    case F_INT: {
        int64_t x;
        if (!parse_i64(v, &x) || x < INT_MIN || x > INT_MAX)
            break;
        *(int *)(base + f->offset) = (int)x;
        return true;
    }
    case F_INT64: {
        int64_t x;
        if (!parse_i64(v, &x))
            break;
        *(int64_t *)(base + f->offset) = x;
        return true;
    }
    case F_BOOL: {
        bool b;
        if (!parse_bool(v, &b))
            break;
        *(bool *)(base + f->offset) = b;
        return true;
    }
    case F_STR:
        *(const char **)(base + f->offset) = v;
        return true;
    case F_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(d))
            break;
        *(double *)(base + f->offset) = d;
        return true;
    }
    case F_SIZE: {
        size_t s;
        if (!parse_size(v, &s))
            break;
        *(size_t *)(base + f->offset) = s;
        return true;
    }
    case F_IGNORED:
        md_log_warn("flag --%s is not supported by modeld and is ignored", f->name);
        return true;
    }
    return md_status_set(st, MD_INVALID_ARGUMENT, "invalid value for --%s: '%s'", f->name,
                         md_escape(esc, sizeof esc, v, strlen(v)));
}

bool md_server_options_parse(struct md_server_options *o, int argc, char **argv,
                             struct md_status *st)
{
    char esc[128];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "unexpected argument '%s' (flags look like --name=value)",
                                 md_escape(esc, sizeof esc, a, strlen(a)));
        a += (a[1] == '-') ? 2 : 1;
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const struct flag *f = NULL;
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (strlen(flags[k].name) == nlen && !strncmp(flags[k].name, a, nlen)) {
                f = &flags[k];
                break;
            }
        if (!f)
            return md_status_set(st, MD_INVALID_ARGUMENT, "unknown flag --%s (see --help)",
                                 md_escape(esc, sizeof esc, a, nlen));
        const char *v;
        if (eq) {
            v = eq + 1;
        } else if (f->type == F_BOOL) {
            bool b;
            /* "--flag" alone means true; "--flag false" is accepted too. */
            if (i + 1 < argc && parse_bool(argv[i + 1], &b))
                v = argv[++i];
            else
                v = "true";
        } else if (f->type == F_IGNORED) {
            /* Consume a value if one follows. */
            v = (i + 1 < argc && argv[i + 1][0] != '-') ? argv[++i] : "";
        } else {
            if (i + 1 >= argc)
                return md_status_set(st, MD_INVALID_ARGUMENT, "flag --%s needs a value",
                                     f->name);
            v = argv[++i];
        }
        if (!set_flag(o, f, v, st))
            return false;
    }
    if (o->port < 0 || o->port > 65535)
        return md_status_set(st, MD_INVALID_ARGUMENT, "--port %d is out of range", o->port);
    if (o->rest_api_port < 0 || o->rest_api_port > 65535)
        return md_status_set(st, MD_INVALID_ARGUMENT, "--rest_api_port %d is out of range",
                             o->rest_api_port);
    if (o->rest_api_num_threads < 0 || o->rest_api_num_threads > 1024)
        return md_status_set(st, MD_INVALID_ARGUMENT, "--rest_api_num_threads %d is out of range",
                             o->rest_api_num_threads);
    if (o->max_request_bytes == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "--max_request_bytes must be > 0");
    if (!(o->shutdown_grace_seconds >= 0 && o->shutdown_grace_seconds <= 3600))
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "--shutdown_grace_seconds must be between 0 and 3600");
    return true;
}

/* ------------------------------------------------------- config files */

#define CONFIG_ERR "Error parsing text-format tensorflow.serving.ModelServerConfig: "

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

void md_model_config_cleanup(struct md_model_config *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->base_path);
    free(m->platform);
    free(m->versions);
    for (size_t k = 0; k < m->n_labels; k++)
        free(m->labels[k].label);
    free(m->labels);
    memset(m, 0, sizeof *m);
}

void md_server_config_cleanup(struct md_server_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_models; i++)
        md_model_config_cleanup(&c->models[i]);
    free(c->models);
    c->models = NULL;
    c->n_models = 0;
}

static bool read_file(const char *path, char **data, size_t *len, struct md_status *st)
{
    char esc[256];
    FILE *f = fopen(path, "rb");
    if (!f)
        return md_status_set(st, MD_NOT_FOUND, "cannot open '%s': %s",
                             md_escape(esc, sizeof esc, path, strlen(path)), strerror(errno));
    struct stat sb;
    /* Config files are small; refuse anything absurd rather than read it. */
    if (fstat(fileno(f), &sb) != 0 || sb.st_size > (16 << 20)) {
        fclose(f);
        return md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is not a readable file under 16 MiB",
                             md_escape(esc, sizeof esc, path, strlen(path)));
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        fclose(f);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory reading '%s'",
                             md_escape(esc, sizeof esc, path, strlen(path)));
    }
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return true;
}

static bool copy_model(const Tensorflow__Serving__ModelConfig *src, struct md_model_config *dst,
                       struct md_status *st)
{
    char esc[256];
    memset(dst, 0, sizeof *dst);
    if (!src->name || !src->name[0])
        return md_status_set(st, MD_INVALID_ARGUMENT, "a model config has no name");
    if (strpbrk(src->name, "/:") || strlen(src->name) > 256)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "model name '%s' must not contain '/' or ':' (and be <= 256 bytes)",
                             md_escape(esc, sizeof esc, src->name, strlen(src->name)));
    if (!src->base_path || !src->base_path[0])
        return md_status_set(st, MD_INVALID_ARGUMENT, "model '%s' has no base_path",
                             md_escape(esc, sizeof esc, src->name, strlen(src->name)));
    if (src->model_platform && src->model_platform[0] &&
        strcmp(src->model_platform, "tensorflow") != 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "model '%s': model_platform '%s' is not supported (only \"tensorflow\")",
                             md_escape(esc, sizeof esc, src->name, strlen(src->name)),
                             src->model_platform);
    dst->name = xstrdup(src->name);
    dst->base_path = xstrdup(src->base_path);
    dst->platform = xstrdup("tensorflow");
    dst->policy = MD_POLICY_LATEST;
    dst->num_latest = 1;
    const Tensorflow__Serving__FileSystemStoragePathSourceConfig__ServableVersionPolicy *p =
        src->model_version_policy;
    if (p) {
        switch (p->policy_choice_case) {
        case TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_ALL:
            dst->policy = MD_POLICY_ALL;
            break;
        case TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_SPECIFIC:
            dst->policy = MD_POLICY_SPECIFIC;
            if (p->specific->n_versions == 0)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "model '%s': specific version policy lists no versions",
                                     dst->name);
            dst->versions = malloc(p->specific->n_versions * sizeof *dst->versions);
            if (!dst->versions)
                return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
            memcpy(dst->versions, p->specific->versions,
                   p->specific->n_versions * sizeof *dst->versions);
            dst->n_versions = p->specific->n_versions;
            break;
        case TENSORFLOW__SERVING__FILE_SYSTEM_STORAGE_PATH_SOURCE_CONFIG__SERVABLE_VERSION_POLICY__POLICY_CHOICE_LATEST:
            dst->num_latest = p->latest->num_versions < 1 ? 1 : p->latest->num_versions;
            break;
        default:
            break;
        }
    }
    if (src->n_version_labels) {
        dst->labels = calloc(src->n_version_labels, sizeof *dst->labels);
        if (!dst->labels)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        for (size_t i = 0; i < src->n_version_labels; i++) {
            const Tensorflow__Serving__ModelConfig__VersionLabelsEntry *e = src->version_labels[i];
            const char *key = e->key ? e->key : "";
            if (!key[0])
                return md_status_set(st, MD_INVALID_ARGUMENT, "model '%s': empty version label",
                                     dst->name);
            for (size_t k = 0; k < dst->n_labels; k++)
                if (!strcmp(dst->labels[k].label, key))
                    return md_status_set(st, MD_INVALID_ARGUMENT,
                                         "model '%s': label '%s' given twice", dst->name,
                                         md_escape(esc, sizeof esc, key, strlen(key)));
            dst->labels[dst->n_labels].label = xstrdup(key);
            dst->labels[dst->n_labels].version = e->value;
            dst->n_labels++;
        }
    }
    return true;
}

bool md_server_config_parse(const char *text, size_t len, struct md_server_config *out,
                            struct md_status *st)
{
    memset(out, 0, sizeof *out);
    struct md_status pst = MD_STATUS_INIT;
    Tensorflow__Serving__ModelServerConfig *msg =
        (Tensorflow__Serving__ModelServerConfig *)md_textformat_parse(
            &tensorflow__serving__model_server_config__descriptor, text, len, &pst);
    if (!msg)
        return md_status_set(st, MD_INVALID_ARGUMENT, CONFIG_ERR "%s", pst.msg);
    bool ok = true;
    const Tensorflow__Serving__ModelConfigList *list =
        msg->config_case == TENSORFLOW__SERVING__MODEL_SERVER_CONFIG__CONFIG_MODEL_CONFIG_LIST
            ? msg->model_config_list
            : NULL;
    size_t n = list ? list->n_config : 0;
    if (n) {
        out->models = calloc(n, sizeof *out->models);
        if (!out->models)
            ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    for (size_t i = 0; ok && i < n; i++) {
        ok = copy_model(list->config[i], &out->models[i], &pst);
        out->n_models = i + 1; /* so cleanup frees the partial entry */
        if (!ok)
            md_status_set(st, MD_INVALID_ARGUMENT, CONFIG_ERR "%s", pst.msg);
        for (size_t k = 0; ok && k < i; k++)
            if (!strcmp(out->models[k].name, out->models[i].name))
                ok = md_status_set(st, MD_INVALID_ARGUMENT, CONFIG_ERR "model '%s' appears twice",
                                   out->models[i].name);
    }
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    if (!ok)
        md_server_config_cleanup(out);
    return ok;
}

bool md_server_config_load(const char *path, struct md_server_config *out, struct md_status *st)
{
    char *text;
    size_t len;
    struct md_status fst = MD_STATUS_INIT;
    if (!read_file(path, &text, &len, &fst))
        return md_status_set(st, fst.code, CONFIG_ERR "%s", fst.msg);
    bool ok = md_server_config_parse(text, len, out, st);
    free(text);
    return ok;
}

bool md_server_config_from_options(const struct md_server_options *o,
                                   struct md_server_config *out, struct md_status *st)
{
    memset(out, 0, sizeof *out);
    if (o->model_config_file && o->model_config_file[0])
        return md_server_config_load(o->model_config_file, out, st);
    if (!o->model_base_path || !o->model_base_path[0])
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Both server_model_config_file and model_base_path are empty! "
                             "Pass --model_base_path=<dir> (with --model_name) or "
                             "--model_config_file=<file>");
    if (!o->model_name || !o->model_name[0] || strpbrk(o->model_name, "/:"))
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "--model_name must be non-empty and contain no '/' or ':'");
    out->models = calloc(1, sizeof *out->models);
    if (!out->models)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    out->n_models = 1;
    struct md_model_config *m = &out->models[0];
    m->name = xstrdup(o->model_name);
    m->base_path = xstrdup(o->model_base_path);
    m->platform = xstrdup("tensorflow");
    m->policy = MD_POLICY_LATEST;
    m->num_latest = 1;
    if (!m->name || !m->base_path || !m->platform) {
        md_server_config_cleanup(out);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    return true;
}

bool md_monitoring_config_load(const char *file, char **path, struct md_status *st)
{
    *path = NULL;
    char *text;
    size_t len;
    if (!read_file(file, &text, &len, st))
        return false;
    struct md_status pst = MD_STATUS_INIT;
    Tensorflow__Serving__MonitoringConfig *msg =
        (Tensorflow__Serving__MonitoringConfig *)md_textformat_parse(
            &tensorflow__serving__monitoring_config__descriptor, text, len, &pst);
    free(text);
    if (!msg)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Error parsing text-format tensorflow.serving.MonitoringConfig: %s",
                             pst.msg);
    bool ok = true;
    const Tensorflow__Serving__PrometheusConfig *p = msg->prometheus_config;
    if (p && p->enable) {
        const char *want = (p->path && p->path[0]) ? p->path : "/monitoring/prometheus/metrics";
        if (want[0] != '/')
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "prometheus_config.path must start with '/'");
        else if (!(*path = strdup(want)))
            ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return ok;
}
