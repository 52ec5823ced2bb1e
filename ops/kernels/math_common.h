/* math_common.h: shared machinery of the math kernel family.
 *
 * Most math ops are "apply f to every element" (unary) or "apply f to every
 * pair of broadcast elements" (binary). The engine here does the shape work
 * (broadcasting, dim collapsing, splitting over threads); an op file only
 * supplies typed inner loops, generated with the MD_BIN_LOOPS / MD_UN_LOOP
 * macros, in a per-dtype table:
 *
 *   MD_BIN_LOOPS(mul_f32, float, float, x * y)
 *   MD_BIN_LOOPS(mul_i32, int32_t, int32_t, MD_WRAP(int32_t, uint32_t, x, *, y))
 *   static const struct md_bin_op mul_op = {
 *       .fns = { [MD_DT_FLOAT] = MD_BIN_FNS(mul_f32), [MD_DT_INT32] = MD_BIN_FNS(mul_i32) },
 *   };
 *   MD_BINARY_OP_DEF(mul, "Mul", mul_op)
 *
 * Inner loops see the element type directly; bool elements are read and
 * written as uint8_t (a byte that is neither 0 nor 1 may come from a request,
 * and loading it as C bool would be undefined). Integer arithmetic wraps
 * (two's complement), as TensorFlow's does, with no undefined behaviour.
 *
 * Further down: the engines shared by a few ops each, with their own files
 * (math_softmax.c, math_reduce.c, math_arg.c, math_select.c). Everything
 * here is reentrant: tables are const, per-node state is read-only, and work
 * is split with md_parallel_for into blocks that write disjoint outputs.
 */
#ifndef MD_OPS_KERNELS_MATH_COMMON_H
#define MD_OPS_KERNELS_MATH_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/kernel.h"

/* GCC at -O2 only vectorises loops whose trip count is a known multiple of
 * the vector width; the elementwise loops are the hot path of most models,
 * so ask for the dynamic cost model on them alone (clang vectorises at -O2). */
#if defined(__GNUC__) && !defined(__clang__)
#define MD_VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define MD_VECTORIZE
/* ---- ArgMax, ArgMin (math_arg.c) ---- */

bool md_math_arg_init(struct md_kernel_init *ki, bool is_max, struct md_status *st);
bool md_math_arg_compute(struct md_kernel_ctx *k, struct md_status *st);

/* ---- Select, SelectV2 (math_select.c) ---- */

bool md_math_select_init(struct md_kernel_init *ki, struct md_status *st);
/* v2: broadcast all three; otherwise TF1 Select's shape rules. */
bool md_math_select_compute(struct md_kernel_ctx *k, bool v2, struct md_status *st);

#endif

/* Wrapping integer arithmetic: compute in the unsigned type U, convert back
 * to T (modulo, as GCC and clang define it). */
#define MD_WRAP(T, U, x, OP, y) ((T)((U)(x) OP (U)(y)))

/* Elements a parallel block should at least hold: below this the thread
 * hand-off costs more than it saves. */
#define MD_MATH_MIN_BLOCK 32768

/* ---- binary elementwise ---- */

/* The loops take no `restrict`: the output may be the very buffer of an
 * input of the same shape (md_kernel_output_reuse, when the step is the
 * input's last reader), and element i is always read before element i is
 * written. GCC still vectorises them (its runtime alias check accepts equal
 * pointers). */

/* o[i] = f(a[i], b[i]) (vv), f(a[0], b[i]) (sv), f(a[i], b[0]) (vs). */
typedef void (*md_bin_loop)(const void *a, const void *b, void *o, int64_t n);
struct md_bin_fns {
    md_bin_loop vv, sv, vs;
};

enum md_bin_flags {
    MD_BIN_BOOL_OUT = 1 << 0,    /* output dtype is DT_BOOL (comparisons) */
    MD_BIN_INT_DIVISOR = 1 << 1, /* integer dtypes: a zero in y is an error */
    MD_BIN_INT_EXPONENT = 1 << 2, /* integer dtypes: a negative y is an error */
    MD_BIN_SHAPE_ATTR = 1 << 3,  /* reads incompatible_shape_error (Equal, NotEqual) */
};

