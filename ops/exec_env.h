/* exec_env.h (private to ops/): what the executor hands kernels through
 * md_kernel_ctx.env (request time) and md_kernel_init.env (load time).
 * Kernels use it only through kernel.h helpers and the accessors below
 * (variables, the variables bundle).
 *
 * Variables: a model owns one variable store. A variable's value is an owned
 * tensor (its own buffer, or a zero-copy view of the mmapped bundle) that is
 * never modified in place: every update builds a new buffer and swaps it in
 * under the model's lock, and every read takes a reference to the current
 * buffer under the same lock. So a response holding a value read earlier is
 * never torn by a concurrent Assign/AssignAdd.
 */
#ifndef MD_OPS_EXEC_ENV_H
#define MD_OPS_EXEC_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "base/tensor.h"
#include "loader/loader.h"
#include "node_def.pb-c.h"

struct md_exec_env {
    /* Splits [0,n) over worker threads; NULL = serial. */
    void (*parallel_for)(struct md_exec_env *env, int64_t n, int64_t min_block,
                         void (*fn)(void *arg, int64_t begin, int64_t end), void *arg);
    void *pool;      /* executor-owned thread pool */
    void *model;     /* executor-owned: the model (variables, bundle); struct md_varstore * */
    void *run;       /* executor-owned: per-run state */
    /* Request memory for kernel outputs and scratch (64-byte aligned); NULL =
     * plain md_arena_alloc on the context's arena. The executor uses it to
     * recycle the buffers of values that are no longer needed. */
    void *(*alloc)(struct md_exec_env *env, size_t bytes, struct md_status *st);
    /* The buffer of input j of the running step if it may be overwritten
     * (last reader, sole owner, at least `bytes` long), else NULL. */
    void *(*reuse)(struct md_exec_env *env, int j, size_t bytes);
    /* Load time only (during kernel init): the graph being prepared
     * (struct md_graph *) and the id of the node whose init runs. */
    const void *graph;
    int init_node;
    /* The SavedModel version directory (NULL: none). File-reading kernels
     * (InitializeTableFromTextFileV2) only open files inside it. */
    const char *model_dir;
    /* Iteration cap of one While loop (see md_model_options); <= 0: the
     * default. */
    int64_t max_loop_iterations;
    /* Request deadline, CLOCK_MONOTONIC nanoseconds (0: none; see
     * md_model_run_opts): plans stop between steps once it has passed. */
    int64_t deadline_ns;
};

/* ---- variables (ops/model.c) ---- */
struct md_var;

/* Finds or creates the variable `name` in the model's store. init-only
 * (kernel init at model load). NULL + status when env has no store. */
struct md_var *md_env_variable(struct md_exec_env *env, const char *name, struct md_status *st);
/* out becomes a reference to the current value (shared buffer; clean it up).
 * FAILED_PRECONDITION naming the variable when it was never initialised.
 * thread-safe */
MD_MUST_CHECK bool md_var_read(struct md_var *v, const Tensorflow__NodeDef *node,
                               struct md_tensor *out, struct md_status *st);
/* Replaces the value with a copy of `value` (or a reference to it when it
 * owns a numeric buffer, e.g. a bundle view). validate_shape: an initialised
 * variable keeps its shape. out (may be NULL) receives the new value.
 * thread-safe */
MD_MUST_CHECK bool md_var_assign(struct md_var *v, const Tensorflow__NodeDef *node,
                                 const struct md_tensor *value, bool validate_shape,
                                 struct md_tensor *out, struct md_status *st);
/* value = old + sign * delta, elementwise, same shape and dtype (float,
 * double, int32, int64). out (may be NULL) receives the new value.
 * thread-safe */
MD_MUST_CHECK bool md_var_add(struct md_var *v, const Tensorflow__NodeDef *node,
                              const struct md_tensor *delta, int sign, struct md_tensor *out,
                              struct md_status *st);
bool md_var_is_initialized(struct md_var *v); /* thread-safe */
/* init-only: the TF1 variable (VariableV2/Variable node, possibly through
 * Identity/RefIdentity) that feeds data input `input` of the node being
 * initialised. For Assign-style ops whose input 0 is a variable reference.
 * INVALID_ARGUMENT naming the node when the input is not a variable. */
struct md_var *md_env_input_variable(struct md_exec_env *env, const Tensorflow__NodeDef *node,
                                     int input, struct md_status *st);
/* A variable's store name: shared_name when set (copied into buf), else the
 * node name. NULL when shared_name does not fit or holds a NUL byte. */
const char *md_var_node_key(const Tensorflow__NodeDef *var_node, char *buf, size_t cap);
/* The variable a DT_RESOURCE handle tensor (from VarHandleOp) points at, or
 * NULL (status set, naming node) when t is not a valid handle. */
struct md_var *md_var_from_handle(const struct md_tensor *t, const Tensorflow__NodeDef *node,
                                  struct md_status *st);
/* Writes the handle of v into t (a DT_RESOURCE scalar). */
void md_var_to_handle(struct md_var *v, struct md_tensor *t);
const char *md_var_name(const struct md_var *v);

/* The model's variables bundle (NULL when the SavedModel has none). */
const struct md_bundle *md_env_bundle(struct md_exec_env *env);

#endif
