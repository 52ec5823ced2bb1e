/* bench/cnn: the classic tf.estimator MNIST CNN run through modeld's kernels.
 *
 *   28x28x1 -> Conv2D 5x5x32 SAME -> BiasAdd -> Relu -> MaxPool 2x2/2
 *           -> Conv2D 5x5x64 SAME -> BiasAdd -> Relu -> MaxPool 2x2/2
 *           -> Reshape [N,3136] -> MatMul 1024 -> BiasAdd -> Relu
 *           -> MatMul 10 -> BiasAdd -> Softmax            (27.8 MFLOP/image)
 *
 * Phase 1 of the benchmark: the graph is a fixed chain of md_op_def calls
 * (the same kernels the engine runs, looked up by TF op name), on a thread
 * pool this program creates and hands to the kernels as md_exec_env. The
 * weights are random (timing does not depend on them). Intermediate values
 * live in two request arenas used alternately, which is what a liveness plan
 * gives a chain: each op's output dies after the next op.
 *
 * Phase 2 (engine_ms): the same network written as a SavedModel with
 * modeld's writer (Placeholder, VariableV2 weights restored from variables/,
 * Conv2D, BiasAdd, Relu, MaxPool, Reshape, MatMul, Softmax) into a temporary
 * directory, loaded with md_model_load (intra_op_threads = --threads) and run
 * with md_model_run: what the daemon does per request, minus HTTP.
 *
 * Besides the model time it measures, in the same process, the GEMMs the
 * conv and dense kernels issue (same shapes, same split over the pool, on
 * preallocated operands, no im2col): the "GEMM floor", so that
 * wall / GEMM-sum shows what the rest of the interpreter costs.
 *
 * Usage: cnn [--threads T] [--seconds S] [--batch B]... [--profile]
 *            [--no-engine | --engine-only]
 * (default batches 100 and 1; --profile prints per-op means to stderr;
 * --engine-only skips the direct chain and the GEMM floor, so that the
 * process's peak RSS is the engine's). Output: one "key=value" line per batch, read by bench/cnn_run.py.
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loader/loader.h"
#include "ops/blas.h"
#include "ops/exec_env.h"
#include "ops/kernel.h"
#include "ops/kernels/nn_common.h"
#include "ops/ops.h"
#include "ops/ops_impl.h"

#include "attr_value.pb-c.h"
#include "saved_model.pb-c.h"

#define MAX_THREADS 16

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "cnn: %s: %s\n", what, msg);
    exit(1);
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        die("calloc", strerror(errno));
    return p;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---------------------------------------------------------------- pool
 * The engine's own thread pool (ops/threadpool.c), so that the direct chain
 * and the GEMM floor run on the same threading as md_model_run. (A private
 * spinning pool here made the 2-thread floor 2x slower than the 1-thread
 * one on a loaded machine, which said nothing about the kernels.) */
struct pool {
    struct md_exec_env env; /* first: the kernels see &pool->env */
    struct md_threadpool *tp;
};

static void pool_start(struct pool *p, int threads)
{
    struct md_status st = MD_STATUS_INIT;
    memset(p, 0, sizeof *p);
    if (threads > 1) {
        p->tp = md_threadpool_new(threads - 1, &st);
        if (!p->tp)
            die("md_threadpool_new", st.msg);
        p->env.pool = p->tp;
        p->env.parallel_for = md_threadpool_env_for;
    }
}

static void pool_stop(struct pool *p)
{
    md_threadpool_free(p->tp);
}