struct md_bin_op {
    struct md_bin_fns fns[MD_DT_COUNT]; /* NULL vv = dtype not supported */
    unsigned flags;
    /* With MD_BIN_SHAPE_ATTR and incompatible_shape_error=false: the scalar
     * bool result for shapes that do not broadcast. */
    bool mismatch_value;
};

#define MD_BIN_LOOPS(name, TI, TO, EXPR)                                                        \
    MD_VECTORIZE static void name##_vv(const void *pa, const void *pb,       \
                                       void *po, int64_t n)                            \
    {                                                                                           \
        const TI *a_ = pa;                                                             \
        const TI *b_ = pb;                                                             \
        TO *o_ = po;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                       \
            TI x = a_[i], y = b_[i];                                                            \
            o_[i] = (EXPR);                                                                     \
        }                                                                                       \
    }                                                                                           \
    MD_VECTORIZE static void name##_sv(const void *pa, const void *pb,       \
                                       void *po, int64_t n)                            \
    {                                                                                           \
        const TI x = *(const TI *)pa;                                                           \
        const TI *b_ = pb;                                                             \
        TO *o_ = po;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                       \
            TI y = b_[i];                                                                       \
            o_[i] = (EXPR);                                                                     \
        }                                                                                       \
    }                                                                                           \
    MD_VECTORIZE static void name##_vs(const void *pa, const void *pb,       \
                                       void *po, int64_t n)                            \
    {                                                                                           \
        const TI *a_ = pa;                                                             \
        const TI y = *(const TI *)pb;                                                           \
        TO *o_ = po;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                       \
            TI x = a_[i];                                                                       \
            o_[i] = (EXPR);                                                                     \
        }                                                                                       \
    }

#define MD_BIN_FNS(name) { name##_vv, name##_sv, name##_vs }

/* Load-time half of every binary op: checks the input count and the T attr
 * against the table. The op's state points at the table. */
bool md_math_binary_init(struct md_kernel_init *ki, const struct md_bin_op *op,
                         struct md_status *st);
bool md_math_binary_compute(struct md_kernel_ctx *k, struct md_status *st);

#define MD_BINARY_OP_DEF(sym, tfname, table)                                                    \
    static bool sym##_init(struct md_kernel_init *ki, struct md_status *st)                     \
    {                                                                                           \
        return md_math_binary_init(ki, &(table), st);                                           \
    }                                                                                           \
    const struct md_op_def md_op_##sym = {                                                      \
        .tf_name = tfname,                                                                      \
        .init = sym##_init,                                                                     \
        .compute = md_math_binary_compute,                                                      \
    };

/* Tables shared by two ops (Add/AddV2). */
extern const struct md_bin_op md_math_add;

/* ---- unary elementwise ---- */

/* o[i] = f(x[i]); param is the op's float attr (LeakyRelu alpha) or 0. */
typedef void (*md_un_loop)(const void *x, void *o, int64_t n, double param);

enum md_un_flags {
    MD_UN_BOOL_OUT = 1 << 0, /* output dtype is DT_BOOL (IsNan) */
};

struct md_un_op {
    md_un_loop fns[MD_DT_COUNT]; /* NULL = dtype not supported */
    unsigned flags;
    const char *param_attr; /* float attr read at init into param, or NULL */
    double param_default;
};

#define MD_UN_LOOP(name, TI, TO, EXPR)                                                          \
    MD_VECTORIZE static void name(const void *px, void *po, int64_t n,       \
                                  double param)                                                 \
    {                                                                                           \
        const TI *x_ = px;                                                             \
        TO *o_ = po;                                                                   \
        (void)param;                                                                            \
        for (int64_t i = 0; i < n; i++) {                                                       \
            TI x = x_[i];                                                                       \
            o_[i] = (EXPR);                                                                     \
        }                                                                                       \
    }

bool md_math_unary_init(struct md_kernel_init *ki, const struct md_un_op *op,
                        struct md_status *st);
bool md_math_unary_compute(struct md_kernel_ctx *k, struct md_status *st);

#define MD_UNARY_OP_DEF(sym, tfname, table)                                                     \
    static bool sym##_init(struct md_kernel_init *ki, struct md_status *st)                     \
    {                                                                                           \
        return md_math_unary_init(ki, &(table), st);                                            \
    }                                                                                           \
    const struct md_op_def md_op_##sym = {                                                      \
        .tf_name = tfname,                                                                      \
        .init = sym##_init,                                                                     \
        .compute = md_math_unary_compute,                                                       \
    };

