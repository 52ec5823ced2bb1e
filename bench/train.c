/* bench/train: training images/s of modeld-train's cnn step (forward,
 * backward, Adam update) at a given batch size and kernel thread count, on a
 * fixed random batch. Compare with bench/train_torch.py (same network and
 * optimizer in PyTorch); bench/train_run.py runs both and prints the ratio.
 *
 *   bench/train --threads 2 --batch 100 --steps 20
 * prints "threads=2 batch=100 ms=<median per step> images_per_s=<...>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/train/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int threads = 1, batch = 100, steps = 20;
    const char *opt = "adam";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps"))
            steps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--optimizer"))
            opt = argv[i + 1];
    }
    if (threads < 1 || batch < 1 || steps < 1 || steps > 100000) {
        fprintf(stderr, "usage: bench/train [--threads N] [--batch N] [--steps N] "
                        "[--optimizer sgd|adam]\n");
        return 2;
    }
    struct md_train_config c;
    md_train_config_defaults(&c);
    c.threads = threads;
    c.optimizer = !strcmp(opt, "sgd") ? MD_OPT_SGD : MD_OPT_ADAM;
    c.learning_rate = c.optimizer == MD_OPT_SGD ? 0.05f : 1e-3f;
    struct md_status st = MD_STATUS_INIT;
    struct md_train_stepper *s = md_train_stepper_new(&c, &st);
    if (!s) {
        fprintf(stderr, "bench/train: %s\n", st.msg);
        return 1;
    }
    struct md_tensor x = MD_TENSOR_INIT, y = MD_TENSOR_INIT;
    int64_t xd[2] = { batch, 784 }, yd[1] = { batch };
    if (!md_tensor_alloc(&x, MD_DT_FLOAT, 2, xd, 0, &st) ||
        !md_tensor_alloc(&y, MD_DT_INT64, 1, yd, 0, &st)) {
        fprintf(stderr, "bench/train: %s\n", st.msg);
        return 1;
    }
    uint64_t r = 1;
    for (int64_t i = 0; i < (int64_t)batch * 784; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        ((float *)x.data)[i] = (float)(r >> 40) / 16777216.0f;
    }
    for (int i = 0; i < batch; i++)
        ((int64_t *)y.data)[i] = i % 10;
    double *ms = calloc((size_t)steps, sizeof *ms);
    float loss = 0;
    for (int i = -2; i < steps; i++) { /* two warm-up steps */
        double t0 = now();
        if (!md_train_stepper_run(s, &x, &y, &loss, &st)) {
            fprintf(stderr, "bench/train: %s\n", st.msg);
            return 1;
        }
        if (i >= 0)
            ms[i] = (now() - t0) * 1e3;
    }
    qsort(ms, (size_t)steps, sizeof *ms, cmp_d);
    double med = ms[steps / 2];
    printf("threads=%d batch=%d ms=%.2f images_per_s=%.1f loss=%.4f\n", threads, batch, med,
           (double)batch * 1e3 / med, (double)loss);
    free(ms);
    md_tensor_cleanup(&x);
    md_tensor_cleanup(&y);
    md_train_stepper_free(s);
    return 0;
}
