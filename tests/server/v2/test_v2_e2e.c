/* test_v2_e2e.c: KServe v2 REST on the real daemon (127.0.0.1).
 *
 * Health, server and model metadata, infer on half_plus_two (JSON, the
 * outputs filter, id, parameters.signature_name), the error catalogue,
 * the binary tensor data extension on the MNIST CNN (same numbers as JSON),
 * readiness while a new version loads and when the config adds a model
 * with no version yet, and readiness after SIGTERM (false while still
 * serving, with --shutdown_grace_seconds). Exit 77 without the fixtures. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/server/daemon.h"

static char fixtures[1024];
static char tmpdir[256];
static char config_path[512];
static struct daemon dm;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static void write_file(const char *path, const char *text)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0);
}

static struct http_resp call(int port, const char *method, const char *path, const char *body)
{
    struct http_resp r;
    if (!http_do(port, method, path, body, body ? strlen(body) : 0, NULL, &r))
        fail_msg("%s %s: no HTTP response", method, path);
    return r;
}

static int status_of(int port, const char *method, const char *path, const char *body)
{
    struct http_resp r = call(port, method, path, body);
    int s = r.status;
    http_resp_free(&r);
    return s;
}

static json_t *json_of(const struct http_resp *r)
{
    json_error_t e;
    json_t *j = json_loadb(r->body, r->len, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %.200s", e.text, r->body);
    return j;
}

/* Expects status and an {"error": ...} containing substr. */
static void expect_error(const char *method, const char *path, const char *body, int status,
                         const char *substr)
{
    struct http_resp r = call(dm.port, method, path, body);
    if (r.status != status || !strstr(r.body, substr))
        fail_msg("%s %s: got %d %s, want %d with '%s'", method, path, r.status, r.body, status,
                 substr);
    json_t *j = json_of(&r);
    assert_true(json_is_string(json_object_get(j, "error")));
    json_decref(j);
    http_resp_free(&r);
}

static void expect_body(const char *method, const char *path, const char *body, int status,
                        const char *want)
{
    struct http_resp r = call(dm.port, method, path, body);
    if (r.status != status || strcmp(r.body, want))
        fail_msg("%s %s: got %d %s, want %d %s", method, path, r.status, r.body, status, want);
    http_resp_free(&r);
}

/* ------------------------------------------------------------ fixtures */
static int group_setup(void **state)
{
    (void)state;
    char cfg[4096];
    snprintf(config_path, sizeof config_path, "%s/models.config", tmpdir);
    snprintf(cfg, sizeof cfg,
             "model_config_list {\n"
             "  config { name: \"half\" base_path: \"%s/saved_model_half_plus_two_2_versions\" "
             "model_platform: \"tensorflow\" model_version_policy { all {} } }\n"
             "  config { name: \"mnist\" base_path: \"%s/keras_mnist_cnn\" "
             "model_platform: \"tensorflow\" }\n"
             "}\n",
             fixtures, fixtures);
    write_file(config_path, cfg);
    char arg[700];
    snprintf(arg, sizeof arg, "--model_config_file=%s", config_path);
    const char *args[] = {arg, "--file_system_poll_wait_seconds=0", NULL};
    return daemon_start(&dm, args) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return daemon_stop(&dm) == 0 ? 0 : -1;
}

