/* test_e2e.c: the real daemon on 127.0.0.1, spoken to over HTTP.
 *
 * Every fixture through every endpoint it supports (expected values from TF
 * Serving's own tests, see ../shared/fixtures/savedmodels/README.md),
 * metadata equal to TF Serving's JSON, the error cases, the body limit,
 * CORS, metrics, hot reload under load (123 -> 124 -> corrupt 125), config
 * reload (polling and SIGHUP) and SIGTERM drain. Exit 77 when the fixtures
 * are absent. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "tests/server/daemon.h"

static char fixtures[1024]; /* .../fixtures/savedmodels */
static char srcdir[960];
static char tmpdir[256];
static struct daemon fx; /* serves every fixture */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0); /* readers never see half a file */
}

/* ------------------------------------------------------------ helpers */

static struct http_resp call(int port, const char *method, const char *path, const char *body)
{
    struct http_resp r;
    if (!http_do(port, method, path, body, body ? strlen(body) : 0, NULL, &r))
        fail_msg("%s %s: no HTTP response", method, path);
    return r;
}

static void expect_json(int port, const char *method, const char *path, const char *body,
                        const char *want)
{
    struct http_resp r = call(port, method, path, body);
    json_error_t e;
    json_t *got = json_loads(r.body, JSON_DECODE_ANY, &e);
    json_t *exp = json_loads(want, JSON_DECODE_ANY, &e);
    assert_non_null(exp);
    if (r.status != 200 || !got || !json_equal(got, exp))
        fail_msg("%s %s %s\n  got %d %s\n  want %s", method, path, body ? body : "", r.status,
                 r.body, want);
    if (strcmp(r.content_type, "application/json"))
        fail_msg("%s %s: Content-Type '%s'", method, path, r.content_type);
    json_decref(got);
    json_decref(exp);
    http_resp_free(&r);
}

static void expect_error(int port, const char *method, const char *path, const char *body,
                         int status, const char *substr)
{
    struct http_resp r = call(port, method, path, body);
    json_error_t e;
    json_t *got = json_loads(r.body, 0, &e);
    const char *msg = got ? json_string_value(json_object_get(got, "error")) : NULL;
    if (r.status != status || !msg || !strstr(msg, substr) ||
        strcmp(r.content_type, "application/json"))
        fail_msg("%s %s %s\n  got %d (%s) %s\n  want %d with '%s'", method, path,
                 body ? body : "", r.status, r.content_type, r.body, status, substr);
    json_decref(got);
    http_resp_free(&r);
}

static json_t *get_json(int port, const char *method, const char *path, const char *body,
                        int *status)
{
    struct http_resp r = call(port, method, path, body);
    json_error_t e;
    json_t *j = json_loads(r.body, JSON_DECODE_ANY, &e);
    *status = r.status;
    http_resp_free(&r);
    return j;
}

/* ------------------------------------------------------------- setup */

