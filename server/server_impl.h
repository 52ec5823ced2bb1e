/* server_impl.h: private pieces of server/ shared between its files: the
 * output buffer, the JSON codec (TF Serving's REST shapes) and the router.
 * Nothing here is used outside server/ and tests/server/. */
#ifndef MD_SERVER_IMPL_H
#define MD_SERVER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "server/serve.h"

/* ------------------------------------------------------------ sbuf */
/* Growable byte buffer for response bodies. On OOM it stops growing and
 * sets oom; writers keep going and the caller checks once. single-owner */
struct md_sbuf {
    char *data;
    size_t len, cap;
    bool oom;
};
#define MD_SBUF_INIT { NULL, 0, 0, false }

void md_sbuf_reset(struct md_sbuf *b); /* len = 0, oom = false, memory kept */
void md_sbuf_free(struct md_sbuf *b);
bool md_sbuf_reserve(struct md_sbuf *b, size_t more);
void md_sbuf_put(struct md_sbuf *b, const void *data, size_t len);
void md_sbuf_puts(struct md_sbuf *b, const char *s);
void md_sbuf_putc(struct md_sbuf *b, char c);
void md_sbuf_printf(struct md_sbuf *b, const char *fmt, ...) MD_PRINTF(2, 3);

/* ------------------------------------------------------------ JSON */
/* Request JSON is parsed by our own grammar-checking scanner straight into
 * tensors (no DOM for numeric arrays); error messages follow TF Serving's
 * (rapidjson's "JSON Parse error: Invalid value. at offset: N", ...). */

enum md_json_format { MD_JSON_ROW, MD_JSON_COLUMNAR };

/* Where the parts of a predict body are. Offsets into the body. */
struct md_json_predict {
    const char *signature_name; /* arena copy, "" when absent */
    bool has_instances, has_inputs;
    size_t instances_off, instances_len;
    size_t inputs_off, inputs_len;
};

/* json_decode.c's number parser, shared with the KServe v2 decoder. A JSON
 * number token [s, s+len) (grammar already checked) -> the correctly rounded
 * double: false when it overflows (*out is then +-inf) or, for tokens of
 * 128+ bytes, on out of memory (*out untouched). _float: the correctly
 * rounded float (as strtof; overflow gives +-inf), false only on out of
 * memory. (TF Serving's :predict instead narrows the double, as rapidjson
 * does; the two differ only next to a float halfway point.) thread-safe */
bool md_json_number_to_double(const char *s, size_t len, double *out);
bool md_json_number_to_float(const char *s, size_t len, float *out);

/* Pass 1: checks the whole body is valid JSON (depth <= 256), that it is an
 * object, and finds signature_name / instances / inputs. */
MD_MUST_CHECK bool md_json_predict_scan(const char *body, size_t len, struct md_arena *a,
                                        struct md_json_predict *req, struct md_status *st);
/* Pass 2: decodes instances (row) or inputs (columnar) into one tensor per
 * signature input, data in the arena. *feeds (arena) has sig->n_inputs
 * entries. */
MD_MUST_CHECK bool md_json_predict_decode(const char *body, size_t len,
                                          const struct md_json_predict *req,
                                          const struct md_signature *sig, struct md_arena *a,
                                          struct md_feed **feeds, size_t *n_feeds,
                                          enum md_json_format *format, struct md_status *st);
/* {"predictions": ...} / {"outputs": ...}. */
MD_MUST_CHECK bool md_json_predict_encode(struct md_sbuf *out, enum md_json_format format,
                                          const struct md_serve_output *outs, size_t n,
                                          struct md_status *st);

/* Classify/regress body -> DT_STRING [n] serialized tf.Examples (context
 * prepended to each, which protobuf parsing merges), in the arena.
 * *signature_name is "" when absent. */
MD_MUST_CHECK bool md_json_examples_decode(const char *body, size_t len, struct md_arena *a,
                                           const char **signature_name,
                                           struct md_tensor *examples, struct md_status *st);
MD_MUST_CHECK bool md_json_classify_encode(struct md_sbuf *out,
                                           const struct md_classify_result *r,
                                           struct md_status *st);
MD_MUST_CHECK bool md_json_regress_encode(struct md_sbuf *out, const float *v, size_t n,
                                          struct md_status *st);

/* Writers shared with the model/metadata pages. */
void md_json_write_string(struct md_sbuf *out, const char *s, size_t len);
void md_json_write_float(struct md_sbuf *out, float v);
void md_json_write_double(struct md_sbuf *out, double v);
/* {"error": "<msg>"} */
void md_json_write_error(struct md_sbuf *out, const char *msg);

/* Base64 (standard alphabet, padding optional on input). decode returns
 * the decoded length or -1; dst needs 3 * (len / 4) + 3 bytes. */