/* -------------------------------------------------------------- tests */
static void test_health_and_metadata(void **state)
{
    (void)state;
    expect_body("GET", "/v2/health/live", NULL, 200, "{\"live\":true}");
    expect_body("GET", "/v2/health/ready", NULL, 200, "{\"ready\":true}");
    expect_body("GET", "/v2/models/half/ready", NULL, 200, "{\"ready\":true}");
    expect_body("GET", "/v2/models/half/versions/123/ready", NULL, 200, "{\"ready\":true}");
    expect_body("GET", "/v2/models/half/versions/125/ready", NULL, 400, "{\"ready\":false}");
    expect_error("GET", "/v2/models/nope/ready", NULL, 404,
                 "Servable not found for request: Latest(nope)");

    struct http_resp r = call(dm.port, "GET", "/v2", NULL);
    assert_int_equal(r.status, 200);
    json_t *j = json_of(&r);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "modeld");
    assert_true(json_is_string(json_object_get(j, "version")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "extensions"), 0)),
                        "binary_tensor_data");
    json_decref(j);
    http_resp_free(&r);

    expect_body("GET", "/v2/models/half", NULL, 200,
                "{\"name\":\"half\",\"versions\":[\"124\",\"123\"],\"platform\":"
                "\"tensorflow_savedmodel\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\","
                "\"shape\":[-1,1]}],\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                "\"shape\":[-1,1]}]}");
    expect_body("GET", "/v2/models/half/versions/123", NULL, 200,
                "{\"name\":\"half\",\"versions\":[\"124\",\"123\"],\"platform\":"
                "\"tensorflow_savedmodel\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\","
                "\"shape\":[-1,1]}],\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                "\"shape\":[-1,1]}]}");
    expect_body("GET", "/v2/models/mnist", NULL, 200,
                "{\"name\":\"mnist\",\"versions\":[\"1\"],\"platform\":\"tensorflow_savedmodel\","
                "\"inputs\":[{\"name\":\"conv2d_input\",\"datatype\":\"FP32\",\"shape\":[-1,28,"
                "28,1]}],\"outputs\":[{\"name\":\"dense_1\",\"datatype\":\"FP32\",\"shape\":"
                "[-1,10]}]}");
    /* The TF Serving API is still there, on the same port. */
    assert_int_equal(status_of(dm.port, "GET", "/v1/models/half", NULL), 200);
}

static void test_infer_json(void **state)
{
    (void)state;
    expect_body("POST", "/v2/models/half/infer",
                "{\"id\":\"req-1\",\"inputs\":[{\"name\":\"x\",\"shape\":[3,1],\"datatype\":"
                "\"FP32\",\"data\":[[1.0],[2.0],[5.0]]}]}",
                200,
                "{\"model_name\":\"half\",\"model_version\":\"124\",\"id\":\"req-1\",\"outputs\":"
                "[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[3,1],\"data\":[2.5,3.0,4.5]}]}");
    /* Flat data, a pinned version, the outputs filter. */
    expect_body("POST", "/v2/models/half/versions/123/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,1],\"datatype\":\"FP32\",\"data\":"
                "[1,2]}],\"outputs\":[{\"name\":\"y\"}]}",
                200,
                "{\"model_name\":\"half\",\"model_version\":\"123\",\"outputs\":[{\"name\":\"y\","
                "\"datatype\":\"FP32\",\"shape\":[2,1],\"data\":[2.5,3.0]}]}");
    /* Another signature: y3 = 0.5 * x2 + 3. */
    expect_body("POST", "/v2/models/half/infer",
                "{\"parameters\":{\"signature_name\":\"regress_x2_to_y3\"},\"inputs\":[{\"name\":"
                "\"inputs\",\"shape\":[2,1],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
                200,
                "{\"model_name\":\"half\",\"model_version\":\"124\",\"outputs\":[{\"name\":"
                "\"outputs\",\"datatype\":\"FP32\",\"shape\":[2,1],\"data\":[3.5,4.0]}]}");
}

static void test_errors(void **state)
{
    (void)state;
    const char *ok = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\","
                     "\"data\":[1]}]}";
    expect_error("POST", "/v2/models/nope/infer", ok, 404,
                 "Servable not found for request: Latest(nope)");
    expect_error("POST", "/v2/models/half/versions/9/infer", ok, 404,
                 "Servable not found for request: Specific(half, 9)");
    expect_error("GET", "/v2/models/half/versions/9", NULL, 404, "Specific(half, 9)");
    expect_error("GET", "/v2/models/half/versions/x1", NULL, 400,
                 "Failed to convert version: x1 to numeric.");
    expect_error("POST", "/v2/models/half/infer", "{\"inputs\":[", 400, "JSON parse error");
    expect_error("POST", "/v2/models/half/infer", "{}", 400, "missing 'inputs'");
    expect_error("POST", "/v2/models/half/infer",
                 "{\"inputs\":[{\"name\":\"z\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                 400, "Sent extra: {z}. Missing but required: {x}.");
    expect_error("POST", "/v2/models/half/infer",
                 "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1]}]}",
                 400, "input 'x': datatype INT32 does not match the model's FP32");
    expect_error("POST", "/v2/models/half/infer",
                 "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1]}],"
                 "\"outputs\":[{\"name\":\"q\"}]}",
                 400, "output tensor alias not found in signature: q");
    expect_error("POST", "/v2/models/half/infer",
                 "{\"parameters\":{\"signature_name\":\"nosuch\"},\"inputs\":[]}", 400,
                 "Serving signature name: \\\"nosuch\\\" not found in signature def");
    expect_error("POST", "/v2/models/half/infer",
                 "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                 400, "needs 2 elements, data has 1");
    expect_error("GET", "/v2/models/half/infer", NULL, 405, "Method GET not allowed");
    expect_error("POST", "/v2/models/half", ok, 405, "Method POST not allowed");
    expect_error("POST", "/v2/health/ready", NULL, 405, "Method POST not allowed");
    expect_error("GET", "/v2/repository/index", NULL, 404, "Not found: /v2/repository/index");
    expect_error("GET", "/v2/models/half/extra", NULL, 404, "Not found");
    struct http_resp r;
    assert_true(http_do(dm.port, "POST", "/v2/models/half/infer", ok, strlen(ok),
                        "Inference-Header-Content-Length: abc\r\n", &r));
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "'abc' is not a byte count"));
    http_resp_free(&r);
    assert_true(http_do(dm.port, "POST", "/v2/models/half/infer", ok, strlen(ok),
                        "Inference-Header-Content-Length: 100000\r\n", &r));
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "exceeds the body"));
    http_resp_free(&r);
    /* Still serving after all that. */
    assert_int_equal(status_of(dm.port, "POST", "/v2/models/half/infer", ok), 200);
}

