/* DepthwiseConv2dNative (NHWC input, filter [kh, kw, c, m]): output channel
 * c*m + j is input channel c convolved with filter[:, :, c, j]. SAME / VALID
 * / EXPLICIT padding, strides, dilations; float and double.
 *
 * A direct loop (no GEMM: each output channel sees one input channel, so
 * there is nothing to share), accumulated in place in the output row;
 * output rows are spread over the executor's threads. */
#include <string.h>

#include "ops/kernels/nn_common.h"

struct dw_state {
    enum md_dtype dt;
    struct md_nn_window w;
};

static bool dw_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    struct dw_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st) ||
        !md_nn_check_nhwc(ki->node, st) ||
        !md_nn_hw_attr(ki->node, "strides", true, &s->w.stride_h, &s->w.stride_w, st) ||
        !md_nn_hw_attr(ki->node, "dilations", false, &s->w.dil_h, &s->w.dil_w, st) ||
        !md_nn_padding_attr(ki->node, true, &s->w, st))
        return false;
    if (s->w.stride_h != s->w.stride_w)
        /* TensorFlow's CPU kernel refuses these too. */
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "current implementation only supports equal length strides in the "
                              "row and column dimensions");
    ki->state = s;
    return true;
}

struct dw_job {
    struct md_nn_geom g;
    int64_t m;
    const void *x, *f;
    void *y;
    enum md_dtype dt;
};

#define DW_ROWS(T)                                                                              \
    do {                                                                                        \
        const T *x = j->x, *f = j->f;                                                           \
        T *y = j->y;                                                                            \
        int64_t oc = g->c * j->m;                                                               \
        for (int64_t row = begin; row < end; row++) {                                           \
            int64_t n = row / g->oh, oy = row % g->oh;                                          \
            T *out = y + row * g->ow * oc;                                                      \
            memset(out, 0, (size_t)(g->ow * oc) * sizeof(T));                                   \
            for (int64_t ox = 0; ox < g->ow; ox++, out += oc) {                                 \
                int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;                     \
                for (int64_t ky = 0; ky < g->kh; ky++) {                                        \
                    int64_t iy = iy0 + ky * g->dh;                                              \
                    if (iy < 0 || iy >= g->ih)                                                  \
                        continue;                                                               \
                    for (int64_t kx = 0; kx < g->kw; kx++) {                                    \
                        int64_t ix = ix0 + kx * g->dw;                                          \
                        if (ix < 0 || ix >= g->iw)                                              \
                            continue;                                                           \
                        const T *xp = x + ((n * g->ih + iy) * g->iw + ix) * g->c;               \
                        const T *fp = f + (ky * g->kw + kx) * oc;                               \
                        if (j->m == 1) {                                                        \
                            VFMA(out, xp, fp, g->c);                                            \
                        } else {                                                                \
                            for (int64_t c = 0; c < g->c; c++)                                  \
                                for (int64_t q = 0; q < j->m; q++)                              \
                                    out[c * j->m + q] += xp[c] * fp[c * j->m + q];              \
                        }                                                                       \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
    } while (0)

static inline void fma_f64(double *y, const double *x, const double *w, int64_t c)
{
    for (int64_t i = 0; i < c; i++)
        y[i] += x[i] * w[i];
}

static void dw_rows(void *arg, int64_t begin, int64_t end)
{
    const struct dw_job *j = arg;
    const struct md_nn_geom *g = &j->g;
#define VFMA fma_f64
    if (j->dt == MD_DT_DOUBLE) {
        DW_ROWS(double);
        return;
    }
#undef VFMA
#define VFMA md_nn_fma_f32
    DW_ROWS(float);
#undef VFMA
}

static bool dw_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct dw_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *f = k->inputs[1];
    if (!md_nn_input_dtype(k, 0, s->dt, st) || !md_nn_input_dtype(k, 1, s->dt, st))
        return false;
    char s1[96], s2[96];
    if (x->rank != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input must be 4-dimensional: %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims));
    if (f->rank != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "filter must be 4-dimensional: %s",
                              md_shape_str(s1, sizeof s1, f->rank, f->dims));
    if (f->dims[2] != x->dims[3])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input and filter must have the same depth: %lld vs %lld (input %s, "
                              "filter %s)",
                              (long long)x->dims[3], (long long)f->dims[2],
                              md_shape_str(s1, sizeof s1, x->rank, x->dims),
                              md_shape_str(s2, sizeof s2, f->rank, f->dims));
    struct dw_job j = { .m = f->dims[3], .x = x->data, .f = f->data, .dt = s->dt };
    if (!md_nn_geom_init(k->node, x, f->dims[0], f->dims[1], &s->w, &j.g, st))
        return false;
    int64_t od[4] = { j.g.n, j.g.oh, j.g.ow, j.g.c * j.m };
    if (!md_kernel_output(k, 0, s->dt, 4, od, st))
        return false;
    j.y = k->outputs[0].data;
    if (md_shape_num_elements(4, od) == 0)
        return true;
    double row_flops = 2.0 * (double)(j.g.ow * j.g.c * j.m * j.g.kh * j.g.kw);
    md_parallel_for(k, j.g.n * j.g.oh, md_nn_min_rows(row_flops), dw_rows, &j);
    return true;
}

const struct md_op_def md_op_depthwise_conv2d_native = {
    .tf_name = "DepthwiseConv2dNative",
    .init = dw_init,
    .compute = dw_compute,
};
