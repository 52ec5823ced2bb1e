/* bench/v2_bench: a batch-100 MNIST-CNN request (100x28x28x1 floats)
 * through TF Serving REST (:predict, "instances"), KServe v2 JSON, KServe
 * v2 binary (binary tensor data extension), TF Serving gRPC Predict
 * (tensor_content, as tf.make_tensor_proto of a numpy array sends it) and
 * KServe v2 gRPC ModelInfer (raw_input_contents), in the same run.
 *
 * Part 1, in process: how long each body takes to decode into the input
 * tensor, against the model's own inference time on the same tensor.
 * Part 2, end to end: server/modeld on 127.0.0.1, one client sending the
 * five requests in turn (interleaved rounds; gRPC through the C core client
 * API, one channel), requests/s and mean latency, and decode time as a
 * share of the request. Without libgrpc-dev the gRPC rows show only their
 * in-process decode.
 *
 * usage: v2_bench <keras_mnist_cnn base dir> [rounds] [requests per round]
 * Run from the build directory (it starts ./server/modeld). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grpc_predict_v2.pb-c.h"
#include "serving_predict.pb-c.h"
#include "server/grpc/grpc_impl.h"
#include "server/server_impl.h"
#include "server/v2.h"
#include "tests/server/daemon.h"

#ifdef HAVE_GRPC
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#endif

enum { N = 100, PIX = 784 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct body {
    const char *name;
    const char *path;
    char *data;
    size_t len;
    char headers[128];
    double decode_ms;
    double total_ms;
    int n;
};

enum { NB = 5, GRPC_PREDICT = 3, GRPC_V2 = 4 };

/* Serialized PredictRequest: the images as tensor_content. */
static uint8_t *make_predict(const float *img, size_t *len)
{
    Tensorflow__TensorShapeProto__Dim d[4], *dp[4];
    const int64_t dims[4] = {N, 28, 28, 1};
    for (int i = 0; i < 4; i++) {
        tensorflow__tensor_shape_proto__dim__init(&d[i]);
        d[i].size = dims[i];
        dp[i] = &d[i];
    }
    Tensorflow__TensorShapeProto shape;
    tensorflow__tensor_shape_proto__init(&shape);
    shape.n_dim = 4;
    shape.dim = dp;
    Tensorflow__TensorProto t;
    tensorflow__tensor_proto__init(&t);
    t.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    t.tensor_shape = &shape;
    t.tensor_content.data = (uint8_t *)(uintptr_t)img;
    t.tensor_content.len = (size_t)N * PIX * sizeof(float);
    Tensorflow__Serving__PredictRequest__InputsEntry e;
    tensorflow__serving__predict_request__inputs_entry__init(&e);
    e.key = (char *)(uintptr_t)"conv2d_input";
    e.value = &t;
    Tensorflow__Serving__PredictRequest__InputsEntry *ep = &e;
    Tensorflow__Serving__ModelSpec ms;
    tensorflow__serving__model_spec__init(&ms);
    ms.name = (char *)(uintptr_t)"mnist";
    Tensorflow__Serving__PredictRequest r;
    tensorflow__serving__predict_request__init(&r);
    r.model_spec = &ms;
    r.n_inputs = 1;
    r.inputs = &ep;
    *len = tensorflow__serving__predict_request__get_packed_size(&r);
    uint8_t *b = malloc(*len);
    if (!b)
        exit(1);
    tensorflow__serving__predict_request__pack(&r, b);
    return b;
}

/* Serialized ModelInferRequest: the images in raw_input_contents. */
static uint8_t *make_infer(const float *img, size_t *len)
{
    int64_t shape[4] = {N, 28, 28, 1};
    Inference__ModelInferRequest__InferInputTensor in;
    inference__model_infer_request__infer_input_tensor__init(&in);
    in.name = (char *)(uintptr_t)"conv2d_input";
    in.datatype = (char *)(uintptr_t)"FP32";
    in.n_shape = 4;
    in.shape = shape;
    Inference__ModelInferRequest__InferInputTensor *inp = &in;
    ProtobufCBinaryData raw = {(size_t)N * PIX * sizeof(float), (uint8_t *)(uintptr_t)img};
    Inference__ModelInferRequest r;
    inference__model_infer_request__init(&r);
    r.model_name = (char *)(uintptr_t)"mnist";
    r.n_inputs = 1;
    r.inputs = &inp;
    r.n_raw_input_contents = 1;
    r.raw_input_contents = &raw;
    *len = inference__model_infer_request__get_packed_size(&r);
    uint8_t *b = malloc(*len);
    if (!b)
        exit(1);
    inference__model_infer_request__pack(&r, b);
    return b;
}

