/* MaxPoolGrad(orig_input, orig_output, grad): routes each output gradient
 * to the input pixel that won its window (the first maximum in scan order;
 * padded pixels never win), NHWC, float. Images are split over threads;
 * each writes only its own image of the result. */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ops/kernels/train_common.h"

static bool mpg_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct md_nn_window *w = md_kernel_init_alloc(ki, sizeof *w, st);
    if (!w || !md_train_check_float(ki, 3, st) || !md_train_window_attrs(ki, true, w, st))
        return false;
    ki->state = w;
    return true;
}

struct mpg_job {
    struct md_nn_geom g;
    const float *x, *dy;
    float *dx;
};

/* Channels per pass: the running maxima of one window live in two small
 * arrays (value, int32 offset in the image), updated branch-free with a
 * compare and two selects so GCC vectorises the channel loop (NHWC keeps it
 * contiguous). Images hold < 2^31 elements (checked in compute). */
#define CH_BLOCK 64

static void mpg_images(void *arg, int64_t begin, int64_t end)
{
    const struct mpg_job *j = arg;
    const struct md_nn_geom *g = &j->g;
    int64_t img = g->ih * g->iw * g->c;
    float bestv[CH_BLOCK];
    int32_t besti[CH_BLOCK];
    for (int64_t n = begin; n < end; n++) {
        const float *x = j->x + n * img;
        float *dx = j->dx + n * img;
        memset(dx, 0, (size_t)img * sizeof *dx);
        const float *dy = j->dy + n * g->oh * g->ow * g->c;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++, dy += g->c) {
                int64_t y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
                int64_t ya = y0 < 0 ? 0 : y0, yb = y0 + g->kh > g->ih ? g->ih : y0 + g->kh;
                int64_t xa = x0 < 0 ? 0 : x0, xb = x0 + g->kw > g->iw ? g->iw : x0 + g->kw;
                if (ya >= yb || xa >= xb)
                    continue;
                for (int64_t c0 = 0; c0 < g->c; c0 += CH_BLOCK) {
                    int64_t nc = g->c - c0 < CH_BLOCK ? g->c - c0 : CH_BLOCK;
                    int32_t first = (int32_t)((ya * g->iw + xa) * g->c + c0);
                    MD_NN_VLOOP(nc, {
                        bestv[i] = x[first + i];
                        besti[i] = first + (int32_t)i;
                    });
                    for (int64_t iy = ya; iy < yb; iy++)
                        for (int64_t ix = xa; ix < xb; ix++) {
                            int32_t at = (int32_t)((iy * g->iw + ix) * g->c + c0);
                            const float *xa_ = x + at;
                            MD_NN_VLOOP(nc, {
                                bool gt = xa_[i] > bestv[i]; /* first maximum wins */
                                bestv[i] = gt ? xa_[i] : bestv[i];
                                besti[i] = gt ? at + (int32_t)i : besti[i];
                            });
                        }
                    for (int64_t q = 0; q < nc; q++)
                        dx[besti[q]] += dy[c0 + q];
                }
            }
    }
}

/* Running maximum of one window position xp into bv, noting position pos in
 * bk where it wins (strictly greater: the first maximum stays, a NaN never
 * wins). SSE2 where there is one: GCC -O2 does not if-convert these. */
static inline void mpg_track(float *restrict bv, float *restrict bk, const float *restrict xp,
                             float pos, int64_t nc)
{
    int64_t i = 0;
#ifdef __SSE2__
    __m128 p = _mm_set1_ps(pos);
    for (; i + 4 <= nc; i += 4) {
        __m128 v = _mm_loadu_ps(xp + i), b = _mm_loadu_ps(bv + i), k = _mm_loadu_ps(bk + i);
        __m128 gt = _mm_cmpgt_ps(v, b);
        _mm_storeu_ps(bv + i, _mm_or_ps(_mm_and_ps(gt, v), _mm_andnot_ps(gt, b)));
        _mm_storeu_ps(bk + i, _mm_or_ps(_mm_and_ps(gt, p), _mm_andnot_ps(gt, k)));
    }
#endif
    for (; i < nc; i++) {
        bool gt = xp[i] > bv[i];
        bv[i] = gt ? xp[i] : bv[i];
        bk[i] = gt ? pos : bk[i];
    }
}

/* o = dy where position pos won, else 0. */
static inline void mpg_store(float *restrict o, const float *restrict d,
                             const float *restrict bk, float pos, int64_t nc)
{
    int64_t i = 0;
#ifdef __SSE2__
    __m128 p = _mm_set1_ps(pos);
    for (; i + 4 <= nc; i += 4)
        _mm_storeu_ps(o + i, _mm_and_ps(_mm_cmpeq_ps(_mm_loadu_ps(bk + i), p),
                                        _mm_loadu_ps(d + i)));
#endif
    for (; i < nc; i++)
        o[i] = bk[i] == pos ? d[i] : 0.0f;
}

