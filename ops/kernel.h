/* kernel.h: the contract between the executor and one op's kernel.
 *
 * A kernel file (ops/kernels/<op>.c) defines one `const struct md_op_def`
 * and lists it in one of the ops/op_list_*.h files:
 *
 *   static bool softmax_init(struct md_kernel_init *ki, struct md_status *st)
 *   {   // load time: read and check attrs, keep parsed state
 *       ...
 *   }
 *   static bool softmax_compute(struct md_kernel_ctx *k, struct md_status *st)
 *   {   // request time: no malloc, no attr parsing
 *       const struct md_tensor *x = k->inputs[0];
 *       if (!md_kernel_output(k, 0, x->dtype, x->rank, x->dims, st)) return false;
 *       ...
 *   }
 *   const struct md_op_def md_op_softmax = {
 *       .tf_name = "Softmax", .init = softmax_init, .compute = softmax_compute,
 *   };
 *
 * Kernels are pure and reentrant: no globals, no static mutable locals. All
 * request memory comes from md_kernel_output / md_kernel_scratch (the request
 * arena). Errors name the op and the node: use md_kernel_fail.
 */
#ifndef MD_OPS_KERNEL_H
#define MD_OPS_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "node_def.pb-c.h"

struct md_exec_env;   /* executor-private: thread pool, variables, resources */
struct md_op_def;

/* Load-time view of a node handed to init. */
struct md_kernel_init {
    const Tensorflow__NodeDef *node;
    const struct md_op_def *op;
    int n_inputs;  /* data inputs (control inputs excluded) */
    /* Out: per-node state the kernel parsed (attrs, packed weights). The
     * kernel allocates it with md_kernel_init_alloc; it lives as long as the
     * model and is read-only at request time. */
    void *state;
    struct md_arena *persist; /* model-lifetime memory */
    /* Out: number of outputs the node produces (default 1). Ops with a
     * variable number of outputs (Split, Unpack, ParseExample, IdentityN)
     * set it here from their attrs. */
    int n_outputs;
    /* Load-time environment: the model's variables and bundle (see
     * ops/exec_env.h). NULL in unit tests that run a kernel alone. */
    struct md_exec_env *env;
};

/* Request-time context for one node execution. */
struct md_kernel_ctx {
    const Tensorflow__NodeDef *node;
    const void *state;                   /* from init, read-only */
    int n_inputs;
    const struct md_tensor *const *inputs;
    int n_outputs;
    struct md_tensor *outputs;           /* the kernel fills each of these */
    struct md_arena *arena;              /* request arena */
    struct md_exec_env *env;             /* may be NULL in unit tests */
    /* TF1 control flow (dead tensors), NULL when the executor does not
     * track them. in_dead[i]: input i is dead (only ops flagged
     * MD_OP_DEAD_INPUTS see dead inputs: Merge, ControlTrigger). dead[o]:
     * the kernel sets it to mark output o dead instead of producing it
     * (Switch's untaken branch). */
    const unsigned char *in_dead;
    unsigned char *dead;
};

enum md_op_flags {
    MD_OP_STATEFUL = 1 << 0,   /* has side effects: never pruned as a dead-end or deduplicated */
    MD_OP_LOAD_ONLY = 1 << 1,  /* only meaningful at load (RestoreV2, table init) */
    MD_OP_REFUSED = 1 << 2,    /* recognised but refused for safety (ReadFile, ...) */
    MD_OP_REF_INPUT0 = 1 << 3, /* input 0 is a TF1 variable reference that the op writes
                                  (Assign...): it may be uninitialised */
    MD_OP_REF_OUTPUT = 1 << 4, /* output is a TF1 reference (VariableV2): the executor
                                  re-evaluates it for each consumer, so a read ordered
                                  after an Assign sees the new value */
    MD_OP_DEAD_INPUTS = 1 << 5, /* runs even when inputs are dead, seeing in_dead (Merge,
                                   ControlTrigger); other ops with a dead input are skipped
                                   and their outputs are dead */
    MD_OP_DEAD_OUTPUTS = 1 << 6, /* may mark outputs dead (Switch): the executor tracks
                                    dead values in plans that contain it */
};

struct md_op_def {
    const char *tf_name;
    /* Optional. Validates attrs and input count, fills ki->state and
     * ki->n_outputs. Failure = the model does not load. */
    bool (*init)(struct md_kernel_init *ki, struct md_status *st);
    /* Computes outputs from inputs. Checks only what request data controls. */
    bool (*compute)(struct md_kernel_ctx *k, struct md_status *st);
    unsigned flags;
};

