/* train.h: modeld-train's library, an estimator-style train_and_evaluate on
 * modeld's own interpreter.
 *
 *   struct md_train_config cfg;
 *   md_train_config_defaults(&cfg);           // TF's RunConfig/TrainSpec/EvalSpec defaults
 *   cfg.model = "cnn"; cfg.model_dir = "runs/cnn"; cfg.max_steps = 2000;
 *   cfg.exporters = MD_TRAIN_EXPORT_BEST;
 *   struct md_status st = MD_STATUS_INIT;
 *   if (!md_train_and_evaluate(&cfg, &st)) fprintf(stderr, "%s\n", st.msg);
 *
 * Pieces, each in its own file:
 *   graph_builder.c  md_tg_*: builds a GraphDef of standard TF ops/attrs
 *   autodiff.c       md_tg_gradients: backward nodes with TF's gradient ops
 *   optimizer.c      SGD / Momentum / Adam as Apply* nodes + TF slot names
 *   models.c         model_fn's: cnn, dnn, linear (TRAIN / EVAL / PREDICT)
 *   input.c          IDX and TFRecord(tf.Example) input_fn, shuffle, batch,
 *                    repeat, prefetch thread
 *   checkpoint.c     model.ckpt-N bundles + the `checkpoint` state file
 *   summary.c        event files (TFRecord of Event protos)
 *   export.c         SavedModel exports (best / final / latest, GC)
 *   estimator.c      the run loop: train, checkpoint, evaluate, export
 *
 * The training step is a graph: model_fn(TRAIN) + md_tg_gradients + the
 * optimizer's Apply* nodes, run by ops/graph_run.h in two plans:
 *   plan "grads": (variables, batch) -> loss, gradients   (pure)
 *   plan "apply": gradients -> Apply* updates, global_step += 1
 * so a cross-worker allreduce of the gradients slots in between the two
 * (see estimator.c, train_step()).
 */
#ifndef MD_TOOLS_TRAIN_H
#define MD_TOOLS_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "base/tensor.h"
#include "graph.pb-c.h"

/* ================================================================ builder */
/* A tensor in the graph being built: output `index` of node `node`. */
struct md_tg_t {
    int node;
    int index;
};

enum md_tg_init { MD_TG_ZEROS, MD_TG_GLOROT_UNIFORM, MD_TG_CONST };

struct md_tg_var {
    const char *name;      /* VariableV2 node name = checkpoint key */
    int rank;
    int64_t dims[4];
    enum md_dtype dtype;
    enum md_tg_init init;
    float value;           /* MD_TG_CONST */
    bool trainable;
    struct md_tg_t read;   /* "<name>/read" Identity */
    int node;              /* the VariableV2 node */
};

struct md_tg;

/* Errors while building (out of memory, misuse) are sticky: calls after one
 * do nothing and md_tg_graphdef reports it. single-owner */
struct md_tg *md_tg_new(void);
void md_tg_free(struct md_tg *g); /* NULL-safe */
/* The GraphDef (borrowed; valid until md_tg_free or the next add). NULL +
 * the first building error. */
const Tensorflow__GraphDef *md_tg_graphdef(struct md_tg *g, struct md_status *st);

/* Adds node `op` named `name` (made unique with _1, _2... as TF does).
 * Returns the node id (>= 0) or -1 after an error. */
int md_tg_node(struct md_tg *g, const char *op, const char *name, const struct md_tg_t *in,
               int n_in);
const char *md_tg_name(const struct md_tg *g, int node);
const char *md_tg_op(const struct md_tg *g, int node);
int md_tg_count(const struct md_tg *g);
/* Data inputs of a node as added. */
int md_tg_inputs(const struct md_tg *g, int node, const struct md_tg_t **in);
void md_tg_ctrl(struct md_tg *g, int node, int dep);
void md_tg_attr_type(struct md_tg *g, int node, const char *key, enum md_dtype v);
void md_tg_attr_int(struct md_tg *g, int node, const char *key, int64_t v);
void md_tg_attr_float(struct md_tg *g, int node, const char *key, float v);
void md_tg_attr_bool(struct md_tg *g, int node, const char *key, bool v);
void md_tg_attr_str(struct md_tg *g, int node, const char *key, const char *v);
void md_tg_attr_shape(struct md_tg *g, int node, const char *key, int rank, const int64_t *dims);
void md_tg_attr_list_int(struct md_tg *g, int node, const char *key, size_t n, const int64_t *v);
void md_tg_attr_list_type(struct md_tg *g, int node, const char *key, size_t n,
                          const enum md_dtype *v);
