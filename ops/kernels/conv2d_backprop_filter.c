/* Conv2DBackpropFilter(input, filter_sizes, out_backprop): the gradient of
 * Conv2D with respect to its filter (NHWC input, HWIO filter, float):
 * dW[kh*kw*c, oc] = sum over blocks of output rows (a block may span
 * images) of im2col(x)^T * dy.
 * Images are spread over lanes, each accumulating into its own partial dW;
 * the partials are summed at the end (fixed order: deterministic). */
#include <string.h>

#include "ops/blas.h"
#include "ops/kernels/train_common.h"

static bool cbf_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct md_nn_window *w = md_kernel_init_alloc(ki, sizeof *w, st);
    if (!w || !md_train_check_float(ki, 3, st) || !md_train_window_attrs(ki, false, w, st))
        return false;
    ki->state = w;
    return true;
}

struct cbf_job {
    struct md_nn_geom g;
    const float *x, *dy;
    float *partial, *scratch;
    int64_t kdim, oc, rows, blk;
};

/* A lane's images form one flat run of output rows (contiguous in dy);
 * blocks of blk rows may span images, so the GEMMs stay deep even when an
 * image has few output pixels. */
static void cbf_lane(void *arg, int64_t lane, int64_t begin, int64_t end)
{
    const struct cbf_job *j = arg;
    float *col = j->scratch + lane * j->blk * j->kdim;
    float *dw = j->partial + lane * j->kdim * j->oc;
    memset(dw, 0, (size_t)(j->kdim * j->oc) * sizeof *dw);
    for (int64_t f0 = begin * j->rows, fe = end * j->rows; f0 < fe; f0 += j->blk) {
        int64_t f1 = f0 + j->blk < fe ? f0 + j->blk : fe;
        md_train_im2col_flat(&j->g, j->x, f0, f1, col);
        md_blas_sgemm(true, false, j->kdim, j->oc, f1 - f0, 1.0f, col, j->kdim,
                      j->dy + f0 * j->oc, j->oc, 1.0f, dw, j->oc);
    }
}

static bool cbf_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_nn_window *w = k->state;
    const struct md_tensor *x = k->inputs[0], *dy = k->inputs[2];
    int64_t fd[4];
    if (!md_train_input_float(k, 0, st) || !md_train_shape4(k, 1, fd, st) ||
        !md_train_input_float(k, 2, st))
        return false;
    char s1[96], s2[96];
    if (x->rank != 4 || fd[2] != x->dims[3])
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input %s does not match filter_sizes %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims),
                              md_shape_str(s2, sizeof s2, 4, fd));
    struct cbf_job j = { .x = x->data, .dy = dy->data, .oc = fd[3] };
    if (!md_nn_geom_init(k->node, x, fd[0], fd[1], w, &j.g, st))
        return false;
    int64_t want[4] = { j.g.n, j.g.oh, j.g.ow, j.oc };
    if (dy->rank != 4 || memcmp(dy->dims, want, sizeof want))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "out_backprop has shape %s, expected %s",
                              md_shape_str(s1, sizeof s1, dy->rank, dy->dims),
                              md_shape_str(s2, sizeof s2, 4, want));
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, 4, fd, st))
        return false;
    float *dw = k->outputs[0].data;
    j.kdim = fd[0] * fd[1] * fd[2];
    j.rows = j.g.oh * j.g.ow;
    size_t wn = (size_t)(j.kdim * j.oc);
    if (wn == 0)
        return true;
    memset(dw, 0, wn * sizeof *dw);
    if (j.g.n == 0 || j.rows == 0)
        return true;
    if (!md_blas_fits(j.kdim) || !md_blas_fits(j.oc))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "convolution too large for BLAS");
    int64_t lanes = md_nn_lanes(j.g.n, 2.0 * (double)j.rows * (double)j.kdim * (double)j.oc);
    j.blk = md_train_block_rows(j.kdim);
    if (j.blk > j.rows * j.g.n)
        j.blk = j.rows * j.g.n;
    j.scratch = md_kernel_scratch(k, (size_t)(lanes * j.blk * j.kdim) * sizeof(float), st);
    j.partial = md_kernel_scratch(k, (size_t)lanes * wn * sizeof(float), st);
    if (!j.scratch || !j.partial)
        return false;
    md_nn_run_lanes(k, j.g.n, lanes, cbf_lane, &j);
    for (int64_t l = 0; l < lanes; l++)
        md_nn_acc_f32(dw, j.partial + (size_t)l * wn, (int64_t)wn);
    return true;
}

const struct md_op_def md_op_conv2d_backprop_filter = {
    .tf_name = "Conv2DBackpropFilter",
    .init = cbf_init,
    .compute = cbf_compute,
};
