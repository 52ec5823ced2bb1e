/* models.c: the built-in model_fn's. Layer and node names are the ones
 * tf.compat.v1.layers gives the same network (conv2d/kernel, conv2d_1/bias,
 * dense/kernel, max_pooling2d/MaxPool, ...), so checkpoints and exports look
 * like TensorFlow's.
 *
 *   cnn     the tf.estimator MNIST tutorial network: conv 5x5x32 + relu,
 *           maxpool 2x2, conv 5x5x64 + relu, maxpool 2x2, dense 1024 + relu,
 *           dropout 0.4 (TRAIN), dense 10; softmax cross-entropy.
 *   dnn     binary classifier (CVR-style): dense 64, 32 (relu), 1 logit;
 *           sigmoid cross-entropy.
 *   linear  regressor: one dense unit; mean squared error.
 */
#include <stdio.h>
#include <string.h>

#include "tools/train/train.h"

static struct md_tg_t dense(struct md_tg *g, const char *scope, struct md_tg_t x, int64_t in,
                            int64_t out, bool relu)
{
    char nm[256];
    int64_t kd[2] = { in, out }, bd[1] = { out };
    snprintf(nm, sizeof nm, "%s/kernel", scope);
    struct md_tg_t w = md_tg_variable(g, nm, MD_DT_FLOAT, 2, kd, MD_TG_GLOROT_UNIFORM, 0, true);
    snprintf(nm, sizeof nm, "%s/bias", scope);
    struct md_tg_t b = md_tg_variable(g, nm, MD_DT_FLOAT, 1, bd, MD_TG_ZEROS, 0, true);
    snprintf(nm, sizeof nm, "%s/MatMul", scope);
    struct md_tg_t in2[2] = { x, w };
    int mm = md_tg_node(g, "MatMul", nm, in2, 2);
    md_tg_attr_type(g, mm, "T", MD_DT_FLOAT);
    md_tg_attr_bool(g, mm, "transpose_a", false);
    md_tg_attr_bool(g, mm, "transpose_b", false);
    snprintf(nm, sizeof nm, "%s/BiasAdd", scope);
    struct md_tg_t y = md_tg_op2(g, "BiasAdd", nm, md_tg_out(mm, 0), b);
    md_tg_attr_str(g, y.node, "data_format", "NHWC");
    if (!relu)
        return y;
    snprintf(nm, sizeof nm, "%s/Relu", scope);
    return md_tg_op1(g, "Relu", nm, y);
}

static struct md_tg_t conv(struct md_tg *g, const char *scope, struct md_tg_t x, int64_t ic,
                           int64_t oc)
{
    char nm[256];
    int64_t kd[4] = { 5, 5, ic, oc }, bd[1] = { oc };
    snprintf(nm, sizeof nm, "%s/kernel", scope);
    struct md_tg_t w = md_tg_variable(g, nm, MD_DT_FLOAT, 4, kd, MD_TG_GLOROT_UNIFORM, 0, true);
    snprintf(nm, sizeof nm, "%s/bias", scope);
    struct md_tg_t b = md_tg_variable(g, nm, MD_DT_FLOAT, 1, bd, MD_TG_ZEROS, 0, true);
    snprintf(nm, sizeof nm, "%s/Conv2D", scope);
    struct md_tg_t c = md_tg_op2(g, "Conv2D", nm, x, w);
    static const int64_t ones[4] = { 1, 1, 1, 1 };
    md_tg_attr_list_int(g, c.node, "strides", 4, ones);
    md_tg_attr_list_int(g, c.node, "dilations", 4, ones);
    md_tg_attr_str(g, c.node, "padding", "SAME");
    md_tg_attr_str(g, c.node, "data_format", "NHWC");
    md_tg_attr_bool(g, c.node, "use_cudnn_on_gpu", true);
    md_tg_attr_list_int(g, c.node, "explicit_paddings", 0, ones);
    snprintf(nm, sizeof nm, "%s/BiasAdd", scope);
    struct md_tg_t y = md_tg_op2(g, "BiasAdd", nm, c, b);
    md_tg_attr_str(g, y.node, "data_format", "NHWC");
    snprintf(nm, sizeof nm, "%s/Relu", scope);
    return md_tg_op1(g, "Relu", nm, y);
}

static struct md_tg_t pool(struct md_tg *g, const char *scope, struct md_tg_t x)
{
    char nm[256];
    snprintf(nm, sizeof nm, "%s/MaxPool", scope);
    struct md_tg_t p = md_tg_op1(g, "MaxPool", nm, x);
    static const int64_t k[4] = { 1, 2, 2, 1 };
    md_tg_attr_list_int(g, p.node, "ksize", 4, k);
    md_tg_attr_list_int(g, p.node, "strides", 4, k);
    md_tg_attr_str(g, p.node, "padding", "VALID");
    md_tg_attr_str(g, p.node, "data_format", "NHWC");
    return p;
}