/* In process, what the gRPC handlers do before inference: unpack the
 * message and turn the input into a tensor. */
static bool decode_grpc(int k, const struct body *b, struct md_arena *a, struct md_status *st)
{
    if (k == GRPC_PREDICT) {
        Tensorflow__Serving__PredictRequest *r = tensorflow__serving__predict_request__unpack(
            NULL, b->len, (const uint8_t *)b->data);
        if (!r || r->n_inputs != 1)
            return md_status_set(st, MD_INVALID_ARGUMENT, "bad PredictRequest");
        struct md_tensor t = MD_TENSOR_INIT;
        bool ok = md_grpc_tensor_from_proto(r->inputs[0]->value, 0, &t, st);
        md_tensor_cleanup(&t);
        tensorflow__serving__predict_request__free_unpacked(r, NULL);
        return ok;
    }
    Inference__ModelInferRequest *r =
        inference__model_infer_request__unpack(NULL, b->len, (const uint8_t *)b->data);
    if (!r || r->n_inputs != 1 || r->n_raw_input_contents != 1)
        return md_status_set(st, MD_INVALID_ARGUMENT, "bad ModelInferRequest");
    const Inference__ModelInferRequest__InferInputTensor *in = r->inputs[0];
    struct md_tensor t;
    bool ok = md_v2_tensor_from_raw(in->name,
                                    md_v2_datatype_from_name(in->datatype, strlen(in->datatype)),
                                    (int)in->n_shape, in->shape, r->raw_input_contents[0].data,
                                    r->raw_input_contents[0].len, a, &t, st);
    inference__model_infer_request__free_unpacked(r, NULL);
    return ok;
}

static bool send_http(int port, const struct body *b)
{
    struct http_resp r;
    if (!http_do(port, "POST", b->path, b->data, b->len, b->headers[0] ? b->headers : NULL, &r))
        return fprintf(stderr, "%s: no HTTP answer\n", b->name), false;
    bool ok = r.status == 200;
    if (!ok)
        fprintf(stderr, "%s: HTTP %d %.200s\n", b->name, r.status, r.body);
    http_resp_free(&r);
    return ok;
}

#ifdef HAVE_GRPC
/* One unary call on ch; false on any failure. */
static bool grpc_unary(grpc_channel *ch, grpc_completion_queue *cq, const char *method,
                       const struct body *b)
{
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(60, GPR_TIMESPAN));
    grpc_slice m = grpc_slice_from_static_string(method);
    grpc_call *call =
        grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL, deadline, NULL);
    grpc_slice payload = grpc_slice_from_copied_buffer(b->data, b->len);
    grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&payload, 1);
    grpc_slice_unref(payload);
    grpc_byte_buffer *resp = NULL;
    grpc_metadata_array initial, trailing;
    grpc_metadata_array_init(&initial);
    grpc_metadata_array_init(&trailing);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = req;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &resp;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    bool ok = grpc_call_start_batch(call, ops, 6, (void *)(uintptr_t)b, NULL) == GRPC_CALL_OK &&
              grpc_completion_queue_pluck(cq, (void *)(uintptr_t)b, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
                  .success &&
              status == GRPC_STATUS_OK && resp;
    if (!ok) {
        char *d = grpc_slice_to_c_string(details);
        fprintf(stderr, "%s: gRPC status %d: %s\n", b->name, (int)status, d);
        gpr_free(d);
    }
    if (resp)
        grpc_byte_buffer_destroy(resp);
    grpc_byte_buffer_destroy(req);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&initial);
    grpc_metadata_array_destroy(&trailing);
    grpc_call_unref(call);
    return ok;
}
#endif