static int group_setup(void **state)
{
    (void)state;
    char cfg[512], mon[512], text[16384];
    snprintf(cfg, sizeof cfg, "%s/models.config", tmpdir);
    snprintf(text, sizeof text,
             "model_config_list {\n"
             " config { name: 'default' base_path: '%1$s/saved_model_half_plus_two_cpu' "
             "model_platform: 'tensorflow' }\n"
             " config { name: 'half_plus_three' base_path: '%1$s/saved_model_half_plus_three' }\n"
             " config { name: 'saved_model_half_plus_two_2_versions'\n"
             "   base_path: '%1$s/saved_model_half_plus_two_2_versions'\n"
             "   model_version_policy { specific { versions: 123 } }\n"
             "   version_labels { key: 'stable' value: 123 } }\n"
             " config { name: 'both' base_path: '%1$s/saved_model_half_plus_two_2_versions'\n"
             "   model_version_policy { all { } } }\n"
             " config { name: 'tf2' base_path: '%1$s/saved_model_half_plus_two_tf2_cpu' }\n"
             " config { name: 'counter' base_path: '%1$s/saved_model_counter' }\n"
             " config { name: 'matrix' base_path: '%1$s/matrix_half_plus_two' }\n"
             " config { name: 'iris' base_path: '%1$s/estimator_iris_dnn' }\n"
             " config { name: 'mnist' base_path: '%1$s/keras_mnist_cnn' }\n"
             " config { name: 'example' base_path: '%2$s/examples/half_plus_two' }\n"
             "}\n",
             fixtures, srcdir);
    write_file(cfg, text);
    snprintf(mon, sizeof mon, "%s/monitoring.config", tmpdir);
    write_file(mon, "prometheus_config { enable: true path: \"/monitoring/prometheus/metrics\" }\n");
    char a1[4200], a2[4200];
    snprintf(a1, sizeof a1, "--model_config_file=%s", cfg);
    snprintf(a2, sizeof a2, "--monitoring_config_file=%s", mon);
    const char *args[] = {a1, a2, "--rest_api_num_threads=4", NULL};
    return daemon_start(&fx, args) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = daemon_stop(&fx);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------- tests */

static void test_status(void **state)
{
    (void)state;
    const char *models[] = {"default", "half_plus_three", "tf2", "counter", "example"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/models/%s", models[i]);
        int st;
        json_t *j = get_json(fx.port, "GET", path, NULL, &st);
        assert_int_equal(st, 200);
        json_t *v = json_array_get(json_object_get(j, "model_version_status"), 0);
        assert_string_equal(json_string_value(json_object_get(v, "state")), "AVAILABLE");
        json_decref(j);
    }
    expect_json(fx.port, "GET", "/v1/models/default", NULL,
                "{\"model_version_status\":[{\"version\":\"123\",\"state\":\"AVAILABLE\","
                "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
    expect_json(fx.port, "GET", "/v1/models/default/versions/123", NULL,
                "{\"model_version_status\":[{\"version\":\"123\",\"state\":\"AVAILABLE\","
                "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
    expect_json(fx.port, "GET", "/v1/models/saved_model_half_plus_two_2_versions/labels/stable",
                NULL,
                "{\"model_version_status\":[{\"version\":\"123\",\"state\":\"AVAILABLE\","
                "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
    expect_json(fx.port, "GET", "/v1/models/both", NULL,
                "{\"model_version_status\":["
                "{\"version\":\"124\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\","
                "\"error_message\":\"\"}},"
                "{\"version\":\"123\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\","
                "\"error_message\":\"\"}}]}");
    int st;
    json_t *j = get_json(fx.port, "GET", "/v1/models", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "models")), 10);
    json_decref(j);
}

static void compare_metadata(const char *path, const char *fixture, const char *rename_to)
{
    char fpath[4200];
    snprintf(fpath, sizeof fpath, "%s/%s", fixtures, fixture);
    json_error_t e;
    json_t *want = json_load_file(fpath, 0, &e);
    assert_non_null(want);
    if (rename_to)
        json_object_set_new(json_object_get(want, "model_spec"), "name", json_string(rename_to));
    int st;
    json_t *got = get_json(fx.port, "GET", path, NULL, &st);
    assert_int_equal(st, 200);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s differs from %s:\n%s", path, fixture, g);
    }
    json_decref(got);
    json_decref(want);
}

static void test_metadata(void **state)
{
    (void)state;
    compare_metadata("/v1/models/default/metadata", "half_plus_two_model_metadata.json", NULL);
    compare_metadata("/v1/models/saved_model_half_plus_two_2_versions/metadata",
                     "saved_model_half_plus_two_2_versions_metadata.json", NULL);
    compare_metadata("/v1/models/saved_model_half_plus_two_2_versions/versions/123/metadata",
                     "saved_model_half_plus_two_2_versions_metadata.json", NULL);
    compare_metadata("/v1/models/saved_model_half_plus_two_2_versions/labels/stable/metadata",
                     "saved_model_half_plus_two_2_versions_metadata.json", NULL);
    compare_metadata("/v1/models/tf2/metadata",
                     "saved_model_half_plus_two_tf2_2_versions_metadata.json", "tf2");
}

static void test_predict(void **state)
{
    (void)state;
    int p = fx.port;
    expect_json(p, "POST", "/v1/models/default:predict", "{\"instances\":[2.0,3.0,4.0]}",
                "{\"predictions\":[3.0,3.5,4.0]}");
    expect_json(p, "POST", "/v1/models/default:predict", "{\"inputs\":[2.0,3.0,4.0]}",
                "{\"outputs\":[3.0,3.5,4.0]}");
    expect_json(p, "POST", "/V1/MODELS/default/versions/123:PREDICT",
                "{\"signature_name\":\"serving_default\",\"instances\":[[2.0]]}",
                "{\"predictions\":[[3.0]]}");
    const char *v2 = "/v1/models/saved_model_half_plus_two_2_versions";
    char path[512];
    snprintf(path, sizeof path, "%s:predict", v2);
    expect_json(p, "POST", path, "{\"instances\":[[1.0,2.0],[3.0,4.0]]}",
                "{\"predictions\":[[2.5,3.0],[3.5,4.0]]}");
    snprintf(path, sizeof path, "%s/versions/123:predict", v2);
    expect_json(p, "POST", path, "{\"instances\":[1.0,2.0]}", "{\"predictions\":[2.5,3.0]}");
    snprintf(path, sizeof path, "%s/labels/stable:predict", v2);
    expect_json(p, "POST", path, "{\"instances\":[1.0,2.0]}", "{\"predictions\":[2.5,3.0]}");
    expect_json(p, "POST", path, "{\"signature_name\":\"serving_default\",\"instances\":[3.0,4.0]}",
                "{\"predictions\":[3.5,4.0]}");
    expect_json(p, "POST", path, "{\"inputs\":[3.0,4.0]}", "{\"outputs\":[3.5,4.0]}");
    /* a scalar feed gives a scalar output */
    expect_json(p, "POST", path, "{\"inputs\":2.0}", "{\"outputs\":3.0}");
    expect_json(p, "POST", path, "{\"signature_name\":\"regress_x2_to_y3\",\"inputs\":2.0}",
                "{\"outputs\":4.0}");
    expect_json(p, "POST", path, "{\"signature_name\":\"classify_x2_to_y3\",\"inputs\":[2.0]}",
                "{\"outputs\":[4.0]}");
    expect_json(p, "POST", "/v1/models/default:predict",
                "{\"signature_name\":\"regress_x2_to_y3\",\"instances\":[2.0]}",
                "{\"predictions\":[4.0]}");
    /* with both versions loaded, the latest (124) serves by default */
    int st;
    json_t *j = get_json(p, "GET", "/v1/models/both/metadata", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "model_spec"), "version")), "124");
    json_decref(j);
}