static struct md_tg_t reshape(struct md_tg *g, const char *name, struct md_tg_t x, size_t n,
                              const int32_t *dims)
{
    char nm[256];
    snprintf(nm, sizeof nm, "%s/shape", name);
    struct md_tg_t s = md_tg_vec_i32(g, nm, n, dims);
    struct md_tg_t r = md_tg_op2(g, "Reshape", name, x, s);
    md_tg_attr_type(g, r.node, "Tshape", MD_DT_INT32);
    return r;
}

/* tf.nn.dropout(x, rate) in TRAIN mode: x * floor(keep + U[0,1)) / keep,
 * with U from StatelessRandomUniform on the per-step seed. */
static struct md_tg_t dropout(struct md_tg *g, struct md_tg_t x, float rate, struct md_tg_t seed)
{
    float keep = 1.0f - rate;
    struct md_tg_t sh = md_tg_shape(g, "dropout/Shape", x);
    struct md_tg_t rin[2] = { sh, seed };
    int u = md_tg_node(g, "StatelessRandomUniform", "dropout/random_uniform", rin, 2);
    md_tg_attr_type(g, u, "dtype", MD_DT_FLOAT);
    md_tg_attr_type(g, u, "T", MD_DT_INT32);
    md_tg_attr_type(g, u, "Tseed", MD_DT_INT64);
    struct md_tg_t kp = md_tg_scalar_f(g, "dropout/keep_prob", keep);
    struct md_tg_t add = md_tg_op2(g, "AddV2", "dropout/add", kp, md_tg_out(u, 0));
    struct md_tg_t fl = md_tg_op1(g, "Floor", "dropout/Floor", add);
    struct md_tg_t inv = md_tg_scalar_f(g, "dropout/scale", 1.0f / keep);
    struct md_tg_t mask = md_tg_op2(g, "Mul", "dropout/mask", fl, inv);
    return md_tg_op2(g, "Mul", "dropout/mul", x, mask);
}

/* Mean sparse softmax cross-entropy; labels int64 [batch]. */
static void softmax_loss(struct md_tg *g, struct md_tg_t logits, struct md_tg_t labels,
                         struct md_train_model_spec *out)
{
    struct md_tg_t in[2] = { logits, labels };
    int x = md_tg_node(g, "SparseSoftmaxCrossEntropyWithLogits",
                       "sparse_softmax_cross_entropy_loss/xentropy", in, 2);
    md_tg_attr_type(g, x, "T", MD_DT_FLOAT);
    md_tg_attr_type(g, x, "Tlabels", MD_DT_INT64);
    out->loss_vec = md_tg_out(x, 0);
    int32_t zero = 0;
    struct md_tg_t axes = md_tg_vec_i32(g, "sparse_softmax_cross_entropy_loss/Const", 1, &zero);
    struct md_tg_t m = md_tg_op2(g, "Mean", "sparse_softmax_cross_entropy_loss/value",
                                 out->loss_vec, axes);
    md_tg_attr_type(g, m.node, "Tidx", MD_DT_INT32);
    md_tg_attr_bool(g, m.node, "keep_dims", false);
    out->loss = m;
}

static bool cnn_fn(struct md_tg *g, enum md_train_mode mode, struct md_tg_t x,
                   struct md_tg_t labels, struct md_tg_t seed, struct md_train_model_spec *out,
                   struct md_status *st)
{
    (void)st;
    static const int32_t img[4] = { -1, 28, 28, 1 }, flat[2] = { -1, 7 * 7 * 64 };
    struct md_tg_t h = reshape(g, "Reshape", x, 4, img);
    h = pool(g, "max_pooling2d", conv(g, "conv2d", h, 1, 32));
    h = pool(g, "max_pooling2d_1", conv(g, "conv2d_1", h, 32, 64));
    h = reshape(g, "Reshape_1", h, 2, flat);
    h = dense(g, "dense", h, 7 * 7 * 64, 1024, true);
    if (mode == MD_MODE_TRAIN)
        h = dropout(g, h, 0.4f, seed);
    out->head = MD_HEAD_MULTICLASS;
    out->n_classes = 10;
    out->logits = dense(g, "dense_1", h, 1024, 10, false);
    out->predictions = md_tg_op1(g, "Softmax", "softmax_tensor", out->logits);
    if (mode != MD_MODE_PREDICT)
        softmax_loss(g, out->logits, labels, out);
    return true;
}

/* Mean sigmoid cross-entropy of logits / labels [batch, 1] float:
 * value relu(x) - x*z + log(1 + exp(-|x|)) (TensorFlow's stable form),
 * gradient sigmoid(x) - z through x * stop_gradient(sigmoid(x) - z). */
