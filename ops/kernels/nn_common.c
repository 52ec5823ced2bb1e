/* nn_common.c: see nn_common.h. */
#include <math.h>
#include <string.h>

#include "ops/blas.h"
#include "ops/kernels/nn_common.h"

static bool str_is(struct md_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.data, lit, n) == 0;
}

bool md_nn_check_nhwc(const Tensorflow__NodeDef *n, struct md_status *st)
{
    struct md_str f;
    if (!md_attr_str(n, "data_format", &f) || str_is(f, "NHWC"))
        return true;
    char esc[64];
    md_escape(esc, sizeof esc, f.data, f.len);
    return md_kernel_fail(n, st, MD_UNIMPLEMENTED,
                          "data_format '%s' is not supported (only NHWC runs on CPU)", esc);
}

bool md_nn_hw_attr(const Tensorflow__NodeDef *n, const char *name, bool required, int64_t *h,
                   int64_t *w, struct md_status *st)
{
    const int64_t *v;
    size_t cnt;
    if (!md_attr_list_int(n, name, &v, &cnt)) {
        if (required || md_attr_find(n, name))
            return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "attr '%s' missing or not a list of ints",
                                  name);
        *h = *w = 1;
        return true;
    }
    if (cnt != 4)
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "attr '%s' has %zu entries, expected 4",
                              name, cnt);
    for (int i = 0; i < 4; i++)
        if (v[i] < 1)
            return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "attr '%s'[%d] = %lld, must be >= 1",
                                  name, i, (long long)v[i]);
    if (v[0] != 1 || v[3] != 1)
        return md_kernel_fail(n, st, MD_UNIMPLEMENTED,
                              "%s in the batch and depth dimensions are not supported", name);
    *h = v[1];
    *w = v[2];
    return true;
}

bool md_nn_padding_attr(const Tensorflow__NodeDef *n, bool allow_explicit, struct md_nn_window *w,
                        struct md_status *st)
{
    struct md_str p;
    if (!md_attr_str(n, "padding", &p))
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "attr 'padding' missing");
    w->pad_top = w->pad_bottom = w->pad_left = w->pad_right = 0;
    if (str_is(p, "SAME")) {
        w->padding = MD_NN_SAME;
        return true;
    }
    if (str_is(p, "VALID")) {
        w->padding = MD_NN_VALID;
        return true;
    }
    if (!allow_explicit || !str_is(p, "EXPLICIT")) {
        char esc[64];
        md_escape(esc, sizeof esc, p.data, p.len);
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "padding '%s' is not supported", esc);
    }
    w->padding = MD_NN_EXPLICIT;
    const int64_t *v;
    size_t cnt;
    if (!md_attr_list_int(n, "explicit_paddings", &v, &cnt) || cnt != 8)
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT,
                              "padding EXPLICIT needs explicit_paddings with 8 entries");
    for (int i = 0; i < 8; i++)
        if (v[i] < 0 || v[i] > (int64_t)1 << 30)
            return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "explicit_paddings[%d] = %lld is out of range",
                                  i, (long long)v[i]);
    if (v[0] || v[1] || v[6] || v[7])
        return md_kernel_fail(n, st, MD_UNIMPLEMENTED,
                              "explicit padding in the batch and depth dimensions is not supported");
    w->pad_top = v[2];
    w->pad_bottom = v[3];
    w->pad_left = v[4];
    w->pad_right = v[5];
    return true;
}

bool md_nn_out_size(int64_t in, int64_t k, int64_t stride, int64_t dil, enum md_nn_padding p,
                    int64_t pad_b, int64_t pad_a, int64_t *out, int64_t *pad_before)
{
    int64_t eff = (k - 1) * dil + 1;
    int64_t o;
    *pad_before = 0;
    switch (p) {
    case MD_NN_SAME: {
        o = (in + stride - 1) / stride;
        int64_t need = (o - 1) * stride + eff - in;
        if (need < 0)
            need = 0;
        *pad_before = need / 2;
        break;
    }
    case MD_NN_EXPLICIT:
        /* C division truncates toward zero, as TensorFlow's does: a window
         * slightly larger than the padded input gives 0, not an error. */
        o = (in + pad_b + pad_a - eff + stride) / stride;
        *pad_before = pad_b;
        break;
    case MD_NN_VALID:
    default:
        o = (in - eff + stride) / stride;
        break;
    }
    *out = o;
    return o >= 0;
}