/* ---------------------------------------------------------------- nodes */
static Tensorflow__AttrValue *add_attr(Tensorflow__NodeDef *n, const char *name)
{
    Tensorflow__NodeDef__AttrEntry *e = xcalloc(1, sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = strdup(name);
    e->value = xcalloc(1, sizeof *e->value);
    tensorflow__attr_value__init(e->value);
    Tensorflow__NodeDef__AttrEntry **a = realloc(n->attr, (n->n_attr + 1) * sizeof *a);
    if (!a)
        die("realloc", strerror(errno));
    n->attr = a;
    n->attr[n->n_attr++] = e;
    return e->value;
}

static Tensorflow__NodeDef *new_node(const char *name, const char *op)
{
    Tensorflow__NodeDef *n = xcalloc(1, sizeof *n);
    tensorflow__node_def__init(n);
    n->name = strdup(name);
    n->op = strdup(op);
    Tensorflow__AttrValue *t = add_attr(n, "T");
    t->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    t->type = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    return n;
}

static void attr_str(Tensorflow__NodeDef *n, const char *name, const char *v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)strdup(v);
}

static void attr_4(Tensorflow__NodeDef *n, const char *name, int64_t h, int64_t w)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = xcalloc(1, sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    a->list->n_i = 4;
    a->list->i = xcalloc(4, sizeof *a->list->i);
    int64_t v[4] = { 1, h, w, 1 };
    memcpy(a->list->i, v, sizeof v);
}

/* ---------------------------------------------------------------- model */
enum { W_C1, B_C1, W_C2, B_C2, W_D1, B_D1, W_D2, B_D2, N_W };

struct step {
    Tensorflow__NodeDef *node;
    const struct md_op_def *op;
    void *state;
    int n_in;
    int weight;        /* second input: weights index, or -1 */
    bool flatten;      /* Reshape [N, -1] on the first input (a view) */
};

struct model {
    struct md_tensor w[N_W];
    struct step steps[16];
    int n_steps;
    struct md_arena *persist;
};

static void rand_tensor(struct md_tensor *t, int rank, const int64_t *dims, float scale,
                        uint32_t seed)
{
    struct md_status st = MD_STATUS_INIT;
    if (!md_tensor_alloc(t, MD_DT_FLOAT, rank, dims, 0, &st))
        die("alloc", st.msg);
    float *p = t->data;
    uint32_t s = seed;
    for (int64_t i = 0; i < md_tensor_num_elements(t); i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = scale * (float)((double)(s >> 8) / 8388608.0 - 1.0);
    }
}

static void add_step(struct model *m, Tensorflow__NodeDef *n, int weight, bool flatten)
{
    struct md_status st = MD_STATUS_INIT;
    struct step *s = &m->steps[m->n_steps++];
    s->node = n;
    s->op = md_op_lookup(n->op);
    if (!s->op)
        die(n->op, "op not registered");
    s->weight = weight;
    s->flatten = flatten;
    s->n_in = weight >= 0 ? 2 : 1;
    struct md_kernel_init ki = { .node = n, .op = s->op, .n_inputs = s->n_in,
                                 .persist = m->persist, .n_outputs = 1 };
    if (s->op->init && !s->op->init(&ki, &st))
        die(n->name, st.msg);
    s->state = ki.state;
}

static Tensorflow__NodeDef *conv(const char *name)
{
    Tensorflow__NodeDef *n = new_node(name, "Conv2D");
    attr_4(n, "strides", 1, 1);
    attr_str(n, "padding", "SAME");
    attr_str(n, "data_format", "NHWC");
    return n;
}

static Tensorflow__NodeDef *pool2(const char *name)
{
    Tensorflow__NodeDef *n = new_node(name, "MaxPool");
    attr_4(n, "ksize", 2, 2);
    attr_4(n, "strides", 2, 2);
    attr_str(n, "padding", "SAME");
    attr_str(n, "data_format", "NHWC");
    return n;
}

