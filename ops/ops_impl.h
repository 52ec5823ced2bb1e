/* ops_impl.h (private to ops/): the interpreter's internal pieces.
 *
 *   graph   a GraphDef plus its FunctionDefLibrary imported into one flat
 *           node array: function calls (PartitionedCall, StatefulPartitionedCall,
 *           direct calls of library functions) are inlined at import, their
 *           body nodes renamed "<call node>/<body node>", and every input
 *           ("node", "node:1", "node:out_arg:2", "^node", function args)
 *           resolved to (node, flat output index) edges.
 *   plan    for a set of feeds (tensor names) and fetches (tensor or node
 *           names): the nodes the fetches need, cut at the feeds, in one
 *           topological order, with value slots and each slot's last use.
 *           Immutable after build; shared by concurrent runs.
 *   exec    runs a plan with a request arena, recycling buffers of dead
 *           values through a free list.
 *
 *   struct md_graph *g = md_graph_import(graph_def, op_list, &st);
 *   struct md_plan_spec spec = { feeds, n_feeds, fetches, n_fetches };
 *   struct md_plan_need need;
 *   md_plan_need(g, &spec, &need, &st);           // prune: which nodes
 *   md_graph_init_nodes(g, need.nodes, env, &st);  // kernel init once per node
 *   struct md_plan *p = md_plan_build(g, &spec, &need, &st);
 *   md_plan_run(p, g, env, feeds, outputs, arena, &st);
 */
#ifndef MD_OPS_IMPL_H
#define MD_OPS_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "graph.pb-c.h"
#include "op_def.pb-c.h"
#include "ops/exec_env.h"
#include "ops/kernel.h"
#include "ops/ops.h"

/* Caps on what a model file controls. */
#define MD_GRAPH_MAX_NODES (1 << 22)     /* after inlining */
#define MD_GRAPH_MAX_CALL_DEPTH 64       /* nested function calls */
#define MD_NODE_MAX_OUTPUTS 65536

/* ------------------------------------------------------------------ graph */
struct md_edge {
    int node;  /* node id */
    int index; /* flat output index */
};

struct md_gnode {
    const char *name;               /* unique in the graph */
    const Tensorflow__NodeDef *def; /* attrs; def->name == name */
    const struct md_op_def *op;     /* NULL when the op is not registered */
    int n_in;
    struct md_edge *in; /* data inputs */
    int n_ctrl;
    int *ctrl;          /* control inputs (node ids) */
    bool is_call;       /* an inlined call: a join node (no outputs) whose
                           control inputs are everything the call does */
    /* Filled by md_graph_init_nodes. */
    bool inited;
    int n_out;
    void *state;
};

struct md_fnlib;

struct md_graph {
    int n_nodes;
    struct md_gnode *nodes;
    struct md_arena *mem;  /* names, edges, renamed NodeDefs, kernel state */
    void *index;           /* name -> id hash (graph.c) */
    void *calls;           /* call outputs -> body edges (graph.c) */
    const Tensorflow__OpList *ops; /* the MetaGraph's stripped_op_list, may be NULL */
    /* The GraphDef imported (after the TF1 loop rewrite, which may replace
     * the caller's) and the function library shared with the graphs of the
     * functions that If/While/Case nodes call (see md_fn_get). */
    const Tensorflow__GraphDef *gd;
    struct md_fnlib *lib;
    bool owns_lib;
};

/* Imports gd (and gd->library). gd and ops must outlive the graph (NodeDefs
 * are borrowed). NULL + status (INVALID_ARGUMENT naming the node) on a
 * malformed graph: unknown input node, bad index, duplicate name,
 * unknown function, recursion deeper than MD_GRAPH_MAX_CALL_DEPTH.
 * single-owner */
struct md_graph *md_graph_import(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                                 struct md_status *st);
void md_graph_free(struct md_graph *g); /* NULL-safe */
int md_graph_find(const struct md_graph *g, const char *name); /* node id or -1 */
/* Resolves a tensor name "node:N" or "node" (= "node:0"), following inlined
 * calls to the producing body node. NOT_FOUND naming it when absent. */
MD_MUST_CHECK bool md_graph_tensor(const struct md_graph *g, const char *name,
                                   struct md_edge *out, struct md_status *st);
/* The dtype of an output as the graph declares it (attrs + OpDef), or
 * MD_DT_INVALID when it cannot be told. */
enum md_dtype md_graph_output_dtype(const struct md_graph *g, struct md_edge e);
/* Runs each not-yet-initialised kernel's init for nodes with need[id] set.
 * Fails (the model does not load) naming the node. */
MD_MUST_CHECK bool md_graph_init_nodes(struct md_graph *g, const bool *need,
                                       struct md_exec_env *env, struct md_status *st);

