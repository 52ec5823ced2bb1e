/* bench/grpc: Predict throughput and latency over gRPC, beside REST, in the
 * same run against the same daemon.
 *
 * Starts server/modeld with both listeners on 127.0.0.1 serving
 * half_plus_two (the committed examples/half_plus_two, TF Serving's model)
 * and, when present, a CNN (default: the Keras MNIST CNN fixture). For each
 * model, concurrency (default 1 and 16) and transport it runs closed-loop
 * clients for --seconds after a short warm-up, each client with its own
 * connection, and prints requests/s, p50 and p99 latency and errors.
 *
 *   gRPC: the C core client API, one channel (own subchannel) and one
 *         completion queue per client; PredictRequest with float_val.
 *   REST: HTTP/1.1 keep-alive, one TCP connection per client;
 *         {"instances": ...} JSON.
 *
 * Both clients run on the same machine as the server, so on a small box
 * they compete with it for CPU: the figures are for comparing the two front
 * ends, not absolute capacity.
 *
 * Usage (from the build directory):
 *   bench/grpc [--modeld server/modeld] [--seconds 3] [--concurrency 1,16]
 *              [--half DIR] [--cnn DIR|none] [--threads N]
 * --threads sets --grpc_max_threads and --rest_api_num_threads (default:
 * modeld's, 4 x CPUs). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serving_predict.pb-c.h"

#ifndef MD_BENCH_SRCDIR
#define MD_BENCH_SRCDIR "."
#endif

#define PREDICT_METHOD "/tensorflow.serving.PredictionService/Predict"

struct model {
    const char *label;  /* printed */
    const char *name;   /* served as */
    const char *input;  /* signature input alias */
    int rank;
    int64_t dims[4];
    uint8_t *grpc_req;  /* serialized PredictRequest */
    size_t grpc_len;
    char *http_req;     /* whole HTTP request */
    size_t http_len;
};

struct client {
    pthread_t th;
    const struct model *m;
    bool grpc;
    int port;
    atomic_bool *stop;
    atomic_bool *record;
    uint32_t *lat; /* microseconds */
    size_t n, cap;
    long errors;
    char err[200];
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void record(struct client *c, int64_t us)
{
    if (!atomic_load(c->record))
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        uint32_t *l = realloc(c->lat, cap * sizeof *l);
        if (!l)
            return;
        c->lat = l;
        c->cap = cap;
    }
    c->lat[c->n++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

/* ------------------------------------------------------------ gRPC */
static void *grpc_client(void *arg)
{
    struct client *c = arg;
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", c->port);
    grpc_arg a[2];
    a[0].type = GRPC_ARG_INTEGER;
    a[0].key = (char *)(uintptr_t)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    a[0].value.integer = 1;
    a[1].type = GRPC_ARG_INTEGER;
    a[1].key = (char *)(uintptr_t)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    a[1].value.integer = -1;
    grpc_channel_args args = {2, a};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(target, creds, &args);
    grpc_channel_credentials_release(creds);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    grpc_slice method = grpc_slice_from_static_string(PREDICT_METHOD);
    grpc_slice payload = grpc_slice_from_copied_buffer((const char *)c->m->grpc_req,
                                                       c->m->grpc_len);
    while (!atomic_load(c->stop)) {
        int64_t t0 = now_us();
        gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                                             gpr_time_from_seconds(30, GPR_TIMESPAN));
        grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method,
                                                   NULL, deadline, NULL);
        grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&payload, 1);
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
        bool ok = grpc_call_start_batch(call, ops, 6, c, NULL) == GRPC_CALL_OK &&
                  grpc_completion_queue_pluck(cq, c, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
                      .success &&
                  status == GRPC_STATUS_OK && resp;
        if (ok)
            record(c, now_us() - t0);
        else if (atomic_load(c->record)) {
            c->errors++;
            char *d = grpc_slice_to_c_string(details);
            snprintf(c->err, sizeof c->err, "gRPC status %d: %s", (int)status, d);
            gpr_free(d);
        }
        if (resp)
            grpc_byte_buffer_destroy(resp);
        grpc_byte_buffer_destroy(req);
        grpc_slice_unref(details);
        grpc_metadata_array_destroy(&initial);
        grpc_metadata_array_destroy(&trailing);
        grpc_call_unref(call);
    }
    grpc_slice_unref(payload);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_channel_destroy(ch);
    return NULL;
}

