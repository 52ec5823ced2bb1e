/* bench/rest_decode: for a batch-100 MNIST predict body, the time modeld's
 * streaming JSON decoder takes (scan + decode into the input tensor) and
 * the time the model's inference takes, in the same process, plus jansson's
 * DOM parse of the same body for reference. Target: decode <= 20% of
 * inference.
 *
 * usage: rest_decode <model version dir> [batch] [rounds]
 *   e.g. rest_decode ../shared/fixtures/savedmodels/keras_mnist_cnn/1 100
 *        rest_decode --write-body <file> <batch>   (writes the body only) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_impl.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* MNIST-like pixels: ~81% exact zeros, the rest Python float reprs. */
static char *make_body(int batch, size_t *len)
{
    size_t cap = (size_t)batch * 784 * 24 + 64, o = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    unsigned seed = 12345;
    o += (size_t)snprintf(b, cap, "{\"instances\":[");
    for (int i = 0; i < batch; i++) {
        o += (size_t)snprintf(b + o, cap - o, "%s[", i ? "," : "");
        for (int r = 0; r < 28; r++) {
            o += (size_t)snprintf(b + o, cap - o, "%s[", r ? "," : "");
            for (int c = 0; c < 28; c++) {
                seed = seed * 1103515245u + 12345u;
                unsigned px = (seed >> 16) % 256;
                double v = (seed >> 8) % 100 < 81 ? 0.0 : px / 255.0;
                o += (size_t)snprintf(b + o, cap - o, v == 0.0 ? "%s[0.0]" : "%s[%.17g]",
                                      c ? "," : "", v);
            }
            b[o++] = ']';
        }
        b[o++] = ']';
    }
    o += (size_t)snprintf(b + o, cap - o, "]}");
    *len = o;
    return b;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--write-body")) {
        /* rest_decode --write-body <file> <batch>: the body bench/rest.sh posts */
        size_t len;
        char *b = make_body(atoi(argv[3]) > 0 ? atoi(argv[3]) : 1, &len);
        FILE *f = fopen(argv[2], "wb");
        if (!b || !f || fwrite(b, 1, len, f) != len)
            return 1;
        fclose(f);
        free(b);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s <model version dir> [batch] [rounds]\n", argv[0]);
        return 2;
    }
    int batch = argc > 2 ? atoi(argv[2]) : 100;
    int rounds = argc > 3 ? atoi(argv[3]) : 15;
    if (batch < 1 || rounds < 1 || rounds > 1000)
        return 2;
    struct md_status st = MD_STATUS_INIT;
    struct md_model_options mo = MD_MODEL_OPTIONS_INIT;
    struct md_model *m = md_model_load(argv[1], &mo, &st);
    if (!m) {
        fprintf(stderr, "rest_decode: %s\n", st.msg);
        return 1;
    }
    const struct md_signature *sig = md_savedmodel_signature(md_model_savedmodel(m), "serving_default");
    if (!sig || sig->n_inputs != 1) {
        fprintf(stderr, "rest_decode: need a serving_default signature with one input\n");
        return 1;
    }
    size_t len;
    char *body = make_body(batch, &len);
    struct md_arena *a = md_arena_new(1 << 20, 0, &st);
    struct md_arena *run = md_arena_new(1 << 20, 0, &st);
    double *dec = calloc((size_t)rounds, sizeof *dec), *inf = calloc((size_t)rounds, sizeof *inf),
           *jan = calloc((size_t)rounds, sizeof *jan);
    if (!body || !a || !run || !dec || !inf || !jan)
        return 1;
    for (int r = 0; r < rounds; r++) {
        md_arena_reset(a);
        double t0 = now_ms();
        struct md_json_predict jp;
        struct md_feed *feeds;
        size_t n;
        enum md_json_format fmt;
        if (!md_json_predict_scan(body, len, a, &jp, &st) ||
            !md_json_predict_decode(body, len, &jp, sig, a, &feeds, &n, &fmt, &st)) {
            fprintf(stderr, "rest_decode: %s\n", st.msg);
            return 1;
        }
        double t1 = now_ms();
        md_arena_reset(run);
        struct md_tensor out = MD_TENSOR_INIT;
        const char *want[1] = {sig->outputs[0].alias};
        if (!md_model_run(m, sig->key, feeds, n, want, 1, &out, run, &st)) {
            fprintf(stderr, "rest_decode: run: %s\n", st.msg);
            return 1;
        }
        double t2 = now_ms();
        md_tensor_cleanup(&out);
        json_error_t e;
        json_t *doc = json_loadb(body, len, 0, &e);
        double t3 = now_ms();
        json_decref(doc);
        dec[r] = t1 - t0;
        inf[r] = t2 - t1;
        jan[r] = t3 - t2;
    }
    double d = median(dec, rounds), i = median(inf, rounds), j = median(jan, rounds);
    printf("batch %d body %zu bytes: decode %.2f ms (%.0f MB/s), inference %.2f ms, "
           "decode/inference %.1f%%; jansson json_loadb alone %.2f ms (%.1fx our decode)\n",
           batch, len, d, (double)len / 1e3 / d, i, 100.0 * d / i, j, j / d);
    free(dec);
    free(inf);
    free(jan);
    free(body);
    md_arena_free(a);
    md_arena_free(run);
    md_model_unref(m);
    return 0;
}
