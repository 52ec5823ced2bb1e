/* bench/featcol: predict latency of an estimator-style feature-column model
 * (tests/ops/kernels/featcol_model.c: ParseExample -> vocabulary table
 * lookup -> safe_embedding_lookup_sparse with SparseSegmentMean, plus a hash
 * bucket column) at batch 1 and 64, through md_model_run as the server calls
 * it (arena reset per request). Reports median and p99 over the runs.
 *
 * Usage: featcol [--runs N] [--threads T]   (default 2000 runs, 1 thread)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ops/ops.h"
#include "tests/ops/kernels/featcol_model.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "featcol: %s: %s\n", what, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    int runs = 2000, threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
    }
    if (runs < 1)
        runs = 1;
    char base[] = "/tmp/md_bench_featcol_XXXXXX";
    if (!mkdtemp(base))
        die("mkdtemp", "failed");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/m", base);
    struct md_status st = MD_STATUS_INIT;
    if (!md_featcol_write(dir, &st))
        die("write", st.msg);
    struct md_model_options opts = MD_MODEL_OPTIONS_INIT;
    opts.intra_op_threads = threads;
    struct md_model *m = md_model_load(dir, &opts, &st);
    if (!m)
        die("load", st.msg);
    static const char *colors[] = { "red", "green", "blue", "mauve", "teal" };
    static const char *cities[] = { "paris", "rome", "oslo", "lima", "pune", "kyiv" };
    int batches[2] = { 1, 64 };
    double *lat = malloc((size_t)runs * sizeof *lat);
    struct md_arena *a = md_arena_new(0, 0, &st);
    if (!lat || !a)
        die("alloc", "out of memory");
    printf("feature-column model predict (ParseExample + vocab table + embedding mean + hash "
           "bucket), %d intra-op thread%s, %d runs\n",
           threads, threads == 1 ? "" : "s", runs);
    for (int bi = 0; bi < 2; bi++) {
        int b = batches[bi];
        /* b examples: 1-3 colors (some OOV), 0-2 cities each. */
        uint8_t(*ex)[512] = malloc((size_t)b * sizeof *ex);
        size_t *len = malloc((size_t)b * sizeof *len), total = 0;
        if (!ex || !len)
            die("alloc", "out of memory");
        for (int i = 0; i < b; i++) {
            const char *c[3] = { colors[i % 5], colors[(i + 2) % 5], colors[(i + 4) % 5] };
            const char *t[2] = { cities[i % 6], cities[(i + 3) % 6] };
            len[i] = md_featcol_example(c, 1 + i % 3, t, i % 3, ex[i], 512);
            total += len[i];
        }
        struct md_tensor in = MD_TENSOR_INIT;
        if (!md_tensor_alloc(&in, MD_DT_STRING, 1, (int64_t[]){ b }, total, &st))
            die("alloc", st.msg);
        char *p = (char *)in.data + (size_t)b * sizeof(struct md_str);
        for (int i = 0; i < b; i++) {
            memcpy(p, ex[i], len[i]);
            ((struct md_str *)in.data)[i] = (struct md_str){ p, len[i] };
            p += len[i];
        }
        struct md_feed feed = { "examples", &in };
        struct md_tensor out[3];
        for (int r = -runs / 10; r < runs; r++) { /* warm-up first */
            for (int j = 0; j < 3; j++)
                out[j] = (struct md_tensor)MD_TENSOR_INIT;
            double t0 = now_us();
            if (!md_model_run(m, "serving_default", &feed, 1, NULL, 0, out, a, &st))
                die("run", st.msg);
            double t1 = now_us();
            for (int j = 0; j < 3; j++)
                md_tensor_cleanup(&out[j]);
            md_arena_reset(a);
            if (r >= 0)
                lat[r] = t1 - t0;
        }
        qsort(lat, (size_t)runs, sizeof *lat, cmp_d);
        printf("  batch %2d: median %8.1f us   p99 %8.1f us   (%.2f us/example)\n", b,
               lat[runs / 2], lat[(size_t)runs * 99 / 100], lat[runs / 2] / b);
        md_tensor_cleanup(&in);
        free(ex);
        free(len);
    }
    free(lat);
    md_arena_free(a);
    md_model_unref(m);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "featcol: could not remove %s\n", base);
    return 0;
}
