/* bench/math: throughput of the math family's hot kernels on one thread.
 *
 * Each case runs one kernel (looked up by TF op name, as the engine does)
 * on float32 inputs of a serving-like shape and reports the best of several
 * timed runs as ns per output element and as GB/s of bytes read + written.
 * The "memcpy" line is the machine's copy bandwidth for the same output size,
 * a floor for any memory-bound elementwise kernel.
 *
 * Usage: math [--elems N] [--reps R]    (default 1048576 elements, 30 reps)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/kernel.h"

#include "attr_value.pb-c.h"

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "math: %s: %s\n", what, msg);
    exit(1);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A NodeDef with op and optional attrs (static storage: the bench is one
 * thread and one node at a time). */
struct node {
    Tensorflow__NodeDef n;
    char name[8], op[32], keys[2][16];
    Tensorflow__NodeDef__AttrEntry e[2], *ep[2];
    Tensorflow__AttrValue v[2];
};

static void node_init(struct node *nd, const char *op)
{
    memset(nd, 0, sizeof *nd);
    tensorflow__node_def__init(&nd->n);
    snprintf(nd->name, sizeof nd->name, "bench");
    snprintf(nd->op, sizeof nd->op, "%s", op);
    nd->n.name = nd->name;
    nd->n.op = nd->op;
    nd->n.attr = nd->ep;
}

static Tensorflow__AttrValue *node_attr(struct node *nd, const char *key)
{
    size_t i = nd->n.n_attr++;
    tensorflow__node_def__attr_entry__init(&nd->e[i]);
    tensorflow__attr_value__init(&nd->v[i]);
    snprintf(nd->keys[i], sizeof nd->keys[i], "%s", key);
    nd->e[i].key = nd->keys[i];
    nd->e[i].value = &nd->v[i];
    nd->ep[i] = &nd->e[i];
    return &nd->v[i];
}

static void node_attr_bool(struct node *nd, const char *key, bool b)
{
    Tensorflow__AttrValue *v = node_attr(nd, key);
    v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B;
    v->b = b;
}

static void node_attr_type(struct node *nd, const char *key, enum md_dtype t)
{
    Tensorflow__AttrValue *v = node_attr(nd, key);
    v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    v->type = (Tensorflow__DataType)t;
}

static void tensor(struct md_tensor *t, enum md_dtype dt, int rank, const int64_t *dims)
{
    struct md_status st = MD_STATUS_INIT;
    if (!md_tensor_alloc(t, dt, rank, dims, 0, &st))
        die("alloc", st.msg);
    int64_t n = md_tensor_num_elements(t);
    for (int64_t i = 0; i < n; i++) {
        double v = sin((double)i * 0.37) * 4;
        if (dt == MD_DT_FLOAT)
            ((float *)t->data)[i] = (float)v;
        else if (dt == MD_DT_INT32)
            ((int32_t *)t->data)[i] = (int32_t)v;
    }
}

/* Runs op on inputs reps times; prints ns/element and GB/s. */
static void run(const char *label, struct node *nd, int n_in, const struct md_tensor *const *in,
                int reps)
{
    struct md_status st = MD_STATUS_INIT;
    const struct md_op_def *op = md_op_lookup(nd->n.op);
    if (!op)
        die(nd->n.op, "not registered");
    struct md_arena *persist = md_arena_new(0, 0, &st), *arena = md_arena_new(1 << 26, 0, &st);
    if (!persist || !arena)
        die("arena", st.msg);
    struct md_kernel_init ki = { .node = &nd->n, .op = op, .n_inputs = n_in, .persist = persist,
                                 .n_outputs = 1 };
    if (op->init && !op->init(&ki, &st))
        die(label, st.msg);
    struct md_tensor out = MD_TENSOR_INIT;
    double best = INFINITY;
    size_t bytes = 0;
    for (int r = 0; r < reps; r++) {
        md_arena_reset(arena);
        struct md_kernel_ctx k = { .node = &nd->n, .state = ki.state, .n_inputs = n_in,
                                   .inputs = in, .n_outputs = 1, .outputs = &out,
                                   .arena = arena };
        double t0 = now_ns();
        if (!op->compute(&k, &st))
            die(label, st.msg);
        double dt = now_ns() - t0;
        if (dt < best)
            best = dt;
        if (r == 0) {
            bytes = md_tensor_nbytes(&out);
            for (int i = 0; i < n_in; i++)
                bytes += md_tensor_nbytes(in[i]);
        }
    }
    int64_t n = md_tensor_num_elements(&out);
    printf("%-34s %9.3f ns/elem %7.2f GB/s  (%lld elems, %.1f us)\n", label, best / (double)n,
           (double)bytes / best, (long long)n, best / 1e3);
    md_tensor_cleanup(&out);
    md_arena_free(arena);
    md_arena_free(persist);
}

