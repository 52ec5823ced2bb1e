/* grpc_impl.h: private pieces of the gRPC front end. The method handlers are
 * transport-free (request bytes in, response bytes out), so the server loop
 * (grpc_server.c), the unit tests and the fuzz target drive the same code.
 * Nothing here is used outside server/grpc/, tests/server/grpc/ and
 * tests/fuzz/. */
#ifndef MD_SERVER_GRPC_IMPL_H
#define MD_SERVER_GRPC_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "server/serve.h"
#include "serving_model.pb-c.h"
#include "tensor.pb-c.h"

/* One call as a handler sees it. mgr/arena/options are set by the caller;
 * the handler fills the metrics fields it learns. single-owner */
struct md_grpc_ctx {
    struct md_manager *mgr;
    struct md_arena *arena;      /* reset by the caller before each call */
    bool tensor_content;         /* Predict outputs as tensor_content */
    size_t max_tensor_bytes;     /* cap on one decoded input tensor; 0 = none */
    /* for metrics and logs */
    const char *api;             /* "predict", ...; NULL = not counted */
    const char *model;           /* requested model name (arena) or NULL */
    int64_t version;             /* served version, -1 if none */
    char signature[256];         /* resolved signature key (a copy: the servable
                                  * may be unloaded before metrics are recorded) */
};

/* A serialized response: malloc'd; whoever sends it frees it (the server
 * hands it to gRPC, which calls free when the bytes are on the wire). */
struct md_grpc_reply {
    uint8_t *data;
    size_t len;
};

/* bool handler(ctx, request bytes, reply, st). On false st says why (its
 * code is the gRPC status) and reply is empty. */
typedef bool (*md_grpc_handler)(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                                struct md_grpc_reply *out, struct md_status *st);

struct md_grpc_method {
    const char *path; /* "/tensorflow.serving.PredictionService/Predict" */
    md_grpc_handler handler;
};

enum {
    MD_GRPC_PREDICT,
    MD_GRPC_CLASSIFY,
    MD_GRPC_REGRESS,
    MD_GRPC_MULTI_INFERENCE,
    MD_GRPC_GET_MODEL_METADATA,
    MD_GRPC_GET_MODEL_STATUS,
    MD_GRPC_RELOAD_CONFIG,
    MD_GRPC_HEALTH_CHECK, /* only with --enable_grpc_healthcheck_service */
    /* inference.GRPCInferenceService (KServe v2): server/grpc/v2_grpc.c */
    MD_GRPC_V2_SERVER_LIVE,
    MD_GRPC_V2_SERVER_READY,
    MD_GRPC_V2_MODEL_READY,
    MD_GRPC_V2_SERVER_METADATA,
    MD_GRPC_V2_MODEL_METADATA,
    MD_GRPC_V2_MODEL_INFER,
    MD_GRPC_METHOD_COUNT
};
extern const struct md_grpc_method md_grpc_methods[MD_GRPC_METHOD_COUNT];

bool md_grpc_predict(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                     struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_classify(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                      struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_regress(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                     struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_multi_inference(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                             struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_get_model_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                                struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_get_model_status(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                              struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_reload_config(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                           struct md_grpc_reply *out, struct md_status *st);
bool md_grpc_health_check(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                          struct md_grpc_reply *out, struct md_status *st);

/* KServe v2 (server/grpc/v2_grpc.c). */
bool md_v2_grpc_server_live(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st);
bool md_v2_grpc_server_ready(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                             struct md_grpc_reply *out, struct md_status *st);
bool md_v2_grpc_model_ready(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st);
bool md_v2_grpc_server_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                                struct md_grpc_reply *out, struct md_status *st);
bool md_v2_grpc_model_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                               struct md_grpc_reply *out, struct md_status *st);
bool md_v2_grpc_model_infer(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                            struct md_grpc_reply *out, struct md_status *st);

/* ------------------------------------------------------------ helpers */
/* Unpacks a request message with every allocation in the arena (nothing to
 * free). INVALID_ARGUMENT "cannot parse <type> ..." on malformed bytes,
 * RESOURCE_EXHAUSTED when the arena limit is hit. */
ProtobufCMessage *md_grpc_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                                 size_t len, struct md_arena *a, struct md_status *st);
/* Serializes m into out->data (malloc'd). */
MD_MUST_CHECK bool md_grpc_pack(const ProtobufCMessage *m, struct md_grpc_reply *out,
                                struct md_status *st);
/* A request's ModelSpec -> md_model_spec (pointers into the message).
 * INVALID_ARGUMENT "Missing ModelSpec" / "ModelSpec has no name specified." */
MD_MUST_CHECK bool md_grpc_spec_in(const Tensorflow__Serving__ModelSpec *in,
                                   struct md_model_spec *out, struct md_status *st);
/* The ModelSpec a response echoes: name, version, signature_name (NULL =
 * leave empty). Allocated in the arena. */
Tensorflow__Serving__ModelSpec *md_grpc_spec_out(struct md_arena *a, const char *name,
                                                 int64_t version, const char *signature,
                                                 struct md_status *st);

/* ------------------------------------------------------------ tensors */
/* TensorProto -> owned tensor (md_tensor_from_proto: tensor_content or the
 * typed *_val fields, shorter lists padded with the last value), after
 * checking the decoded size stays under max_bytes (0 = no cap) so that a
 * tiny message cannot ask for a huge zero-filled tensor. thread-safe */
MD_MUST_CHECK bool md_grpc_tensor_from_proto(const Tensorflow__TensorProto *p, size_t max_bytes,
                                             struct md_tensor *out, struct md_status *st);
/* Tensor -> TensorProto as TF Serving returns Predict outputs: dtype, shape
 * and the typed *_val field of the dtype (Tensor::AsProtoField), or with
 * as_content the raw little-endian bytes in tensor_content
 * (Tensor::AsProtoTensorContent; strings as varint lengths then bytes).
 * *p is initialised first. What it points to lives in the arena or is
 * borrowed from t, so t must stay alive until *p is serialized. */
MD_MUST_CHECK bool md_grpc_tensor_to_proto(const struct md_tensor *t, bool as_content,
                                           struct md_arena *a, Tensorflow__TensorProto *p,
                                           struct md_status *st);

#endif
