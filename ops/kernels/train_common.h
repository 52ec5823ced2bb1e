/* train_common.h: shared machinery of the training kernel family (gradient
 * kernels and optimizer apply ops): float-only attr checks, im2col/col2im for
 * the convolution gradients, and the variable plumbing of the Apply* ops.
 *
 * Private to ops/kernels/. Names carry md_train_ only because they link into
 * libmdops.a.
 */
#ifndef MD_OPS_KERNELS_TRAIN_COMMON_H
#define MD_OPS_KERNELS_TRAIN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/kernels/nn_common.h"
#include "ops/ops_impl.h"

/* init: exactly n_inputs data inputs and attr `T` (default float) is float;
 * other dtypes get UNIMPLEMENTED naming the op and dtype. */
MD_MUST_CHECK bool md_train_check_float(struct md_kernel_init *ki, int n_inputs,
                                        struct md_status *st);

/* compute: input i must be a float tensor (INVALID_ARGUMENT otherwise). */
MD_MUST_CHECK bool md_train_input_float(struct md_kernel_ctx *k, int i, struct md_status *st);
/* compute: input i must have exactly the shape of input j. */
MD_MUST_CHECK bool md_train_same_shape(struct md_kernel_ctx *k, int i, int j,
                                       struct md_status *st);
/* compute: input i is a float scalar; stores it in *out. */
MD_MUST_CHECK bool md_train_scalar(struct md_kernel_ctx *k, int i, float *out,
                                   struct md_status *st);

/* Windowed-op attrs as the forward ops parse them (strides, dilations,
 * padding, ksize when pool). */
MD_MUST_CHECK bool md_train_window_attrs(struct md_kernel_init *ki, bool pool,
                                         struct md_nn_window *w, struct md_status *st);
/* Reads a 4-element int32/int64 shape tensor (input_sizes / filter_sizes)
 * into dims, checking every entry is >= 0. */
MD_MUST_CHECK bool md_train_shape4(struct md_kernel_ctx *k, int i, int64_t dims[4],
                                   struct md_status *st);

/* im2col: output pixels [r0, r1) of image n as rows of kh*kw*c floats (zeros
 * for padding). col2im: the inverse scatter, adding each row back into the
 * image (dx must be zeroed first). */
void md_train_im2col(const struct md_nn_geom *g, const float *img, int64_t r0, int64_t r1,
                     float *col);
void md_train_col2im(const struct md_nn_geom *g, const float *col, int64_t r0, int64_t r1,
                     float *img);

/* The same over a flat range of output rows [f0, f1) of the whole batch
 * (row f is pixel f % (oh*ow) of image f / (oh*ow)): rows of consecutive
 * images are contiguous in out_backprop, so one GEMM can cover several
 * small images. x / dx is the whole batch. */
void md_train_im2col_flat(const struct md_nn_geom *g, const float *x, int64_t f0, int64_t f1,
                          float *col);
void md_train_col2im_flat(const struct md_nn_geom *g, const float *col, int64_t f0, int64_t f1,
                          float *dx);
/* Rows per flat block for a GEMM of depth kdim: about 2 MB of col, at least
 * 256 and at most 8192 rows. */
int64_t md_train_block_rows(int64_t kdim);

/* ---- Apply* (optimizer) ops ----
 * Inputs 0..n_slots-1 are TF1 variable references (var, then slots such as
 * accum, m, v). init binds them; compute reads their current values and lets
 * the op compute the new values into next[], which md_train_apply_end
 * stores. next[i] is the variable's own buffer (updated in place) when that
 * is safe: a whole heap buffer referenced only by the store, the op and the
 * plan's own read of the variable (see in_place_ok in train_common.c), so
 * no reader holds it (a checkpoint or export snapshot taken with
 * md_session_var_get keeps a reference, and then the update goes to a fresh
 * buffer and the snapshot is never torn) and it is no
 * read-only bundle view. Otherwise next[i] is a fresh heap buffer. The
 * update loops are elementwise (element i reads only element i), so they
 * work in either case. */
#define MD_TRAIN_MAX_SLOTS 3
struct md_train_apply {
    int n_vars;
    struct md_var *vars[MD_TRAIN_MAX_SLOTS];
    /* The release function of md_buf_new's buffers (probed once at init):
     * tells heap values from bundle views. */
    void (*heap_release)(struct md_buf *b);
};
MD_MUST_CHECK bool md_train_apply_init(struct md_kernel_init *ki, int n_inputs, int n_vars,
                                       struct md_status *st);
/* Reads the variables into cur[] (references) and sets next[] (the same
 * buffer when it can be updated in place, else a new heap buffer: they
 * become the variables' new values; see above). Checks
 * that every variable is initialised, float, and that input grad_input has
 * the shape of the variable. */
MD_MUST_CHECK bool md_train_apply_begin(struct md_kernel_ctx *k, int grad_input,
                                        struct md_tensor *cur, struct md_tensor *next,
                                        struct md_status *st);
/* Stores next[] into the variables, makes output 0 the new var value,
 * releases cur[] and next[] (on failure too). */
MD_MUST_CHECK bool md_train_apply_end(struct md_kernel_ctx *k, struct md_tensor *cur,
                                      struct md_tensor *next, bool ok, struct md_status *st);

#endif
