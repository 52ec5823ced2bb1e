/* nn_common.h: shared machinery of the nn kernel family (MatMul, BiasAdd,
 * Conv2D, DepthwiseConv2dNative, pooling, batch norm): attr parsing for
 * windowed NHWC ops, TensorFlow's output-size/padding rule, and "lanes", the
 * way a kernel splits work over the executor's threads while giving each
 * piece its own slice of scratch memory.
 *
 * Private to ops/kernels/. Not a public API: names carry md_nn_ only because
 * they link into libmdops.a.
 */
#ifndef MD_OPS_KERNELS_NN_COMMON_H
#define MD_OPS_KERNELS_NN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/kernel.h"

enum md_nn_padding { MD_NN_VALID, MD_NN_SAME, MD_NN_EXPLICIT };

/* Attrs of a windowed NHWC op, parsed at init. */
struct md_nn_window {
    int64_t ksize_h, ksize_w;     /* pooling only (Conv2D takes the filter's) */
    int64_t stride_h, stride_w;
    int64_t dil_h, dil_w;         /* 1 for pooling */
    enum md_nn_padding padding;
    int64_t pad_top, pad_bottom, pad_left, pad_right; /* EXPLICIT only */
};

/* Reads data_format (absent or "NHWC" accepted; anything else refused with
 * UNIMPLEMENTED naming it). */
MD_MUST_CHECK bool md_nn_check_nhwc(const Tensorflow__NodeDef *n, struct md_status *st);

/* Reads a 4-element int list attr (strides, dilations, ksize) in NHWC order
 * into *h, *w. When absent: required -> INVALID_ARGUMENT, else h = w = 1.
 * Values must be >= 1; the batch and depth entries must be 1. */
MD_MUST_CHECK bool md_nn_hw_attr(const Tensorflow__NodeDef *n, const char *name, bool required,
                                 int64_t *h, int64_t *w, struct md_status *st);

/* Reads padding ("SAME", "VALID", and "EXPLICIT" when allow_explicit, with
 * explicit_paddings: 8 ints, non-negative, zero for batch and depth). */
MD_MUST_CHECK bool md_nn_padding_attr(const Tensorflow__NodeDef *n, bool allow_explicit,
                                      struct md_nn_window *w, struct md_status *st);

/* TensorFlow's windowed output size along one dimension. in: input size,
 * k: filter size, dil: dilation, pad_b/pad_a: explicit pads (ignored unless
 * EXPLICIT). Fills *out and *pad_before; false when the output size would be
 * negative (the caller reports it). */
bool md_nn_out_size(int64_t in, int64_t k, int64_t stride, int64_t dil, enum md_nn_padding p,
                    int64_t pad_b, int64_t pad_a, int64_t *out, int64_t *pad_before);

/* The full geometry of one windowed NHWC op on one input. */
struct md_nn_geom {
    int64_t n, ih, iw, c;      /* input */
    int64_t kh, kw;            /* window */
    int64_t sh, sw, dh, dw;    /* strides, dilations */
    int64_t oh, ow;            /* output */
    int64_t pt, pl;            /* padding before (top, left) */
};

/* Fills g from an NHWC input shape, window size kh x kw and the attrs;
 * reports a negative output size as INVALID_ARGUMENT on node n. */
MD_MUST_CHECK bool md_nn_geom_init(const Tensorflow__NodeDef *n, const struct md_tensor *x,
                                   int64_t kh, int64_t kw, const struct md_nn_window *w,
                                   struct md_nn_geom *g, struct md_status *st);

/* Parses "T" (defaults to float when absent) and checks it is one of the
 * allowed dtypes (UNIMPLEMENTED naming the dtype otherwise). */
MD_MUST_CHECK bool md_nn_dtype_attr(const Tensorflow__NodeDef *n, const char *name,
                                    const enum md_dtype *allowed, int n_allowed,
                                    enum md_dtype *out, struct md_status *st);

/* Checks input i has dtype dt (INVALID_ARGUMENT otherwise, naming both). */
MD_MUST_CHECK bool md_nn_input_dtype(struct md_kernel_ctx *k, int i, enum md_dtype dt,
                                     struct md_status *st);

/* ---- lanes: parallel work with per-piece scratch ----
 * n_units work items are cut into n_lanes contiguous ranges; lane l gets
 * units [l*n_units/n_lanes, (l+1)*n_units/n_lanes) and may use scratch slot
 * l. Lanes run on the executor's threads (md_parallel_for), so a kernel sizes
 * its scratch as n_lanes slots without knowing the pool size. */
#define MD_NN_MAX_LANES 8

typedef void md_nn_lane_fn(void *arg, int64_t lane, int64_t begin, int64_t end);

/* Lanes to use for n_units items of about unit_flops each: at most
 * MD_NN_MAX_LANES, and few enough that each lane has >= ~100k FLOPs. */
int64_t md_nn_lanes(int64_t n_units, double unit_flops);