static void test_predict_models(void **state)
{
    (void)state;
    int p = fx.port;
    expect_json(p, "POST", "/v1/models/half_plus_three:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[4.0]}");
    expect_json(p, "POST", "/v1/models/tf2:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[3.0]}");
    expect_json(p, "POST", "/v1/models/tf2:predict",
                "{\"signature_name\":\"regress_x2_to_y3\",\"inputs\":[2.0]}", "{\"outputs\":[4.0]}");
    expect_json(p, "POST", "/v1/models/matrix:predict",
                "{\"instances\":[[[1,2,3],[4,5,6],[7,8,9]]]}",
                "{\"predictions\":[[[2.5,3.0,3.5],[4.0,4.5,5.0],[5.5,6.0,6.5]]]}");
    expect_json(p, "POST", "/v1/models/matrix:predict",
                "{\"inputs\":[[[1,1,1],[1,1,1],[1,1,1]],[[0,0,0],[0,0,0],[0,0,2]]]}",
                "{\"outputs\":[[[2.5,2.5,2.5],[2.5,2.5,2.5],[2.5,2.5,2.5]],"
                "[[2.0,2.0,2.0],[2.0,2.0,2.0],[2.0,2.0,3.0]]]}");
    expect_json(p, "POST", "/v1/models/example:predict", "{\"instances\":[[1.0],[2.0],[5.0]]}",
                "{\"predictions\":[[2.5],[3.0],[4.5]]}");
    /* counter: stateful signatures in TF Serving's order; no-input signatures
     * take "inputs": {} (ours) */
    const char *c = "/v1/models/counter:predict";
    expect_json(p, "POST", c, "{\"signature_name\":\"get_counter\",\"inputs\":{}}",
                "{\"outputs\":0.0}");
    expect_json(p, "POST", c, "{\"signature_name\":\"incr_counter\",\"inputs\":{}}",
                "{\"outputs\":1.0}");
    expect_json(p, "POST", c, "{\"signature_name\":\"reset_counter\",\"inputs\":{}}",
                "{\"outputs\":0.0}");
    expect_json(p, "POST", c, "{\"signature_name\":\"incr_counter\",\"inputs\":{}}",
                "{\"outputs\":1.0}");
    expect_json(p, "POST", c, "{\"signature_name\":\"incr_counter_by\",\"inputs\":{\"delta\":3.0}}",
                "{\"outputs\":4.0}");
}

static void test_classify_regress(void **state)
{
    (void)state;
    int p = fx.port;
    expect_json(p, "POST", "/v1/models/default:classify",
                "{\"signature_name\":\"classify_x_to_y\",\"examples\":[{\"x\":2.0}]}",
                "{\"results\":[[[\"\",3.0]]]}");
    expect_json(p, "POST", "/v1/models/default:regress",
                "{\"signature_name\":\"regress_x_to_y\",\"examples\":[{\"x\":2.0}]}",
                "{\"results\":[3.0]}");
    expect_json(p, "POST", "/v1/models/default:regress",
                "{\"signature_name\":\"regress_x_to_y2\",\"examples\":[{\"x\":2.0}]}",
                "{\"results\":[4.0]}");
    const char *v2 = "/v1/models/saved_model_half_plus_two_2_versions";
    char path[512];
    snprintf(path, sizeof path, "%s:regress", v2);
    expect_json(p, "POST", path,
                "{\"signature_name\":\"regress_x_to_y\",\"examples\":[{\"x\":80.0,"
                "\"locale\":\"pt_BR\",\"age\":19.0}]}",
                "{\"results\":[42.0]}");
    snprintf(path, sizeof path, "%s/labels/stable:classify", v2);
    expect_json(p, "POST", path,
                "{\"signature_name\":\"classify_x_to_y\",\"examples\":[{\"x\":20.0},{\"x\":10.0}]}",
                "{\"results\":[[[\"\",12.0]],[[\"\",7.0]]]}");
    /* context features are merged into every example */
    expect_json(p, "POST", path,
                "{\"signature_name\":\"classify_x_to_y\",\"context\":{\"x\":[2.0]},"
                "\"examples\":[{\"y\":1},{\"z\":\"a\"}]}",
                "{\"results\":[[[\"\",3.0]],[[\"\",3.0]]]}");
    expect_json(p, "POST", "/v1/models/tf2:classify",
                "{\"signature_name\":\"classify_x_to_y\",\"examples\":[{\"x\":2.0}]}",
                "{\"results\":[[[\"\",3.0]]]}");
    expect_json(p, "POST", "/v1/models/tf2:regress",
                "{\"signature_name\":\"regress_x_to_y\",\"examples\":[{\"x\":[2.0]}]}",
                "{\"results\":[3.0]}");
    expect_json(p, "POST", "/v1/models/example:classify",
                "{\"signature_name\":\"classify_x_to_y\",\"examples\":[{\"x\":2.0}]}",
                "{\"results\":[[[\"\",3.0]]]}");
    expect_json(p, "POST", "/v1/models/example:regress",
                "{\"signature_name\":\"regress_x_to_y\",\"examples\":[{\"x\":4.0}]}",
                "{\"results\":[4.0]}");
}

/* The estimator iris DNN classifies the 150 rows of iris.csv. */
static void test_iris(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/../data/iris.csv", fixtures);
    FILE *f = fopen(path, "r");
    if (!f)
        skip();
    char line[256];
    if (!fgets(line, sizeof line, f))
        fail_msg("empty iris.csv");
    size_t cap = 1 << 16, len = 0;
    char *body = malloc(cap);
    int labels[200], n = 0;
    len += (size_t)snprintf(body, cap, "{\"examples\":[");
    double v[4];
    int lab;
    while (n < 200 && fgets(line, sizeof line, f) &&
           sscanf(line, "%lf,%lf,%lf,%lf,%d", &v[0], &v[1], &v[2], &v[3], &lab) == 5) {
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"SepalLength\":%.1f,\"SepalWidth\":%.1f,\"PetalLength\":%.1f,"
                                "\"PetalWidth\":%.1f}",
                                n ? "," : "", v[0], v[1], v[2], v[3]);
        labels[n++] = lab;
    }
    fclose(f);
    snprintf(body + len, cap - len, "]}");
    assert_int_equal(n, 150);
    int st;
    json_t *j = get_json(fx.port, "POST", "/v1/models/iris:classify", body, &st);
    free(body);
    assert_int_equal(st, 200);
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 150);
    int right = 0;
    for (int i = 0; i < n; i++) {
        json_t *classes = json_array_get(res, (size_t)i);
        assert_int_equal(json_array_size(classes), 3);
        double best = -1, sum = 0;
        int arg = -1;
        for (int k = 0; k < 3; k++) {
            json_t *c = json_array_get(classes, (size_t)k);
            double s = json_number_value(json_array_get(c, 1));
            sum += s;
            if (s > best) {
                best = s;
                arg = atoi(json_string_value(json_array_get(c, 0)));
            }
        }
        assert_true(sum > 0.999 && sum < 1.001);
        right += arg == labels[i];
    }
    json_decref(j);
    printf("iris: %d/150 right\n", right);
    assert_true(right >= 135);
}

