/* autodiff.c: reverse-mode differentiation on the builder's graph. Each
 * forward op's rule emits TensorFlow's own gradient ops (the ones
 * tf.gradients would add), named "gradients/<node>_grad/<Op>", so the train
 * graph reads like TensorFlow's. Nodes are visited in reverse creation
 * order, which is a reverse topological order because the builder only
 * connects a node to nodes created before it.
 *
 * Binary elementwise ops (Add, AddV2, Sub, Mul, RealDiv) broadcast as
 * TensorFlow's do, so their gradients are summed back to each operand's
 * shape: BroadcastGradientArgs(Shape(x), Shape(y)) gives the axes, then Sum
 * over them and Reshape to the operand's shape (for same-shape operands the
 * axes are empty and the Sum is a copy). Mean's gradient handles any axes
 * (negative too) and keep_dims; MatMul's handles transpose_a/transpose_b. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/train/train.h"

#define MAX_OUT 2

struct acc {
    struct md_tg_t *t;
    int n, cap;
};

struct ad {
    struct md_tg *g;
    struct acc *acc; /* [node * MAX_OUT + index] */
    struct md_status *st;
    const char *fwd; /* forward node name, for naming */
};

static bool push(struct ad *a, struct md_tg_t at, struct md_tg_t grad)
{
    if (at.index >= MAX_OUT)
        return md_status_set(a->st, MD_UNIMPLEMENTED, "autodiff: output %d of '%s'", at.index,
                             md_tg_name(a->g, at.node));
    struct acc *c = &a->acc[at.node * MAX_OUT + at.index];
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 2;
        struct md_tg_t *t = realloc(c->t, (size_t)cap * sizeof *t);
        if (!t)
            return md_status_set(a->st, MD_RESOURCE_EXHAUSTED, "autodiff: out of memory");
        c->t = t;
        c->cap = cap;
    }
    c->t[c->n++] = grad;
    return true;
}

static void gname(const struct ad *a, char *buf, size_t cap, const char *op)
{
    snprintf(buf, cap, "gradients/%s_grad/%s", a->fwd, op);
}

/* Sum of the gradients accumulated at (node, index); false when none. */
static bool total(struct ad *a, struct md_tg_t at, struct md_tg_t *out)
{
    struct acc *c = &a->acc[at.node * MAX_OUT + at.index];
    if (c->n == 0)
        return false;
    if (c->n == 1) {
        *out = c->t[0];
        return true;
    }
    char nm[600];
    snprintf(nm, sizeof nm, "gradients/AddN");
    int id = md_tg_node(a->g, "AddN", nm, c->t, c->n);
    md_tg_attr_type(a->g, id, "T", MD_DT_FLOAT);
    md_tg_attr_int(a->g, id, "N", c->n);
    *out = md_tg_out(id, 0);
    return true;
}

static struct md_tg_t op2(struct ad *a, const char *op, struct md_tg_t x, struct md_tg_t y)
{
    char nm[600];
    gname(a, nm, sizeof nm, op);
    return md_tg_op2(a->g, op, nm, x, y);
}

static struct md_tg_t shape_of(struct ad *a, struct md_tg_t x)
{
    char nm[600];
    gname(a, nm, sizeof nm, "Shape");
    return md_tg_shape(a->g, nm, x);
}

static int node3(struct ad *a, const char *op, struct md_tg_t x, struct md_tg_t y,
                 struct md_tg_t z)
{
    char nm[600];
    gname(a, nm, sizeof nm, op);
    struct md_tg_t in[3] = { x, y, z };
    int id = md_tg_node(a->g, op, nm, in, 3);
    md_tg_attr_type(a->g, id, "T", MD_DT_FLOAT);
    return id;
}

static struct md_tg_t matmul(struct ad *a, struct md_tg_t x, struct md_tg_t y, bool ta, bool tb)
{
    char nm[600];
    gname(a, nm, sizeof nm, "MatMul");
    struct md_tg_t in[2] = { x, y };
    int id = md_tg_node(a->g, "MatMul", nm, in, 2);
    md_tg_attr_type(a->g, id, "T", MD_DT_FLOAT);
    md_tg_attr_bool(a->g, id, "transpose_a", ta);
    md_tg_attr_bool(a->g, id, "transpose_b", tb);
    return md_tg_out(id, 0);
}

