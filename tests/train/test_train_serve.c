/* Train while the daemon watches: a short cnn run with BestExporter writes
 * versions under <model_dir>/export/best_exporter while server/modeld polls
 * that directory and a client keeps classifying over REST. Once a version
 * is served, no request may fail; at the end the newest export is served
 * and at most exports_to_keep versions remain. Skipped (77) without
 * Fashion-MNIST or without the server binary. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/server/daemon.h"
#include "tools/train/train.h"

static const char *data_dir;
static char model_dir[256];

struct train_job {
    struct md_train_config c;
    struct md_train_result res;
    struct md_status st;
    bool ok;
    volatile bool done;
};

static void *train_main(void *arg)
{
    struct train_job *j = arg;
    j->ok = md_train_and_evaluate(&j->c, &j->res, &j->st);
    j->done = true;
    return NULL;
}

static int versions(const char *base, long long *newest)
{
    DIR *d = opendir(base);
    int n = 0;
    struct dirent *de;
    *newest = 0;
    while (d && (de = readdir(d)))
        if (strlen(de->d_name) == 10 && strspn(de->d_name, "0123456789") == 10) {
            n++;
            long long v = atoll(de->d_name);
            *newest = v > *newest ? v : *newest;
        }
    if (d)
        closedir(d);
    return n;
}

static void test_serve_while_training(void **state)
{
    (void)state;
    char base[512], arg_path[600], img[600], lab[600];
    snprintf(base, sizeof base, "%s/export/best_exporter", model_dir);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", base);
    assert_int_equal(system(cmd), 0);
    snprintf(arg_path, sizeof arg_path, "--model_base_path=%s", base);
    const char *args[] = { "--model_name=fmnist", arg_path, "--file_system_poll_wait_seconds=1",
                           NULL };
    struct daemon d;
    assert_true(daemon_start(&d, args));

    /* One classify request body: 4 test images as tf.Example JSON. */
    struct md_status st = MD_STATUS_INIT;
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", data_dir);
    snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", data_dir);
    struct md_train_data *test = md_train_load_idx(img, lab, &st);
    assert_non_null(test);
    size_t cap = 4 * 784 * 12 + 256, o = 0;
    char *body = malloc(cap);
    o += (size_t)snprintf(body + o, cap - o, "{\"examples\": [");
    for (int i = 0; i < 4; i++) {
        o += (size_t)snprintf(body + o, cap - o, "%s{\"x\": [", i ? ", " : "");
        for (int k = 0; k < 784; k++)
            o += (size_t)snprintf(body + o, cap - o, "%s%.4f", k ? "," : "",
                                  (double)test->x[i * 784 + k]);
        o += (size_t)snprintf(body + o, cap - o, "]}");
    }
    o += (size_t)snprintf(body + o, cap - o, "]}");

    struct train_job j;
    memset(&j, 0, sizeof j);
    md_train_config_defaults(&j.c);
    j.c.data_dir = data_dir;
    j.c.model_dir = model_dir;
    j.c.max_steps = 40;
    j.c.batch_size = 50;
    j.c.save_checkpoints_steps = 5;
    j.c.save_checkpoints_secs = 0;
    j.c.start_delay_secs = 0;
    j.c.throttle_secs = 0;
    j.c.eval_steps = 2;
    j.c.exporters = MD_TRAIN_EXPORT_BEST;
    j.c.exports_to_keep = 2;
    j.c.threads = 1;
    j.c.quiet = true;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, train_main, &j), 0);
    int ok_count = 0, fail_after_first = 0;
    bool served = false;
    char last_err[512] = "";
    int after_done = 0;
    char first_err[512] = "";
    for (int round = 0; !j.done || (after_done++ < 5 && !served); round++) {
        struct http_resp r;
        if (!http_do(d.port, "POST", "/v1/models/fmnist:classify", body, o, NULL, &r))
            r.status = -1, r.body = NULL;
        if (r.status == 200) {
            served = true;
            ok_count++;
            assert_non_null(strstr(r.body, "\"results\""));
        } else if (!served) {
            snprintf(first_err, sizeof first_err, "%d %s", r.status, r.body ? r.body : "");
        } else {
            fail_after_first++;
            snprintf(last_err, sizeof last_err, "%d %s", r.status, r.body ? r.body : "");
        }
        http_resp_free(&r);
        if (j.done)
            usleep(1200 * 1000); /* let the poller see the last export */
        else
            usleep(100 * 1000);
        if (round > 100000)
            break;
    }
    pthread_join(th, NULL);
    if (!j.ok)
        print_error("%s\n", j.st.msg);
    assert_true(j.ok);
    if (fail_after_first)
        print_error("%d requests failed after the first version was served: %s\n",
                    fail_after_first, last_err);
    assert_int_equal(fail_after_first, 0);
    if (!served)
        print_error("never served: %s\n", first_err);
    assert_true(served);
    assert_true(ok_count > 0);
    long long newest;
    int n = versions(base, &newest);
    assert_true(n >= 1 && n <= 2);
    /* The newest export becomes the served version within a few polls. */
    char want[64], path[64];
    snprintf(want, sizeof want, "\"version\": \"%lld\"", newest);
    bool seen = false;
    for (int t = 0; t < 50 && !seen; t++) {
        struct http_resp r;
        snprintf(path, sizeof path, "/v1/models/fmnist");
        if (http_do(d.port, "GET", path, NULL, 0, NULL, &r) && r.status == 200 &&
            strstr(r.body, want) && strstr(r.body, "AVAILABLE"))
            seen = true;
        http_resp_free(&r);
        if (!seen)
            usleep(200 * 1000);
    }
    assert_true(seen);
    assert_int_equal(daemon_stop(&d), 0);
    free(body);
    md_train_data_free(test);
}

int main(void)
{
    data_dir = getenv("MD_TRAIN_DATA_DIR");
    if (!data_dir)
        data_dir = "/usr/share/datasets/fashion-mnist";
    char probe[600];
    snprintf(probe, sizeof probe, "%s/t10k-images-idx3-ubyte.gz", data_dir);
    if (access(probe, R_OK) != 0) {
        printf("skipping: no Fashion-MNIST in %s\n", data_dir);
        return 77;
    }
    snprintf(probe, sizeof probe, "%s/server/modeld", MD_TEST_BUILDDIR);
    if (access(probe, X_OK) != 0) {
        printf("skipping: %s not built\n", probe);
        return 77;
    }
    snprintf(model_dir, sizeof model_dir, "/tmp/md_train_serve_XXXXXX");
    if (!mkdtemp(model_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_while_training),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", model_dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