/* The MNIST CNN on 100 images through JSON and through the binary
 * extension (JSON input / binary output and binary both ways): same
 * numbers. */
static void test_binary_round_trip(void **state)
{
    (void)state;
    enum { N = 100, PIX = 784 };
    static float img[N * PIX];
    uint32_t seed = 12345;
    for (size_t i = 0; i < N * PIX; i++) {
        seed = seed * 1103515245u + 12345u;
        img[i] = (float)((seed >> 16) & 0xff) / 255.0f;
    }
    /* JSON request and response. */
    size_t cap = (size_t)N * PIX * 16 + 256, len = 0;
    char *body = malloc(cap);
    assert_non_null(body);
    len += (size_t)snprintf(body, cap, "{\"inputs\":[{\"name\":\"conv2d_input\",\"shape\":[%d,28,"
                                       "28,1],\"datatype\":\"FP32\",\"data\":[", N);
    for (size_t i = 0; i < N * PIX; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s%.9g", i ? "," : "", (double)img[i]);
    len += (size_t)snprintf(body + len, cap - len, "]}]}");
    struct http_resp rj;
    assert_true(http_do(dm.port, "POST", "/v2/models/mnist/infer", body, len, NULL, &rj));
    assert_int_equal(rj.status, 200);
    json_t *j = json_of(&rj);
    json_t *out = json_array_get(json_object_get(j, "outputs"), 0);
    json_t *data = json_object_get(out, "data");
    assert_int_equal(json_array_size(data), N * 10);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(out, "shape"), 0)), N);

    /* Binary both ways. */
    char hdr[512];
    int hl = snprintf(hdr, sizeof hdr,
                      "{\"inputs\":[{\"name\":\"conv2d_input\",\"shape\":[%d,28,28,1],\"datatype\":"
                      "\"FP32\",\"parameters\":{\"binary_data_size\":%zu}}],\"outputs\":[{\"name\":"
                      "\"dense_1\",\"parameters\":{\"binary_data\":true}}]}",
                      N, sizeof img);
    memcpy(body, hdr, (size_t)hl);
    memcpy(body + hl, img, sizeof img);
    char extra[128];
    snprintf(extra, sizeof extra, "Inference-Header-Content-Length: %d\r\n", hl);
    struct http_resp rb;
    assert_true(http_do(dm.port, "POST", "/v2/models/mnist/infer", body, (size_t)hl + sizeof img,
                        extra, &rb));
    assert_int_equal(rb.status, 200);
    assert_non_null(strcasestr(rb.content_type, "application/octet-stream"));
    const char *h = strcasestr(rb.headers, "Inference-Header-Content-Length:");
    assert_non_null(h);
    size_t rhl = (size_t)strtoul(h + strlen("Inference-Header-Content-Length:"), NULL, 10);
    assert_int_equal(rb.len, rhl + N * 10 * sizeof(float));
    json_error_t e;
    json_t *jb = json_loadb(rb.body, rhl, 0, &e);
    assert_non_null(jb);
    json_t *ob = json_array_get(json_object_get(jb, "outputs"), 0);
    assert_null(json_object_get(ob, "data"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(ob, "parameters"), "binary_data_size")),
        N * 10 * 4);
    int correct_rows = 0;
    for (size_t i = 0; i < N * 10; i++) {
        float fb;
        memcpy(&fb, rb.body + rhl + i * 4, 4);
        double fj = json_number_value(json_array_get(data, i));
        if (fabs((double)fb - fj) > 1e-6)
            fail_msg("output %zu: binary %g, JSON %g", i, (double)fb, fj);
        correct_rows += fabs((double)fb - fj) <= 1e-6;
    }
    assert_int_equal(correct_rows, N * 10);

    /* Binary input, request-wide binary_data_output. */
    hl = snprintf(hdr, sizeof hdr,
                  "{\"parameters\":{\"binary_data_output\":true},\"inputs\":[{\"name\":"
                  "\"conv2d_input\",\"shape\":[%d,28,28,1],\"datatype\":\"FP32\",\"parameters\":"
                  "{\"binary_data_size\":%zu}}]}",
                  N, sizeof img);
    memcpy(body, hdr, (size_t)hl);
    memcpy(body + hl, img, sizeof img);
    snprintf(extra, sizeof extra, "Inference-Header-Content-Length: %d\r\n", hl);
    struct http_resp rb2;
    assert_true(http_do(dm.port, "POST", "/v2/models/mnist/infer", body, (size_t)hl + sizeof img,
                        extra, &rb2));
    assert_int_equal(rb2.status, 200);
    assert_int_equal(rb2.len, rb.len);
    assert_memory_equal(rb2.body + rb2.len - N * 40, rb.body + rhl, N * 40);
    /* Binary input cut short. */
    struct http_resp rs;
    assert_true(http_do(dm.port, "POST", "/v2/models/mnist/infer", body,
                        (size_t)hl + sizeof img - 4, extra, &rs));
    assert_int_equal(rs.status, 400);
    assert_non_null(strstr(rs.body, "binary_data_size"));
    http_resp_free(&rs);
    http_resp_free(&rb2);
    json_decref(jb);
    json_decref(j);
    http_resp_free(&rb);
    http_resp_free(&rj);
    free(body);
}