static int nodeT(struct ad *a, const char *op, const char *suffix, const struct md_tg_t *in,
                 int n, enum md_dtype t)
{
    char nm[600];
    gname(a, nm, sizeof nm, suffix ? suffix : op);
    int id = md_tg_node(a->g, op, nm, in, n);
    md_tg_attr_type(a->g, id, "T", t);
    return id;
}

static struct md_tg_t i32_const(struct ad *a, const char *suffix, size_t n, const int32_t *v)
{
    char nm[600];
    gname(a, nm, sizeof nm, suffix);
    if (n == 1) { /* a scalar */
        struct md_tensor t = { .dtype = MD_DT_INT32, .rank = 0, .data = (void *)(uintptr_t)v };
        return md_tg_const(a->g, nm, &t);
    }
    return md_tg_vec_i32(a->g, nm, n, v);
}

static bool attr_bool(const struct md_tg *g, int node, const char *key)
{
    const Tensorflow__AttrValue *v = md_tg_attr_get(g, node, key);
    return v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_B && v->b;
}

static enum md_dtype attr_type(const struct md_tg *g, int node, const char *key,
                               enum md_dtype dflt)
{
    const Tensorflow__AttrValue *v = md_tg_attr_get(g, node, key);
    return v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_TYPE ? (enum md_dtype)v->type
                                                                    : dflt;
}

static struct md_tg_t cast(struct ad *a, struct md_tg_t x, enum md_dtype from, enum md_dtype to)
{
    char nm[600];
    gname(a, nm, sizeof nm, "Cast");
    int c = md_tg_node(a->g, "Cast", nm, &x, 1);
    md_tg_attr_type(a->g, c, "SrcT", from);
    md_tg_attr_type(a->g, c, "DstT", to);
    md_tg_attr_bool(a->g, c, "Truncate", false);
    return md_tg_out(c, 0);
}

static struct md_tg_t reshape(struct ad *a, struct md_tg_t x, struct md_tg_t shape)
{
    struct md_tg_t in[2] = { x, shape };
    int r = nodeT(a, "Reshape", NULL, in, 2, MD_DT_FLOAT);
    md_tg_attr_type(a->g, r, "Tshape", MD_DT_INT32);
    return md_tg_out(r, 0);
}

static struct md_tg_t sum(struct ad *a, struct md_tg_t x, struct md_tg_t axes, enum md_dtype t,
                          bool keep)
{
    struct md_tg_t in[2] = { x, axes };
    int r = nodeT(a, "Sum", NULL, in, 2, t);
    md_tg_attr_type(a->g, r, "Tidx", MD_DT_INT32);
    md_tg_attr_bool(a->g, r, "keep_dims", keep);
    return md_tg_out(r, 0);
}

/* The gradients gx, gy of a broadcasting binary op on (x, y) (each of the
 * result's shape) summed back to the shapes of x and y. */
static void unbroadcast(struct ad *a, struct md_tg_t x, struct md_tg_t y, const bool *want,
                        struct md_tg_t *gxy)
{
    struct md_tg_t sxy[2] = { shape_of(a, x), shape_of(a, y) };
    int bga = nodeT(a, "BroadcastGradientArgs", NULL, sxy, 2, MD_DT_INT32);
    for (int k = 0; k < 2; k++)
        if (want[k])
            gxy[k] = reshape(a, sum(a, gxy[k], md_tg_out(bga, k), MD_DT_FLOAT, false), sxy[k]);
}

/* d Mean(x, axes) / dx: dy reshaped to the reduced shape with kept dims
 * (x's shape with the reduced axes set to 1), broadcast to x's shape and
 * divided by the number of elements averaged (size(x) / size(y)). The kept
 * shape is computed from the axes in the graph (they may be negative):
 * kept = sx - (sx - 1) * mask, mask[i] = #{ j : (axes[j] mod rank) == i }. */