bool md_nn_geom_init(const Tensorflow__NodeDef *n, const struct md_tensor *x, int64_t kh,
                     int64_t kw, const struct md_nn_window *w, struct md_nn_geom *g,
                     struct md_status *st)
{
    g->n = x->dims[0];
    g->ih = x->dims[1];
    g->iw = x->dims[2];
    g->c = x->dims[3];
    g->kh = kh;
    g->kw = kw;
    g->sh = w->stride_h;
    g->sw = w->stride_w;
    g->dh = w->dil_h;
    g->dw = w->dil_w;
    /* Attrs are capped at load and tensor dims by the element limit, so these
     * products cannot overflow; still, refuse absurd windows plainly. */
    if (kh > ((int64_t)1 << 30) / g->dh || kw > ((int64_t)1 << 30) / g->dw)
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "window %lldx%lld is too large",
                              (long long)kh, (long long)kw);
    if (!md_nn_out_size(g->ih, kh, g->sh, g->dh, w->padding, w->pad_top, w->pad_bottom, &g->oh,
                        &g->pt) ||
        !md_nn_out_size(g->iw, kw, g->sw, g->dw, w->padding, w->pad_left, w->pad_right, &g->ow,
                        &g->pl))
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT,
                              "computed output size would be negative (input %lldx%lld, window "
                              "%lldx%lld, strides %lldx%lld, dilations %lldx%lld)",
                              (long long)g->ih, (long long)g->iw, (long long)kh, (long long)kw,
                              (long long)g->sh, (long long)g->sw, (long long)g->dh,
                              (long long)g->dw);
    return true;
}

bool md_nn_dtype_attr(const Tensorflow__NodeDef *n, const char *name, const enum md_dtype *allowed,
                      int n_allowed, enum md_dtype *out, struct md_status *st)
{
    enum md_dtype dt = MD_DT_FLOAT;
    if (md_attr_find(n, name) && !md_attr_type(n, name, &dt))
        return md_kernel_fail(n, st, MD_INVALID_ARGUMENT, "attr '%s' is not a type", name);
    for (int i = 0; i < n_allowed; i++)
        if (allowed[i] == dt) {
            *out = dt;
            return true;
        }
    return md_kernel_fail(n, st, MD_UNIMPLEMENTED, "dtype %s is not supported",
                          md_dtype_name(dt));
}

bool md_nn_input_dtype(struct md_kernel_ctx *k, int i, enum md_dtype dt, struct md_status *st)
{
    if (k->inputs[i]->dtype == dt)
        return true;
    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input %d has dtype %s, expected %s",
                          i, md_dtype_name(k->inputs[i]->dtype), md_dtype_name(dt));
}

int64_t md_nn_lanes(int64_t n_units, double unit_flops)
{
    if (n_units <= 1)
        return n_units < 1 ? 1 : n_units;
    double total = (double)n_units * unit_flops;
    int64_t lanes = (int64_t)(total / 1e5);
    if (lanes > n_units)
        lanes = n_units;
    if (lanes > MD_NN_MAX_LANES)
        lanes = MD_NN_MAX_LANES;
    return lanes < 1 ? 1 : lanes;
}

struct lanes_job {
    int64_t n_units, n_lanes;
    md_nn_lane_fn *fn;
    void *arg;
};

static void lanes_block(void *arg, int64_t begin, int64_t end)
{
    const struct lanes_job *j = arg;
    for (int64_t l = begin; l < end; l++) {
        int64_t ub = l * j->n_units / j->n_lanes;
        int64_t ue = (l + 1) * j->n_units / j->n_lanes;
        if (ub < ue)
            j->fn(j->arg, l, ub, ue);
    }
}