/* -------------------------------------------------------- readiness */
struct poller {
    int port;
    _Atomic bool stop;
    _Atomic int n, not_ready, failed;
};

static void *poll_ready(void *arg)
{
    struct poller *p = arg;
    while (!atomic_load(&p->stop)) {
        struct http_resp r;
        if (!http_do(p->port, "GET", "/v2/health/ready", NULL, 0, NULL, &r)) {
            atomic_fetch_add(&p->failed, 1);
            continue;
        }
        if (r.status != 200)
            atomic_fetch_add(&p->not_ready, 1);
        atomic_fetch_add(&p->n, 1);
        http_resp_free(&r);
        if (!http_do(p->port, "GET", "/v2/models/m/ready", NULL, 0, NULL, &r)) {
            atomic_fetch_add(&p->failed, 1);
            continue;
        }
        if (r.status != 200)
            atomic_fetch_add(&p->not_ready, 1);
        http_resp_free(&r);
    }
    return NULL;
}

static bool wait_status(int port, const char *path, int want, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        if (status_of(port, "GET", path, NULL) == want)
            return true;
        sleep_ms(50);
    }
    return false;
}

static void test_ready_during_reload(void **state)
{
    (void)state;
    char base[512], late[512], cfg[2048], arg[700];
    snprintf(base, sizeof base, "%s/reload_m", tmpdir);
    snprintf(late, sizeof late, "%s/reload_late", tmpdir);
    run("mkdir -p '%s' '%s' && cp -r '%s/saved_model_half_plus_two_2_versions/00000123' '%s/123'",
        base, late, fixtures, base);
    char cpath[600];
    snprintf(cpath, sizeof cpath, "%s/reload.config", tmpdir);
    snprintf(cfg, sizeof cfg,
             "model_config_list { config { name: \"m\" base_path: \"%s\" model_platform: "
             "\"tensorflow\" } }\n",
             base);
    write_file(cpath, cfg);
    snprintf(arg, sizeof arg, "--model_config_file=%s", cpath);
    const char *args[] = {arg, "--file_system_poll_wait_seconds=0.2", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    assert_true(wait_status(d.port, "/v2/health/ready", 200, 10000));

    /* A new version arrives: readiness never drops while it loads and the
     * old one is retired. */
    struct poller p = {d.port, false, 0, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poll_ready, &p), 0);
    sleep_ms(300);
    run("cp -r '%s/123' '%s/.tmp124' && mv '%s/.tmp124' '%s/124'", base, base, base, base);
    assert_true(wait_status(d.port, "/v2/models/m/versions/124/ready", 200, 10000));
    assert_true(wait_status(d.port, "/v2/models/m/versions/123/ready", 400, 10000));
    sleep_ms(300);
    atomic_store(&p.stop, true);
    pthread_join(th, NULL);
    assert_true(p.n > 5);
    assert_int_equal(p.not_ready, 0);
    assert_int_equal(p.failed, 0);

    /* The config gains a model with no version yet: not ready until one
     * loads. */
    snprintf(cfg, sizeof cfg,
             "model_config_list { config { name: \"m\" base_path: \"%s\" model_platform: "
             "\"tensorflow\" } config { name: \"late\" base_path: \"%s\" model_platform: "
             "\"tensorflow\" } }\n",
             base, late);
    write_file(cpath, cfg);
    kill(d.pid, SIGHUP);
    assert_true(wait_status(d.port, "/v2/health/ready", 400, 10000));
    struct http_resp r = call(d.port, "GET", "/v2/health/ready", NULL);
    assert_non_null(strstr(r.body, "model 'late' has no AVAILABLE version"));
    http_resp_free(&r);
    assert_int_equal(status_of(d.port, "GET", "/v2/health/live", NULL), 200);
    assert_int_equal(status_of(d.port, "GET", "/v2/models/late/ready", NULL), 400);
    run("cp -r '%s/123' '%s/.tmp7' && mv '%s/.tmp7' '%s/7'", base, late, late, late);
    assert_true(wait_status(d.port, "/v2/health/ready", 200, 10000));
    assert_int_equal(status_of(d.port, "GET", "/v2/models/late/ready", NULL), 200);
    assert_int_equal(daemon_stop(&d), 0);
}

