/* Conv2DBackpropInput(input_sizes, filter, out_backprop): the gradient of
 * Conv2D with respect to its input (NHWC, HWIO filter, float). Over blocks
 * of output rows (which may span images): col = dy * W^T (one GEMM), then
 * col2im scatters each row's receptive field back into dx. Images are
 * spread over lanes; each writes only its own images of dx. */
#include <string.h>

#include "ops/blas.h"
#include "ops/kernels/train_common.h"

static bool cbi_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct md_nn_window *w = md_kernel_init_alloc(ki, sizeof *w, st);
    if (!w || !md_train_check_float(ki, 3, st) || !md_train_window_attrs(ki, false, w, st))
        return false;
    ki->state = w;
    return true;
}

struct cbi_job {
    struct md_nn_geom g;
    const float *f, *dy;
    float *dx, *scratch;
    int64_t kdim, oc, rows, blk;
};

/* A lane zeroes its images of dx, then walks their output rows as one flat
 * run (contiguous in dy) in blocks of blk rows that may span images. */
static void cbi_lane(void *arg, int64_t lane, int64_t begin, int64_t end)
{
    const struct cbi_job *j = arg;
    const struct md_nn_geom *g = &j->g;
    float *col = j->scratch + lane * j->blk * j->kdim;
    int64_t img = g->ih * g->iw * g->c;
    memset(j->dx + begin * img, 0, (size_t)((end - begin) * img) * sizeof(float));
    for (int64_t f0 = begin * j->rows, fe = end * j->rows; f0 < fe; f0 += j->blk) {
        int64_t f1 = f0 + j->blk < fe ? f0 + j->blk : fe;
        md_blas_sgemm(false, true, f1 - f0, j->kdim, j->oc, 1.0f, j->dy + f0 * j->oc, j->oc,
                      j->f, j->oc, 0.0f, col, j->kdim);
        md_train_col2im_flat(g, col, f0, f1, j->dx);
    }
}

static bool cbi_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_nn_window *w = k->state;
    const struct md_tensor *f = k->inputs[1], *dy = k->inputs[2];
    struct md_tensor x = MD_TENSOR_INIT;
    x.dtype = MD_DT_FLOAT;
    x.rank = 4;
    if (!md_train_shape4(k, 0, x.dims, st) || !md_train_input_float(k, 1, st) ||
        !md_train_input_float(k, 2, st))
        return false;
    char s1[96], s2[96];
    if (f->rank != 4 || f->dims[2] != x.dims[3])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "filter %s does not match input %s",
                              md_shape_str(s1, sizeof s1, f->rank, f->dims),
                              md_shape_str(s2, sizeof s2, 4, x.dims));
    struct cbi_job j = { .f = f->data, .dy = dy->data, .oc = f->dims[3] };
    if (!md_nn_geom_init(k->node, &x, f->dims[0], f->dims[1], w, &j.g, st))
        return false;
    int64_t want[4] = { j.g.n, j.g.oh, j.g.ow, j.oc };
    if (dy->rank != 4 || memcmp(dy->dims, want, sizeof want))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "out_backprop has shape %s, expected %s",
                              md_shape_str(s1, sizeof s1, dy->rank, dy->dims),
                              md_shape_str(s2, sizeof s2, 4, want));
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 4, x.dims, st))
        return false;
    j.dx = k->outputs[0].data;
    j.kdim = j.g.kh * j.g.kw * j.g.c;
    j.rows = j.g.oh * j.g.ow;
    int64_t total = md_shape_num_elements(4, x.dims);
    if (total == 0)
        return true;
    if (j.kdim == 0 || j.rows == 0 || j.oc == 0) {
        memset(j.dx, 0, (size_t)total * sizeof(float));
        return true;
    }
    if (!md_blas_fits(j.kdim) || !md_blas_fits(j.oc))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "convolution too large for BLAS");
    int64_t lanes = md_nn_lanes(j.g.n, 2.0 * (double)j.rows * (double)j.kdim * (double)j.oc);
    j.blk = md_train_block_rows(j.kdim);
    if (j.blk > j.rows * j.g.n)
        j.blk = j.rows * j.g.n;
    j.scratch = md_kernel_scratch(k, (size_t)(lanes * j.blk * j.kdim) * sizeof(float), st);
    if (!j.scratch)
        return false;
    md_nn_run_lanes(k, j.g.n, lanes, cbi_lane, &j);
    return true;
}

const struct md_op_def md_op_conv2d_backprop_input = {
    .tf_name = "Conv2DBackpropInput",
    .init = cbi_init,
    .compute = cbi_compute,
};