void md_nn_run_lanes(struct md_kernel_ctx *k, int64_t n_units, int64_t n_lanes, md_nn_lane_fn *fn,
                     void *arg)
{
    if (n_units <= 0)
        return;
    struct lanes_job j = { n_units, n_lanes < 1 ? 1 : n_lanes, fn, arg };
    md_parallel_for(k, j.n_lanes, 1, lanes_block, &j);
}

/* ---- GEMM ---- */

/* Runs rows [r0, r1) and columns [c0, c1) of the product. */
static void gemm_part(const struct md_nn_gemm *g, int64_t r0, int64_t r1, int64_t c0, int64_t c1)
{
    /* Row r of op(A) starts at a + r*lda untransposed, a + r when A is stored
     * transposed; column c of op(B) at b + c, or b + c*ldb when transposed. */
    int64_t aoff = g->ta ? r0 : r0 * g->lda;
    int64_t boff = g->tb ? c0 * g->ldb : c0;
    int64_t coff = r0 * g->ldc + c0;
    if (g->dt == MD_DT_DOUBLE)
        md_blas_dgemm(g->ta, g->tb, r1 - r0, c1 - c0, g->k, 1.0, (const double *)g->a + aoff,
                      g->lda, (const double *)g->b + boff, g->ldb, 0.0, (double *)g->c + coff,
                      g->ldc);
    else
        md_blas_sgemm(g->ta, g->tb, r1 - r0, c1 - c0, g->k, 1.0f, (const float *)g->a + aoff,
                      g->lda, (const float *)g->b + boff, g->ldb, 0.0f, (float *)g->c + coff,
                      g->ldc);
}

void md_nn_gemm_serial(const struct md_nn_gemm *g)
{
    gemm_part(g, 0, g->m, 0, g->n);
}

static void gemm_rows(void *arg, int64_t begin, int64_t end)
{
    const struct md_nn_gemm *g = arg;
    gemm_part(g, begin, end, 0, g->n);
}

static void gemm_cols(void *arg, int64_t begin, int64_t end)
{
    const struct md_nn_gemm *g = arg;
    gemm_part(g, 0, g->m, begin, end);
}

/* Below this many FLOPs a block is not worth a thread hand-off (~10 us). */
#define GEMM_BLOCK_FLOPS 4e5

/* md_parallel_for takes a void *; the workers only read *g. */
void md_nn_gemm_run(struct md_kernel_ctx *k, const struct md_nn_gemm *g)
{
    if (g->m <= 0 || g->n <= 0)
        return;
    double flops = 2.0 * (double)g->m * (double)g->n * (double)(g->k > 0 ? g->k : 1);
    if (flops < 2 * GEMM_BLOCK_FLOPS) {
        md_nn_gemm_serial(g);
        return;
    }
    double row_flops = flops / (double)g->m;
    /* Rows keep B's packing shared by fewer calls and write contiguous C;
     * columns only when there are too few rows to share (batch-1 dense). */
    if (g->m >= 32) {
        int64_t min_rows = (int64_t)(GEMM_BLOCK_FLOPS / row_flops) + 1;
        if (min_rows < 8)
            min_rows = 8;
        md_parallel_for(k, g->m, min_rows, gemm_rows, (void *)(uintptr_t)g);
    } else {
        double col_flops = flops / (double)g->n;
        int64_t min_cols = (int64_t)(GEMM_BLOCK_FLOPS / col_flops) + 1;
        if (min_cols < 16)
            min_cols = 16;
        md_parallel_for(k, g->n, min_cols, gemm_cols, (void *)(uintptr_t)g);
    }
}

/* ---- pooling ---- */

struct pool_job {
    struct md_nn_geom g;
    const void *x;
    void *y;
    enum md_dtype dt;
    bool is_max;
};

