/* BiasAdd: value[..., c] + bias[c] (data_format NHWC; NCHW is refused at
 * load). float, double, int32, int64. */
#include <string.h>

#include "ops/kernels/nn_common.h"

struct bias_add_state {
    enum md_dtype dt;
};

static bool bias_add_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE, MD_DT_INT32, MD_DT_INT64 };
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    struct bias_add_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_check_nhwc(ki->node, st) ||
        !md_nn_dtype_attr(ki->node, "T", ok, 4, &s->dt, st))
        return false;
    ki->state = s;
    return true;
}

struct bias_job {
    const void *x, *bias;
    void *y;
    int64_t c;
    enum md_dtype dt;
};

#define BIAS_ROWS(T)                                                                       \
    do {                                                                                   \
        const T *x = (const T *)j->x + begin * j->c;                                       \
        const T *bias = j->bias;                                                           \
        T *y = (T *)j->y + begin * j->c;                                                   \
        for (int64_t r = begin; r < end; r++, x += j->c, y += j->c)                        \
            for (int64_t i = 0; i < j->c; i++)                                             \
                y[i] = x[i] + bias[i];                                                     \
    } while (0)

static void bias_rows(void *arg, int64_t begin, int64_t end)
{
    const struct bias_job *j = arg;
    switch (j->dt) {
    case MD_DT_DOUBLE: BIAS_ROWS(double); break;
    case MD_DT_INT32: BIAS_ROWS(int32_t); break;
    case MD_DT_INT64: BIAS_ROWS(int64_t); break;
    default: {
        const float *x = (const float *)j->x + begin * j->c;
        float *y = (float *)j->y + begin * j->c;
        for (int64_t r = begin; r < end; r++, x += j->c, y += j->c) {
            if (j->x == j->y) /* in place: the restrict-qualified y += bias */
                md_nn_acc_f32(y, j->bias, j->c);
            else
                md_nn_add_f32(y, x, j->bias, j->c);
        }
        break;
    }
    }
}

static bool bias_add_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct bias_add_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *b = k->inputs[1];
    if (!md_nn_input_dtype(k, 0, s->dt, st) || !md_nn_input_dtype(k, 1, s->dt, st))
        return false;
    if (x->rank < 2) {
        char sx[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Input tensor must be at least 2D: %s",
                              md_shape_str(sx, sizeof sx, x->rank, x->dims));
    }
    if (b->rank != 1) {
        char sb[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Biases must be 1D: %s",
                              md_shape_str(sb, sizeof sb, b->rank, b->dims));
    }
    int64_t c = x->dims[x->rank - 1];
    if (b->dims[0] != c) {
        char sx[96], sb[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Must provide as many biases as the last dimension of the input "
                              "tensor: %s vs. %s",
                              md_shape_str(sb, sizeof sb, b->rank, b->dims),
                              md_shape_str(sx, sizeof sx, x->rank, x->dims));
    }
    /* In place over x when this is its last reader (element e of the output
     * depends on element e of x only). */
    if (!md_kernel_output_reuse(k, 0, 0, s->dt, x->rank, x->dims, st))
        return false;
    int64_t n = md_tensor_num_elements(x);
    if (n == 0)
        return true;
    struct bias_job j = { x->data, b->data, k->outputs[0].data, c, s->dt };
    md_parallel_for(k, n / c, md_nn_min_rows((double)c * 8), bias_rows, &j);
    return true;
}

const struct md_op_def md_op_bias_add = {
    .tf_name = "BiasAdd",
    .init = bias_add_init,
    .compute = bias_add_compute,
};