/* The Keras MNIST CNN on the first 100 digits of the 10k set. */
static void test_mnist(void **state)
{
    (void)state;
    char ipath[4200], lpath[4200];
    snprintf(ipath, sizeof ipath, "%s/../data/mnist-digits-10k-images-idx3-ubyte.gz", fixtures);
    snprintf(lpath, sizeof lpath, "%s/../data/mnist-digits-10k-labels-idx1-ubyte.gz", fixtures);
    gzFile gi = gzopen(ipath, "rb"), gl = gzopen(lpath, "rb");
    if (!gi || !gl) {
        if (gi)
            gzclose(gi);
        if (gl)
            gzclose(gl);
        skip();
    }
    enum { N = 100 };
    static unsigned char img[N][784], lab[N];
    unsigned char hdr[16];
    assert_int_equal(gzread(gi, hdr, 16), 16);
    assert_int_equal(gzread(gi, img, sizeof img), (int)sizeof img);
    assert_int_equal(gzread(gl, hdr, 8), 8);
    assert_int_equal(gzread(gl, lab, sizeof lab), (int)sizeof lab);
    gzclose(gi);
    gzclose(gl);
    size_t cap = (size_t)N * 784 * 24, len = 0;
    char *body = malloc(cap);
    len += (size_t)snprintf(body, cap, "{\"instances\":[");
    for (int i = 0; i < N; i++) {
        body[len++] = i ? ',' : '[';
        if (i)
            body[len++] = '[';
        for (int r = 0; r < 28; r++) {
            len += (size_t)snprintf(body + len, cap - len, "%s[", r ? "," : "");
            for (int c = 0; c < 28; c++)
                len += (size_t)snprintf(body + len, cap - len, "%s[%.17g]", c ? "," : "",
                                        img[i][r * 28 + c] / 255.0);
            body[len++] = ']';
        }
        body[len++] = ']';
    }
    snprintf(body + len, cap - len, "]}");
    int st;
    json_t *j = get_json(fx.port, "POST", "/v1/models/mnist:predict", body, &st);
    free(body);
    if (st != 200)
        fail_msg("mnist predict: %d %s", st, json_dumps(j, 0));
    json_t *pred = json_object_get(j, "predictions");
    assert_int_equal(json_array_size(pred), N);
    int right = 0;
    for (int i = 0; i < N; i++) {
        json_t *row = json_array_get(pred, (size_t)i);
        assert_int_equal(json_array_size(row), 10);
        int arg = 0;
        for (int k = 1; k < 10; k++)
            if (json_number_value(json_array_get(row, (size_t)k)) >
                json_number_value(json_array_get(row, (size_t)arg)))
                arg = k;
        right += arg == lab[i];
    }
    json_decref(j);
    printf("mnist: %d/%d right\n", right, N);
    assert_true(right >= 95);
}

static void test_errors(void **state)
{
    (void)state;
    int p = fx.port;
    expect_error(p, "GET", "/v1/models/nope", NULL, 404, "Could not find any versions of model nope");
    expect_error(p, "GET", "/v1/models/default/versions/999", NULL, 404,
                 "Could not find version 999 of model default");
    expect_error(p, "GET", "/v1/models/nope/metadata", NULL, 404,
                 "Servable not found for request: Latest(nope)");
    expect_error(p, "POST", "/v1/models/nope:predict", "{\"instances\":[1.0]}", 404,
                 "Servable not found for request: Latest(nope)");
    expect_error(p, "POST", "/v1/models/default/versions/999:predict", "{\"instances\":[1.0]}", 404,
                 "Servable not found for request: Specific(default, 999)");
    expect_error(p, "POST", "/v1/models/saved_model_half_plus_two_2_versions/labels/nope:predict",
                 "{\"instances\":[1.0]}", 400, "Unrecognized servable version label: nope");
    expect_error(p, "POST", "/v1/models/default:predict",
                 "{\"signature_name\":\"nope\",\"instances\":[1.0]}", 400,
                 "Serving signature name: \"nope\" not found in signature def");
    expect_error(p, "POST", "/v1/models/default:predict", "", 400,
                 "JSON Parse error: The document is empty");
    expect_error(p, "POST", "/v1/models/default:predict", "instances = [1, 2]", 400,
                 "JSON Parse error: Invalid value");
    expect_error(p, "POST", "/v1/models/default:predict", "{\"instances\":[\"x\",\"y\"]}", 400,
                 "not of expected type: float");
    expect_error(p, "POST", "/v1/models/default:predict", "{\"signature_name\":100}", 400,
                 "'signature_name' key must be a string value.");
    expect_error(p, "POST", "/v1/models/default:predict", "{\"inputs\":{\"y\":[1.0]}}", 400,
                 "Missing named input: x in 'inputs' object.");
    expect_error(p, "POST", "/v1/models/default:predict", "{\"instances\":[[1.0],[2.0,3.0]]}", 400,
                 "Encountered list at unexpected size");
    expect_error(p, "POST", "/v1/models/counter:predict",
                 "{\"signature_name\":\"incr_counter_by\",\"inputs\":{\"delta\":true}}", 400,
                 "not of expected type: float");
    expect_error(p, "POST", "/v1/models/counter:predict",
                 "{\"signature_name\":\"get_counter\",\"instances\":[1]}", 400,
                 "Failed to get input map for signature: get_counter");
    expect_error(p, "POST", "/v1/models/default:classify", "{\"examples\":[{\"x\":1.0}]}", 400,
                 "Expected classification signature outputs to contain at least one of");
    expect_error(p, "POST", "/v1/models/default:regress",
                 "{\"signature_name\":\"classify_x_to_y\",\"examples\":[{\"x\":1.0}]}", 400,
                 "No regression outputs");
    expect_error(p, "POST", "/v1/models/saved_model_half_plus_two_2_versions:classify",
                 "{\"signature_name\":\"classify_x2_to_y3\",\"examples\":[{\"x2\":1.0}]}", 400,
                 "Expects arg[0] to be float but string is provided");
    expect_error(p, "POST", "/v1/models/default:classify", "{\"examples\":[]}", 400,
                 "'examples' value is an empty array");
    expect_error(p, "POST", "/v1/models/default:regress",
                 "{\"signature_name\":\"regress_x_to_y\",\"examples\":[{\"x\":[1,2.5]}]}", 400,
                 "Unexpected element type in feature: x expecting type: int64");
    /* paths */
    expect_error(p, "POST", "/v1/foo", "{}", 400, "Malformed request: POST /v1/foo");
    expect_error(p, "GET", "/v1/foo", NULL, 400, "Malformed request: GET /v1/foo");
    expect_error(p, "POST", "/v1/models", "{}", 400, "Malformed request: POST /v1/models");
    expect_error(p, "GET", "/v1/models/default:predict", NULL, 400, "Malformed request");
    expect_error(p, "POST", "/v1/models/default/version/50:predict", "{}", 400, "Malformed request");
    expect_error(p, "POST", "/v1/models/default/versions/x:predict", "{}", 400, "Malformed request");
    expect_error(p, "POST", "/v1/models/default/versions/1/labels/a:predict", "{}", 400,
                 "Malformed request");
    expect_error(p, "GET", "/v1/models/default/versions/99999999999999999999", NULL, 400,
                 "Failed to convert version");
    expect_error(p, "PUT", "/v1/models/default", "{}", 405, "not allowed");
    expect_error(p, "DELETE", "/v1/models/default", NULL, 405, "not allowed");
    expect_error(p, "GET", "/", NULL, 404, "Not found");
}

