/* grpc_server.h: TF Serving's gRPC API (tensorflow.serving.PredictionService
 * and ModelService) on the gRPC C core, over the same model manager and serve
 * core as the REST listener.
 *
 *   struct md_grpc_options go = MD_GRPC_OPTIONS_INIT;
 *   go.port = 8500;
 *   struct md_grpc *g = md_grpc_start(&go, mgr, &st);   // listening
 *   if (!g) md_log_error("%s", st.msg);
 *   ...
 *   md_grpc_shutdown(g);      // stop accepting; in-flight calls go on
 *   md_http_stop(http, ...);  // (drain REST meanwhile)
 *   md_grpc_stop(g, 30000);   // wait for in-flight calls, then free
 *
 * Methods served (the path is /<package>.<Service>/<Method>):
 *   PredictionService: Predict, Classify, Regress, MultiInference,
 *                      GetModelMetadata
 *   ModelService:      GetModelStatus, HandleReloadConfigRequest
 *   grpc.health.v1.Health: Check (with health_service)
 * Anything else gets UNIMPLEMENTED. Failures carry TF Serving's status codes
 * and messages (NOT_FOUND for unknown models/versions, INVALID_ARGUMENT for
 * bad requests, FAILED_PRECONDITION for an unknown Predict signature, ...).
 *
 * Threads: `threads` workers share one completion queue; each call is
 * handled start to finish by the worker that receives it (one request arena
 * per worker), so at most `threads` calls run at once and the others wait
 * in the queue.
 *
 * This header has no gRPC types, so it can be included when the build has
 * no libgrpc (HAVE_GRPC undefined); the functions exist only when it has.
 */
#ifndef MD_SERVER_GRPC_SERVER_H
#define MD_SERVER_GRPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "server/serve.h"

struct md_grpc_options {
    const char *bind;         /* TCP address to listen on; "0.0.0.0" */
    int port;                 /* TCP port; 0 = any free port; < 0 = no TCP */
    const char *socket_path;  /* "" or a UNIX socket path (--grpc_socket_path) */
    int threads;              /* workers; <= 0 = 4 x CPUs */
    /* TF Serving's --grpc_channel_arguments: "k=v,k=v", integer values when
     * they parse as integers. They override the defaults below, e.g.
     * "grpc.max_receive_message_length=1048576". */
    const char *channel_arguments;
    /* Largest request message accepted (grpc.max_receive_message_length);
     * larger ones fail with RESOURCE_EXHAUSTED before they reach a worker.
     * 0 = INT32_MAX as TF Serving. modeld passes --max_request_bytes. */
    size_t max_receive_bytes;
    size_t per_request_memory_limit; /* request arena cap; 0 = none */
    /* --enable_serialization_as_tensor_content: Predict outputs in
     * tensor_content instead of the typed *_val fields. */
    bool tensor_content;
    /* --enable_grpc_healthcheck_service: grpc.health.v1.Health/Check says
     * SERVING (for "" and both services). */
    bool health_service;
};
#define MD_GRPC_OPTIONS_INIT { "0.0.0.0", 8500, "", 0, "", 0, 0, false, false }

struct md_grpc;

/* Binds, starts the workers and returns the running server, or NULL with
 * st set (UNAVAILABLE when the address cannot be bound, INVALID_ARGUMENT
 * for bad channel arguments). m must outlive the server. init-only */
struct md_grpc *md_grpc_start(const struct md_grpc_options *o, struct md_manager *m,
                              struct md_status *st);
/* The bound TCP port (useful with port 0), or 0 when TCP is off. */
int md_grpc_port(const struct md_grpc *g);
/* Stops accepting calls; calls already received run to completion. Before
 * the listener closes, calls still arriving are given up to 2 s to land
 * (until none arrived for 100 ms), so that a client's call sent just before
 * the shutdown is served rather than cancelled. NULL-safe; idempotent. */
void md_grpc_shutdown(struct md_grpc *g);
/* Shuts down if not done yet, waits up to timeout_ms for in-flight calls,
 * cancels what is left, stops the workers and frees. NULL-safe. */
void md_grpc_stop(struct md_grpc *g, int timeout_ms);

#endif