/* ------------------------------------------------------------ REST */
static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads one HTTP response; returns its status (0 on error). *keep is false
 * when the server closes the connection. */
static int read_response(int fd, char **buf, size_t *cap, bool *keep)
{
    size_t len = 0;
    char *hdr_end = NULL;
    for (;;) {
        if (len + 1 >= *cap) {
            size_t nc = *cap ? *cap * 2 : 65536;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return 0;
            *buf = nb;
            *cap = nc;
        }
        ssize_t r = recv(fd, *buf + len, *cap - len - 1, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        (*buf)[len] = '\0';
        if ((hdr_end = strstr(*buf, "\r\n\r\n")))
            break;
    }
    int status = atoi(*buf + 9);
    const char *cl = strcasestr(*buf, "\r\nContent-Length:");
    size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0;
    *keep = !strcasestr(*buf, "\r\nConnection: close");
    size_t want = (size_t)(hdr_end + 4 - *buf) + body;
    while (len < want) {
        if (len + 1 >= *cap) {
            size_t nc = want + 1;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return 0;
            *buf = nb;
            *cap = nc;
        }
        ssize_t r = recv(fd, *buf + len, *cap - len - 1, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
    }
    return status;
}

static void *rest_client(void *arg)
{
    struct client *c = arg;
    int fd = -1;
    char *buf = NULL;
    size_t cap = 0;
    while (!atomic_load(c->stop)) {
        int64_t t0 = now_us();
        if (fd < 0)
            fd = connect_to(c->port);
        bool keep = false;
        int status = 0;
        if (fd >= 0 && write_all(fd, c->m->http_req, c->m->http_len))
            status = read_response(fd, &buf, &cap, &keep);
        if (status == 200)
            record(c, now_us() - t0);
        else if (atomic_load(c->record)) {
            c->errors++;
            snprintf(c->err, sizeof c->err, "HTTP status %d", status);
        }
        if (!keep || status == 0) {
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* ------------------------------------------------------------ requests */
static void build(struct model *m, const char *host_name)
{
    int64_t n = 1;
    for (int i = 0; i < m->rank; i++)
        n *= m->dims[i];
    float *v = malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)(i % 97) / 97.0f;
    /* gRPC: typed float_val, as Python clients built with make_tensor_proto
     * of a list send them. */
    Tensorflow__TensorShapeProto__Dim d[4], *dp[4];
    for (int i = 0; i < m->rank; i++) {
        tensorflow__tensor_shape_proto__dim__init(&d[i]);
        d[i].size = m->dims[i];
        dp[i] = &d[i];
    }
    Tensorflow__TensorShapeProto shape;
    tensorflow__tensor_shape_proto__init(&shape);
    shape.n_dim = (size_t)m->rank;
    shape.dim = dp;
    Tensorflow__TensorProto t;
    tensorflow__tensor_proto__init(&t);
    t.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    t.tensor_shape = &shape;
    t.n_float_val = (size_t)n;
    t.float_val = v;
    Tensorflow__Serving__PredictRequest__InputsEntry e;
    tensorflow__serving__predict_request__inputs_entry__init(&e);
    e.key = (char *)(uintptr_t)m->input;
    e.value = &t;
    Tensorflow__Serving__PredictRequest__InputsEntry *ep = &e;
    Tensorflow__Serving__ModelSpec ms;
    tensorflow__serving__model_spec__init(&ms);
    ms.name = (char *)(uintptr_t)m->name;
    Tensorflow__Serving__PredictRequest r;
    tensorflow__serving__predict_request__init(&r);
    r.model_spec = &ms;
    r.n_inputs = 1;
    r.inputs = &ep;
    m->grpc_len = tensorflow__serving__predict_request__get_packed_size(&r);
    m->grpc_req = malloc(m->grpc_len);
    tensorflow__serving__predict_request__pack(&r, m->grpc_req);

    /* REST: {"instances": <nested lists without the batch dim>} of one row. */
    size_t cap = (size_t)n * 16 + 256, len = 0;
    char *json = malloc(cap);
    len += (size_t)sprintf(json + len, "{\"instances\": ");
    int64_t idx[4] = {0};
    for (int k = 0; k < m->rank; k++)
        json[len++] = '[';
    for (int64_t i = 0; i < n; i++) {
        len += (size_t)sprintf(json + len, "%.6g", (double)v[i]);
        int k = m->rank - 1;
        while (k >= 0 && ++idx[k] == m->dims[k]) {
            idx[k] = 0;
            json[len++] = ']';
            k--;
        }
        if (k >= 0) {
            json[len++] = ',';
            for (int j = k + 1; j < m->rank; j++)
                json[len++] = '[';
        }
    }
    len += (size_t)sprintf(json + len, "}");
    m->http_req = malloc(len + 512);
    m->http_len = (size_t)sprintf(m->http_req,
                                  "POST /v1/models/%s:predict HTTP/1.1\r\nHost: %s\r\n"
                                  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                                  m->name, host_name, len);
    memcpy(m->http_req + m->http_len, json, len);
    m->http_len += len;
    free(json);
    free(v);
}

/* ------------------------------------------------------------ daemon */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static bool http_ok(int port, const char *path)
{
    int fd = connect_to(port);
    if (fd < 0)
        return false;
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     path);
    char *buf = NULL;
    size_t cap = 0;
    bool keep;
    bool ok = write_all(fd, req, (size_t)n) && read_response(fd, &buf, &cap, &keep) == 200 &&
              strstr(buf, "AVAILABLE");
    free(buf);
    close(fd);
    return ok;
}

/* CPU time (user + system) the server process has used, in microseconds. */
static int64_t proc_cpu_us(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* fields after the command name */
    unsigned long long ut = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                     &stime) != 2)
        return 0;
    return (int64_t)((ut + stime) * 1000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void run(const struct model *m, bool grpc, int port, int conc, double seconds,
                pid_t server)
{
    atomic_bool stop = false, rec = false;
    struct client *cl = calloc((size_t)conc, sizeof *cl);
    for (int i = 0; i < conc; i++) {
        cl[i].m = m;
        cl[i].grpc = grpc;
        cl[i].port = port;
        cl[i].stop = &stop;
        cl[i].record = &rec;
        pthread_create(&cl[i].th, NULL, grpc ? grpc_client : rest_client, &cl[i]);
    }
    sleep_ms(400); /* connect, warm up */
    int64_t t0 = now_us(), c0 = proc_cpu_us(server);
    atomic_store(&rec, true);
    sleep_ms((int)(seconds * 1000));
    atomic_store(&rec, false);
    int64_t t1 = now_us(), c1 = proc_cpu_us(server);
    atomic_store(&stop, true);
    size_t total = 0;
    long errors = 0;
    const char *err = NULL;
    for (int i = 0; i < conc; i++) {
        pthread_join(cl[i].th, NULL);
        total += cl[i].n;
        errors += cl[i].errors;
        if (cl[i].errors && !err)
            err = cl[i].err;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < conc; i++) {
        memcpy(all + k, cl[i].lat, cl[i].n * sizeof *all);
        k += cl[i].n;
    }
    qsort(all, total, sizeof *all, cmp_u32);
    double rps = (double)total / ((double)(t1 - t0) / 1e6);
    uint32_t p50 = total ? all[total / 2] : 0;
    uint32_t p99 = total ? all[(size_t)((double)total * 0.99)] : 0;
    double cpu = total ? (double)(c1 - c0) / (double)total : 0;
    printf("%-14s %5d  %-5s %10.0f %10u %10u %12.1f %7ld%s%s\n", m->label, conc,
           grpc ? "gRPC" : "REST", rps, p50, p99, cpu, errors, err ? "  " : "",
           err ? err : "");
    fflush(stdout);
    for (int i = 0; i < conc; i++)
        free(cl[i].lat);
    free(all);
    free(cl);
}

int main(int argc, char **argv)
{
    const char *modeld = "server/modeld";
    double seconds = 3;
    char conc_list[64] = "1,16";
    const char *src = getenv("MD_SRCDIR") ? getenv("MD_SRCDIR") : MD_BENCH_SRCDIR;
    char half[1024], cnn[1024];
    snprintf(half, sizeof half, "%s/examples/half_plus_two", src);
    snprintf(cnn, sizeof cnn, "%s/../shared/fixtures/savedmodels/keras_mnist_cnn", src);
    int threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--modeld") && v)
            modeld = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && v)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--concurrency") && v)
            snprintf(conc_list, sizeof conc_list, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--half") && v)
            snprintf(half, sizeof half, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--cnn") && v)
            snprintf(cnn, sizeof cnn, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--threads") && v)
            threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--modeld PATH] [--seconds S] [--concurrency 1,16] "
                            "[--half DIR] [--cnn DIR|none] [--threads N]\n",
                    argv[0]);
            return 2;
        }
    }
    struct stat sb;
    bool have_cnn = strcmp(cnn, "none") && stat(cnn, &sb) == 0;
    signal(SIGPIPE, SIG_IGN);

    char cfg_path[] = "/tmp/md_bench_grpc_XXXXXX";
    int cfd = mkstemp(cfg_path);
    if (cfd < 0)
        return 1;
    FILE *cf = fdopen(cfd, "w");
    fprintf(cf, "model_config_list {\n  config { name: \"half\" base_path: \"%s\" "
                "model_platform: \"tensorflow\" }\n",
            half);
    if (have_cnn)
        fprintf(cf, "  config { name: \"cnn\" base_path: \"%s\" model_platform: \"tensorflow\" }\n",
                cnn);
    fprintf(cf, "}\n");
    fclose(cf);

    int gport = free_port(), rport = free_port();
    char a_port[32], a_rport[32], a_cfg[1100], a_gt[48], a_rt[48];
    snprintf(a_port, sizeof a_port, "--port=%d", gport);
    snprintf(a_rport, sizeof a_rport, "--rest_api_port=%d", rport);
    snprintf(a_cfg, sizeof a_cfg, "--model_config_file=%s", cfg_path);
    snprintf(a_gt, sizeof a_gt, "--grpc_max_threads=%d", threads);
    snprintf(a_rt, sizeof a_rt, "--rest_api_num_threads=%d", threads);
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        dup2(dn, 2);
        const char *av[] = {modeld, a_port, a_rport, "--rest_api_bind=127.0.0.1", a_cfg,
                            "--file_system_poll_wait_seconds=0", "--log_level=2",
                            threads ? a_gt : NULL, a_rt, NULL};
        execv(modeld, (char *const *)(uintptr_t)av);
        _exit(127);
    }
    bool up = false;
    for (int i = 0; i < 300 && !up; i++) {
        sleep_ms(100);
        up = http_ok(rport, "/v1/models/half") && (!have_cnn || http_ok(rport, "/v1/models/cnn"));
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            fprintf(stderr, "bench/grpc: %s exited during start-up\n", modeld);
            unlink(cfg_path);
            return 1;
        }
    }
    if (!up) {
        fprintf(stderr, "bench/grpc: models did not become AVAILABLE\n");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        unlink(cfg_path);
        return 1;
    }
    grpc_init();

    struct model models[2] = {
        {"half_plus_two", "half", "x", 2, {1, 1, 0, 0}, NULL, 0, NULL, 0},
        {"mnist_cnn", "cnn", "conv2d_input", 4, {1, 28, 28, 1}, NULL, 0, NULL, 0},
    };
    int n_models = have_cnn ? 2 : 1;
    for (int i = 0; i < n_models; i++)
        build(&models[i], "127.0.0.1");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("bench/grpc: Predict, batch 1, %.1f s per row, %ld CPUs shared by clients and "
           "server, server threads %s\n",
           seconds, ncpu, threads ? a_gt + 19 : "default (4 x CPUs)");
    printf("%-14s %5s  %-5s %10s %10s %10s %12s %7s\n", "model", "conc", "api", "req/s",
           "p50_us", "p99_us", "srv_cpu_us/r", "errors");
    for (int i = 0; i < n_models; i++) {
        char list[64];
        snprintf(list, sizeof list, "%s", conc_list);
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int conc = atoi(t);
            if (conc < 1)
                continue;
            run(&models[i], true, gport, conc, seconds, pid);
            run(&models[i], false, rport, conc, seconds, pid);
        }
    }
    for (int i = 0; i < n_models; i++) {
        free(models[i].grpc_req);
        free(models[i].http_req);
    }
    grpc_shutdown();
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    unlink(cfg_path);
    return 0;
}
