/* v2.h: the Open Inference Protocol (KServe v2) on modeld's model manager,
 * REST and gRPC, next to TF Serving's API on the same ports.
 *
 *   // REST (server/http.c hands every path under /v2 to this router):
 *   if (md_v2_path(url)) ok = md_v2_http(&req, &resp, &st);
 *
 *   // transport-free core, shared with the gRPC half (server/grpc/v2_grpc.c):
 *   struct md_v2_request r;       // from md_v2_json_decode or a ModelInferRequest
 *   struct md_servable *sv = md_manager_acquire(mgr, &spec, &st);
 *   md_v2_infer(sv, &r, arena, &outs, &n, &st);
 *   ... encode outs ...; md_tensor_cleanup(&outs[i].tensor); md_servable_release(sv);
 *
 * Datatypes map to TensorFlow dtypes through one table (md_v2_datatype*).
 * Readiness: the server is ready when it is not shutting down
 * (md_manager_draining) and every configured model has an AVAILABLE
 * version; a model (version) is ready when it can be acquired.
 *
 * The binary tensor data extension (Triton's): a request body may be a JSON
 * header of Inference-Header-Content-Length bytes followed by raw tensor
 * bytes; inputs with parameters.binary_data_size take theirs from there in
 * order (little-endian, row-major; BYTES elements as a 4-byte little-endian
 * length then the bytes). Outputs asked for with parameters.binary_data
 * (or request parameters.binary_data_output) come back the same way, and
 * the response carries Inference-Header-Content-Length. */
#ifndef MD_SERVER_V2_H
#define MD_SERVER_V2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "server/serve.h"
#include "server/server_impl.h"

#define MD_V2_PLATFORM "tensorflow_savedmodel"
#define MD_V2_SERVER_NAME "modeld"
/* What GET /v2 advertises. */
#define MD_V2_EXTENSIONS "binary_tensor_data"

/* ---------------------------------------------------------- datatypes */
/* "FP32" for DT_FLOAT, ...; NULL for a dtype the protocol cannot carry.
 * Reference dtypes map as their base. thread-safe */
const char *md_v2_datatype_name(int dtype);
/* KServe datatype name (len bytes, case-sensitive as the protocol) ->
 * TensorFlow dtype, MD_DT_INVALID when unknown. thread-safe */
enum md_dtype md_v2_datatype_from_name(const char *name, size_t len);
/* IEEE half <-> float (round to nearest even), for FP16 in JSON. */
uint16_t md_v2_half_from_float(float f);
float md_v2_half_to_float(uint16_t h);

/* ------------------------------------------------------------ requests */
/* One input of an inference request, decoded: the tensor borrows its data
 * from the arena. */
struct md_v2_input {
    const char *name;
    struct md_tensor tensor;
};

/* One requested output. */
struct md_v2_output_req {
    const char *name;
    bool binary; /* parameters.binary_data (REST binary extension) */
};

struct md_v2_request {
    const char *id;             /* NULL when absent */
    const char *signature_name; /* parameters.signature_name, "" default */
    bool binary_output;         /* parameters.binary_data_output: all outputs binary */
    struct md_v2_input *inputs;
    size_t n_inputs;
    struct md_v2_output_req *outputs; /* NULL/0: every output of the signature */
    size_t n_outputs;
};

/* Decodes a REST infer body. json_len is the JSON header's length
 * (Inference-Header-Content-Length; == len when the header is absent), the
 * bytes after it feed inputs with binary_data_size. Everything lands in the
 * arena (strings copied, tensors allocated there). INVALID_ARGUMENT naming
 * the offending input/key on any malformed or inconsistent request.
 * thread-safe (one arena per call) */
MD_MUST_CHECK bool md_v2_json_decode(const char *body, size_t len, size_t json_len,
                                     struct md_arena *a, struct md_v2_request *req,
                                     struct md_status *st);

/* Tests and fuzzing only: off makes md_v2_json_decode skip its single-pass
 * decode of "data" (used when shape and datatype come first), leaving the
 * general two-walk decoder, which must give the same tensors and errors.
 * Default on. Not thread-safe. */
void md_v2_json_set_single_pass(bool on);

/* Runs the request on sv: picks the signature (parameters.signature_name,
 * default serving_default), checks every input's datatype against it,
 * runs md_serve_predict with the outputs filter. *outs (arena) are in the
 * order asked for (signature order when no filter); md_tensor_cleanup each
 * before releasing sv. sig_out (may be NULL) gets the signature used. */
MD_MUST_CHECK bool md_v2_infer(struct md_servable *sv, const struct md_v2_request *req,
                               struct md_arena *a, const struct md_signature **sig_out,
                               struct md_serve_output **outs, size_t *n_outs,
                               struct md_status *st);

/* The REST response. Writes the JSON into out and, for outputs asked as
 * binary, appends their raw bytes after it; *json_len gets the JSON part's
 * length (== out->len when nothing is binary). */
MD_MUST_CHECK bool md_v2_json_encode(struct md_sbuf *out, const char *model, int64_t version,
                                     const struct md_v2_request *req,
                                     const struct md_serve_output *outs, size_t n,
                                     size_t *json_len, struct md_status *st);

/* Raw tensor bytes (binary extension, gRPC raw_input_contents) -> tensor
 * in the arena: n must be exactly the elements' bytes (BYTES: 4-byte
 * little-endian length + bytes per element; the md_str point into data,
 * which must outlive the tensor). INVALID_ARGUMENT naming the input. */
MD_MUST_CHECK bool md_v2_tensor_from_raw(const char *name, enum md_dtype dt, int rank,
                                         const int64_t *dims, const void *data, size_t n,
                                         struct md_arena *a, struct md_tensor *out,
                                         struct md_status *st);
/* The raw layout of t: its size, and writing it to dst (size bytes). */
size_t md_v2_raw_size(const struct md_tensor *t);
void md_v2_raw_write(const struct md_tensor *t, uint8_t *dst);

/* ------------------------------------------------------------ readiness */
/* Not shutting down and every configured model has an AVAILABLE version
 * (a server with no models configured is ready). *why (may be NULL) gets
 * a reason when false. thread-safe */
bool md_v2_server_ready(struct md_manager *m, char *why, size_t cap);
/* The spec'd model (version) is AVAILABLE and the server is not shutting
 * down. thread-safe */
bool md_v2_model_ready(struct md_manager *m, const struct md_model_spec *spec);

/* ---------------------------------------------------------------- REST */
/* True for "/v2" and paths under "/v2/". */
bool md_v2_path(const char *url);
/* Routes and answers one request under /v2 (handler contract of
 * server_impl.h; req->route.name holds nothing on entry). Sets
 * resp->header_name/value for the binary extension. req->body is the raw
 * body; req->infer_header holds the Inference-Header-Content-Length
 * header value or NULL. */
bool md_v2_http(struct md_req *req, const char *path, struct md_resp *resp,
                struct md_status *st);
/* Bodies of the metadata pages (also used by tests). */
MD_MUST_CHECK bool md_v2_json_server_metadata(struct md_sbuf *out, struct md_status *st);
MD_MUST_CHECK bool md_v2_json_model_metadata(struct md_sbuf *out, struct md_manager *m,
                                             struct md_servable *sv, struct md_status *st);

#endif
