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

/* ---- Apply* (optimizer) ops ----
 * Inputs 0..n_slots-1 are TF1 variable references (var, then slots such as
 * accum, m, v). init binds them; compute reads their current values, lets
 * the op compute new values into fresh buffers and stores them. Variable
 * values are never written in place (readers may hold them; a restored
 * value may be a read-only bundle view). */
#define MD_TRAIN_MAX_SLOTS 3
struct md_train_apply {
    int n_vars;
    struct md_var *vars[MD_TRAIN_MAX_SLOTS];
};
MD_MUST_CHECK bool md_train_apply_init(struct md_kernel_init *ki, int n_inputs, int n_vars,
                                       struct md_status *st);
/* Reads the variables into cur[] (references) and allocates next[] of the
 * same shapes (heap buffers: they become the variables' new values). Checks
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