static struct md_tg_t mean_grad(struct ad *a, int id, struct md_tg_t x, struct md_tg_t axes,
                                struct md_tg_t dy)
{
    struct md_tg *g = a->g;
    char nm[600];
    enum md_dtype tidx = attr_type(g, id, "Tidx", MD_DT_INT32);
    if (tidx != MD_DT_INT32)
        axes = cast(a, axes, tidx, MD_DT_INT32);
    struct md_tg_t sx = shape_of(a, x);
    gname(a, nm, sizeof nm, "Rank");
    int rk = md_tg_node(g, "Rank", nm, &x, 1);
    md_tg_attr_type(g, rk, "T", MD_DT_FLOAT);
    struct md_tg_t r = md_tg_out(rk, 0);
    int32_t zero = 0, one = 1, row[2] = { 1, -1 }, col[2] = { -1, 1 };
    struct md_tg_t in[3] = { axes, r };
    struct md_tg_t ax = md_tg_out(nodeT(a, "AddV2", "axes_plus_rank", in, 2, MD_DT_INT32), 0);
    in[0] = ax;
    ax = md_tg_out(nodeT(a, "FloorMod", NULL, in, 2, MD_DT_INT32), 0);
    struct md_tg_t rin[3] = { i32_const(a, "range/start", 1, &zero), r,
                              i32_const(a, "range/delta", 1, &one) };
    int rg = md_tg_node(g, "Range", (gname(a, nm, sizeof nm, "Range"), nm), rin, 3);
    md_tg_attr_type(g, rg, "Tidx", MD_DT_INT32);
    struct md_tg_t rng = md_tg_out(rg, 0);
    in[0] = md_tg_out(nodeT(a, "Reshape", "range_col", (struct md_tg_t[]){ rng,
                                i32_const(a, "col_shape", 2, col) }, 2, MD_DT_INT32), 0);
    md_tg_attr_type(g, in[0].node, "Tshape", MD_DT_INT32);
    in[1] = md_tg_out(nodeT(a, "Reshape", "axes_row", (struct md_tg_t[]){ ax,
                                i32_const(a, "row_shape", 2, row) }, 2, MD_DT_INT32), 0);
    md_tg_attr_type(g, in[1].node, "Tshape", MD_DT_INT32);
    int eq = nodeT(a, "Equal", NULL, in, 2, MD_DT_INT32);
    md_tg_attr_bool(g, eq, "incompatible_shape_error", true);
    struct md_tg_t mask = sum(a, cast(a, md_tg_out(eq, 0), MD_DT_BOOL, MD_DT_INT32),
                              i32_const(a, "mask_axis", 1, &one), MD_DT_INT32, false);
    in[0] = sx;
    in[1] = i32_const(a, "one", 1, &one);
    struct md_tg_t sx1 = md_tg_out(nodeT(a, "Sub", "shape_minus_one", in, 2, MD_DT_INT32), 0);
    in[0] = sx1;
    in[1] = mask;
    struct md_tg_t drop = md_tg_out(nodeT(a, "Mul", "masked", in, 2, MD_DT_INT32), 0);
    in[0] = sx;
    in[1] = drop;
    struct md_tg_t kept = md_tg_out(nodeT(a, "Sub", "kept_shape", in, 2, MD_DT_INT32), 0);
    in[0] = reshape(a, dy, kept);
    in[1] = sx;
    int bt = nodeT(a, "BroadcastTo", NULL, in, 2, MD_DT_FLOAT);
    md_tg_attr_type(g, bt, "Tidx", MD_DT_INT32);
    struct md_tg_t sizes[2];
    struct md_tg_t xy[2] = { x, md_tg_out(id, 0) };
    for (int k = 0; k < 2; k++) {
        int sz = nodeT(a, "Size", k ? "Size_y" : "Size_x", &xy[k], 1, MD_DT_FLOAT);
        md_tg_attr_type(g, sz, "out_type", MD_DT_INT32);
        sizes[k] = cast(a, md_tg_out(sz, 0), MD_DT_INT32, MD_DT_FLOAT);
    }
    struct md_tg_t scale = op2(a, "RealDiv", sizes[1], sizes[0]);
    return op2(a, "Mul", md_tg_out(bt, 0), scale);
}

