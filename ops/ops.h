/* ops.h: a SavedModel that can run. Load once, run from many threads.
 *
 *   struct md_model_options opts = MD_MODEL_OPTIONS_INIT;   // tags "serve"
 *   struct md_model *m = md_model_load("/models/half/123", &opts, &st);
 *   if (!m) { puts(st.msg); return; }     // e.g. every unsupported op, listed
 *
 *   struct md_arena *a = md_arena_new(0, 0, &st);
 *   struct md_feed in = { "x", &x_tensor };
 *   struct md_tensor out[1] = { MD_TENSOR_INIT };
 *   const char *want[1] = { "y" };
 *   if (md_model_run(m, "serving_default", &in, 1, want, 1, out, a, &st)) ...
 *   // out[] borrow from the arena or the model: use them before md_arena_reset
 *   for (...) md_tensor_cleanup(&out[i]);
 *   md_arena_reset(a);
 *   md_model_unref(m);
 *
 * At load: the graph (and its function library) is imported, each signature
 * gets a plan (pruned to what its outputs need given its inputs, ordered,
 * every op checked), variables are bound to the bundle (zero-copy), init ops
 * and table initialisers run. A model with unsupported ops fails to load
 * with UNIMPLEMENTED listing every missing op and the nodes using it.
 * A loaded model is immutable except for its variables (stateful ops update
 * them under the model's lock).
 */
#ifndef MD_OPS_H
#define MD_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "loader/loader.h"

struct md_model;

struct md_model_options {
    const char *tags;          /* comma-separated tag set; default "serve" */
    int intra_op_threads;      /* shared kernel pool size if none exists yet (md_ops_init);
                                  0 = number of CPUs */
    bool run_init_ops;         /* default true */
    /* Cap on the iterations of one While loop (functional or TF1) in one
     * request; a loop that would exceed it fails with RESOURCE_EXHAUSTED.
     * 0 = MD_LOOP_MAX_ITERATIONS_DEFAULT. */
    int64_t max_loop_iterations;
};
#define MD_MODEL_OPTIONS_INIT { "serve", 0, true, 0 }
#define MD_LOOP_MAX_ITERATIONS_DEFAULT 1000000

/* The kernel thread pool is one per process, shared by every model and
 * request: intra_op_threads threads including the calling request thread
 * (<= 0: number of CPUs), TF Serving's --tensorflow_intra_op_parallelism.
 * The first md_ops_init or md_model_load decides; later values are ignored.
 * md_ops_init: init-only (call before loading models). md_ops_threads: the
 * decided size (0 before). md_ops_shutdown: joins the workers; only when no
 * model runs (tests, clean exit). */
MD_MUST_CHECK bool md_ops_init(int intra_op_threads, struct md_status *st);
int md_ops_threads(void);
void md_ops_shutdown(void);

/* Loads and prepares a SavedModel version directory. The returned model has
 * one reference, owned by the caller. */
struct md_model *md_model_load(const char *dir, const struct md_model_options *opts,
                               struct md_status *st);
struct md_model *md_model_ref(struct md_model *m);  /* thread-safe; NULL-safe */
void md_model_unref(struct md_model *m);            /* thread-safe; NULL-safe; last frees */

const struct md_savedmodel *md_model_savedmodel(const struct md_model *m);
/* Bytes this model holds (heap + mapped variables): for memory budgets. */
size_t md_model_memory_bytes(const struct md_model *m);

struct md_feed {
    const char *alias;              /* signature input key */
    const struct md_tensor *tensor;
};

/* Runs signature `key` with the given inputs, producing outputs[i] for each
 * output_aliases[i] (n_out of them; pass NULL/0 for all signature outputs in
 * alias order, in which case outputs must have room for sig->n_outputs).
 * Checks: unknown/missing/extra inputs and dtypes (INVALID_ARGUMENT, TF
 * Serving's wording), unknown output aliases. Output tensors borrow memory
 * from `arena` or the model; valid until md_arena_reset / md_model_unref.
 * thread-safe (one arena per concurrent call) */
MD_MUST_CHECK bool md_model_run(struct md_model *m, const char *key, const struct md_feed *feeds,
                                size_t n_feeds, const char *const *output_aliases, size_t n_out,
                                struct md_tensor *outputs, struct md_arena *arena,
                                struct md_status *st);

/* Per-call options of md_model_run_opts. */
struct md_run_options {
    /* CLOCK_MONOTONIC time in nanoseconds after which the run stops between
     * two steps of its plan (loop bodies and function calls included) and
     * fails with DEADLINE_EXCEEDED "Timed out waiting for notification: ..."
     * (TensorFlow's session-run timeout). 0 = no deadline. A step that is
     * running is not interrupted. */
    int64_t deadline_ns;
};
#define MD_RUN_OPTIONS_INIT { 0 }

/* md_model_run with options (NULL = none, as md_model_run). thread-safe */
MD_MUST_CHECK bool md_model_run_opts(struct md_model *m, const char *key,
                                     const struct md_feed *feeds, size_t n_feeds,
                                     const char *const *output_aliases, size_t n_out,
                                     struct md_tensor *outputs, struct md_arena *arena,
                                     const struct md_run_options *ro, struct md_status *st);

/* Names of ops the graph (and function library) uses that modeld cannot run,
 * with the nodes using them, for `modeld-cli check`/`show`. */
struct md_unsupported {
    char *op;
    char *nodes; /* comma-separated, truncated */
};
size_t md_model_check_ops(const struct md_savedmodel *sm, struct md_unsupported **out);
void md_unsupported_free(struct md_unsupported *u, size_t n);

/* Encodes t into *p (dtype, shape, tensor_content or string_val) for the gRPC
 * front end. p is initialised first; what it points to is malloc'd: release
 * it with md_tensor_proto_cleanup (not protobuf_c_message_free_unpacked).
 * The inverse is md_tensor_from_proto (ops/kernel.h). thread-safe */
MD_MUST_CHECK bool md_tensor_to_proto(const struct md_tensor *t, Tensorflow__TensorProto *p,
                                      struct md_status *st);
void md_tensor_proto_cleanup(Tensorflow__TensorProto *p); /* NULL-safe */

#endif