/* ------------------------------------------------------------------- plan */
struct md_plan_spec {
    const char *const *feeds;   /* tensor names */
    size_t n_feeds;
    const char *const *fetches; /* tensor names ("n:0") or, for targets, node names */
    size_t n_fetches;
    bool fetch_targets;         /* fetches without ":N" are run-only targets */
};

struct md_plan_need {
    int n_nodes;
    bool *nodes;              /* malloc'd; nodes[id] */
    struct md_edge *feeds;    /* malloc'd; resolved feed edges */
    struct md_edge *fetches;  /* malloc'd; resolved fetch edges (index -1: target) */
};

/* Prune: marks every node the fetches need (data + control), stopping at
 * fed tensors. */
MD_MUST_CHECK bool md_plan_need(const struct md_graph *g, const struct md_plan_spec *spec,
                                struct md_plan_need *need, struct md_status *st);
void md_plan_need_cleanup(struct md_plan_need *need);

struct md_plan_step {
    int node;
    int n_in;
    int in_base;   /* into plan->in_slots */
    int out_slot;  /* first output slot; outputs are contiguous */
    int n_out;
    int rel_base;  /* into plan->release: slots dead after this step */
    int n_rel;
    int ctrl_base; /* into plan->ctrl_steps: steps this one has control inputs from */
    int n_ctrl;
};

struct md_plan {
    int n_steps;
    struct md_plan_step *steps;
    int *in_slots;
    unsigned char *in_last; /* parallel to in_slots: this step is the slot's last reader */
    int *release;
    int n_slots;
    int max_in;
    int n_feeds;      /* feed i is slot i */
    int n_fetches;
    int *fetch_slot;  /* -1 for targets */
    enum md_dtype *feed_dtype; /* declared dtype of each fed tensor (INVALID: unknown) */
    int *ctrl_steps;
    /* The plan has TF1 control flow (Switch...): the executor tracks dead
     * values and steps (a step with a dead input is skipped, except for
     * MD_OP_DEAD_INPUTS ops). */
    bool control_flow;
};

/* Orders the needed nodes (every one must be initialised) and assigns slots.
 * INVALID_ARGUMENT on a cycle. */
struct md_plan *md_plan_build(const struct md_graph *g, const struct md_plan_spec *spec,
                              const struct md_plan_need *need, struct md_status *st);
void md_plan_free(struct md_plan *p); /* NULL-safe */
size_t md_plan_bytes(const struct md_plan *p);

/* ------------------------------------------------------------------- exec */
/* Runs p: feeds[i] for feed i (shared, not copied), outputs[j] for fetch j
 * (targets leave theirs MD_TENSOR_INIT). Outputs borrow the arena or hold
 * buffer references; the caller cleans them up. thread-safe (one arena per
 * call). */
MD_MUST_CHECK bool md_plan_run(const struct md_plan *p, const struct md_graph *g,
                               const struct md_exec_env *env, const struct md_tensor *const *feeds,
                               struct md_tensor *outputs, struct md_arena *arena,
                               struct md_status *st);

/* -------------------------------------------------------------- functions
 * Functional control flow (If, While, Case) calls library functions that
 * are not inlined: each one gets its own graph (one Placeholder per
 * argument plus one inlined call of the function) and plan, built once at
 * load and cached per function name in the model's md_fnlib (shared by the
 * top graph and every function graph, so nested calls are cached too). */
struct md_fn {
    const char *name;
    struct md_graph *g;     /* owned by the library */
    struct md_plan *plan;   /* feeds: the arguments; fetches: the outputs, then
                               the control_ret nodes as targets */
    int n_in, n_out;
    const enum md_dtype *in_types, *out_types; /* INVALID when not declared */
    bool ready;             /* false while being built (recursion check) */
};

/* Max functions one model instantiates and their nesting depth. */
#define MD_FNLIB_MAX_FUNCTIONS 4096

/* init-only: the function `name` of the library of the graph whose node is
 * being initialised (env->graph), instantiated on first use. node names the
 * caller for messages. NULL + INVALID_ARGUMENT when the function is not in
 * the library, is recursive, or fails to plan; UNIMPLEMENTED when it uses
 * ops modeld cannot run. The md_fn lives as long as the model. */
const struct md_fn *md_fn_get(struct md_exec_env *env, const Tensorflow__NodeDef *node,
                              const char *name, struct md_status *st);
/* The library of a top graph's GraphDef (md_graph_import makes it). */
struct md_fnlib *md_fnlib_new(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                              struct md_status *st);
void md_fnlib_free(struct md_fnlib *lib); /* NULL-safe; frees every function graph */
/* Imports a function's graph sharing lib (no TF1 rewrite, no own library). */
struct md_graph *md_graph_import_fn(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                                    struct md_fnlib *lib, struct md_status *st);
/* Heap bytes of a graph's function library (for md_model_memory_bytes). */
size_t md_fnlib_bytes(const struct md_fnlib *lib);

