/* fuzz_grpc_request.c: the gRPC method handlers (server/grpc/) on request
 * bytes. The first input byte picks the method, the rest is the request
 * message, handled as the server would: protobuf decoding into the request
 * arena, ModelSpec, TensorProto and Input decoding, the serve core on the
 * committed example model (examples/half_plus_two/1, loaded once from
 * MD_SRCDIR), response encoding. Low 7 bits of the first byte: the method
 * (index in md_grpc_methods modulo MD_GRPC_METHOD_COUNT, KServe v2 methods
 * included; HandleReloadConfigRequest's slot means the health check); top
 * bit: tensor_content outputs. HandleReloadConfigRequest is left out: its
 * requests name directories to load. Invariants: a failure carries a code
 * and a message and no reply; a reply parses as the method's response type.
 * Seeds (tests/fuzz/corpus/grpc_request/) are requests of every method
 * serialized by the Python stubs, valid and invalid. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/grpc/grpc_impl.h"
#include "grpc_predict_v2.pb-c.h"
#include "serving_classification.pb-c.h"
#include "serving_get_model_metadata.pb-c.h"
#include "serving_get_model_status.pb-c.h"
#include "serving_health.pb-c.h"
#include "serving_inference.pb-c.h"
#include "serving_predict.pb-c.h"
#include "serving_regression.pb-c.h"

#ifndef MD_TEST_SRCDIR
#define MD_TEST_SRCDIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct md_manager *mgr;
static struct md_arena *arena;

static void init(void)
{
    static char path[1024];
    const char *src = getenv("MD_SRCDIR");
    snprintf(path, sizeof path, "%s/examples/half_plus_two", src ? src : MD_TEST_SRCDIR);
    struct md_status st = MD_STATUS_INIT;
    struct md_manager_options o = MD_MANAGER_OPTIONS_INIT;
    o.fs_poll_seconds = 0;
    o.intra_op_threads = 1;
    mgr = md_manager_new(&o, &st);
    struct md_model_config mc = {"half", path, "tensorflow", MD_POLICY_LATEST, 1, NULL, 0, NULL, 0};
    struct md_server_config cfg = {&mc, 1};
    if (!mgr || !md_manager_set_config(mgr, &cfg, &st))
        abort();
    md_manager_poll(mgr);
    /* Small limits keep runs fast; the caps themselves are under test. */
    arena = md_arena_new(0, 16 << 20, &st);
    if (!arena)
        abort();
}

static const ProtobufCMessageDescriptor *response_type(int method)
{
    switch (method) {
    case MD_GRPC_PREDICT: return &tensorflow__serving__predict_response__descriptor;
    case MD_GRPC_CLASSIFY: return &tensorflow__serving__classification_response__descriptor;
    case MD_GRPC_REGRESS: return &tensorflow__serving__regression_response__descriptor;
    case MD_GRPC_MULTI_INFERENCE: return &tensorflow__serving__multi_inference_response__descriptor;
    case MD_GRPC_GET_MODEL_METADATA:
        return &tensorflow__serving__get_model_metadata_response__descriptor;
    case MD_GRPC_HEALTH_CHECK: return &grpc__health__v1__health_check_response__descriptor;
    case MD_GRPC_V2_SERVER_LIVE: return &inference__server_live_response__descriptor;
    case MD_GRPC_V2_SERVER_READY: return &inference__server_ready_response__descriptor;
    case MD_GRPC_V2_MODEL_READY: return &inference__model_ready_response__descriptor;
    case MD_GRPC_V2_SERVER_METADATA: return &inference__server_metadata_response__descriptor;
    case MD_GRPC_V2_MODEL_METADATA: return &inference__model_metadata_response__descriptor;
    case MD_GRPC_V2_MODEL_INFER: return &inference__model_infer_response__descriptor;
    default: return &tensorflow__serving__get_model_status_response__descriptor;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!mgr)
        init();
    if (size < 1)
        return 0;
    /* Low bits: the method (HandleReloadConfigRequest's slot goes to the
     * health check instead); top bit: Predict outputs as tensor_content. */
    int method = (data[0] & 0x7f) % MD_GRPC_METHOD_COUNT;
    if (method == MD_GRPC_RELOAD_CONFIG)
        method = MD_GRPC_HEALTH_CHECK;
    md_arena_reset(arena);
    struct md_status st = MD_STATUS_INIT;
    struct md_grpc_ctx c = {mgr, arena, (data[0] & 0x80) != 0, 8 << 20, NULL, NULL, -1, ""};
    struct md_grpc_reply out = {NULL, 0};
    bool ok = md_grpc_methods[method].handler(&c, data + 1, size - 1, &out, &st);
    if (!ok) {
        if (st.code == MD_OK || !st.msg[0] || out.data)
            __builtin_trap();
        return 0;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(response_type(method), NULL, out.len, out.data);
    if (!m)
        __builtin_trap(); /* a reply that does not parse */
    protobuf_c_message_free_unpacked(m, NULL);
    free(out.data);
    return 0;
}