long md_base64_decode(const char *src, size_t len, unsigned char *dst);
void md_base64_encode(struct md_sbuf *out, const unsigned char *src, size_t len);

/* ----------------------------------------------------------- routes */
enum md_route_kind {
    MD_ROUTE_STATUS,    /* GET /v1/models/m[/versions/v|/labels/l] */
    MD_ROUTE_METADATA,  /* GET .../metadata */
    MD_ROUTE_PREDICT,   /* POST ...:predict */
    MD_ROUTE_CLASSIFY,  /* POST ...:classify */
    MD_ROUTE_REGRESS,   /* POST ...:regress */
    MD_ROUTE_LIST,      /* GET /v1/models (ours) */
    MD_ROUTE_METRICS,   /* GET <prometheus path> */
    MD_ROUTE_PREFLIGHT, /* OPTIONS with CORS on */
    MD_ROUTE_V2,        /* anything under /v2: server/v2_http.c routes it */
    MD_ROUTE_ERROR,     /* st says why; http_status set */
};

#define MD_ROUTE_NAME_MAX 512

struct md_route {
    enum md_route_kind kind;
    char name[MD_ROUTE_NAME_MAX];  /* URL-unescaped */
    bool has_version;
    int64_t version;
    char label[MD_ROUTE_NAME_MAX]; /* "" for none */
    int http_status;               /* for MD_ROUTE_ERROR */
};

/* Maps method + raw (still %-escaped) path to a route. Always fills r;
 * errors are MD_ROUTE_ERROR with st set (400 Malformed request, 404 for
 * paths outside /v1 and the metrics page, 405 for methods other than
 * GET/POST/OPTIONS). metrics_path may be NULL. */
void md_route_parse(const char *method, const char *path, const char *metrics_path, bool cors,
                    struct md_route *r, struct md_status *st);

/* -------------------------------------------------------- handlers */
/* One REST request, as the handlers see it. The body and the arena belong
 * to the request; the handler fills the metrics fields it learns. */
struct md_req {
    struct md_route route;
    const char *method;
    const char *body;
    size_t body_len;
    struct md_arena *arena;
    struct md_manager *mgr;
    /* for metrics and logs */
    const char *api;       /* "predict", ... ; NULL = not counted */
    /* resolved signature key, copied: the servable that owns the key may be
     * unloaded before the request's metrics are recorded */
    char signature[256];
    int64_t version;       /* served version, -1 if none */
    const char *infer_header; /* KServe v2: Inference-Header-Content-Length or NULL */
};

struct md_resp {
    int status;
    struct md_sbuf *body;
    const char *content_type;
    /* One extra response header (KServe v2: Allow, Inference-Header-Content-Length). */
    const char *header_name;
    char header_value[32];
};

/* bool handler(req, resp, st): on false the caller answers {"error": st.msg}
 * with the mapped HTTP status. */
bool md_http_model_status(struct md_req *req, struct md_resp *resp, struct md_status *st);
bool md_http_model_metadata(struct md_req *req, struct md_resp *resp, struct md_status *st);
bool md_http_model_list(struct md_req *req, struct md_resp *resp, struct md_status *st);
bool md_http_predict(struct md_req *req, struct md_resp *resp, struct md_status *st);
bool md_http_classify(struct md_req *req, struct md_resp *resp, struct md_status *st);
bool md_http_regress(struct md_req *req, struct md_resp *resp, struct md_status *st);

/* ---------------------------------------------------------- warmup */
/* Replays dir/assets.extra/tf_serving_warmup_requests (TFRecord of
 * PredictionLog) on sv, which need not be published yet: each record
 * `iterations` times (< 1: once). A missing file logs "No warmup data file
 * found at ..." and succeeds with *n_records 0. Fails on more than 1000
 * records (INVALID_ARGUMENT), an unparsable record, a framing error
 * (DATA_LOSS) or the first failing request (its status, prefixed with the
 * record). Logs the record count and duration; observes
 * :tensorflow:serving:model_warmup_latency. */
MD_MUST_CHECK bool md_warmup_run(struct md_servable *sv, const char *dir, int iterations,
                                 int *n_records, struct md_status *st);

/* ------------------------------------------------------ JSON pages */
/* Bodies of the status / metadata / list pages (jansson inside). */
MD_MUST_CHECK bool md_json_model_status(struct md_sbuf *out, const struct md_version_status *v,
                                        size_t n, struct md_status *st);
MD_MUST_CHECK bool md_json_model_metadata(struct md_sbuf *out, const char *name, int64_t version,
                                          const struct md_savedmodel *sm, struct md_status *st);
MD_MUST_CHECK bool md_json_model_list(struct md_sbuf *out, struct md_manager *m,
                                      struct md_status *st);

#endif
