/* grpc_call.c: the method table and what every handler shares: protobuf
 * decoding into the request arena, encoding, ModelSpec in and out. */
#include <stdlib.h>
#include <string.h>

#include "server/grpc/grpc_impl.h"

/* Keep in sync with tensorflow_serving/apis/{prediction,model}_service.proto. */
const struct md_grpc_method md_grpc_methods[MD_GRPC_METHOD_COUNT] = {
    [MD_GRPC_PREDICT] = {"/tensorflow.serving.PredictionService/Predict", md_grpc_predict},
    [MD_GRPC_CLASSIFY] = {"/tensorflow.serving.PredictionService/Classify", md_grpc_classify},
    [MD_GRPC_REGRESS] = {"/tensorflow.serving.PredictionService/Regress", md_grpc_regress},
    [MD_GRPC_MULTI_INFERENCE] = {"/tensorflow.serving.PredictionService/MultiInference",
                                 md_grpc_multi_inference},
    [MD_GRPC_GET_MODEL_METADATA] = {"/tensorflow.serving.PredictionService/GetModelMetadata",
                                    md_grpc_get_model_metadata},
    [MD_GRPC_GET_MODEL_STATUS] = {"/tensorflow.serving.ModelService/GetModelStatus",
                                  md_grpc_get_model_status},
    [MD_GRPC_RELOAD_CONFIG] = {"/tensorflow.serving.ModelService/HandleReloadConfigRequest",
                               md_grpc_reload_config},
    [MD_GRPC_HEALTH_CHECK] = {"/grpc.health.v1.Health/Check", md_grpc_health_check},
    /* KServe v2: server/grpc/v2_grpc.c */
    [MD_GRPC_V2_SERVER_LIVE] = {"/inference.GRPCInferenceService/ServerLive",
                                md_v2_grpc_server_live},
    [MD_GRPC_V2_SERVER_READY] = {"/inference.GRPCInferenceService/ServerReady",
                                 md_v2_grpc_server_ready},
    [MD_GRPC_V2_MODEL_READY] = {"/inference.GRPCInferenceService/ModelReady",
                                md_v2_grpc_model_ready},
    [MD_GRPC_V2_SERVER_METADATA] = {"/inference.GRPCInferenceService/ServerMetadata",
                                    md_v2_grpc_server_metadata},
    [MD_GRPC_V2_MODEL_METADATA] = {"/inference.GRPCInferenceService/ModelMetadata",
                                   md_v2_grpc_model_metadata},
    [MD_GRPC_V2_MODEL_INFER] = {"/inference.GRPCInferenceService/ModelInfer",
                                md_v2_grpc_model_infer},
};

/* protobuf-c allocator over the request arena: nothing is freed one by one,
 * md_arena_reset drops it all, and the arena limit caps a request. */
struct pb_arena {
    struct md_arena *arena;
    struct md_status st;
};

static void *pb_alloc(void *ud, size_t size)
{
    struct pb_arena *p = ud;
    return md_arena_alloc(p->arena, size, &p->st);
}

static void pb_free(void *ud, void *ptr)
{
    (void)ud;
    (void)ptr;
}

ProtobufCMessage *md_grpc_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                                 size_t len, struct md_arena *a, struct md_status *st)
{
    struct pb_arena pa = {a, MD_STATUS_INIT};
    ProtobufCAllocator alloc = {pb_alloc, pb_free, &pa};
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &alloc, len, data ? data : (const uint8_t *)"");
    if (m)
        return m;
    if (pa.st.code != MD_OK) {
        md_status_set(st, pa.st.code, "decoding %s: %s", d->name, pa.st.msg);
        return NULL;
    }
    md_status_set(st, MD_INVALID_ARGUMENT, "cannot parse the request as a %s message (%zu bytes)",
                  d->name, len);
    return NULL;
}

bool md_grpc_pack(const ProtobufCMessage *m, struct md_grpc_reply *out, struct md_status *st)
{
    out->data = NULL;
    out->len = 0;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory encoding a %zu-byte %s",
                             n, m->descriptor->name);
    out->len = protobuf_c_message_pack(m, buf);
    out->data = buf;
    return true;
}

bool md_grpc_spec_in(const Tensorflow__Serving__ModelSpec *in, struct md_model_spec *out,
                     struct md_status *st)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Missing ModelSpec");
    if (!in->name || !in->name[0])
        return md_status_set(st, MD_INVALID_ARGUMENT, "ModelSpec has no name specified");
    out->name = in->name;
    switch (in->version_choice_case) {
    case TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION:
        out->has_version = true;
        out->version = in->version ? in->version->value : 0;
        break;
    case TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION_LABEL:
        out->label = in->version_label && in->version_label[0] ? in->version_label : NULL;
        break;
    default:
        break;
    }
    return true;
}

static char *arena_strdup(struct md_arena *a, const char *s, struct md_status *st)
{
    size_t n = strlen(s);
    char *d = md_arena_alloc(a, n + 1, st);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

Tensorflow__Serving__ModelSpec *md_grpc_spec_out(struct md_arena *a, const char *name,
                                                 int64_t version, const char *signature,
                                                 struct md_status *st)
{
    Tensorflow__Serving__ModelSpec *ms = md_arena_alloc(a, sizeof *ms, st);
    Google__Protobuf__Int64Value *v = md_arena_alloc(a, sizeof *v, st);
    if (!ms || !v)
        return NULL;
    tensorflow__serving__model_spec__init(ms);
    google__protobuf__int64_value__init(v);
    if (!(ms->name = arena_strdup(a, name ? name : "", st)))
        return NULL;
    if (signature && !(ms->signature_name = arena_strdup(a, signature, st)))
        return NULL;
    v->value = version;
    ms->version_choice_case = TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION;
    ms->version = v;
    return ms;
}