void md_tg_attr_list_shape(struct md_tg *g, int node, const char *key, size_t n, int rank,
                           const int64_t *dims);
void md_tg_attr_list_str(struct md_tg *g, int node, const char *key, size_t n,
                         const char *const *v);
/* Copies attr `key` of node `from` to node `to` (for gradient ops that take
 * the forward op's strides/padding). */
void md_tg_attr_copy(struct md_tg *g, int to, int from, const char *key);
void md_tg_attr_tensor(struct md_tg *g, int node, const char *key, const struct md_tensor *t);
/* Attr `key` of a node as added (borrowed), NULL when absent. */
const Tensorflow__AttrValue *md_tg_attr_get(const struct md_tg *g, int node, const char *key);

/* Convenience: node output 0 / 1 */
static inline struct md_tg_t md_tg_out(int node, int index)
{
    struct md_tg_t t = { node, index };
    return t;
}
/* Const (float / int32 / int64 / string), Placeholder, one- and two-input ops
 * with attr T = float. */
struct md_tg_t md_tg_const(struct md_tg *g, const char *name, const struct md_tensor *value);
struct md_tg_t md_tg_scalar_f(struct md_tg *g, const char *name, float v);
struct md_tg_t md_tg_vec_i32(struct md_tg *g, const char *name, size_t n, const int32_t *v);
struct md_tg_t md_tg_placeholder(struct md_tg *g, const char *name, enum md_dtype dt, int rank,
                                 const int64_t *dims);
struct md_tg_t md_tg_op1(struct md_tg *g, const char *op, const char *name, struct md_tg_t a);
struct md_tg_t md_tg_op2(struct md_tg *g, const char *op, const char *name, struct md_tg_t a,
                         struct md_tg_t b);
/* Shape(x) as int32. */
struct md_tg_t md_tg_shape(struct md_tg *g, const char *name, struct md_tg_t x);
/* VariableV2 `name` + Identity `name/read`; registered for initialisation,
 * checkpoints and export. Returns the read tensor. */
struct md_tg_t md_tg_variable(struct md_tg *g, const char *name, enum md_dtype dt, int rank,
                              const int64_t *dims, enum md_tg_init init, float value,
                              bool trainable);
size_t md_tg_var_count(const struct md_tg *g);
const struct md_tg_var *md_tg_var_at(const struct md_tg *g, size_t i);

/* ================================================================ autodiff */
/* Adds the backward graph of `loss` (a float scalar) with respect to each
 * xs[i] under "gradients/", using TensorFlow's gradient ops (ReluGrad,
 * Conv2DBackprop*, MaxPoolGrad, BiasAddGrad, MatMul with transposes, ...).
 * grads[i] receives d loss / d xs[i]. UNIMPLEMENTED naming the op when a node
 * on the path has no gradient here; INVALID_ARGUMENT when an x does not
 * reach the loss. */
MD_MUST_CHECK bool md_tg_gradients(struct md_tg *g, struct md_tg_t loss, const struct md_tg_t *xs,
                                   size_t n, struct md_tg_t *grads, struct md_status *st);
/* Declares the gradient of output 0 of `node` with respect to its input
 * `input` as dy * local (elementwise), overriding the op's own rule: how a
 * composite loss (sigmoid cross-entropy built from standard ops) gets its
 * well-conditioned gradient, as tf.custom_gradient does. */
void md_tg_grad_override(struct md_tg *g, int node, int input, struct md_tg_t local);
/* The override for (node, input), if any (for autodiff). */
bool md_tg_find_override(const struct md_tg *g, int node, int input, struct md_tg_t *local);
/* True (and *st = the error) once building has failed. */
bool md_tg_failed(const struct md_tg *g, struct md_status *st);

/* =============================================================== optimizer */
enum md_train_optimizer { MD_OPT_SGD, MD_OPT_MOMENTUM, MD_OPT_ADAM };
struct md_train_opt_spec {
    enum md_train_optimizer kind;
    float learning_rate;
    float momentum;              /* Momentum: 0.9 */
    float beta1, beta2, epsilon; /* Adam: 0.9, 0.999, 1e-8 */
};
/* Adds global_step (int64 VariableV2), the slots (TF names: <var>/Momentum,
 * <var>/Adam, <var>/Adam_1, beta1_power, beta2_power), one Apply* per
 * variable fed by grads[i] (the gradient tensors), and `train_op` (a NoOp
 * after every update and global_step += 1). Returns the train_op node. */