static void test_metrics(void **state)
{
    (void)state;
    struct http_resp r = call(fx.port, "GET", "/monitoring/prometheus/metrics", NULL);
    assert_int_equal(r.status, 200);
    const char *want[] = {
        "# TYPE :tensorflow:serving:request_count counter",
        ":tensorflow:serving:request_count{model_name=\"default\",status=\"OK\"}",
        ":tensorflow:serving:request_count{model_name=\"default\",status=\"INVALID_ARGUMENT\"}",
        "# TYPE :tensorflow:serving:request_latency histogram",
        ":tensorflow:serving:request_latency_bucket{model_name=\"default\",API=\"predict\","
        "entrypoint=\"REST\",le=\"+Inf\"}",
        ":modeld:request_latency_count{model_name=\"default\",version=\"123\","
        "signature_name=\"serving_default\",API=\"predict\",entrypoint=\"REST\"}",
        ":tensorflow:cc:saved_model:load_attempt_count{model_path=\"",
        ":modeld:servable_load_count{model_name=\"mnist\",status=\"success\"} 1",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.body, want[i]))
            fail_msg("metrics page lacks '%s':\n%.3000s", want[i], r.body);
    http_resp_free(&r);
}

/* Random damage to valid bodies: every answer is 200 or 4xx JSON and the
 * daemon stays up. */
static void test_garbage(void **state)
{
    (void)state;
    const char *seeds[] = {"{\"instances\":[[1.0,2.0],[3.0,4.0]],\"signature_name\":\"serving_default\"}",
                           "{\"inputs\":{\"x\":[[1e3]]}}",
                           "{\"examples\":[{\"x\":[1,2],\"s\":{\"b64\":\"YWJj\"}}],\"context\":{}}"};
    const char *paths[] = {"/v1/models/default:predict", "/v1/models/default:predict",
                           "/v1/models/default:classify"};
    srand(1234);
    for (int i = 0; i < 300; i++) {
        int k = i % 3;
        char body[256];
        snprintf(body, sizeof body, "%s", seeds[k]);
        size_t n = strlen(body);
        for (int m = 0; m < 1 + rand() % 4; m++) {
            size_t at = (size_t)rand() % n;
            switch (rand() % 3) {
            case 0: body[at] = (char)(rand() % 256); break;
            case 1: memmove(body + at, body + at + 1, n - at); n--; break;
            default: body[at] = "[]{}\",:0-eE."[rand() % 12]; break;
            }
            if (n == 0)
                break;
        }
        struct http_resp r;
        if (!http_do(fx.port, "POST", paths[k], body, n, NULL, &r))
            fail_msg("no answer to garbage body %d", i);
        if (r.status != 200 && (r.status < 400 || r.status >= 500))
            fail_msg("garbage body %d: status %d %s", i, r.status, r.body);
        http_resp_free(&r);
    }
    expect_json(fx.port, "POST", "/v1/models/default:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[3.0]}");
}

/* ------------------------------------------- tests with their own daemon */

static void test_bad_config(void **state)
{
    (void)state;
    char arg[4200], log[8192];
    snprintf(arg, sizeof arg, "--model_config_file=%s/bad_model_config.txt", fixtures);
    const char *args[] = {arg, NULL};
    int rc = daemon_run_to_exit(args, log, sizeof log);
    assert_true(rc != 0);
    if (!strstr(log, "Error parsing text-format tensorflow.serving.ModelServerConfig"))
        fail_msg("log lacks the parse error:\n%s", log);
    const char *args2[] = {"--model_base_path=", NULL};
    assert_true(daemon_run_to_exit(args2, log, sizeof log) != 0);
    const char *args3[] = {"--no_such_flag=1", NULL};
    assert_true(daemon_run_to_exit(args3, log, sizeof log) != 0);
    assert_non_null(strstr(log, "unknown flag --no_such_flag"));
}

