/* Conv2D (NHWC input, HWIO filter): SAME / VALID / EXPLICIT padding,
 * strides, dilations; float and double.
 *
 * Lowered to GEMM: for a block of output pixels of one image, im2col copies
 * each pixel's receptive field (kh, kw, c order, zeros for padding) into a
 * row of the scratch matrix, and OpenBLAS multiplies it by the filter viewed
 * as a [kh*kw*c, out_channels] matrix straight into the output rows. Blocks
 * (whole images at batch > few, row slices of one image otherwise) are spread
 * over the executor's threads as "lanes", each with its own scratch slot, so
 * memory stays at lanes x block, never a whole-batch im2col buffer. 1x1
 * stride-1 convolutions and windows that cover the whole input skip im2col:
 * the input already is the GEMM's left matrix.
 */
#include <string.h>

#include "ops/blas.h"
#include "ops/kernels/nn_common.h"

struct conv2d_state {
    enum md_dtype dt;
    struct md_nn_window w;
};

static bool conv2d_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    struct conv2d_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s || !md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st) ||
        !md_nn_check_nhwc(ki->node, st) ||
        !md_nn_hw_attr(ki->node, "strides", true, &s->w.stride_h, &s->w.stride_w, st) ||
        !md_nn_hw_attr(ki->node, "dilations", false, &s->w.dil_h, &s->w.dil_w, st) ||
        !md_nn_padding_attr(ki->node, true, &s->w, st))
        return false;
    ki->state = s;
    return true;
}

/* Target bytes of one im2col block: big enough that OpenBLAS's packing of
 * the filter is amortised over many rows, small enough to stay near L2. */
#define BLOCK_BYTES (640 * 1024)
/* Below this many images, images are cut into row blocks so that a small
 * batch still spreads over the pool. */
#define MIN_UNITS 4

struct conv_job {
    struct md_nn_geom g;
    const char *x, *f;
    char *y, *scratch;
    size_t esz;
    enum md_dtype dt;
    int64_t kdim, oc;          /* GEMM k (kh*kw*c) and n (output channels) */
    int64_t rows, nblk, blk_rows;
};

/* Writes output pixels [r0, r1) of image n as im2col rows into col. */
static void im2col(const struct conv_job *j, int64_t n, int64_t r0, int64_t r1, char *col)
{
    const struct md_nn_geom *g = &j->g;
    size_t pix = (size_t)g->c * j->esz;       /* one input pixel */
    size_t span = (size_t)g->kw * pix;        /* one kernel row, contiguous when dw == 1 */
    const char *img = j->x + (size_t)(n * g->ih * g->iw) * pix;
    char *dst = col;
    for (int64_t r = r0; r < r1; r++) {
        int64_t oy = r / g->ow, ox = r % g->ow;
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
        bool inside_x = g->dw == 1 && ix0 >= 0 && ix0 + g->kw <= g->iw;
        for (int64_t ky = 0; ky < g->kh; ky++) {
            int64_t iy = iy0 + ky * g->dh;
            if (iy < 0 || iy >= g->ih) {
                memset(dst, 0, span);
                dst += span;
                continue;
            }
            const char *src = img + (size_t)(iy * g->iw) * pix;
            if (inside_x) {
                memcpy(dst, src + (size_t)ix0 * pix, span);
                dst += span;
                continue;
            }
            for (int64_t kx = 0; kx < g->kw; kx++, dst += pix) {
                int64_t ix = ix0 + kx * g->dw;
                if (ix < 0 || ix >= g->iw)
                    memset(dst, 0, pix);
                else
                    memcpy(dst, src + (size_t)ix * pix, pix);
            }
        }
    }
}

static void conv_lane(void *arg, int64_t lane, int64_t begin, int64_t end)
{
    const struct conv_job *j = arg;
    char *col = j->scratch + (size_t)lane * (size_t)(j->blk_rows * j->kdim) * j->esz;
    for (int64_t u = begin; u < end; u++) {
        int64_t n = u / j->nblk, b = u % j->nblk;
        int64_t r0 = b * j->blk_rows, r1 = r0 + j->blk_rows;
        if (r1 > j->rows)
            r1 = j->rows;
        im2col(j, n, r0, r1, col);
        struct md_nn_gemm gm = {
            .dt = j->dt, .m = r1 - r0, .n = j->oc, .k = j->kdim, .a = col, .lda = j->kdim,
            .b = j->f, .ldb = j->oc,
            .c = j->y + (size_t)((n * j->rows + r0) * j->oc) * j->esz, .ldc = j->oc,
        };
        md_nn_gemm_serial(&gm);
    }
}