int md_train_optimizer_build(struct md_tg *g, const struct md_train_opt_spec *o,
                             const struct md_tg_var *const *vars, const struct md_tg_t *grads,
                             size_t n);

/* ================================================================== models */
enum md_train_mode { MD_MODE_TRAIN, MD_MODE_EVAL, MD_MODE_PREDICT };
enum md_train_head { MD_HEAD_MULTICLASS, MD_HEAD_BINARY, MD_HEAD_REGRESSION };

struct md_train_model_spec {
    enum md_train_head head;
    int n_classes;                     /* multiclass */
    struct md_tg_t logits;             /* [batch, n_classes] or [batch, 1] */
    struct md_tg_t predictions;        /* probabilities [batch, n] / value [batch, 1] */
    struct md_tg_t loss;               /* scalar mean loss (TRAIN, EVAL) */
    struct md_tg_t loss_vec;           /* per-example loss (EVAL) */
};

struct md_train_model {
    const char *name;                  /* --model */
    enum md_train_head head;
    int n_classes;
    int n_features;                    /* dense float features per example */
    const char *feature_key;           /* tf.Example key, "x" */
    /* Builds the model on features x [batch, n_features] (and labels, TRAIN /
     * EVAL); dropout_seed (TRAIN only) is an int64[2] placeholder. */
    bool (*model_fn)(struct md_tg *g, enum md_train_mode mode, struct md_tg_t x,
                     struct md_tg_t labels, struct md_tg_t dropout_seed,
                     struct md_train_model_spec *out, struct md_status *st);
};
const struct md_train_model *md_train_model_find(const char *name);

/* =================================================================== input */
/* An in-memory dataset: n examples of n_features floats and a label
 * (class id, 0/1, or a regression target). */
struct md_train_data {
    int64_t n;
    int n_features;
    float *x;      /* n * n_features */
    float *y;      /* n labels */
    int n_classes; /* labels must be < n_classes (0: regression) */
};
void md_train_data_free(struct md_train_data *d); /* NULL-safe */
/* IDX image + label files (gzipped or not): pixels scaled to [0, 1]. */
struct md_train_data *md_train_load_idx(const char *images, const char *labels,
                                        struct md_status *st);
/* TFRecord of tf.Example with float feature `x_key` (n_features values) and
 * int64 or float label `y_key`; every record is checked (crc, features). */
struct md_train_data *md_train_load_tfrecord(const char *path, const char *x_key,
                                             const char *y_key, int n_features, int n_classes,
                                             struct md_status *st);
/* Writes d as TFRecord of tf.Example (x float list, label int64 / float). */
MD_MUST_CHECK bool md_train_write_tfrecord(const struct md_train_data *d, const char *path,
                                           const char *x_key, const char *y_key,
                                           struct md_status *st);
/* Synthetic data for the dnn (binary, CVR-like) and linear (regression) models. */
struct md_train_data *md_train_synthetic(const char *kind, int64_t n, uint64_t seed,
                                         struct md_status *st);

/* input_fn: shuffled (seeded, per epoch), batched, repeated, prefetched on a
 * thread. Each batch: x [batch, n_features] float, labels [batch] int64 for
 * classes or [batch, 1] float for regression. */
struct md_train_input;
struct md_train_input *md_train_input_new(const struct md_train_data *d, int batch, bool shuffle,
                                          bool repeat, uint64_t seed, struct md_status *st);
/* The next batch (owned by the input until the next call); false at the end
 * of a non-repeating input. */
bool md_train_input_next(struct md_train_input *in, const struct md_tensor **x,
                         const struct md_tensor **y);
void md_train_input_free(struct md_train_input *in); /* NULL-safe; joins the thread */

/* ============================================================= checkpoints */
struct md_session;
/* Writes <model_dir>/model.ckpt-<step>.{index,data-00000-of-00001} with
 * every variable of g (values from session s) and updates
 * <model_dir>/checkpoint, deleting checkpoints beyond keep_max. */
MD_MUST_CHECK bool md_train_save(const char *model_dir, int64_t step, int keep_max,
                                 const struct md_tg *g, struct md_session *s,
                                 struct md_status *st);
/* Path prefix of the latest checkpoint from <model_dir>/checkpoint (malloc'd),
 * NULL when there is none (st OK) or the state file is bad (st set). */