/* Clips the window of output pixel (oy, ox) to the input: [*y0, *y1) x [*x0, *x1). */
static inline void pool_window(const struct md_nn_geom *g, int64_t oy, int64_t ox, int64_t *y0,
                               int64_t *y1, int64_t *x0, int64_t *x1)
{
    *y0 = oy * g->sh - g->pt;
    *y1 = *y0 + g->kh;
    *x0 = ox * g->sw - g->pl;
    *x1 = *x0 + g->kw;
    if (*y0 < 0)
        *y0 = 0;
    if (*y1 > g->ih)
        *y1 = g->ih;
    if (*x0 < 0)
        *x0 = 0;
    if (*x1 > g->iw)
        *x1 = g->iw;
}

/* Max and average are separate loops so the per-channel inner loops stay
 * branch-free (and vectorise). */
#define MAX_POOL_ROWS(T)                                                                  \
    do {                                                                                  \
        const T *x = j->x;                                                                \
        T *y = j->y;                                                                      \
        int64_t c = g->c;                                                                 \
        for (int64_t row = begin; row < end; row++) {                                     \
            int64_t n = row / g->oh, oy = row % g->oh;                                    \
            T *out = y + row * g->ow * c;                                                 \
            for (int64_t ox = 0; ox < g->ow; ox++, out += c) {                            \
                int64_t y0, y1, x0, x1;                                                   \
                pool_window(g, oy, ox, &y0, &y1, &x0, &x1);                               \
                for (int64_t i = 0; i < c; i++)                                           \
                    out[i] = (T)-INFINITY;                                                \
                for (int64_t iy = y0; iy < y1; iy++)                                      \
                    for (int64_t ix = x0; ix < x1; ix++) {                                \
                        const T *p = x + ((n * g->ih + iy) * g->iw + ix) * c;             \
                        VMAX(out, p, c);                                                  \
                    }                                                                     \
            }                                                                             \
        }                                                                                 \
    } while (0)

#define AVG_POOL_ROWS(T)                                                                  \
    do {                                                                                  \
        const T *x = j->x;                                                                \
        T *y = j->y;                                                                      \
        int64_t c = g->c;                                                                 \
        for (int64_t row = begin; row < end; row++) {                                     \
            int64_t n = row / g->oh, oy = row % g->oh;                                    \
            T *out = y + row * g->ow * c;                                                 \
            for (int64_t ox = 0; ox < g->ow; ox++, out += c) {                            \
                int64_t y0, y1, x0, x1;                                                   \
                pool_window(g, oy, ox, &y0, &y1, &x0, &x1);                               \
                for (int64_t i = 0; i < c; i++)                                           \
                    out[i] = 0;                                                           \
                for (int64_t iy = y0; iy < y1; iy++)                                      \
                    for (int64_t ix = x0; ix < x1; ix++) {                                \
                        const T *p = x + ((n * g->ih + iy) * g->iw + ix) * c;             \
                        VACC(out, p, c);                                                  \
                    }                                                                     \
                int64_t cnt = (y1 - y0) * (x1 - x0);                                      \
                T inv = cnt > 0 ? (T)1 / (T)cnt : (T)0;                                   \
                for (int64_t i = 0; i < c; i++)                                           \
                    out[i] *= inv;                                                        \
            }                                                                             \
        }                                                                                 \
    } while (0)

static inline void vmax_f64(double *y, const double *x, int64_t c)
{
    for (int64_t i = 0; i < c; i++)
        y[i] = x[i] > y[i] ? x[i] : y[i];
}

static inline void vacc_f64(double *y, const double *x, int64_t c)
{
    for (int64_t i = 0; i < c; i++)
        y[i] += x[i];
}

static void pool_rows(void *arg, int64_t begin, int64_t end)
{
    const struct pool_job *j = arg;
    const struct md_nn_geom *g = &j->g;
#define VMAX vmax_f64
#define VACC vacc_f64
    if (j->dt == MD_DT_DOUBLE) {
        if (j->is_max)
            MAX_POOL_ROWS(double);
        else
            AVG_POOL_ROWS(double);
        return;
    }
#undef VMAX
#undef VACC
#define VMAX md_nn_max_f32
#define VACC md_nn_acc_f32
    if (j->is_max)
        MAX_POOL_ROWS(float);
    else
        AVG_POOL_ROWS(float);
#undef VMAX
#undef VACC
}