static void sigmoid_loss(struct md_tg *g, struct md_tg_t x, struct md_tg_t z,
                         struct md_tg_t probs, struct md_train_model_spec *out)
{
    const char *s = "sigmoid_cross_entropy_loss";
    char nm[256];
#define N(suffix) (snprintf(nm, sizeof nm, "%s/%s", s, suffix), nm)
    struct md_tg_t relu = md_tg_op1(g, "Relu", N("Relu"), x);
    struct md_tg_t xz = md_tg_op2(g, "Mul", N("mul"), x, z);
    struct md_tg_t ab = md_tg_op1(g, "Abs", N("Abs"), x);
    struct md_tg_t ng = md_tg_op1(g, "Neg", N("Neg"), ab);
    struct md_tg_t ex = md_tg_op1(g, "Exp", N("Exp"), ng);
    struct md_tg_t one = md_tg_scalar_f(g, N("one"), 1.0f);
    struct md_tg_t lg = md_tg_op1(g, "Log", N("Log1p"), md_tg_op2(g, "AddV2", N("add"), one, ex));
    struct md_tg_t value = md_tg_op2(g, "AddV2", N("add_1"), md_tg_op2(g, "Sub", N("sub"), relu, xz), lg);
    struct md_tg_t slope = md_tg_op2(g, "Sub", N("slope"), probs, z);
    struct md_tg_t sslope = md_tg_op1(g, "StopGradient", N("StopGradient"), slope);
    struct md_tg_t lin = md_tg_op2(g, "Mul", N("linear"), x, sslope);
    struct md_tg_t rest = md_tg_op1(g, "StopGradient", N("StopGradient_1"),
                                    md_tg_op2(g, "Sub", N("rest"), value, lin));
    out->loss_vec = md_tg_op2(g, "AddV2", N("xentropy"), rest, lin);
    static const int32_t both[2] = { 0, 1 };
    struct md_tg_t axes = md_tg_vec_i32(g, N("Const"), 2, both);
    out->loss = md_tg_op2(g, "Mean", N("value"), out->loss_vec, axes);
    md_tg_attr_type(g, out->loss.node, "Tidx", MD_DT_INT32);
    md_tg_attr_bool(g, out->loss.node, "keep_dims", false);
#undef N
}

static bool dnn_fn(struct md_tg *g, enum md_train_mode mode, struct md_tg_t x,
                   struct md_tg_t labels, struct md_tg_t seed, struct md_train_model_spec *out,
                   struct md_status *st)
{
    (void)st;
    (void)seed;
    struct md_tg_t h = dense(g, "dnn/hiddenlayer_0", x, 32, 64, true);
    h = dense(g, "dnn/hiddenlayer_1", h, 64, 32, true);
    out->head = MD_HEAD_BINARY;
    out->n_classes = 2;
    out->logits = dense(g, "dnn/logits", h, 32, 1, false);
    out->predictions = md_tg_op1(g, "Sigmoid", "head/predictions/logistic", out->logits);
    if (mode != MD_MODE_PREDICT)
        sigmoid_loss(g, out->logits, labels, out->predictions, out);
    return true;
}

static bool linear_fn(struct md_tg *g, enum md_train_mode mode, struct md_tg_t x,
                      struct md_tg_t labels, struct md_tg_t seed, struct md_train_model_spec *out,
                      struct md_status *st)
{
    (void)st;
    (void)seed;
    out->head = MD_HEAD_REGRESSION;
    out->n_classes = 0;
    out->logits = dense(g, "linear/linear_model", x, 8, 1, false);
    out->predictions = out->logits;
    if (mode != MD_MODE_PREDICT) {
        out->loss_vec = md_tg_op2(g, "SquaredDifference", "mean_squared_error/SquaredDifference",
                                  out->logits, labels);
        static const int32_t both[2] = { 0, 1 };
        struct md_tg_t axes = md_tg_vec_i32(g, "mean_squared_error/Const", 2, both);
        out->loss = md_tg_op2(g, "Mean", "mean_squared_error/value", out->loss_vec, axes);
        md_tg_attr_type(g, out->loss.node, "Tidx", MD_DT_INT32);
        md_tg_attr_bool(g, out->loss.node, "keep_dims", false);
    }
    return true;
}

static const struct md_train_model models[] = {
    { "cnn", MD_HEAD_MULTICLASS, 10, 784, "x", cnn_fn },
    { "dnn", MD_HEAD_BINARY, 2, 32, "x", dnn_fn },
    { "linear", MD_HEAD_REGRESSION, 0, 8, "x", linear_fn },
};

const struct md_train_model *md_train_model_find(const char *name)
{
    for (size_t i = 0; i < sizeof models / sizeof *models; i++)
        if (!strcmp(models[i].name, name))
            return &models[i];
    return NULL;
}