static void model_build(struct model *m)
{
    struct md_status st = MD_STATUS_INIT;
    memset(m, 0, sizeof *m);
    m->persist = md_arena_new(0, 0, &st);
    if (!m->persist)
        die("arena", st.msg);
    rand_tensor(&m->w[W_C1], 4, (int64_t[]){ 5, 5, 1, 32 }, 0.2f, 1);
    rand_tensor(&m->w[B_C1], 1, (int64_t[]){ 32 }, 0.1f, 2);
    rand_tensor(&m->w[W_C2], 4, (int64_t[]){ 5, 5, 32, 64 }, 0.035f, 3);
    rand_tensor(&m->w[B_C2], 1, (int64_t[]){ 64 }, 0.1f, 4);
    rand_tensor(&m->w[W_D1], 2, (int64_t[]){ 3136, 1024 }, 0.018f, 5);
    rand_tensor(&m->w[B_D1], 1, (int64_t[]){ 1024 }, 0.1f, 6);
    rand_tensor(&m->w[W_D2], 2, (int64_t[]){ 1024, 10 }, 0.03f, 7);
    rand_tensor(&m->w[B_D2], 1, (int64_t[]){ 10 }, 0.1f, 8);
    add_step(m, conv("conv1/Conv2D"), W_C1, false);
    add_step(m, new_node("conv1/BiasAdd", "BiasAdd"), B_C1, false);
    add_step(m, new_node("conv1/Relu", "Relu"), -1, false);
    add_step(m, pool2("pool1/MaxPool"), -1, false);
    add_step(m, conv("conv2/Conv2D"), W_C2, false);
    add_step(m, new_node("conv2/BiasAdd", "BiasAdd"), B_C2, false);
    add_step(m, new_node("conv2/Relu", "Relu"), -1, false);
    add_step(m, pool2("pool2/MaxPool"), -1, false);
    add_step(m, new_node("dense/MatMul", "MatMul"), W_D1, true);
    add_step(m, new_node("dense/BiasAdd", "BiasAdd"), B_D1, false);
    add_step(m, new_node("dense/Relu", "Relu"), -1, false);
    add_step(m, new_node("logits/MatMul", "MatMul"), W_D2, false);
    add_step(m, new_node("logits/BiasAdd", "BiasAdd"), B_D2, false);
    add_step(m, new_node("softmax", "Softmax"), -1, false);
}

static void model_free(struct model *m)
{
    for (int i = 0; i < m->n_steps; i++)
        protobuf_c_message_free_unpacked(&m->steps[i].node->base, NULL);
    for (int i = 0; i < N_W; i++)
        md_tensor_cleanup(&m->w[i]);
    md_arena_free(m->persist);
}

/* Runs the chain on x; returns the softmax output (in arenas[]). When
 * step_ms is not NULL, adds each step's time to it. */
static const struct md_tensor *model_run(struct model *m, struct pool *p,
                                         const struct md_tensor *x, struct md_arena *arenas[2],
                                         struct md_tensor outs[2], double *step_ms)
{
    struct md_status st = MD_STATUS_INIT;
    const struct md_tensor *prev = x;
    struct md_tensor flat;
    for (int i = 0; i < m->n_steps; i++) {
        struct step *s = &m->steps[i];
        /* The arena of step i-2 holds only values that are dead by now. */
        md_tensor_cleanup(&outs[i % 2]);
        md_arena_reset(arenas[i % 2]);
        if (s->flatten) {
            flat = *prev;
            flat.buf = NULL;
            flat.rank = 2;
            flat.dims[1] = md_tensor_num_elements(prev) / (prev->dims[0] ? prev->dims[0] : 1);
            prev = &flat;
        }
        const struct md_tensor *in[2] = { prev, s->weight >= 0 ? &m->w[s->weight] : NULL };
        struct md_kernel_ctx k = { .node = s->node, .state = s->state, .n_inputs = s->n_in,
                                   .inputs = in, .n_outputs = 1, .outputs = &outs[i % 2],
                                   .arena = arenas[i % 2], .env = &p->env };
        double t0 = step_ms ? now_ms() : 0;
        if (!s->op->compute(&k, &st))
            die(s->node->name, st.msg);
        if (step_ms)
            step_ms[i] += now_ms() - t0;
        prev = &outs[i % 2];
    }
    return prev;
}