/* Gradient rule of one node. dy[k] valid when has[k]. dx[i] filled for the
 * inputs that need one (want[i]). */
static bool node_grad(struct ad *a, int id, const struct md_tg_t *dy, const bool *has,
                      const bool *want, struct md_tg_t *dx, bool *got)
{
    struct md_tg *g = a->g;
    const char *op = md_tg_op(g, id);
    const struct md_tg_t *in;
    int n_in = md_tg_inputs(g, id, &in);
    struct md_tg_t y = md_tg_out(id, 0);
    for (int i = 0; i < n_in; i++)
        got[i] = false;
    if (!has[0] && strcmp(op, "SparseSoftmaxCrossEntropyWithLogits"))
        return true;
    /* Overrides first: dy * local. */
    bool any_ovr = false;
    for (int i = 0; i < n_in; i++) {
        struct md_tg_t local;
        if (want[i] && md_tg_find_override(g, id, i, &local)) {
            dx[i] = op2(a, "Mul", dy[0], local);
            got[i] = any_ovr = true;
        }
    }
    if (any_ovr)
        return true;
    if (!strcmp(op, "Identity")) {
        dx[0] = dy[0];
        got[0] = true;
    } else if (!strcmp(op, "Reshape")) {
        char nm[600];
        gname(a, nm, sizeof nm, "Reshape");
        struct md_tg_t rin[2] = { dy[0], shape_of(a, in[0]) };
        int r = md_tg_node(g, "Reshape", nm, rin, 2);
        md_tg_attr_type(g, r, "T", MD_DT_FLOAT);
        md_tg_attr_type(g, r, "Tshape", MD_DT_INT32);
        dx[0] = md_tg_out(r, 0);
        got[0] = true;
    } else if (!strcmp(op, "MatMul")) {
        /* C = op(A) op(B) with op = transpose when the attr says so. */
        bool ta = attr_bool(g, id, "transpose_a"), tb = attr_bool(g, id, "transpose_b");
        if (want[0])
            dx[0] = !ta ? matmul(a, dy[0], in[1], false, !tb)   /* dC op(B)^T */
                        : tb ? matmul(a, in[1], dy[0], true, true) /* B^T dC^T */
                             : matmul(a, in[1], dy[0], false, true); /* B dC^T */
        if (want[1])
            dx[1] = !tb ? matmul(a, in[0], dy[0], !ta, false)   /* op(A)^T dC */
                        : ta ? matmul(a, dy[0], in[0], true, true) /* dC^T A^T */
                             : matmul(a, dy[0], in[0], true, false); /* dC^T A */
        got[0] = want[0];
        got[1] = want[1];
    } else if (!strcmp(op, "BiasAdd")) {
        dx[0] = dy[0];
        got[0] = true;
        if (want[1]) {
            char nm[600];
            gname(a, nm, sizeof nm, "BiasAddGrad");
            int b = md_tg_node(g, "BiasAddGrad", nm, dy, 1);
            md_tg_attr_type(g, b, "T", MD_DT_FLOAT);
            md_tg_attr_str(g, b, "data_format", "NHWC");
            dx[1] = md_tg_out(b, 0);
            got[1] = true;
        }
    } else if (!strcmp(op, "Relu")) {
        dx[0] = op2(a, "ReluGrad", dy[0], y);
        got[0] = true;
    } else if (!strcmp(op, "Sigmoid")) {
        dx[0] = op2(a, "SigmoidGrad", y, dy[0]);
        got[0] = true;
    } else if (!strcmp(op, "Conv2D")) {
        static const char *const keys[] = { "strides", "padding", "dilations", "data_format",
                                            "explicit_paddings", "use_cudnn_on_gpu" };
        if (want[0]) {
            int c = node3(a, "Conv2DBackpropInput", shape_of(a, in[0]), in[1], dy[0]);
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
                md_tg_attr_copy(g, c, id, keys[k]);
            dx[0] = md_tg_out(c, 0);
            got[0] = true;
        }
        if (want[1]) {
            int c = node3(a, "Conv2DBackpropFilter", in[0], shape_of(a, in[1]), dy[0]);
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
                md_tg_attr_copy(g, c, id, keys[k]);
            dx[1] = md_tg_out(c, 0);
            got[1] = true;
        }
    } else if (!strcmp(op, "MaxPool")) {
        int c = node3(a, "MaxPoolGrad", in[0], y, dy[0]);
        static const char *const keys[] = { "ksize", "strides", "padding", "data_format" };
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            md_tg_attr_copy(g, c, id, keys[k]);
        dx[0] = md_tg_out(c, 0);
        got[0] = true;
    } else if (!strcmp(op, "Mul") || !strcmp(op, "AddV2") || !strcmp(op, "Add") ||
               !strcmp(op, "Sub") || !strcmp(op, "RealDiv")) {
        struct md_tg_t gxy[2] = { dy[0], dy[0] };
        if (!strcmp(op, "Mul")) {
            if (want[0])
                gxy[0] = op2(a, "Mul", dy[0], in[1]);
            if (want[1])
                gxy[1] = op2(a, "Mul", in[0], dy[0]);
        } else if (!strcmp(op, "Sub") && want[1]) {
            char nm[600];
            gname(a, nm, sizeof nm, "Neg");
            gxy[1] = md_tg_op1(g, "Neg", nm, dy[0]);
        } else if (!strcmp(op, "RealDiv")) {
            /* dx = dz / y; dy = dz * (-x / y / y) */
            if (want[0])
                gxy[0] = op2(a, "RealDiv", dy[0], in[1]);
            if (want[1]) {
                char nm[600];
                gname(a, nm, sizeof nm, "Neg");
                struct md_tg_t q = op2(a, "RealDiv", op2(a, "RealDiv",
                                                          md_tg_op1(g, "Neg", nm, in[0]), in[1]),
                                       in[1]);
                gxy[1] = op2(a, "Mul", dy[0], q);
            }
        }
        unbroadcast(a, in[0], in[1], want, gxy);
        for (int k = 0; k < 2; k++) {
            dx[k] = gxy[k];
            got[k] = want[k];
        }
    } else if (!strcmp(op, "SquaredDifference")) {
        char nm[600];
        gname(a, nm, sizeof nm, "scale");
        struct md_tg_t two = md_tg_scalar_f(g, nm, 2.0f);
        struct md_tg_t d = op2(a, "Mul", op2(a, "Mul", two, op2(a, "Sub", in[0], in[1])), dy[0]);
        dx[0] = d;
        if (want[1]) {
            gname(a, nm, sizeof nm, "Neg");
            dx[1] = md_tg_op1(g, "Neg", nm, d);
        }
        got[0] = want[0];
        got[1] = want[1];
    } else if (!strcmp(op, "Mean")) {
        dx[0] = mean_grad(a, id, in[0], in[1], dy[0]);
        got[0] = true;
    } else if (!strcmp(op, "SparseSoftmaxCrossEntropyWithLogits") ||
               !strcmp(op, "SoftmaxCrossEntropyWithLogits")) {
        if (!has[0])
            return true;
        char nm[600];
        int32_t m1 = -1; /* tf.expand_dims(grad, -1) */
        struct md_tensor t = { .dtype = MD_DT_INT32, .rank = 0, .data = &m1 };
        gname(a, nm, sizeof nm, "ExpandDims/dim");
        struct md_tg_t dim = md_tg_const(g, nm, &t);
        gname(a, nm, sizeof nm, "ExpandDims");
        struct md_tg_t ein[2] = { dy[0], dim };
        int e = md_tg_node(g, "ExpandDims", nm, ein, 2);
        md_tg_attr_type(g, e, "T", MD_DT_FLOAT);
        md_tg_attr_type(g, e, "Tdim", MD_DT_INT32);
        dx[0] = op2(a, "Mul", md_tg_out(e, 0), md_tg_out(id, 1));
        got[0] = true;
    } else if (!strcmp(op, "StopGradient") || !strcmp(op, "Placeholder") ||
               !strcmp(op, "Const")) {
        return true;
    } else {
        return md_status_set(a->st, MD_UNIMPLEMENTED,
                             "autodiff: node '%s': op '%s' has no gradient here",
                             md_tg_name(g, id), op);
    }
    return true;
}