static char *make_json(const float *img, bool v2, size_t *len)
{
    size_t cap = (size_t)N * PIX * 16 + 512, n = 0;
    char *b = malloc(cap);
    if (!b)
        exit(1);
    if (v2)
        n += (size_t)snprintf(b, cap, "{\"inputs\":[{\"name\":\"conv2d_input\",\"shape\":[%d,28,28,1],"
                                      "\"datatype\":\"FP32\",\"data\":[", N);
    else
        n += (size_t)snprintf(b, cap, "{\"instances\":[");
    for (int i = 0; i < N; i++) {
        if (i)
            b[n++] = ',';
        b[n++] = '[';
        for (int r = 0; r < 28; r++) {
            if (r)
                b[n++] = ',';
            b[n++] = '[';
            for (int c = 0; c < 28; c++)
                n += (size_t)snprintf(b + n, cap - n, "%s[%.6g]", c ? "," : "",
                                      (double)img[i * PIX + r * 28 + c]);
            b[n++] = ']';
        }
        b[n++] = ']';
    }
    n += (size_t)snprintf(b + n, cap - n, v2 ? "]}]}" : "]}");
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: v2_bench <keras_mnist_cnn base dir> [rounds] [requests]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3, per = argc > 3 ? atoi(argv[3]) : 10;
    static float img[N * PIX];
    uint32_t seed = 1;
    for (size_t i = 0; i < N * PIX; i++) {
        seed = seed * 1103515245u + 12345u;
        img[i] = (float)((seed >> 16) & 0xff) / 255.0f;
    }
    struct body b[NB] = {
        {"TF Serving REST (instances)", "/v1/models/mnist:predict", NULL, 0, "", 0, 0, 0},
        {"KServe v2 JSON", "/v2/models/mnist/infer", NULL, 0, "", 0, 0, 0},
        {"KServe v2 binary", "/v2/models/mnist/infer", NULL, 0, "", 0, 0, 0},
        {"TF Serving gRPC Predict", "/tensorflow.serving.PredictionService/Predict", NULL, 0,
         "", 0, 0, 0},
        {"KServe v2 gRPC (raw)", "/inference.GRPCInferenceService/ModelInfer", NULL, 0, "", 0, 0,
         0},
    };
    b[GRPC_PREDICT].data = (char *)make_predict(img, &b[GRPC_PREDICT].len);
    b[GRPC_V2].data = (char *)make_infer(img, &b[GRPC_V2].len);
    b[0].data = make_json(img, false, &b[0].len);
    b[1].data = make_json(img, true, &b[1].len);
    char hdr[400];
    int hl = snprintf(hdr, sizeof hdr,
                      "{\"inputs\":[{\"name\":\"conv2d_input\",\"shape\":[%d,28,28,1],\"datatype\":"
                      "\"FP32\",\"parameters\":{\"binary_data_size\":%zu}}],\"outputs\":[{\"name\":"
                      "\"dense_1\",\"parameters\":{\"binary_data\":true}}]}",
                      N, sizeof img);
    b[2].len = (size_t)hl + sizeof img;
    b[2].data = malloc(b[2].len);
    memcpy(b[2].data, hdr, (size_t)hl);
    memcpy(b[2].data + hl, img, sizeof img);
    snprintf(b[2].headers, sizeof b[2].headers, "Inference-Header-Content-Length: %d\r\n", hl);

    /* ---- part 1: decode vs inference, in process */
    struct md_status st = MD_STATUS_INIT;
    struct md_manager_options mo = MD_MANAGER_OPTIONS_INIT;
    mo.fs_poll_seconds = 0;
    struct md_model_config mc = {(char *)(uintptr_t)"mnist", argv[1],
                                 (char *)(uintptr_t)"tensorflow", MD_POLICY_LATEST, 1,
                                 NULL, 0, NULL, 0};
    struct md_server_config cfg = {&mc, 1};
    struct md_manager *mgr = md_manager_new(&mo, &st);
    if (!mgr || !md_manager_set_config(mgr, &cfg, &st)) {
        fprintf(stderr, "%s\n", st.msg);
        return 1;
    }
    md_manager_poll(mgr);
    struct md_model_spec spec = {"mnist", false, 0, NULL};
    struct md_servable *sv = md_manager_acquire(mgr, &spec, &st);
    if (!sv) {
        fprintf(stderr, "%s\n", st.msg);
        return 1;
    }
    const struct md_signature *sig = md_serve_signature(sv, "", &st);
    struct md_arena *a = md_arena_new(1 << 20, 1u << 30, &st);
    enum { REPS = 10 };
    double infer_ms = 0;
    for (int rep = 0; rep < REPS; rep++) {
        for (int k = 0; k < NB; k++) {
            md_arena_reset(a);
            double t0 = now_ms();
            bool ok;
            if (k >= GRPC_PREDICT) {
                ok = decode_grpc(k, &b[k], a, &st);
            } else if (k == 0) {
                struct md_json_predict jp;
                struct md_feed *feeds;
                size_t nf;
                enum md_json_format fmt;
                ok = md_json_predict_scan(b[0].data, b[0].len, a, &jp, &st) &&
                     md_json_predict_decode(b[0].data, b[0].len, &jp, sig, a, &feeds, &nf, &fmt,
                                            &st);
            } else {
                struct md_v2_request r;
                ok = md_v2_json_decode(b[k].data, b[k].len, k == 2 ? (size_t)hl : b[k].len, a, &r,
                                       &st);
            }
            if (!ok) {
                fprintf(stderr, "%s: %s\n", b[k].name, st.msg);
                return 1;
            }
            b[k].decode_ms += (now_ms() - t0) / REPS;
        }
        md_arena_reset(a);
        struct md_v2_request r;
        if (!md_v2_json_decode(b[2].data, b[2].len, (size_t)hl, a, &r, &st))
            return 1;
        double t0 = now_ms();
        struct md_serve_output *outs;
        size_t n;
        if (!md_v2_infer(sv, &r, a, NULL, &outs, &n, &st)) {
            fprintf(stderr, "infer: %s\n", st.msg);
            return 1;
        }
        infer_ms += (now_ms() - t0) / REPS;
        for (size_t i = 0; i < n; i++)
            md_tensor_cleanup(&outs[i].tensor);
    }
    md_arena_free(a);
    md_servable_release(sv);
    md_manager_free(mgr);

    /* ---- part 2: end to end */
    char cfgpath[] = "/tmp/md_v2_bench_XXXXXX";
    int fd = mkstemp(cfgpath);
    if (fd < 0)
        return 1;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "model_config_list { config { name: \"mnist\" base_path: \"%s\" "
               "model_platform: \"tensorflow\" } }\n", argv[1]);
    fclose(f);
    char cfgarg[1200];
    snprintf(cfgarg, sizeof cfgarg, "--model_config_file=%s", cfgpath);
    /* The gRPC listener too (daemon_start passes --port=0 first; the
     * later flag wins). */
    int gport = free_port();
    char portarg[32];
    snprintf(portarg, sizeof portarg, "--port=%d", gport);
    const char *args[] = {cfgarg, "--rest_api_num_threads=2", "--file_system_poll_wait_seconds=0",
#ifdef HAVE_GRPC
                          portarg,
#endif
                          NULL};
    struct daemon d;
    if (!daemon_start(&d, args)) {
        unlink(cfgpath);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int nk = 3;
#ifdef HAVE_GRPC
    grpc_init();
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", gport);
    grpc_arg ga = {GRPC_ARG_INTEGER, (char *)(uintptr_t)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
                   {.integer = -1}};
    grpc_channel_args gargs = {1, &ga};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(target, creds, &gargs);
    grpc_channel_credentials_release(creds);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    nk = NB;
#define SEND(k)                                                                                \
    ((k) >= GRPC_PREDICT ? grpc_unary(ch, cq, b[k].path, &b[k]) : send_http(d.port, &b[k]))
#else
#define SEND(k) send_http(d.port, &b[k])
#endif
    for (int k = 0; k < nk; k++) /* warm-up */
        if (!SEND(k))
            return 1;
    for (int round = 0; round < rounds; round++)
        for (int k = 0; k < nk; k++) {
            double t0 = now_ms();
            for (int i = 0; i < per; i++)
                if (!SEND(k))
                    return 1;
            b[k].total_ms += now_ms() - t0;
            b[k].n += per;
        }
#ifdef HAVE_GRPC
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_channel_destroy(ch);
    grpc_shutdown();
#endif
    daemon_stop(&d);
    unlink(cfgpath);

    printf("batch %d MNIST CNN (100x28x28x1 FP32), %d rounds x %d requests, 1 client\n", N,
           rounds, per);
    printf("in-process inference: %.2f ms\n\n", infer_ms);
    printf("%-28s %10s %10s %8s %10s %12s %12s\n", "protocol", "body KiB", "decode ms",
           "req/s", "ms/req", "dec/(dec+inf)", "dec/request");
    for (int k = 0; k < NB; k++) {
        if (!b[k].n) {
            printf("%-28s %10.1f %10.3f %8s %10s %11.1f%% %12s\n", b[k].name,
                   (double)b[k].len / 1024, b[k].decode_ms, "-", "-",
                   100 * b[k].decode_ms / (b[k].decode_ms + infer_ms), "(no gRPC)");
            continue;
        }
        double per_req = b[k].total_ms / b[k].n;
        printf("%-28s %10.1f %10.3f %8.2f %10.2f %11.1f%% %11.1f%%\n", b[k].name,
               (double)b[k].len / 1024, b[k].decode_ms, 1000.0 / per_req, per_req,
               100 * b[k].decode_ms / (b[k].decode_ms + infer_ms), 100 * b[k].decode_ms / per_req);
    }
    for (int k = 0; k < NB; k++)
        free(b[k].data);
    return 0;
}