/* ------------------------------------------------------------ GEMM floor
 * The GEMMs the kernels issue for this model, with the same shapes and the
 * same split: conv layers as one GEMM per image (per row block below 4
 * images, like conv2d.c), dense layers through md_nn_gemm_run. */
struct gemm_layer {
    int64_t rows, k, n;   /* per image for conv (rows = output pixels) */
    bool conv;
    float *a, *b, *c;
    int64_t blk_rows, nblk, lanes;
};

static void conv_gemm_lane(void *arg, int64_t lane, int64_t begin, int64_t end)
{
    const struct gemm_layer *l = arg;
    const float *a = l->a + lane * l->blk_rows * l->k;
    for (int64_t u = begin; u < end; u++) {
        int64_t img = u / l->nblk, b = u % l->nblk;
        int64_t r0 = b * l->blk_rows, r1 = r0 + l->blk_rows > l->rows ? l->rows : r0 + l->blk_rows;
        md_blas_sgemm(false, false, r1 - r0, l->n, l->k, 1.0f, a, l->k, l->b, l->n, 0.0f,
                      l->c + (img * l->rows + r0) * l->n, l->n);
    }
}

static void gemm_layer_init(struct gemm_layer *l, int64_t batch, int64_t rows, int64_t k,
                            int64_t n, bool is_conv)
{
    l->rows = rows;
    l->k = k;
    l->n = n;
    l->conv = is_conv;
    if (is_conv) {
        /* Mirrors conv2d.c's blocking (BLOCK_BYTES 640 KiB, >= 4 units). */
        int64_t blk = (640 * 1024) / (k * 4);
        if (blk < 1)
            blk = 1;
        if (batch < 4) {
            int64_t want = (4 + batch - 1) / batch;
            int64_t b2 = (rows + want - 1) / want;
            if (b2 < 16)
                b2 = 16;
            if (b2 < blk)
                blk = b2;
        }
        if (blk > rows)
            blk = rows;
        l->nblk = (rows + blk - 1) / blk;
        l->blk_rows = (rows + l->nblk - 1) / l->nblk;
        l->nblk = (rows + l->blk_rows - 1) / l->blk_rows;
        l->lanes = md_nn_lanes(batch * l->nblk, 2.0 * (double)(l->blk_rows * k * n));
        l->a = xcalloc((size_t)(l->lanes * l->blk_rows * k), sizeof(float));
        l->c = xcalloc((size_t)(batch * rows * n), sizeof(float));
    } else {
        l->a = xcalloc((size_t)(batch * k), sizeof(float));
        l->c = xcalloc((size_t)(batch * n), sizeof(float));
    }
    l->b = xcalloc((size_t)(k * n), sizeof(float));
    for (int64_t i = 0; i < k * n; i++)
        l->b[i] = (float)(i % 7) * 0.01f;
    int64_t na = is_conv ? l->lanes * l->blk_rows * k : batch * k;
    for (int64_t i = 0; i < na; i++)
        l->a[i] = (float)(i % 5) * 0.02f;
}

static void gemm_layers_run(struct gemm_layer *ls, int n, int64_t batch, struct pool *p)
{
    struct md_kernel_ctx k = { .env = &p->env };
    for (int i = 0; i < n; i++) {
        struct gemm_layer *l = &ls[i];
        if (l->conv) {
            md_nn_run_lanes(&k, batch * l->nblk, l->lanes, conv_gemm_lane, l);
        } else {
            struct md_nn_gemm g = { .dt = MD_DT_FLOAT, .m = batch, .n = l->n, .k = l->k,
                                    .a = l->a, .lda = l->k, .b = l->b, .ldb = l->n,
                                    .c = l->c, .ldc = l->n };
            md_nn_gemm_run(&k, &g);
        }
    }
}