void md_nn_run_lanes(struct md_kernel_ctx *k, int64_t n_units, int64_t n_lanes, md_nn_lane_fn *fn,
                     void *arg);

/* Min block (in rows) for md_parallel_for so that a block holds at least
 * ~64k FLOPs (or bytes moved) of work: keeps tiny tensors serial. */
static inline int64_t md_nn_min_rows(double per_row)
{
    if (per_row >= 65536.0)
        return 1;
    return (int64_t)(65536.0 / (per_row > 1.0 ? per_row : 1.0)) + 1;
}

#endif

/* ---- GEMM split over the executor's threads ----
 * C[m x n] = op(A) * op(B) (beta 0) for float or double (dt), row-major with
 * the md_blas conventions. Large products are cut into row blocks (or column
 * blocks when m is small, e.g. batch-1 dense layers), each one 1-thread BLAS
 * call. Dims must satisfy md_blas_fits. */
struct md_nn_gemm {
    enum md_dtype dt;
    bool ta, tb;
    int64_t m, n, k;
    const void *a;
    int64_t lda;
    const void *b;
    int64_t ldb;
    void *c;
    int64_t ldc;
};
void md_nn_gemm_run(struct md_kernel_ctx *k, const struct md_nn_gemm *g);
/* The same on the calling thread only (for kernels already inside a lane). */
void md_nn_gemm_serial(const struct md_nn_gemm *g);

/* ---- pooling (MaxPool, MaxPoolV2, AvgPool) ----
 * Pools k->inputs[0] (NHWC, dtype dt: float or double) with window w
 * (ksize, strides, padding) into output 0. Max ignores padded pixels;
 * average divides by the number of real pixels in the window, as
 * TensorFlow does for SAME. */
MD_MUST_CHECK bool md_nn_pool(struct md_kernel_ctx *k, enum md_dtype dt,
                              const struct md_nn_window *w, bool is_max, struct md_status *st);

/* ---- FusedBatchNorm, V2, V3 (inference) ----
 * init: 5 inputs, T (and U) float, data_format NHWC, is_training false,
 * epsilon; sets n_outputs to 5 (version 1, 2) or 6 (version 3).
 * compute: y = (x - mean) * scale / sqrt(variance + epsilon) + offset per
 * channel; outputs 1..4 repeat mean / variance as TensorFlow does at
 * inference (NaN for an empty x), output 5 (V3) is a scalar 0. */
MD_MUST_CHECK bool md_nn_batch_norm_init(struct md_kernel_init *ki, int version,
                                         struct md_status *st);
MD_MUST_CHECK bool md_nn_batch_norm_compute(struct md_kernel_ctx *k, struct md_status *st);

/* ---- BatchMatMul, V2, V3 ----
 * init: T (or Ta/Tb/Tout for V3, which must agree) float or double, adj_x,
 * adj_y. compute: out[..., m, n] = op(x)[..., m, k] * op(y)[..., k, n],
 * batch dims broadcast (V2, V3) or equal (version 1). */
MD_MUST_CHECK bool md_nn_batch_matmul_init(struct md_kernel_init *ki, int version,
                                           struct md_status *st);
MD_MUST_CHECK bool md_nn_batch_matmul_compute(struct md_kernel_ctx *k, struct md_status *st);

/* ---- vector helpers ----
 * The build targets plain -O2, where GCC vectorises only loops whose body it
 * can see as fixed-size blocks: these process 8 floats per step (SSE/AVX
 * friendly) and finish with a scalar tail. Arrays must not overlap. */
#define MD_NN_VLOOP(c, body)                                                                  \
    do {                                                                                      \
        int64_t i_ = 0;                                                                       \
        for (; i_ + 8 <= (c); i_ += 8)                                                        \
            for (int q_ = 0; q_ < 8; q_++) {                                                  \
                int64_t i = i_ + q_;                                                          \
                body;                                                                         \
            }                                                                                 \
        for (int64_t i = i_; i < (c); i++) {                                                  \
            body;                                                                             \
        }                                                                                     \
    } while (0)

/* y = x + b */
static inline void md_nn_add_f32(float *restrict y, const float *restrict x,
                                 const float *restrict b, int64_t c)
{
    MD_NN_VLOOP(c, y[i] = x[i] + b[i]);
}
/* y = max(y, x) */
static inline void md_nn_max_f32(float *restrict y, const float *restrict x, int64_t c)
{
    MD_NN_VLOOP(c, y[i] = x[i] > y[i] ? x[i] : y[i]);
}
/* y += x */
static inline void md_nn_acc_f32(float *restrict y, const float *restrict x, int64_t c)
{
    MD_NN_VLOOP(c, y[i] += x[i]);
}
/* y += x * w */
static inline void md_nn_fma_f32(float *restrict y, const float *restrict x,
                                 const float *restrict w, int64_t c)
{
    MD_NN_VLOOP(c, y[i] += x[i] * w[i]);
}
