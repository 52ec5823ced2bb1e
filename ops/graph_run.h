/* graph_run.h: run an in-memory GraphDef repeatedly with variables the
 * caller owns (the training companion's "session"). Built on the
 * interpreter's internals (graph import, plan, exec) without a SavedModel.
 *
 *   struct md_session *s = md_session_new(&graph_def, 2, &st);   // 2 threads
 *   md_session_var_set(s, "dense/kernel", &init_value, &st);       // initialise
 *   const char *feeds[] = { "x:0" }, *fetches[] = { "loss:0", "train" };
 *   struct md_session_plan *p = md_session_plan(s, feeds, 1, fetches, 2, &st);
 *   const struct md_tensor *in[] = { &batch };
 *   struct md_tensor out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
 *   md_session_run(s, p, in, out, arena, &st);  // out borrow arena / hold refs
 *   md_session_free(s);   // frees its plans too
 *
 * Variables are TF1 VariableV2 nodes; the store is keyed by node name (or
 * shared_name) exactly as the inference engine's. single-owner: one thread
 * runs a session at a time (kernels themselves use the session's pool).
 */
#ifndef MD_OPS_GRAPH_RUN_H
#define MD_OPS_GRAPH_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "graph.pb-c.h"

struct md_session;
struct md_session_plan;

/* Imports gd (borrowed: it must outlive the session). threads <= 1: serial
 * kernels; otherwise kernels use the process-wide pool (md_ops_init /
 * md_threadpool_shared), created with `threads` threads including the caller
 * if it does not exist yet. NULL + status when the graph is malformed. */
struct md_session *md_session_new(const Tensorflow__GraphDef *gd, int threads,
                                  struct md_status *st);
void md_session_free(struct md_session *s); /* NULL-safe; frees its plans */

/* Plans fetches (tensor names "n:0", or node names = run-only targets)
 * given feeds (tensor names). Unknown ops fail with UNIMPLEMENTED naming
 * them. The plan belongs to the session. */
struct md_session_plan *md_session_plan(struct md_session *s, const char *const *feeds,
                                        size_t n_feeds, const char *const *fetches,
                                        size_t n_fetches, struct md_status *st);
/* Runs p: feeds in plan order, outputs[j] per fetch (targets stay
 * MD_TENSOR_INIT). Clean up outputs, then reset the arena. */
MD_MUST_CHECK bool md_session_run(struct md_session *s, const struct md_session_plan *p,
                                  const struct md_tensor *const *feeds,
                                  struct md_tensor *outputs, struct md_arena *arena,
                                  struct md_status *st);

/* Variable access by store name. get: out becomes a shared reference to the
 * current value (clean it up); NOT_FOUND / FAILED_PRECONDITION when absent or
 * uninitialised. set: replaces the value (creates the variable if needed;
 * shares value's buffer when it owns one). */
MD_MUST_CHECK bool md_session_var_get(struct md_session *s, const char *name,
                                      struct md_tensor *out, struct md_status *st);
MD_MUST_CHECK bool md_session_var_set(struct md_session *s, const char *name,
                                      const struct md_tensor *value, struct md_status *st);

#endif