/* Ops whose outputs carry no gradient (TF's NotDifferentiable / None). */
static bool not_differentiable(const char *op)
{
    static const char *const ops[] = { "ArgMax", "ArgMin", "Equal", "Floor", "OnesLike",
                                       "Rank", "Shape", "ShapeN", "Size",
                                       "StatelessRandomUniform", "StopGradient", "ZerosLike" };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (!strcmp(op, ops[i]))
            return true;
    return false;
}

bool md_tg_gradients(struct md_tg *g, struct md_tg_t loss, const struct md_tg_t *xs, size_t n,
                     struct md_tg_t *grads, struct md_status *st)
{
    if (md_tg_failed(g, st))
        return false;
    int nn = md_tg_count(g);
    bool *fromx = calloc((size_t)nn + 1, sizeof *fromx);
    bool *toloss = calloc((size_t)nn + 1, sizeof *toloss);
    struct ad a = { .g = g, .acc = calloc((size_t)nn * MAX_OUT + 1, sizeof *a.acc), .st = st };
    bool ok = fromx && toloss && a.acc;
    if (!ok) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "autodiff: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        fromx[xs[i].node] = true;
    for (int id = 0; id < nn; id++) {
        const struct md_tg_t *in;
        int k = md_tg_inputs(g, id, &in);
        if (not_differentiable(md_tg_op(g, id)))
            continue;
        for (int i = 0; i < k && !fromx[id]; i++)
            fromx[id] = fromx[in[i].node];
    }
    toloss[loss.node] = true;
    for (int id = loss.node; id >= 0; id--) {
        if (!toloss[id])
            continue;
        const struct md_tg_t *in;
        int k = md_tg_inputs(g, id, &in);
        for (int i = 0; i < k; i++)
            toloss[in[i].node] = true;
    }
    a.fwd = md_tg_name(g, loss.node);
    struct md_tg_t one = md_tg_scalar_f(g, "gradients/grad_ys_0", 1.0f);
    ok = push(&a, loss, one);
    for (int id = loss.node; ok && id >= 0; id--) {
        if (!(fromx[id] && toloss[id]))
            continue;
        const struct md_tg_t *in;
        int k = md_tg_inputs(g, id, &in);
        if (k == 0)
            continue;
        bool want[16] = { false }, got[16];
        struct md_tg_t dx[16];
        if (k > 16) {
            ok = md_status_set(st, MD_UNIMPLEMENTED, "autodiff: node '%s' has %d inputs",
                               md_tg_name(g, id), k);
            break;
        }
        bool need = false;
        for (int i = 0; i < k; i++)
            need |= want[i] = fromx[in[i].node] && toloss[in[i].node];
        if (!need)
            continue;
        struct md_tg_t dy[MAX_OUT];
        bool has[MAX_OUT];
        for (int o = 0; o < MAX_OUT; o++)
            has[o] = total(&a, md_tg_out(id, o), &dy[o]);
        a.fwd = md_tg_name(g, id);
        ok = node_grad(&a, id, dy, has, want, dx, got);
        for (int i = 0; ok && i < k; i++)
            if (want[i] && got[i])
                ok = push(&a, in[i], dx[i]);
    }
    for (size_t i = 0; ok && i < n; i++)
        if (!total(&a, xs[i], &grads[i]))
            ok = md_status_set(st, MD_INVALID_ARGUMENT, "autodiff: '%s' does not reach the loss",
                               md_tg_name(g, xs[i].node));
    if (ok && md_tg_failed(g, st))
        ok = false;
out:
    if (a.acc)
        for (int i = 0; i < nn * MAX_OUT; i++)
            free(a.acc[i].t);
    free(a.acc);
    free(fromx);
    free(toloss);
    return ok;
}