static void test_good_config_fixture(void **state)
{
    (void)state;
    char src[4200], text[8192], cfg[4200];
    snprintf(src, sizeof src, "%s/good_model_config.txt", fixtures);
    FILE *f = fopen(src, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* substitute ${TEST_HALF_PLUS_TWO_DIR} / ${TEST_HALF_PLUS_THREE_DIR} */
    char out[16384];
    size_t o = 0;
    for (const char *p = text; *p && o < sizeof out - 4200;) {
        if (!strncmp(p, "${TEST_HALF_PLUS_TWO_DIR}", 25)) {
            o += (size_t)snprintf(out + o, sizeof out - o, "%s/saved_model_half_plus_two_cpu", fixtures);
            p += 25;
        } else if (!strncmp(p, "${TEST_HALF_PLUS_THREE_DIR}", 27)) {
            o += (size_t)snprintf(out + o, sizeof out - o, "%s/saved_model_half_plus_three", fixtures);
            p += 27;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    snprintf(cfg, sizeof cfg, "%s/good.config", tmpdir);
    write_file(cfg, out);
    char arg[4300];
    snprintf(arg, sizeof arg, "--model_config_file=%s", cfg);
    const char *args[] = {arg, NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    expect_json(d.port, "POST", "/v1/models/half_plus_two:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[3.0]}");
    expect_json(d.port, "POST", "/v1/models/half_plus_three:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[4.0]}");
    assert_int_equal(daemon_stop(&d), 0);
}

static void test_limits_and_cors(void **state)
{
    (void)state;
    char arg[4200];
    snprintf(arg, sizeof arg, "--model_base_path=%s/examples/half_plus_two", srcdir);
    const char *args[] = {arg, "--model_name=m", "--max_request_bytes=1000",
                          "--rest_api_enable_cors_support", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    char big[5000];
    memset(big, ' ', sizeof big);
    memcpy(big, "{\"instances\":[[1.0]]}", 21);
    struct http_resp r;
    assert_true(http_do(d.port, "POST", "/v1/models/m:predict", big, sizeof big, NULL, &r));
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "exceeds the limit of 1000 bytes"));
    assert_string_equal(r.content_type, "application/json");
    http_resp_free(&r);
    /* chunked: no Content-Length, the limit applies while reading */
    char chunked[6000];
    int cn = snprintf(chunked, sizeof chunked, "%zx\r\n", sizeof big);
    memcpy(chunked + cn, big, sizeof big);
    cn += (int)sizeof big;
    cn += snprintf(chunked + cn, sizeof chunked - (size_t)cn, "\r\n0\r\n\r\n");
    assert_true(http_do(d.port, "POST", "/v1/models/m:predict", chunked, (size_t)cn,
                        "Transfer-Encoding: chunked\r\n", &r));
    assert_int_equal(r.status, 413);
    http_resp_free(&r);
    /* under the limit, with CORS headers */
    assert_true(http_do(d.port, "POST", "/v1/models/m:predict", big, 900, NULL, &r));
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.headers, "Access-Control-Allow-Origin: *"));
    assert_non_null(strcasestr(r.headers, "Access-Control-Allow-Methods: POST, GET"));
    assert_non_null(strcasestr(r.headers, "Access-Control-Allow-Headers: Content-Type"));
    http_resp_free(&r);
    assert_true(http_do(d.port, "OPTIONS", "/v1/models/m:predict", NULL, 0,
                        "Origin: https://example.com\r\n", &r));
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    expect_error(d.port, "OPTIONS", "/v1/models/m:predict", NULL, 400,
                 "Origin header is missing in CORS preflight");
    assert_int_equal(daemon_stop(&d), 0);
}

/* ----------------------------------------------------- hot reload */

struct load {
    int port;
    const char *path;
    atomic_bool stop;
    atomic_long sent, failed;
    atomic_int last; /* last answer x 10 */
    char first_failure[512];
};

static void *load_loop(void *arg)
{
    struct load *L = arg;
    while (!atomic_load(&L->stop)) {
        struct http_resp r;
        const char *body = "{\"instances\":[2.0]}";
        bool ok = http_do(L->port, "POST", L->path, body, strlen(body), NULL, &r);
        atomic_fetch_add(&L->sent, 1);
        int v = -1;
        if (ok && r.status == 200) {
            if (strstr(r.body, "[3.0]"))
                v = 30;
            else if (strstr(r.body, "[4.0]"))
                v = 40;
        }
        if (v < 0) {
            if (atomic_fetch_add(&L->failed, 1) == 0)
                snprintf(L->first_failure, sizeof L->first_failure, "%d %.400s", ok ? r.status : -1,
                         ok ? r.body : r.headers);
        } else {
            atomic_store(&L->last, v);
        }
        if (ok)
            http_resp_free(&r);
    }
    return NULL;
}

static const char *version_state(int port, const char *model, int version, char *err, size_t cap)
{
    static char state[32];
    char path[256];
    snprintf(path, sizeof path, "/v1/models/%s/versions/%d", model, version);
    int st;
    json_t *j = get_json(port, "GET", path, NULL, &st);
    snprintf(state, sizeof state, "NONE");
    if (st == 200) {
        json_t *v = json_array_get(json_object_get(j, "model_version_status"), 0);
        snprintf(state, sizeof state, "%s", json_string_value(json_object_get(v, "state")));
        json_t *s = json_object_get(v, "status");
        if (err)
            snprintf(err, cap, "%s: %s", json_string_value(json_object_get(s, "error_code")),
                     json_string_value(json_object_get(s, "error_message")));
    }
    json_decref(j);
    return state;
}

static void test_hot_reload_under_load(void **state)
{
    (void)state;
    char base[512];
    snprintf(base, sizeof base, "%s/hot", tmpdir);
    mkdir(base, 0755);
    run("cp -r '%s/saved_model_half_plus_two_cpu/00000123' '%s/123'", fixtures, base);
    char arg[700];
    snprintf(arg, sizeof arg, "--model_base_path=%s", base);
    const char *args[] = {arg, "--model_name=hot", "--file_system_poll_wait_seconds=0.1", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    struct load L;
    memset(&L, 0, sizeof L);
    L.port = d.port;
    L.path = "/v1/models/hot:predict";
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, load_loop, &L);
    sleep_ms(300);
    assert_int_equal(atomic_load(&L.last), 30);
    /* 124 is copied in place, file by file (not renamed in): the poller
     * must wait until it is complete. y = 0.5x + 3 tells it apart. */
    run("mkdir '%s/124' && cp '%s/saved_model_half_plus_three/00000123/saved_model.pb' '%s/124/' "
        "&& sleep 0.3 && mkdir '%s/124/variables' && cp "
        "'%s/saved_model_half_plus_three/00000123/variables/variables.index' '%s/124/variables/' "
        "&& sleep 0.3 && cp '%s/saved_model_half_plus_three/00000123/variables/"
        "variables.data-00000-of-00001' '%s/124/variables/'",
        base, fixtures, base, base, fixtures, base, fixtures, base);
    int64_t t0 = now_ms();
    while (atomic_load(&L.last) != 40 && now_ms() - t0 < 10000)
        sleep_ms(20);
    assert_int_equal(atomic_load(&L.last), 40);
    /* a corrupt 125 fails to load and never replaces 124 */
    run("cp -r '%s/124' '%s/tmp125' && printf 'not a protobuf' > '%s/tmp125/saved_model.pb' && "
        "mv '%s/tmp125' '%s/125'",
        base, base, base, base, base);
    char err[600] = "";
    t0 = now_ms();
    while (strcmp(version_state(d.port, "hot", 125, err, sizeof err), "END") &&
           now_ms() - t0 < 10000)
        sleep_ms(20);
    sleep_ms(300);
    atomic_store(&L.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    printf("hot reload: %ld requests, %ld failed; 125: %s\n", atomic_load(&L.sent),
           atomic_load(&L.failed), err);
    if (atomic_load(&L.failed))
        fail_msg("failed requests during reload; first: %s", L.first_failure);
    assert_true(atomic_load(&L.sent) > 50);
    assert_int_equal(atomic_load(&L.last), 40);
    assert_string_equal(version_state(d.port, "hot", 125, err, sizeof err), "END");
    assert_null(strstr(err, "OK:"));
    assert_string_equal(version_state(d.port, "hot", 124, NULL, 0), "AVAILABLE");
    assert_string_equal(version_state(d.port, "hot", 123, NULL, 0), "END");
    /* removing the serving version's directory unloads it; 123 is gone too */
    run("rm -rf '%s/124'", base);
    t0 = now_ms();
    while (strcmp(version_state(d.port, "hot", 124, NULL, 0), "END") && now_ms() - t0 < 5000)
        sleep_ms(20);
    assert_string_equal(version_state(d.port, "hot", 124, NULL, 0), "END");
    assert_int_equal(daemon_stop(&d), 0);
}

static void test_config_reload(void **state)
{
    (void)state;
    char cfg[512], text[4096];
    snprintf(cfg, sizeof cfg, "%s/reload.config", tmpdir);
    char ca[1200], cb[1200];
    snprintf(ca, sizeof ca, "config { name: 'a' base_path: '%s/saved_model_half_plus_two_cpu' }\n",
             fixtures);
    snprintf(cb, sizeof cb, "config { name: 'b' base_path: '%s/saved_model_half_plus_three' }\n",
             fixtures);
    snprintf(text, sizeof text, "model_config_list {\n%s}\n", ca);
    write_file(cfg, text);
    char arg[600];
    snprintf(arg, sizeof arg, "--model_config_file=%s", cfg);
    const char *args[] = {arg, "--model_config_file_poll_wait_seconds=0.2",
                          "--file_system_poll_wait_seconds=0.2", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    expect_json(d.port, "POST", "/v1/models/a:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[3.0]}");
    expect_error(d.port, "POST", "/v1/models/b:predict", "{\"instances\":[2.0]}", 404,
                 "Servable not found");
    snprintf(text, sizeof text, "model_config_list {\n%s%s}\n", ca, cb);
    write_file(cfg, text);
    int64_t t0 = now_ms();
    while (strcmp(version_state(d.port, "b", 123, NULL, 0), "AVAILABLE") && now_ms() - t0 < 5000)
        sleep_ms(20);
    expect_json(d.port, "POST", "/v1/models/b:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[4.0]}");
    /* a broken config is refused; the old one stays */
    write_file(cfg, "model_config_list { config { name: 'b' ");
    sleep_ms(500);
    expect_json(d.port, "POST", "/v1/models/a:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[3.0]}");
    snprintf(text, sizeof text, "model_config_list {\n%s}\n", cb);
    write_file(cfg, text);
    t0 = now_ms();
    int st = 200;
    while (st != 404 && now_ms() - t0 < 5000) {
        json_decref(get_json(d.port, "POST", "/v1/models/a:predict", "{\"instances\":[2.0]}", &st));
        sleep_ms(20);
    }
    assert_int_equal(st, 404);
    assert_int_equal(daemon_stop(&d), 0);

    /* SIGHUP re-reads a config that is not polled */
    snprintf(text, sizeof text, "model_config_list {\n%s}\n", ca);
    write_file(cfg, text);
    const char *args2[] = {arg, NULL};
    assert_true(daemon_start(&d, args2));
    snprintf(text, sizeof text, "model_config_list {\n%s}\n", cb);
    write_file(cfg, text);
    sleep_ms(300);
    expect_error(d.port, "POST", "/v1/models/b:predict", "{\"instances\":[2.0]}", 404,
                 "Servable not found");
    kill(d.pid, SIGHUP);
    t0 = now_ms();
    while (strcmp(version_state(d.port, "b", 123, NULL, 0), "AVAILABLE") && now_ms() - t0 < 5000)
        sleep_ms(20);
    expect_json(d.port, "POST", "/v1/models/b:predict", "{\"instances\":[2.0]}",
                "{\"predictions\":[4.0]}");
    assert_int_equal(daemon_stop(&d), 0);
}

struct big_req {
    int port;
    char *body;
    size_t len;
    int status;
    size_t resp_len;
};

static void *send_big(void *arg)
{
    struct big_req *b = arg;
    struct http_resp r;
    b->status = -1;
    if (http_do(b->port, "POST", "/v1/models/m:predict", b->body, b->len, NULL, &r)) {
        b->status = r.status;
        b->resp_len = r.len;
        http_resp_free(&r);
    }
    return NULL;
}

static void test_sigterm_drain(void **state)
{
    (void)state;
    char arg[4200];
    snprintf(arg, sizeof arg, "--model_base_path=%s/examples/half_plus_two", srcdir);
    const char *args[] = {arg, "--model_name=m", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    /* Requests big enough to still be running when SIGTERM arrives. */
    enum { N = 3, VALUES = 400000 };
    size_t cap = (size_t)VALUES * 8 + 64;
    char *body = malloc(cap);
    size_t len = (size_t)snprintf(body, cap, "{\"instances\":[");
    for (int i = 0; i < VALUES; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s[%d.5]", i ? "," : "", i % 10);
    len += (size_t)snprintf(body + len, cap - len, "]}");
    struct big_req reqs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = (struct big_req){d.port, body, len, 0, 0};
        pthread_create(&th[i], NULL, send_big, &reqs[i]);
    }
    sleep_ms(150);
    kill(d.pid, SIGTERM);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    free(body);
    int status = 0;
    int64_t t0 = now_ms();
    while (waitpid(d.pid, &status, WNOHANG) != d.pid && now_ms() - t0 < 20000)
        sleep_ms(20);
    char log[16384];
    daemon_log(&d, log, sizeof log);
    for (int i = 0; i < N; i++)
        if (reqs[i].status != 200)
            fail_msg("request %d got %d during drain; log:\n%s", i, reqs[i].status, log);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(log, "SIGTERM received: draining"));
    printf("drain: %d requests of %zu bytes answered 200 (%zu bytes each), exit 0\n", N, len,
           reqs[0].resp_len);
    unlink(d.log);
    d.pid = -1;
}

/* --rest_api_timeout_in_ms as TF Serving applies it: the deadline of each
 * model run. A 256-image MNIST batch on one kernel thread takes far longer
 * than 1 ms, so it must end in 504 DEADLINE_EXCEEDED naming the flag; a
 * small request on the same daemon with a generous deadline still works.
 * Also checks the start-up pool size (--tensorflow_intra_op_parallelism)
 * and the warmup log line for a version without warmup data. */
static void test_rest_deadline(void **state)
{
    (void)state;
    char arg[4200];
    snprintf(arg, sizeof arg, "--model_base_path=%s/keras_mnist_cnn", fixtures);
    const char *args[] = {arg, "--model_name=mnist", "--rest_api_timeout_in_ms=1",
                          "--tensorflow_intra_op_parallelism=1", NULL};
    struct daemon d;
    assert_true(daemon_start(&d, args));
    enum { N = 256 };
    size_t cap = (size_t)N * 3400 + 64, len = 0; /* 3223 bytes an image */
    char *body = malloc(cap);
    assert_non_null(body);
    len += (size_t)snprintf(body, cap, "{\"instances\":[");
    for (int i = 0; i < N; i++) {
        len += (size_t)snprintf(body + len, cap - len, "%s[", i ? "," : "");
        for (int r = 0; r < 28; r++) {
            len += (size_t)snprintf(body + len, cap - len, "%s[", r ? "," : "");
            for (int c = 0; c < 28; c++)
                len += (size_t)snprintf(body + len, cap - len, "%s[0]", c ? "," : "");
            body[len++] = ']';
        }
        body[len++] = ']';
    }
    snprintf(body + len, cap - len, "]}");
    int64_t t0 = now_ms();
    expect_error(d.port, "POST", "/v1/models/mnist:predict", body, 504,
                 "Timed out waiting for notification");
    int64_t took = now_ms() - t0;
    expect_error(d.port, "POST", "/v1/models/mnist:predict", body, 504,
                 "request exceeded its 1 ms deadline (--rest_api_timeout_in_ms)");
    free(body);
    char log[16384];
    daemon_log(&d, log, sizeof log);
    assert_int_equal(daemon_stop(&d), 0);
    if (!strstr(log, "kernel thread pool: 1 threads"))
        fail_msg("log lacks the pool size:\n%s", log);
    if (!strstr(log, "No warmup data file found at "))
        fail_msg("log lacks the warmup line:\n%s", log);
    printf("deadline: 256-image batch with a 1 ms run deadline -> 504 after %lld ms\n",
           (long long)took);
}

int main(void)
{
    const char *src = getenv("MD_SRCDIR");
    snprintf(srcdir, sizeof srcdir, "%s", src ? src : MD_TEST_SRCDIR);
    snprintf(fixtures, sizeof fixtures, "%s/../shared/fixtures/savedmodels", srcdir);
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/saved_model_half_plus_two_cpu", fixtures);
    if (access(probe, R_OK) != 0) {
        printf("SKIP: fixtures not found under %s\n", fixtures);
        return 77;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/md_e2e_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest fixture_tests[] = {
        cmocka_unit_test(test_status),     cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_predict),    cmocka_unit_test(test_predict_models),
        cmocka_unit_test(test_classify_regress), cmocka_unit_test(test_iris),
        cmocka_unit_test(test_mnist),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_garbage),    cmocka_unit_test(test_metrics),
    };
    const struct CMUnitTest daemon_tests[] = {
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_good_config_fixture),
        cmocka_unit_test(test_limits_and_cors),
        cmocka_unit_test(test_hot_reload_under_load),
        cmocka_unit_test(test_config_reload),
        cmocka_unit_test(test_sigterm_drain),
        cmocka_unit_test(test_rest_deadline),
    };
    int rc = cmocka_run_group_tests_name("fixtures", fixture_tests, group_setup, group_teardown);
    rc |= cmocka_run_group_tests_name("daemon", daemon_tests, NULL, NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