char *md_train_latest_checkpoint(const char *model_dir, struct md_status *st);
/* Restores every variable of g present in the checkpoint into s; missing
 * ones fail (NOT_FOUND naming them) unless allow_missing. Returns the
 * checkpoint's global_step via *step when not NULL. */
MD_MUST_CHECK bool md_train_restore(const char *prefix, const struct md_tg *g,
                                    struct md_session *s, bool allow_missing, int64_t *step,
                                    struct md_status *st);

/* =============================================================== summaries */
struct md_train_events;
/* Opens <dir>/events.out.tfevents.<ts>.<host> and writes the file_version
 * record. */
struct md_train_events *md_train_events_open(const char *dir, struct md_status *st);
MD_MUST_CHECK bool md_train_events_scalars(struct md_train_events *e, int64_t step, size_t n,
                                           const char *const *tags, const float *values,
                                           struct md_status *st);
MD_MUST_CHECK bool md_train_events_histogram(struct md_train_events *e, int64_t step,
                                             const char *tag, const float *v, int64_t n,
                                             struct md_status *st);
void md_train_events_close(struct md_train_events *e); /* NULL-safe */
/* Reads every Event with a summary in event files under dir (glob
 * "*.tfevents.*"), calling fn per (step, tag, simple_value); crc-checked. */
MD_MUST_CHECK bool md_train_events_read(const char *dir,
                                        void (*fn)(void *arg, int64_t step, const char *tag,
                                                   float value),
                                        void *arg, struct md_status *st);

/* ================================================================= exports */
/* Builds the PREDICT graph of `model` with a tf.Example serving input and
 * writes a SavedModel to <base>/<10-digit ts> (through temp-<ts> + rename),
 * variables from the checkpoint `ckpt`. The path of the export goes to
 * out_dir (cap bytes). */
MD_MUST_CHECK bool md_train_export(const struct md_train_model *model, const char *ckpt,
                                   const char *base, char *out_dir, size_t cap,
                                   struct md_status *st);
/* Keeps the `keep` newest 10-digit version directories under base. */
void md_train_export_gc(const char *base, int keep);

/* ================================================================ run loop */
enum {
    MD_TRAIN_EXPORT_BEST = 1 << 0,
    MD_TRAIN_EXPORT_FINAL = 1 << 1,
    MD_TRAIN_EXPORT_LATEST = 1 << 2,
};

struct md_train_config {
    const char *model;           /* cnn | dnn | linear */
    const char *data;            /* fashion-mnist | tfrecord | synthetic */
    const char *data_dir;        /* IDX files (default the Debian path) */
    const char *train_file, *eval_file; /* --data tfrecord */
    const char *model_dir;
    int64_t max_steps;
    int batch_size;
    float learning_rate;
    enum md_train_optimizer optimizer;
    int64_t save_checkpoints_steps; /* 0: use secs */
    double save_checkpoints_secs;
    int keep_checkpoint_max;
    int64_t save_summary_steps;
    int64_t log_step_count_steps;
    int64_t eval_steps;          /* batches per evaluation; 0: the whole eval set */
    double start_delay_secs, throttle_secs;
    unsigned exporters;
    int exports_to_keep;
    uint64_t tf_random_seed;
    int threads;                 /* kernel threads (0: all CPUs) */
    int64_t auc_reset_steps;     /* dnn: train AUC accumulators reset period */
    bool quiet;
};
void md_train_config_defaults(struct md_train_config *c);

struct md_train_result {
    int64_t global_step;
    float loss, accuracy, auc;   /* last evaluation (accuracy/auc when relevant) */
    int n_exports;
    char last_export[4096];
    double wall_secs;
};
MD_MUST_CHECK bool md_train_and_evaluate(const struct md_train_config *c,
                                         struct md_train_result *res, struct md_status *st);

/* The training step alone (benchmarks, custom loops): the TRAIN graph of
 * c->model with c->optimizer, variables initialised from c->tf_random_seed.
 * run: one step on a batch (x [batch, n_features] float; labels int64
 * [batch] for cnn, float [batch, 1] otherwise). c must outlive s.
 * single-owner */
struct md_train_stepper;
struct md_train_stepper *md_train_stepper_new(const struct md_train_config *c,
                                              struct md_status *st);
MD_MUST_CHECK bool md_train_stepper_run(struct md_train_stepper *s, const struct md_tensor *x,
                                        const struct md_tensor *y, float *loss,
                                        struct md_status *st);
void md_train_stepper_free(struct md_train_stepper *s); /* NULL-safe */

#endif