/* Request time: runs fn once from a kernel, on the kernel's arena and env.
 * outputs[0..fn->n_out) are overwritten (not cleaned up first) with values
 * valid until the end of the calling step, which hands the memory they use
 * back to the enclosing executor. thread-safe (one ctx per call) */
MD_MUST_CHECK bool md_exec_call(struct md_kernel_ctx *k, const struct md_fn *fn,
                                const struct md_tensor *const *inputs, struct md_tensor *outputs,
                                struct md_status *st);

/* Repeated calls (loop bodies): a frame keeps one executor state for fn, so
 * the memory of call i is recycled by call i+1 and a loop's memory does not
 * grow with its iteration count. The outputs of a call stay valid until the
 * call after next (so they can be fed to the next call); each call cleans
 * up and overwrites outputs[0..fn->n_out). Inputs that are the previous
 * call's outputs are carried without copying. */
struct md_exec_frame;
struct md_exec_frame *md_exec_frame_new(struct md_kernel_ctx *k, const struct md_fn *fn,
                                        struct md_status *st);
MD_MUST_CHECK bool md_exec_frame_call(struct md_exec_frame *f,
                                      const struct md_tensor *const *inputs,
                                      struct md_tensor *outputs, struct md_status *st);
/* Drops the frame's references (values it holds). Outputs the caller
 * shared keep theirs; arena-backed data stays valid until the end of the
 * calling step. NULL-safe. */
void md_exec_frame_free(struct md_exec_frame *f);

/* The loop iteration cap of env (md_model_options.max_loop_iterations). */
int64_t md_exec_loop_cap(const struct md_exec_env *env);

/* ------------------------------------------------------------- TF1 loops */
/* Rewrites every TF1 while loop of gd (Enter / Merge / Switch / LoopCond /
 * NextIteration / Exit frames, as tf.while_loop builds them) into a While
 * node whose cond and body are new library functions, so plans stay
 * acyclic. *out is gd itself when there is nothing to rewrite, else a new
 * GraphDef (and library) allocated in mem that borrows gd's NodeDefs.
 * INVALID_ARGUMENT naming the frame when a loop has a shape modeld cannot
 * rewrite. */
MD_MUST_CHECK bool md_graph_rewrite_tf1_loops(const Tensorflow__GraphDef *gd, struct md_arena *mem,
                                              const Tensorflow__GraphDef **out,
                                              struct md_status *st);

/* ------------------------------------------------------------- threadpool */
struct md_threadpool;
/* n_threads workers besides the calling threads (0: none). */
struct md_threadpool *md_threadpool_new(int n_threads, struct md_status *st);
void md_threadpool_free(struct md_threadpool *p); /* NULL-safe; joins workers */
int md_threadpool_size(const struct md_threadpool *p);
/* Splits [0,n) into blocks of at least min_block and runs them on the pool
 * and the calling thread; returns when all are done. thread-safe; nests. */
void md_threadpool_for(struct md_threadpool *p, int64_t n, int64_t min_block,
                       void (*fn)(void *arg, int64_t begin, int64_t end), void *arg);
/* The process-wide pool (see md_ops_init): created on first use with
 * `threads` threads including the caller (<= 0: CPUs); later calls get the
 * same pool whatever they ask. *out is NULL for a single thread.
 * thread-safe */
MD_MUST_CHECK bool md_threadpool_shared(int threads, struct md_threadpool **out,
                                        struct md_status *st);
/* md_exec_env.parallel_for over env->pool. */
void md_threadpool_env_for(struct md_exec_env *env, int64_t n, int64_t min_block,
                           void (*fn)(void *arg, int64_t begin, int64_t end), void *arg);

/* ------------------------------------------------------------ variables */
struct md_varstore;
struct md_varstore *md_varstore_new(const struct md_bundle *bundle, struct md_status *st);
void md_varstore_free(struct md_varstore *vs); /* NULL-safe */
size_t md_varstore_bytes(const struct md_varstore *vs); /* values' heap bytes */
/* Binds each still-uninitialised variable whose name is a bundle key to a
 * zero-copy view of it. Returns how many were bound. */
size_t md_varstore_bind_bundle(struct md_varstore *vs, struct md_status *st);

/* ---------------------------------------------------------- tensor protos */
/* Like md_tensor_from_proto, but the data (and string bytes) come from
 * arena `a` (out->buf NULL) when a != NULL. */
MD_MUST_CHECK bool md_tensor_decode_proto(const Tensorflow__TensorProto *p, struct md_arena *a,
                                          struct md_tensor *out, struct md_status *st);

#endif