bool md_nn_pool(struct md_kernel_ctx *k, enum md_dtype dt, const struct md_nn_window *w,
                bool is_max, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (!md_nn_input_dtype(k, 0, dt, st))
        return false;
    if (x->rank != 4) {
        char s1[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input must be 4-dimensional: %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims));
    }
    struct pool_job j = { .x = x->data, .dt = dt, .is_max = is_max };
    struct md_nn_window win = *w;
    win.dil_h = win.dil_w = 1;
    if (!md_nn_geom_init(k->node, x, w->ksize_h, w->ksize_w, &win, &j.g, st))
        return false;
    int64_t od[4] = { j.g.n, j.g.oh, j.g.ow, j.g.c };
    if (!md_kernel_output(k, 0, dt, 4, od, st))
        return false;
    j.y = k->outputs[0].data;
    if (md_shape_num_elements(4, od) == 0)
        return true;
    double row_work = (double)(j.g.ow * j.g.c * j.g.kh * j.g.kw);
    md_parallel_for(k, j.g.n * j.g.oh, md_nn_min_rows(row_work), pool_rows, &j);
    return true;
}

/* ---- FusedBatchNorm ---- */

struct bn_state {
    float eps;
};

bool md_nn_batch_norm_init(struct md_kernel_init *ki, int version, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT };
    if (ki->n_inputs != 5)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 5 inputs, got %d",
                              ki->n_inputs);
    struct bn_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    enum md_dtype t;
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 1, &t, st) ||
        (version > 1 && !md_nn_dtype_attr(ki->node, "U", ok, 1, &t, st)) ||
        !md_nn_check_nhwc(ki->node, st))
        return false;
    bool training = true; /* TensorFlow's default */
    md_attr_bool(ki->node, "is_training", &training);
    if (training)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED,
                              "is_training=true (batch statistics) is not supported; export the "
                              "model for inference");
    s->eps = 0.0001f;
    md_attr_float(ki->node, "epsilon", &s->eps);
    if (!(s->eps >= 0.0f))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "epsilon must be >= 0");
    ki->n_outputs = version == 3 ? 6 : 5;
    ki->state = s;
    return true;
}

struct bn_job {
    const float *x, *mean, *offset, *a;
    float *y;
    int64_t c;
};

static inline void bn_row(float *restrict y, const float *restrict x, const float *restrict mean,
                          const float *restrict a, const float *restrict off, int64_t c)
{
    MD_NN_VLOOP(c, y[i] = (x[i] - mean[i]) * a[i] + off[i]);
}

static void bn_rows(void *arg, int64_t begin, int64_t end)
{
    const struct bn_job *j = arg;
    for (int64_t r = begin; r < end; r++) {
        const float *x = j->x + r * j->c;
        float *y = j->y + r * j->c;
        bn_row(y, x, j->mean, j->a, j->offset, j->c);
    }
}

static bool bn_copy_out(struct md_kernel_ctx *k, int i, const struct md_tensor *src, bool nan,
                        struct md_status *st)
{
    if (!md_kernel_output(k, i, MD_DT_FLOAT, 1, src->dims, st))
        return false;
    float *d = k->outputs[i].data;
    const float *s = src->data;
    for (int64_t c = 0; c < src->dims[0]; c++)
        d[c] = nan ? NAN : s[c];
    return true;
}