static void test_ready_during_shutdown(void **state)
{
    (void)state;
    char arg[1200];
    snprintf(arg, sizeof arg, "--model_base_path=%s/saved_model_half_plus_two_cpu", fixtures);
    const char *args[] = {"--model_name=half", arg, "--shutdown_grace_seconds=2", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    assert_int_equal(status_of(d.port, "GET", "/v2/health/ready", NULL), 200);
    kill(d.pid, SIGTERM);
    assert_true(wait_status(d.port, "/v2/health/ready", 400, 1500));
    struct http_resp r = call(d.port, "GET", "/v2/health/ready", NULL);
    assert_string_equal(r.body, "{\"ready\":false,\"reason\":\"shutting down\"}");
    http_resp_free(&r);
    /* Not ready, but alive and still serving during the grace period. */
    assert_int_equal(status_of(d.port, "GET", "/v2/health/live", NULL), 200);
    assert_int_equal(status_of(d.port, "GET", "/v2/models/half/ready", NULL), 400);
    assert_int_equal(status_of(d.port, "POST", "/v2/models/half/infer",
                               "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":"
                               "\"FP32\",\"data\":[1]}]}"),
                     200);
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 200 && got != d.pid; i++) {
        got = waitpid(d.pid, &status, WNOHANG);
        sleep_ms(50);
    }
    assert_int_equal(got, d.pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    unlink(d.log);
    d.pid = -1;
}

int main(void)
{
    const char *src = getenv("MD_SRCDIR");
    snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures/savedmodels",
             src ? src : MD_TEST_SRCDIR);
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/keras_mnist_cnn/1/saved_model.pb", fixtures);
    if (access(probe, R_OK) != 0) {
        printf("SKIP: fixtures not found under %s\n", fixtures);
        return 77;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_v2_e2e_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest served[] = {
        cmocka_unit_test(test_health_and_metadata),
        cmocka_unit_test(test_infer_json),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_binary_round_trip),
    };
    const struct CMUnitTest lifecycle[] = {
        cmocka_unit_test(test_ready_during_reload),
        cmocka_unit_test(test_ready_during_shutdown),
    };
    int rc = cmocka_run_group_tests_name("v2", served, group_setup, group_teardown);
    rc |= cmocka_run_group_tests_name("v2 readiness", lifecycle, NULL, NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