/* ---- registry (ops/registry.c) ---- */
/* The op named tf_name, or NULL. thread-safe */
const struct md_op_def *md_op_lookup(const char *tf_name);
/* All registered ops in name order (for docs and `modeld-cli check`). */
const struct md_op_def *const *md_op_all(size_t *count);

/* ---- helpers for kernels (ops/kernel.c) ---- */

/* Allocates outputs[i] in the request arena (uninitialised data; strings
 * arrays are zeroed). For rank/dims of a scalar pass rank 0, dims NULL. */
MD_MUST_CHECK bool md_kernel_output(struct md_kernel_ctx *k, int i, enum md_dtype dtype, int rank,
                                    const int64_t *dims, struct md_status *st);
/* Like md_kernel_output, but outputs[i] may take over input j's buffer
 * when the executor knows this step is the input's last reader and nothing
 * else points into it (TensorFlow's buffer forwarding). Only for kernels
 * that compute output element e from input elements e alone (elementwise,
 * BiasAdd, activations): the output may alias the input. Falls back to a
 * fresh buffer otherwise. */
MD_MUST_CHECK bool md_kernel_output_reuse(struct md_kernel_ctx *k, int i, int j,
                                          enum md_dtype dtype, int rank, const int64_t *dims,
                                          struct md_status *st);
/* outputs[i] becomes a view of *src (same data, shared buffer reference).
 * For Identity, Reshape, Squeeze, ExpandDims, StopGradient... the shape may
 * be changed by the caller afterwards. */
void md_kernel_forward(struct md_kernel_ctx *k, int i, const struct md_tensor *src);
/* Scratch memory from the request arena (64-byte aligned). */
void *md_kernel_scratch(struct md_kernel_ctx *k, size_t bytes, struct md_status *st);
/* Copies string bytes into the request arena; returns the stored md_str. */
MD_MUST_CHECK bool md_kernel_str(struct md_kernel_ctx *k, const char *data, size_t len,
                                 struct md_str *out, struct md_status *st);
/* Persistent (model-lifetime) memory during init. */
void *md_kernel_init_alloc(struct md_kernel_init *ki, size_t bytes, struct md_status *st);
/* Sets st to code with "node 'N': Op: <msg>"; returns false. */
bool md_kernel_fail(const Tensorflow__NodeDef *node, struct md_status *st, enum md_code code,
                    const char *fmt, ...) MD_PRINTF(4, 5);

/* Runs fn(arg, begin, end) over [0, n) split into contiguous blocks on the
 * executor's thread pool (serially when env has no pool). Blocks are at
 * least min_block long. Returns after every block is done. */
void md_parallel_for(struct md_kernel_ctx *k, int64_t n, int64_t min_block,
                     void (*fn)(void *arg, int64_t begin, int64_t end), void *arg);

/* ---- attrs (ops/attrs.c), read from a NodeDef at init ---- */
/* Each returns true and fills *out when the attr exists and has that kind;
 * false (and leaves *out unchanged) otherwise. */
const Tensorflow__AttrValue *md_attr_find(const Tensorflow__NodeDef *n, const char *name);
bool md_attr_int(const Tensorflow__NodeDef *n, const char *name, int64_t *out);
bool md_attr_float(const Tensorflow__NodeDef *n, const char *name, float *out);
bool md_attr_bool(const Tensorflow__NodeDef *n, const char *name, bool *out);
bool md_attr_type(const Tensorflow__NodeDef *n, const char *name, enum md_dtype *out);
/* String attr: pointer into the NodeDef (not NUL-terminated), length. */
bool md_attr_str(const Tensorflow__NodeDef *n, const char *name, struct md_str *out);
/* Shape attr; *rank = -1 for unknown rank; dims -1 for unknown. */
bool md_attr_shape(const Tensorflow__NodeDef *n, const char *name, int *rank, int64_t *dims);
/* List attrs: pointer into the NodeDef and count. */
bool md_attr_list_int(const Tensorflow__NodeDef *n, const char *name, const int64_t **v, size_t *count);
bool md_attr_list_float(const Tensorflow__NodeDef *n, const char *name, const float **v, size_t *count);
bool md_attr_list_type(const Tensorflow__NodeDef *n, const char *name, const int **v, size_t *count);
/* The attr's TensorProto (Const value). */
const Tensorflow__TensorProto *md_attr_tensor(const Tensorflow__NodeDef *n, const char *name);

/* Decodes a TensorProto (tensor_content or typed *_val fields, with TF's rule
 * that a shorter value list is padded with its last value) into an owned
 * tensor. Shared by Const, the gRPC front end and signature defaults. */
MD_MUST_CHECK bool md_tensor_from_proto(const Tensorflow__TensorProto *p, struct md_tensor *out,
                                        struct md_status *st);

#endif