bool md_nn_batch_norm_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct bn_state *s = k->state;
    static const char *const names[5] = { "x", "scale", "offset", "mean", "variance" };
    for (int i = 0; i < 5; i++)
        if (!md_nn_input_dtype(k, i, MD_DT_FLOAT, st))
            return false;
    const struct md_tensor *x = k->inputs[0];
    char s1[96], s2[96];
    if (x->rank != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "x must be 4-dimensional: %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims));
    int64_t c = x->dims[3];
    for (int i = 1; i < 5; i++) {
        const struct md_tensor *t = k->inputs[i];
        if (t->rank != 1 || t->dims[0] != c)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "%s must be 1-D with one value per channel of x: %s vs x %s",
                                  names[i], md_shape_str(s1, sizeof s1, t->rank, t->dims),
                                  md_shape_str(s2, sizeof s2, x->rank, x->dims));
    }
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 4, x->dims, st))
        return false;
    int64_t n = md_tensor_num_elements(x);
    const struct md_tensor *mean = k->inputs[3], *var = k->inputs[4];
    if (!bn_copy_out(k, 1, mean, n == 0, st) || !bn_copy_out(k, 2, var, n == 0, st) ||
        !bn_copy_out(k, 3, mean, false, st) || !bn_copy_out(k, 4, var, false, st))
        return false;
    if (k->n_outputs == 6) {
        if (!md_kernel_output(k, 5, MD_DT_FLOAT, 0, NULL, st))
            return false;
        *(float *)k->outputs[5].data = 0.0f;
    }
    if (n == 0)
        return true;
    float *a = md_kernel_scratch(k, (size_t)c * sizeof *a, st);
    if (!a)
        return false;
    const float *scale = k->inputs[1]->data, *v = var->data;
    for (int64_t i = 0; i < c; i++)
        a[i] = scale[i] / sqrtf(v[i] + s->eps);
    struct bn_job j = { x->data, mean->data, k->inputs[2]->data, a, k->outputs[0].data, c };
    md_parallel_for(k, n / c, md_nn_min_rows(3.0 * (double)c), bn_rows, &j);
    return true;
}

/* ---- BatchMatMul ---- */

struct bmm_state {
    enum md_dtype dt;
    bool adj_x, adj_y, broadcast;
};

bool md_nn_batch_matmul_init(struct md_kernel_init *ki, int version, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    struct bmm_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (version == 3) {
        enum md_dtype tb, tout;
        if (!md_nn_dtype_attr(ki->node, "Ta", ok, 2, &s->dt, st) ||
            !md_nn_dtype_attr(ki->node, "Tb", ok, 2, &tb, st) ||
            !md_nn_dtype_attr(ki->node, "Tout", ok, 2, &tout, st))
            return false;
        if (tb != s->dt || tout != s->dt)
            return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED,
                                  "mixed dtypes (Ta %s, Tb %s, Tout %s) are not supported",
                                  md_dtype_name(s->dt), md_dtype_name(tb), md_dtype_name(tout));
    } else if (!md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st)) {
        return false;
    }
    s->adj_x = s->adj_y = false;
    md_attr_bool(ki->node, "adj_x", &s->adj_x);
    md_attr_bool(ki->node, "adj_y", &s->adj_y);
    s->broadcast = version >= 2;
    ki->state = s;
    return true;
}

struct bmm_job {
    struct md_nn_gemm g;          /* one batch entry; a, b, c are bases */
    int nb;                       /* batch rank of the output */
    int64_t bdims[MD_MAX_RANK];   /* output batch dims */
    int64_t xs[MD_MAX_RANK], ys[MD_MAX_RANK]; /* element strides per batch dim (0 = broadcast) */
    int64_t xmat, ymat, omat;     /* elements per matrix */
    size_t esz;
};

static void bmm_entry(const struct bmm_job *j, int64_t b, struct md_nn_gemm *g)
{
    int64_t xo = 0, yo = 0, rest = b;
    for (int d = j->nb - 1; d >= 0; d--) {
        int64_t i = rest % j->bdims[d];
        rest /= j->bdims[d];
        xo += i * j->xs[d];
        yo += i * j->ys[d];
    }
    *g = j->g;
    g->a = (const char *)j->g.a + (size_t)xo * j->esz;
    g->b = (const char *)j->g.b + (size_t)yo * j->esz;
    g->c = (char *)j->g.c + (size_t)(b * j->omat) * j->esz;
}