/* ------------------------------------------------------------- phase 2 */
#define VAR(name, shape)                                                                      \
    "    node { name: \"" name "\" op: \"VariableV2\"\n"                                       \
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"                                  \
    "      attr { key: \"shape\" value { shape { " shape " } } } }\n"
#define D(n) "dim { size: " #n " } "
#define TF "      attr { key: \"T\" value { type: DT_FLOAT } }\n"
#define NHWC "      attr { key: \"data_format\" value { s: \"NHWC\" } }\n"
#define SAME "      attr { key: \"padding\" value { s: \"SAME\" } }\n"
#define OP2(name, op, a, b)                                                                   \
    "    node { name: \"" name "\" op: \"" op "\" input: \"" a "\" input: \"" b "\"\n" TF
#define OP1(name, op, a) "    node { name: \"" name "\" op: \"" op "\" input: \"" a "\"\n" TF

static const char cnn_graph[] =
    "saved_model_schema_version: 1\n"
    "meta_graphs {\n"
    "  meta_info_def { tags: \"serve\" meta_graph_version: \"modeld-bench-cnn\" }\n"
    "  graph_def {\n"
    "    node { name: \"x\" op: \"Placeholder\"\n"
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
    "      attr { key: \"shape\" value { shape { " D(-1) D(28) D(28) D(1) "} } } }\n"
    VAR("conv1/kernel", D(5) D(5) D(1) D(32)) VAR("conv1/bias", D(32))
    VAR("conv2/kernel", D(5) D(5) D(32) D(64)) VAR("conv2/bias", D(64))
    VAR("dense/kernel", D(3136) D(1024)) VAR("dense/bias", D(1024))
    VAR("logits/kernel", D(1024) D(10)) VAR("logits/bias", D(10))
    OP2("conv1/Conv2D", "Conv2D", "x", "conv1/kernel") NHWC SAME
    "      attr { key: \"strides\" value { list { i: 1 i: 1 i: 1 i: 1 } } } }\n"
    OP2("conv1/BiasAdd", "BiasAdd", "conv1/Conv2D", "conv1/bias") NHWC "}\n"
    OP1("conv1/Relu", "Relu", "conv1/BiasAdd") "}\n"
    OP1("pool1", "MaxPool", "conv1/Relu") NHWC SAME
    "      attr { key: \"ksize\" value { list { i: 1 i: 2 i: 2 i: 1 } } }\n"
    "      attr { key: \"strides\" value { list { i: 1 i: 2 i: 2 i: 1 } } } }\n"
    OP2("conv2/Conv2D", "Conv2D", "pool1", "conv2/kernel") NHWC SAME
    "      attr { key: \"strides\" value { list { i: 1 i: 1 i: 1 i: 1 } } } }\n"
    OP2("conv2/BiasAdd", "BiasAdd", "conv2/Conv2D", "conv2/bias") NHWC "}\n"
    OP1("conv2/Relu", "Relu", "conv2/BiasAdd") "}\n"
    OP1("pool2", "MaxPool", "conv2/Relu") NHWC SAME
    "      attr { key: \"ksize\" value { list { i: 1 i: 2 i: 2 i: 1 } } }\n"
    "      attr { key: \"strides\" value { list { i: 1 i: 2 i: 2 i: 1 } } } }\n"
    "    node { name: \"flat/shape\" op: \"Const\"\n"
    "      attr { key: \"dtype\" value { type: DT_INT32 } }\n"
    "      attr { key: \"value\" value { tensor { dtype: DT_INT32\n"
    "        tensor_shape { " D(2) "} int_val: -1 int_val: 3136 } } } }\n"
    OP2("flat", "Reshape", "pool2", "flat/shape")
    "      attr { key: \"Tshape\" value { type: DT_INT32 } } }\n"
    OP2("dense/MatMul", "MatMul", "flat", "dense/kernel") "}\n"
    OP2("dense/BiasAdd", "BiasAdd", "dense/MatMul", "dense/bias") NHWC "}\n"
    OP1("dense/Relu", "Relu", "dense/BiasAdd") "}\n"
    OP2("logits/MatMul", "MatMul", "dense/Relu", "logits/kernel") "}\n"
    OP2("logits/BiasAdd", "BiasAdd", "logits/MatMul", "logits/bias") NHWC "}\n"
    OP1("probs", "Softmax", "logits/BiasAdd") "}\n"
    "  }\n"
    "  signature_def { key: \"serving_default\" value {\n"
    "    inputs { key: \"x\" value { name: \"x:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { " D(-1) D(28) D(28) D(1) "} } }\n"
    "    outputs { key: \"probs\" value { name: \"probs:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { " D(-1) D(10) "} } }\n"
    "    method_name: \"tensorflow/serving/predict\" } }\n"
    "}\n";

/* Writes the model into a fresh temporary directory; returns its version
 * dir (static buffer) and the parent in tmp_root for cleanup. */
static const char *write_savedmodel(const struct model *m, char *tmp_root, size_t cap)
{
    static char dir[600];
    struct md_status st = MD_STATUS_INIT;
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_root, cap, "%s/modeld-bench-cnn-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root))
        die("mkdtemp", strerror(errno));
    snprintf(dir, sizeof dir, "%s/1", tmp_root);
    ProtobufCMessage *msg = md_textformat_parse(&tensorflow__saved_model__descriptor, cnn_graph,
                                                strlen(cnn_graph), &st);
    if (!msg)
        die("graph text", st.msg);
    static const char *const names[N_W] = { "conv1/kernel", "conv1/bias", "conv2/kernel",
                                            "conv2/bias", "dense/kernel", "dense/bias",
                                            "logits/kernel", "logits/bias" };
    struct md_named_tensor vars[N_W];
    for (int i = 0; i < N_W; i++)
        vars[i] = (struct md_named_tensor){ names[i], &m->w[i] };
    bool ok = md_savedmodel_write(dir, (const Tensorflow__SavedModel *)msg, vars, N_W, &st);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (!ok)
        die("md_savedmodel_write", st.msg);
    return dir;
}

static void remove_savedmodel(const char *root)
{
    char p[600];
    static const char *const files[] = { "1/variables/variables.index",
                                         "1/variables/variables.data-00000-of-00001",
                                         "1/saved_model.pb" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/1/variables", root);
    rmdir(p);
    snprintf(p, sizeof p, "%s/1", root);
    rmdir(p);
    rmdir(root);
}

static const struct md_tensor *engine_run(struct md_model *em, const struct md_tensor *x,
                                          struct md_arena *a, struct md_tensor *out)
{
    struct md_status st = MD_STATUS_INIT;
    md_tensor_cleanup(out);
    md_arena_reset(a);
    struct md_feed feed = { "x", x };
    const char *want[1] = { "probs" };
    if (!md_model_run(em, "serving_default", &feed, 1, want, 1, out, a, &st))
        die("md_model_run", st.msg);
    return out;
}

/* ---------------------------------------------------------------- main */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define MAX_ITERS 20000

static long vm_hwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            v = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

struct result {
    double model_ms, engine_ms, gemm_ms, sum, esum, max_diff;
    int iters;
};

static double samples[MAX_ITERS];

/* Phase 1: the direct chain. Returns its output (in arenas[]). */
static const struct md_tensor *measure_chain(struct model *m, struct pool *p,
                                             const struct md_tensor *x,
                                             struct md_arena *arenas[2], struct md_tensor outs[2],
                                             double seconds, bool profile, struct result *r)
{
    const struct md_tensor *y = NULL;
    for (int w = 0; w < 3; w++)
        y = model_run(m, p, x, arenas, outs, NULL);
    for (int64_t i = 0; i < md_tensor_num_elements(y); i++)
        r->sum += (double)((const float *)y->data)[i];
    int n = 0;
    double start = now_ms();
    while (n < MAX_ITERS && (n < 5 || now_ms() - start < seconds * 1e3)) {
        double t0 = now_ms();
        model_run(m, p, x, arenas, outs, NULL);
        samples[n++] = now_ms() - t0;
    }
    r->model_ms = median(samples, n);
    r->iters = n;
    if (profile) {
        /* Per-op means over extra runs (not part of the figures above). */
        double step_ms[16] = { 0 };
        for (int i = 0; i < n; i++)
            model_run(m, p, x, arenas, outs, step_ms);
        for (int i = 0; i < m->n_steps; i++)
            fprintf(stderr, "  %-16s %9.3f ms\n", m->steps[i].node->name, step_ms[i] / n);
    }
    return y;
}

/* Phase 2: md_model_run on the SavedModel; compares with y when given. */
static void measure_engine(struct md_model *em, const struct md_tensor *x,
                           const struct md_tensor *y, struct md_arena *a, double seconds,
                           struct result *r)
{
    struct md_tensor out = MD_TENSOR_INIT;
    for (int w = 0; w < 3; w++)
        engine_run(em, x, a, &out);
    /* Same weights, same kernels: the two paths must agree. */
    if (y && md_tensor_num_elements(&out) != md_tensor_num_elements(y))
        die("engine", "output shape differs from the direct chain");
    for (int64_t i = 0; i < md_tensor_num_elements(&out); i++) {
        double v = (double)((const float *)out.data)[i];
        r->esum += v;
        double d = y ? fabs(v - (double)((const float *)y->data)[i]) : 0;
        if (d > r->max_diff)
            r->max_diff = d;
    }
    int n = 0;
    double start = now_ms();
    while (n < MAX_ITERS && (n < 5 || now_ms() - start < seconds * 1e3)) {
        double t0 = now_ms();
        engine_run(em, x, a, &out);
        samples[n++] = now_ms() - t0;
    }
    r->engine_ms = median(samples, n);
    md_tensor_cleanup(&out);
    md_arena_reset(a);
}

/* The GEMM floor for this batch (allocates its operands, so it runs after
 * the peak-RSS reading). */
static void measure_gemm(int64_t batch, struct pool *p, double seconds, struct result *r)
{
    struct gemm_layer ls[4];
    gemm_layer_init(&ls[0], batch, 784, 25, 32, true);
    gemm_layer_init(&ls[1], batch, 196, 800, 64, true);
    gemm_layer_init(&ls[2], batch, 1, 3136, 1024, false);
    gemm_layer_init(&ls[3], batch, 1, 1024, 10, false);
    for (int w = 0; w < 3; w++)
        gemm_layers_run(ls, 4, batch, p);
    int n = 0;
    double start = now_ms();
    while (n < MAX_ITERS && (n < 5 || now_ms() - start < seconds * 1e3)) {
        double t0 = now_ms();
        gemm_layers_run(ls, 4, batch, p);
        samples[n++] = now_ms() - t0;
    }
    r->gemm_ms = median(samples, n);
    for (int i = 0; i < 4; i++) {
        free(ls[i].a);
        free(ls[i].b);
        free(ls[i].c);
    }
}

int main(int argc, char **argv)
{
    int threads = 1;
    bool profile = false, engine = true, chain = true;
    double seconds = 1.0;
    int64_t batches[8];
    int n_batches = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-engine"))
            engine = false;
        else if (!strcmp(argv[i], "--engine-only"))
            chain = false;
        else if (!strcmp(argv[i], "--profile"))
            profile = true;
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc && n_batches < 8)
            batches[n_batches++] = atoll(argv[++i]);
        else {
            fprintf(stderr, "usage: cnn [--threads T] [--seconds S] [--batch B]... [--profile] [--no-engine | --engine-only]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > MAX_THREADS)
        die("--threads", "must be 1..16");
    if (!n_batches) {
        batches[n_batches++] = 100;
        batches[n_batches++] = 1;
    }
    /* Big request buffers come and go every run; with glibc's adaptive
     * mmap threshold they would end up on the brk heap and fragment it, so
     * peak RSS would measure the allocator rather than the kernels. A fixed
     * threshold keeps them mmapped (returned to the OS on free). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* The daemon's OpenBLAS kernel choice (may re-execute once). */
    md_blas_select_coretype(argv, false);
    md_blas_init();
    struct md_status st = MD_STATUS_INIT;
    struct pool p;
    pool_start(&p, threads);
    struct model m;
    model_build(&m);
    char tmp_root[512];
    struct md_model *em = NULL;
    if (engine) {
        const char *dir = write_savedmodel(&m, tmp_root, sizeof tmp_root);
        struct md_model_options mo = MD_MODEL_OPTIONS_INIT;
        mo.intra_op_threads = threads;
        em = md_model_load(dir, &mo, &st);
        if (!em)
            die("md_model_load", st.msg);
        if (!chain) /* the loaded model has its own copy (the bundle) */
            for (int i = 0; i < N_W; i++)
                md_tensor_cleanup(&m.w[i]);
    }
    struct md_arena *earena = md_arena_new(64u << 20, 0, &st);
    if (!earena)
        die("arena", st.msg);
    /* One chunk per arena holds a whole step (the arena keeps its largest
     * chunk across resets), so steady-state runs neither malloc nor fault in
     * fresh pages, as with an engine that recycles buffers; only the touched
     * part of the chunk counts in RSS. */
    struct md_arena *arenas[2] = { md_arena_new(64u << 20, 0, &st),
                                   md_arena_new(64u << 20, 0, &st) };
    if (!arenas[0] || !arenas[1])
        die("arena", st.msg);
    for (int bi = 0; bi < n_batches; bi++) {
        int64_t batch = batches[bi];
        struct md_tensor x = MD_TENSOR_INIT;
        rand_tensor(&x, 4, (int64_t[]){ batch, 28, 28, 1 }, 0.5f, 99);
        struct md_tensor outs[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
        struct result r = { 0 };
        const struct md_tensor *y = NULL;
        if (chain)
            y = measure_chain(&m, &p, &x, arenas, outs, seconds, profile, &r);
        if (em)
            measure_engine(em, &x, y, earena, seconds, &r);
        long hwm = vm_hwm_kib();
        md_tensor_cleanup(&outs[0]);
        md_tensor_cleanup(&outs[1]);
        md_arena_reset(arenas[0]);
        md_arena_reset(arenas[1]);
        if (chain)
            measure_gemm(batch, &p, seconds, &r);
        printf("threads=%d batch=%lld model_ms=%.4f engine_ms=%.4f gemm_ms=%.4f img_per_s=%.1f "
               "wall_over_gemm=%.3f iters=%d vmhwm_mib=%.1f softmax_sum=%.4f "
               "engine_sum=%.4f engine_max_diff=%.3g blas_core=%s\n",
               threads, (long long)batch, r.model_ms, r.engine_ms, r.gemm_ms,
               chain ? (double)batch * 1e3 / r.model_ms : 0.0,
               chain ? r.model_ms / r.gemm_ms : 0.0, r.iters, (double)hwm / 1024.0, r.sum,
               r.esum, r.max_diff, md_blas_corename());
        fflush(stdout);
        md_tensor_cleanup(&x);
    }
    md_arena_free(arenas[0]);
    md_arena_free(arenas[1]);
    md_arena_free(earena);
    if (em) {
        md_model_unref(em);
        remove_savedmodel(tmp_root);
    }
    model_free(&m);
    pool_stop(&p);
    return 0;
}
