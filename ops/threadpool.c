/* threadpool.c: a fixed set of worker threads that split loops for kernels.
 *
 * md_threadpool_for puts a job on the pool's queue and works on it from the
 * calling thread too, so a call never waits for a free worker and nested
 * calls cannot deadlock. A job is split into at most (workers + 1) blocks;
 * blocks are claimed and completed under the pool's mutex (they are coarse,
 * so the lock is cheap), and the job lives on the caller's stack until its
 * last block is done. Many requests may run loops at the same time; their
 * jobs are served in arrival order. A caller never waits for a block that
 * nobody runs: it claims its own job's blocks itself, so it waits only for
 * blocks that workers are executing right now. That holds for nested loops
 * and for any number of concurrent requests sharing one pool.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "ops/blas.h"
#include "ops/ops_impl.h"

struct job {
    void (*fn)(void *arg, int64_t begin, int64_t end);
    void *arg;
    int64_t n, block;
    int n_blocks;
    int next;   /* next block to claim */
    int done;   /* blocks finished */
    struct job *qnext;
};

struct md_threadpool {
    pthread_mutex_t mu;
    pthread_cond_t work;  /* a job was queued, or stop */
    pthread_cond_t done;  /* a job's last block finished */
    struct job *head, *tail;
    bool stop;
    int n_threads;
    pthread_t *threads;
};

static void unlink_job(struct md_threadpool *p, struct job *j)
{
    struct job **pp = &p->head, *prev = NULL;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (!*pp)
        return;
    *pp = j->qnext;
    if (p->tail == j)
        p->tail = prev;
}

/* Claims one block of j (mutex held); false when none is left. */
static bool claim(struct md_threadpool *p, struct job *j, int64_t *b, int64_t *e)
{
    if (j->next >= j->n_blocks)
        return false;
    int i = j->next++;
    if (j->next == j->n_blocks)
        unlink_job(p, j);
    *b = (int64_t)i * j->block;
    *e = *b + j->block < j->n ? *b + j->block : j->n;
    return true;
}

static void finish(struct md_threadpool *p, struct job *j)
{
    if (++j->done == j->n_blocks)
        pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
    struct md_threadpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && !p->head)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        struct job *j = p->head;
        int64_t b, e;
        if (!claim(p, j, &b, &e))
            continue;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg, b, e);
        pthread_mutex_lock(&p->mu);
        finish(p, j);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct md_threadpool *md_threadpool_new(int n_threads, struct md_status *st)
{
    if (n_threads < 0)
        n_threads = 0;
    if (n_threads > 256)
        n_threads = 256;
    struct md_threadpool *p = calloc(1, sizeof *p);
    if (!p || (n_threads && !(p->threads = calloc((size_t)n_threads, sizeof *p->threads)))) {
        free(p);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating the thread pool");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 0; i < n_threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            md_status_set(st, MD_RESOURCE_EXHAUSTED, "cannot start thread pool worker %d", i);
            p->n_threads = i;
            md_threadpool_free(p);
            return NULL;
        }
        p->n_threads = i + 1;
    }
    return p;
}

void md_threadpool_free(struct md_threadpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

int md_threadpool_size(const struct md_threadpool *p)
{
    return p ? p->n_threads : 0;
}

void md_threadpool_for(struct md_threadpool *p, int64_t n, int64_t min_block,
                       void (*fn)(void *arg, int64_t begin, int64_t end), void *arg)
{
    if (n <= 0)
        return;
    if (min_block < 1)
        min_block = 1;
    int64_t max_blocks = p ? p->n_threads + 1 : 1;
    int64_t n_blocks = (n + min_block - 1) / min_block;
    if (n_blocks > max_blocks)
        n_blocks = max_blocks;
    if (n_blocks <= 1) {
        fn(arg, 0, n);
        return;
    }
    struct job j = { .fn = fn, .arg = arg, .n = n };
    j.block = (n + n_blocks - 1) / n_blocks;
    j.n_blocks = (int)((n + j.block - 1) / j.block);
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->qnext = &j;
    else
        p->head = &j;
    p->tail = &j;
    pthread_cond_broadcast(&p->work);
    int64_t b, e;
    while (claim(p, &j, &b, &e)) {
        pthread_mutex_unlock(&p->mu);
        fn(arg, b, e);
        pthread_mutex_lock(&p->mu);
        finish(p, &j);
    }
    while (j.done < j.n_blocks)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void md_threadpool_env_for(struct md_exec_env *env, int64_t n, int64_t min_block,
                           void (*fn)(void *arg, int64_t begin, int64_t end), void *arg)
{
    md_threadpool_for(env->pool, n, min_block, fn, arg);
}

/* ---- the process-wide pool ----
 * Every model (and every request) shares one pool, so a daemon serving many
 * models runs at most `threads` kernel threads plus its request threads,
 * instead of (CPUs - 1) workers per model. The first md_ops_init or model
 * load decides its size; the pool lives until md_ops_shutdown (or exit). */
static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static struct md_threadpool *shared_pool;
static int shared_threads; /* 0: not decided yet */

static int default_threads(int threads)
{
    if (threads > 0)
        return threads > 257 ? 257 : threads;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (c > 257 ? 257 : (int)c) : 1;
}

bool md_threadpool_shared(int threads, struct md_threadpool **out, struct md_status *st)
{
    pthread_mutex_lock(&shared_mu);
    if (!shared_threads) {
        int n = default_threads(threads);
        if (n > 1 && !(shared_pool = md_threadpool_new(n - 1, st))) {
            pthread_mutex_unlock(&shared_mu);
            return false;
        }
        shared_threads = n;
    }
    *out = shared_pool;
    pthread_mutex_unlock(&shared_mu);
    return true;
}

bool md_ops_init(int intra_op_threads, struct md_status *st)
{
    struct md_threadpool *p;
    if (!md_threadpool_shared(intra_op_threads, &p, st))
        return false;
    md_blas_init();
    return true;
}

int md_ops_threads(void)
{
    pthread_mutex_lock(&shared_mu);
    int n = shared_threads;
    pthread_mutex_unlock(&shared_mu);
    return n;
}

void md_ops_shutdown(void)
{
    pthread_mutex_lock(&shared_mu);
    struct md_threadpool *p = shared_pool;
    shared_pool = NULL;
    shared_threads = 0;
    pthread_mutex_unlock(&shared_mu);
    md_threadpool_free(p);
}