/* ---- broadcasting (binary ops, SelectV2, ClipByValue) ---- */

#define MD_BCAST_MAX_OPERANDS 3

/* The broadcast of up to three shapes, with dims collapsed: adjacent dims in
 * which the same operands broadcast are merged and size-1 dims dropped, so
 * [N,C] + [C] becomes one outer dim (b stride 0) and one contiguous inner
 * dim. Strides are in elements; 0 where an operand broadcasts. */
struct md_bcast {
    int out_rank;
    int64_t out_dims[MD_MAX_RANK];
    int64_t n;  /* output elements */
    int rank;   /* collapsed rank, >= 1 */
    int64_t dims[MD_MAX_RANK];
    int64_t strides[MD_BCAST_MAX_OPERANDS][MD_MAX_RANK];
};

/* Fills *b from the operands' shapes. Returns false (st untouched) if the
 * shapes do not broadcast; the caller writes the op's own message. */
bool md_bcast_init(struct md_bcast *b, int n_operands, const struct md_tensor *const *t);

/* Writes "[2,3] vs. [4]" (or "[..], [..] and [..]") into buf. */
char *md_bcast_shapes_str(char *buf, size_t cap, int n_operands, const struct md_tensor *const *t);

/* ---- shared helpers ---- */

/* True for the dtypes whose elements are integers (signed or not). */
bool md_math_is_int(enum md_dtype dt);

/* Reads element i of an int32/int64 tensor (axes, dimensions). */
static inline int64_t md_math_index_at(const struct md_tensor *t, int64_t i)
{
    return t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
}

/* Fails with UNIMPLEMENTED "dtype X not supported" for the node. */
bool md_math_bad_dtype(const Tensorflow__NodeDef *node, enum md_dtype dt, struct md_status *st);

/* Checks the number of data inputs at init. */
bool md_math_check_inputs(const struct md_kernel_init *ki, int want, struct md_status *st);

/* ---- Softmax, LogSoftmax (math_softmax.c) ---- */

/* Init shared by both: one input, T float or double. */
bool md_math_softmax_init(struct md_kernel_init *ki, struct md_status *st);
/* Softmax (as_log=false) or LogSoftmax over the last axis of input 0. */
bool md_math_softmax_compute(struct md_kernel_ctx *k, bool as_log, struct md_status *st);

/* ---- reductions (math_reduce.c) ---- */

enum md_reduce_kind {
    MD_REDUCE_SUM,
    MD_REDUCE_MEAN,
    MD_REDUCE_PROD,
    MD_REDUCE_MAX,
    MD_REDUCE_MIN,
    MD_REDUCE_ALL,
    MD_REDUCE_ANY,
};

/* init/compute of Sum, Mean, Prod, Max, Min, All, Any: input 0 the data,
 * input 1 the reduction_indices (int32/int64 scalar or vector; negative
 * axes count from the end, duplicates allowed), attr keep_dims. */
bool md_math_reduce_init(struct md_kernel_init *ki, enum md_reduce_kind kind,
                         struct md_status *st);
bool md_math_reduce_compute(struct md_kernel_ctx *k, struct md_status *st);

#define MD_REDUCE_OP_DEF(sym, tfname, kind)                                                     \
    static bool sym##_init(struct md_kernel_init *ki, struct md_status *st)                     \
    {                                                                                           \
        return md_math_reduce_init(ki, kind, st);                                               \
    }                                                                                           \
    const struct md_op_def md_op_##sym = {                                                      \
        .tf_name = tfname,                                                                      \
        .init = sym##_init,                                                                     \
        .compute = md_math_reduce_compute,                                                      \
    };

/* ---- ArgMax, ArgMin (math_arg.c) ---- */

bool md_math_arg_init(struct md_kernel_init *ki, bool is_max, struct md_status *st);
bool md_math_arg_compute(struct md_kernel_ctx *k, struct md_status *st);

/* ---- Select, SelectV2 (math_select.c) ---- */

bool md_math_select_init(struct md_kernel_init *ki, struct md_status *st);
/* v2: broadcast all three; otherwise TF1 Select's shape rules. */
bool md_math_select_compute(struct md_kernel_ctx *k, bool v2, struct md_status *st);

#endif