static void bmm_batches(void *arg, int64_t begin, int64_t end)
{
    const struct bmm_job *j = arg;
    for (int64_t b = begin; b < end; b++) {
        struct md_nn_gemm g;
        bmm_entry(j, b, &g);
        md_nn_gemm_serial(&g);
    }
}

bool md_nn_batch_matmul_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct bmm_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *y = k->inputs[1];
    if (!md_nn_input_dtype(k, 0, s->dt, st) || !md_nn_input_dtype(k, 1, s->dt, st))
        return false;
    char s1[96], s2[96];
    md_shape_str(s1, sizeof s1, x->rank, x->dims);
    md_shape_str(s2, sizeof s2, y->rank, y->dims);
    if (x->rank < 2 || y->rank < 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "inputs must have rank >= 2: %s and %s", s1, s2);
    if (!s->broadcast && x->rank != y->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "In[0] and In[1] must have the same rank: %s vs. %s", s1, s2);
    int xr = x->rank, yr = y->rank;
    int64_t m = x->dims[xr - (s->adj_x ? 1 : 2)], kx = x->dims[xr - (s->adj_x ? 2 : 1)];
    int64_t ky = y->dims[yr - (s->adj_y ? 1 : 2)], n = y->dims[yr - (s->adj_y ? 2 : 1)];
    if (kx != ky)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Matrix size-incompatible: In[0]: %s, In[1]: %s", s1, s2);
    struct bmm_job j = { .esz = md_dtype_size(s->dt) };
    int orank = xr > yr ? xr : yr;
    j.nb = orank - 2;
    int64_t od[MD_MAX_RANK];
    int64_t xstride = x->dims[xr - 2] * x->dims[xr - 1];
    int64_t ystride = y->dims[yr - 2] * y->dims[yr - 1];
    /* Walk batch dims from the innermost outwards, as broadcasting aligns
     * shapes on the right. */
    for (int d = j.nb - 1; d >= 0; d--) {
        int xi = d - (orank - xr), yi = d - (orank - yr);
        int64_t xd = xi >= 0 ? x->dims[xi] : 1, yd = yi >= 0 ? y->dims[yi] : 1;
        if (xd != yd && xd != 1 && yd != 1)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "In[0] and In[1] must have compatible batch dimensions: %s vs. %s",
                                  s1, s2);
        if (!s->broadcast && xd != yd)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "In[0] and In[1] must have the same batch dimensions: %s vs. %s",
                                  s1, s2);
        od[d] = xd == 1 ? yd : xd;
        j.bdims[d] = od[d];
        j.xs[d] = xd == 1 ? 0 : xstride;
        j.ys[d] = yd == 1 ? 0 : ystride;
        xstride *= xd;
        ystride *= yd;
    }
    od[orank - 2] = m;
    od[orank - 1] = n;
    if (!md_kernel_output(k, 0, s->dt, orank, od, st))
        return false;
    if (!md_blas_fits(m) || !md_blas_fits(n) || !md_blas_fits(kx))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "matrix dimension too large for BLAS");
    int64_t total = md_shape_num_elements(orank, od);
    if (total == 0)
        return true;
    j.omat = m * n;
    j.g = (struct md_nn_gemm){ .dt = s->dt, .ta = s->adj_x, .tb = s->adj_y, .m = m, .n = n,
                               .k = kx, .a = x->data, .lda = x->dims[xr - 1], .b = y->data,
                               .ldb = y->dims[yr - 1], .c = k->outputs[0].data, .ldc = n };
    int64_t batches = total / j.omat;
    if (batches == 1) {
        md_nn_gemm_run(k, &j.g);
        return true;
    }
    double per = 2.0 * (double)m * (double)n * (double)(kx > 0 ? kx : 1);
    md_parallel_for(k, batches, md_nn_min_rows(per / 4), bmm_batches, &j);
    return true;
}
