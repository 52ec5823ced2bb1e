/* bench/v2_bench: a batch-100 MNIST-CNN request (100x28x28x1 floats)
 * through TF Serving REST (:predict, "instances"), KServe v2 JSON and
 * KServe v2 binary (binary tensor data extension), in the same run.
 *
 * Part 1, in process: how long each body takes to decode into the input
 * tensor, against the model's own inference time on the same tensor.
 * Part 2, end to end: server/modeld on 127.0.0.1, one client sending the
 * three bodies in turn (interleaved rounds), requests/s and mean latency,
 * and decode time as a share of the request.
 *
 * usage: v2_bench <keras_mnist_cnn base dir> [rounds] [requests per round]
 * Run from the build directory (it starts ./server/modeld). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_impl.h"
#include "server/v2.h"
#include "tests/server/daemon.h"

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
    struct body b[3] = {
        {"TF Serving REST (instances)", "/v1/models/mnist:predict", NULL, 0, "", 0, 0, 0},
        {"KServe v2 JSON", "/v2/models/mnist/infer", NULL, 0, "", 0, 0, 0},
        {"KServe v2 binary", "/v2/models/mnist/infer", NULL, 0, "", 0, 0, 0},
    };
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
        for (int k = 0; k < 3; k++) {
            md_arena_reset(a);
            double t0 = now_ms();
            bool ok;
            if (k == 0) {
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
    const char *args[] = {cfgarg, "--rest_api_num_threads=2", "--file_system_poll_wait_seconds=0",
                          NULL};
    struct daemon d;
    if (!daemon_start(&d, args)) {
        unlink(cfgpath);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    for (int k = 0; k < 3; k++) { /* warm-up */
        struct http_resp r;
        if (!http_do(d.port, "POST", b[k].path, b[k].data, b[k].len,
                     b[k].headers[0] ? b[k].headers : NULL, &r) || r.status != 200) {
            fprintf(stderr, "%s: HTTP %d %.200s\n", b[k].name, r.status, r.body);
            return 1;
        }
        http_resp_free(&r);
    }
    for (int round = 0; round < rounds; round++)
        for (int k = 0; k < 3; k++) {
            double t0 = now_ms();
            for (int i = 0; i < per; i++) {
                struct http_resp r;
                if (!http_do(d.port, "POST", b[k].path, b[k].data, b[k].len,
                             b[k].headers[0] ? b[k].headers : NULL, &r) || r.status != 200) {
                    fprintf(stderr, "%s failed\n", b[k].name);
                    return 1;
                }
                http_resp_free(&r);
            }
            b[k].total_ms += now_ms() - t0;
            b[k].n += per;
        }
    daemon_stop(&d);
    unlink(cfgpath);

    printf("batch %d MNIST CNN (100x28x28x1 FP32), %d rounds x %d requests, 1 client\n", N,
           rounds, per);
    printf("in-process inference: %.2f ms\n\n", infer_ms);
    printf("%-28s %10s %10s %8s %10s %12s %12s\n", "protocol", "body KiB", "decode ms",
           "req/s", "ms/req", "dec/(dec+inf)", "dec/request");
    for (int k = 0; k < 3; k++) {
        double per_req = b[k].total_ms / b[k].n;
        printf("%-28s %10.1f %10.3f %8.2f %10.2f %11.1f%% %11.1f%%\n", b[k].name,
               (double)b[k].len / 1024, b[k].decode_ms, 1000.0 / per_req, per_req,
               100 * b[k].decode_ms / (b[k].decode_ms + infer_ms), 100 * b[k].decode_ms / per_req);
    }
    for (int k = 0; k < 3; k++)
        free(b[k].data);
    return 0;
}