static bool conv2d_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct conv2d_state *s = k->state;
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
    int64_t c = x->dims[3], fc = f->dims[2], oc = f->dims[3];
    if (fc != c) {
        if (fc > 0 && c % fc == 0)
            return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED,
                                  "grouped convolution (input depth %lld, filter depth %lld) is "
                                  "not supported",
                                  (long long)c, (long long)fc);
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input depth must be evenly divisible by filter depth: %lld vs %lld "
                              "(input %s, filter %s)",
                              (long long)c, (long long)fc,
                              md_shape_str(s1, sizeof s1, x->rank, x->dims),
                              md_shape_str(s2, sizeof s2, f->rank, f->dims));
    }
    struct conv_job j = { .x = x->data, .f = f->data, .esz = md_dtype_size(s->dt), .dt = s->dt,
                          .oc = oc };
    if (!md_nn_geom_init(k->node, x, f->dims[0], f->dims[1], &s->w, &j.g, st))
        return false;
    const struct md_nn_geom *g = &j.g;
    int64_t od[4] = { g->n, g->oh, g->ow, oc };
    if (!md_kernel_output(k, 0, s->dt, 4, od, st))
        return false;
    j.y = k->outputs[0].data;
    j.rows = g->oh * g->ow;
    if (md_shape_num_elements(4, od) == 0)
        return true;
    j.kdim = g->kh * g->kw * c;
    if (!md_blas_fits(j.kdim) || !md_blas_fits(oc) || !md_blas_fits(g->n * j.rows))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "convolution too large for BLAS (input %s, filter %s)",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims),
                              md_shape_str(s2, sizeof s2, f->rank, f->dims));
    if (j.kdim == 0) {
        memset(j.y, 0, (size_t)md_shape_num_elements(4, od) * j.esz);
        return true;
    }

    /* The input is already the im2col matrix: 1x1 windows at stride 1 with no
     * padding ([n*h*w, c] rows), or one window covering the whole unpadded
     * image ([n, h*w*c] rows). */
    bool pointwise = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 &&
                     g->pl == 0 && g->oh == g->ih && g->ow == g->iw;
    bool whole = g->oh == 1 && g->ow == 1 && g->pt == 0 && g->pl == 0 && g->kh == g->ih &&
                 g->kw == g->iw && g->dh == 1 && g->dw == 1;
    if (pointwise || whole) {
        struct md_nn_gemm gm = { .dt = s->dt, .m = g->n * j.rows, .n = oc, .k = j.kdim,
                                 .a = x->data, .lda = j.kdim, .b = f->data, .ldb = oc,
                                 .c = j.y, .ldc = oc };
        md_nn_gemm_run(k, &gm);
        return true;
    }

    int64_t row_bytes = j.kdim * (int64_t)j.esz;
    int64_t blk = BLOCK_BYTES / row_bytes;
    if (blk < 1)
        blk = 1;
    if (g->n < MIN_UNITS) {
        /* Cut the few images finer, but not below 16 rows: thinner blocks
         * make poor GEMMs. */
        int64_t want = (MIN_UNITS + g->n - 1) / g->n;
        int64_t b2 = (j.rows + want - 1) / want;
        if (b2 < 16)
            b2 = 16;
        if (b2 < blk)
            blk = b2;
    }
    if (blk > j.rows)
        blk = j.rows;
    j.nblk = (j.rows + blk - 1) / blk;
    j.blk_rows = (j.rows + j.nblk - 1) / j.nblk; /* even blocks */
    j.nblk = (j.rows + j.blk_rows - 1) / j.blk_rows;
    int64_t units = g->n * j.nblk;
    int64_t lanes = md_nn_lanes(units, 2.0 * (double)j.blk_rows * (double)j.kdim * (double)oc);
    size_t slot = (size_t)(j.blk_rows * j.kdim) * j.esz;
    j.scratch = md_kernel_scratch(k, (size_t)lanes * slot, st);
    if (!j.scratch)
        return false;
    md_nn_run_lanes(k, units, lanes, conv_lane, &j);
    return true;
}

const struct md_op_def md_op_conv2d = {
    .tf_name = "Conv2D",
    .init = conv2d_init,
    .compute = conv2d_compute,
};