/* Windows that do not overlap (stride >= window, the usual 2x2/2 pool):
 * every input pixel lies in at most one window, so dx is written, not
 * accumulated: per window, find each channel's winning position k (first
 * maximum, as above), then store dy where k matches and 0 elsewhere - all
 * vector loops, no scatter. When the windows also tile the image exactly
 * (no padding, no leftover rows or columns) every pixel is written and the
 * memset is skipped. */
static void mpg_images_disjoint(void *arg, int64_t begin, int64_t end)
{
    const struct mpg_job *j = arg;
    const struct md_nn_geom *g = &j->g;
    int64_t img = g->ih * g->iw * g->c;
    bool tiled = g->pt == 0 && g->pl == 0 && g->sh == g->kh && g->sw == g->kw &&
                 g->oh * g->kh == g->ih && g->ow * g->kw == g->iw;
    /* The winning position is kept as a float so compare and selects share
     * one vector type (exact: the caller keeps windows below 2^24 positions). */
    float bestv[CH_BLOCK], bestk[CH_BLOCK];
    for (int64_t n = begin; n < end; n++) {
        const float *x = j->x + n * img;
        float *dx = j->dx + n * img;
        if (!tiled)
            memset(dx, 0, (size_t)img * sizeof *dx);
        const float *dy = j->dy + n * g->oh * g->ow * g->c;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++, dy += g->c) {
                int64_t y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
                int64_t ya = y0 < 0 ? 0 : y0, yb = y0 + g->kh > g->ih ? g->ih : y0 + g->kh;
                int64_t xa = x0 < 0 ? 0 : x0, xb = x0 + g->kw > g->iw ? g->iw : x0 + g->kw;
                if (ya >= yb || xa >= xb)
                    continue;
                for (int64_t c0 = 0; c0 < g->c; c0 += CH_BLOCK) {
                    int64_t nc = g->c - c0 < CH_BLOCK ? g->c - c0 : CH_BLOCK;
                    const float *first = x + (ya * g->iw + xa) * g->c + c0;
                    MD_NN_VLOOP(nc, {
                        bestv[i] = first[i];
                        bestk[i] = 0.0f;
                    });
                    float pos = 0.0f;
                    for (int64_t iy = ya; iy < yb; iy++)
                        for (int64_t ix = xa; ix < xb; ix++, pos++)
                            mpg_track(bestv, bestk, x + (iy * g->iw + ix) * g->c + c0, pos, nc);
                    const float *d = dy + c0;
                    pos = 0.0f;
                    for (int64_t iy = ya; iy < yb; iy++)
                        for (int64_t ix = xa; ix < xb; ix++, pos++)
                            mpg_store(dx + (iy * g->iw + ix) * g->c + c0, d, bestk, pos, nc);
                }
            }
    }
}

static bool mpg_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_nn_window *w = k->state;
    const struct md_tensor *x = k->inputs[0], *dy = k->inputs[2];
    if (!md_train_input_float(k, 0, st) || !md_train_input_float(k, 1, st) ||
        !md_train_input_float(k, 2, st) || !md_train_same_shape(k, 1, 2, st))
        return false;
    char s1[96], s2[96];
    if (x->rank != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "orig_input must be 4-dimensional: %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims));
    struct mpg_job j = { .x = x->data, .dy = dy->data };
    if (!md_nn_geom_init(k->node, x, w->ksize_h, w->ksize_w, w, &j.g, st))
        return false;
    int64_t want[4] = { j.g.n, j.g.oh, j.g.ow, j.g.c };
    if (dy->rank != 4 || memcmp(dy->dims, want, sizeof want))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "grad has shape %s, expected %s",
                              md_shape_str(s1, sizeof s1, dy->rank, dy->dims),
                              md_shape_str(s2, sizeof s2, 4, want));
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 4, x->dims, st))
        return false;
    j.dx = k->outputs[0].data;
    if (md_tensor_num_elements(x) == 0)
        return true;
    if (j.g.ih * j.g.iw * j.g.c > INT32_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "images of %lld elements are too large",
                              (long long)(j.g.ih * j.g.iw * j.g.c));
    /* The disjoint path counts window positions in a float: exact below 2^24. */
    int64_t wh = j.g.kh < j.g.ih ? j.g.kh : j.g.ih, ww = j.g.kw < j.g.iw ? j.g.kw : j.g.iw;
    bool disjoint = j.g.sh >= j.g.kh && j.g.sw >= j.g.kw && wh * ww <= (1 << 24);
    md_parallel_for(k, j.g.n, 1, disjoint ? mpg_images_disjoint : mpg_images, &j);
    return true;
}

const struct md_op_def md_op_max_pool_grad = {
    .tf_name = "MaxPoolGrad",
    .init = mpg_init,
    .compute = mpg_compute,
};
