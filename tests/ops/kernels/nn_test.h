/* nn_test.h: helpers shared by the nn kernel tests (header-only).
 *
 * nn_run() is th_run() with an executor environment whose parallel_for
 * really runs blocks on several threads, so the tests cover the split paths
 * of the kernels (and ASan/TSan see them). Blocks are cut smaller than the
 * min_block asks for never; larger than needed on purpose (3 blocks) so
 * uneven splits happen.
 */
#ifndef MD_TESTS_OPS_KERNELS_NN_TEST_H
#define MD_TESTS_OPS_KERNELS_NN_TEST_H

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/exec_env.h"
#include "tests/ops/harness.h"

#define NN_TEST_THREADS 3

struct nn_block {
    void (*fn)(void *arg, int64_t begin, int64_t end);
    void *arg;
    int64_t begin, end;
};

static void *nn_block_main(void *p)
{
    struct nn_block *b = p;
    b->fn(b->arg, b->begin, b->end);
    return NULL;
}

static inline void nn_threads_parallel_for(struct md_exec_env *env, int64_t n, int64_t min_block,
                                           void (*fn)(void *arg, int64_t begin, int64_t end),
                                           void *arg)
{
    (void)env;
    if (min_block < 1)
        min_block = 1;
    int64_t nb = n / min_block;
    if (nb > NN_TEST_THREADS)
        nb = NN_TEST_THREADS;
    if (nb < 1)
        nb = 1;
    struct nn_block blocks[NN_TEST_THREADS];
    pthread_t th[NN_TEST_THREADS];
    for (int64_t i = 0; i < nb; i++) {
        blocks[i] = (struct nn_block){ fn, arg, i * n / nb, (i + 1) * n / nb };
        if (pthread_create(&th[i], NULL, nn_block_main, &blocks[i]))
            abort(); /* test machine broken */
    }
    for (int64_t i = 0; i < nb; i++)
        pthread_join(th[i], NULL);
}

/* th_run with a threaded env (threads = true) or none. */
static inline bool nn_run(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in,
                          int *n_out, struct md_tensor *out, bool threads, struct md_status *st)
{
    if (!threads)
        return th_run(n, n_in, in, n_out, out, st);
    const struct md_op_def *op = md_op_lookup(n->op);
    *n_out = 0;
    if (!op)
        return md_status_set(st, MD_UNIMPLEMENTED, "op '%s' is not registered", n->op);
    if (n->n_input == 0 && n_in > 0)
        th_inputs(n, n_in);
    struct md_arena *persist = md_arena_new(0, 0, st);
    struct md_arena *arena = md_arena_new(0, 0, st);
    struct md_exec_env env = { .parallel_for = nn_threads_parallel_for };
    struct md_kernel_init ki = { .node = n, .op = op, .n_inputs = n_in, .persist = persist,
                                 .n_outputs = 1 };
    bool ok = !op->init || op->init(&ki, st);
    struct md_tensor tmp[TH_MAX_OUT];
    for (int i = 0; i < TH_MAX_OUT; i++)
        tmp[i] = (struct md_tensor)MD_TENSOR_INIT;
    if (ok) {
        struct md_kernel_ctx k = { .node = n, .state = ki.state, .n_inputs = n_in, .inputs = in,
                                   .n_outputs = ki.n_outputs, .outputs = tmp, .arena = arena,
                                   .env = &env };
        ok = op->compute(&k, st);
    }
    for (int i = 0; ok && i < ki.n_outputs; i++) {
        out[i] = (struct md_tensor)MD_TENSOR_INIT;
        ok = md_tensor_copy(&out[i], &tmp[i], st);
        if (ok)
            *n_out = i + 1;
    }
    for (int i = 0; i < TH_MAX_OUT; i++)
        md_tensor_cleanup(&tmp[i]);
    md_arena_free(arena);
    md_arena_free(persist);
    return ok;
}

/* Deterministic pseudo-random floats in [-1, 1) (xorshift). */
static inline void nn_fill(float *p, int64_t n, uint32_t seed)
{
    uint32_t s = seed ? seed : 1;
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        p[i] = (float)((double)s / 2147483648.0 - 1.0);
    }
}

/* Runs node n on inputs and expects failure with code and msg substring. */
static inline void nn_expect_fail(Tensorflow__NodeDef *n, int n_in,
                                  const struct md_tensor *const *in, enum md_code code,
                                  const char *needle)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor out[TH_MAX_OUT];
    int n_out = 0;
    bool ok = th_run(n, n_in, in, &n_out, out, &st);
    if (ok)
        th_free_outputs(out, n_out);
    if (ok || st.code != code || !strstr(st.msg, needle) || !strstr(st.msg, "test_node"))
        fail_msg("expected %s containing '%s', got %s: %s", md_code_name(code), needle,
                 ok ? "success" : md_code_name(st.code), st.msg);
}

#endif
