/* exec_env.h (private to ops/): what the executor hands kernels through
 * md_kernel_ctx.env. Kernels use it only through kernel.h helpers and the
 * accessors the executor adds here (variables, resources). */
#ifndef MD_OPS_EXEC_ENV_H
#define MD_OPS_EXEC_ENV_H

#include <stdint.h>

struct md_exec_env {
    /* Splits [0,n) over worker threads; NULL = serial. */
    void (*parallel_for)(struct md_exec_env *env, int64_t n, int64_t min_block,
                         void (*fn)(void *arg, int64_t begin, int64_t end), void *arg);
    void *pool;      /* executor-owned thread pool */
    void *model;     /* executor-owned: the model (variables, tables) */
    void *run;       /* executor-owned: per-run state */
};

#endif