int main(int argc, char **argv)
{
    int64_t n = 1 << 20;
    int reps = 30;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--elems") && i + 1 < argc)
            n = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else
            die("usage", "math [--elems N] [--reps R]");
    }
    if (n < 1024 || reps < 1)
        die("usage", "--elems >= 1024, --reps >= 1");
    int64_t c = 256, rows = n / c;
    struct md_tensor a, b, s, bias, col, i32, ax_last, ax0;
    tensor(&a, MD_DT_FLOAT, 1, (int64_t[]){ n });
    tensor(&b, MD_DT_FLOAT, 1, (int64_t[]){ n });
    tensor(&s, MD_DT_FLOAT, 0, NULL);
    tensor(&bias, MD_DT_FLOAT, 1, (int64_t[]){ c });
    tensor(&col, MD_DT_FLOAT, 2, (int64_t[]){ rows, 1 });
    tensor(&i32, MD_DT_INT32, 1, (int64_t[]){ n });
    struct md_tensor m = a; /* [rows, c] view of a */
    m.rank = 2;
    m.dims[0] = rows;
    m.dims[1] = c;
    m.buf = NULL;
    struct md_tensor sm = a; /* [n/1000, 1000] logits view */
    sm.rank = 2;
    sm.dims[0] = n / 1000;
    sm.dims[1] = 1000;
    sm.buf = NULL;
    int32_t one = 1, zero = 0;
    ax_last = (struct md_tensor){ .dtype = MD_DT_INT32, .rank = 0, .data = &one };
    ax0 = (struct md_tensor){ .dtype = MD_DT_INT32, .rank = 0, .data = &zero };

    /* memcpy floor for n floats */
    float *dst = malloc((size_t)n * sizeof *dst);
    if (!dst)
        die("malloc", strerror(errno));
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        memcpy(dst, a.data, (size_t)n * sizeof *dst);
        double dt = now_ns() - t0;
        best = dt < best ? dt : best;
    }
    printf("%-34s %9.3f ns/elem %7.2f GB/s\n", "memcpy (floor)", best / (double)n,
           2.0 * (double)n * 4 / best);
    free(dst);

    struct node nd;
    node_init(&nd, "AddV2");
    run("AddV2 [n]+[n]", &nd, 2, (const struct md_tensor *[]){ &a, &b }, reps);
    node_init(&nd, "Mul");
    run("Mul [n]*scalar", &nd, 2, (const struct md_tensor *[]){ &a, &s }, reps);
    node_init(&nd, "AddV2");
    run("AddV2 [N,256]+[256]", &nd, 2, (const struct md_tensor *[]){ &m, &bias }, reps);
    node_init(&nd, "Sub");
    run("Sub [N,256]-[N,1]", &nd, 2, (const struct md_tensor *[]){ &m, &col }, reps);
    node_init(&nd, "Maximum");
    run("Maximum [n],[n]", &nd, 2, (const struct md_tensor *[]){ &a, &b }, reps);
    node_init(&nd, "Greater");
    run("Greater [n],[n] -> bool", &nd, 2, (const struct md_tensor *[]){ &a, &b }, reps);
    node_init(&nd, "Relu");
    run("Relu [n]", &nd, 1, (const struct md_tensor *[]){ &a }, reps);
    node_init(&nd, "Sigmoid");
    run("Sigmoid [n]", &nd, 1, (const struct md_tensor *[]){ &a }, reps);
    node_init(&nd, "Tanh");
    run("Tanh [n]", &nd, 1, (const struct md_tensor *[]){ &a }, reps);
    node_init(&nd, "Softmax");
    run("Softmax [n/1000,1000]", &nd, 1, (const struct md_tensor *[]){ &sm }, reps);
    node_init(&nd, "Cast");
    node_attr_type(&nd, "SrcT", MD_DT_INT32);
    node_attr_type(&nd, "DstT", MD_DT_FLOAT);
    run("Cast int32->float [n]", &nd, 1, (const struct md_tensor *[]){ &i32 }, reps);
    node_init(&nd, "Sum");
    run("Sum [N,256] axis 1", &nd, 2, (const struct md_tensor *[]){ &m, &ax_last }, reps);
    node_init(&nd, "Sum");
    run("Sum [N,256] axis 0", &nd, 2, (const struct md_tensor *[]){ &m, &ax0 }, reps);
    node_init(&nd, "Mean");
    node_attr_bool(&nd, "keep_dims", true);
    run("Mean [N,256] axis 1 keep_dims", &nd, 2, (const struct md_tensor *[]){ &m, &ax_last },
        reps);
    node_init(&nd, "Max");
    run("Max [N,256] axis 1", &nd, 2, (const struct md_tensor *[]){ &m, &ax_last }, reps);
    node_init(&nd, "ArgMax");
    run("ArgMax [n/1000,1000] axis 1", &nd, 2, (const struct md_tensor *[]){ &sm, &ax_last },
        reps);

    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    md_tensor_cleanup(&s);
    md_tensor_cleanup(&bias);
    md_tensor_cleanup(&col);
    md_tensor_cleanup(&i32);
    return 0;
}
