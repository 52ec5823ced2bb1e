/* math_reduce.c: the reduction engine behind Sum, Mean, Prod, Max, Min, All
 * and Any (see math_common.h).
 *
 * The input's dims are collapsed (size-1 dims dropped, neighbours that are
 * both reduced or both kept merged), so every reduction becomes a walk over
 * contiguous rows of the last collapsed dim:
 *   - last dim reduced: each row folds into one output element (row sums);
 *   - last dim kept:    each row folds elementwise into an output row.
 * One pass over the input in memory order, no transposes, no per-element
 * index arithmetic. Work is split over threads along the first collapsed dim
 * when it is kept (disjoint outputs), or along the columns of an [R, K]
 * column reduction.
 */
#include "ops/kernels/math_common.h"

#include <math.h>
#include <string.h>

/* Per (kind, dtype): fill with the identity, fold a row into one element,
 * fold a row elementwise into a row, and (Mean only) divide by the count. */
struct red_fns {
    void (*fill)(void *out, int64_t n);
    void (*row)(const void *restrict in, int64_t n, void *restrict out1);
    void (*vec)(const void *restrict in, void *restrict out, int64_t n);
    void (*scale)(void *out, int64_t n, int64_t count);
};

/* Rows fold through 8 independent partial results: the compiler keeps them
 * in vector registers (no reassociation of a single chain is needed), and
 * the float error grows more slowly than with one running sum. */
#define RED_FILL_VEC(name, T, IDENT, COMB)                                                      \
    static void name##_fill(void *out, int64_t n)                                               \
    {                                                                                           \
        T *o = out;                                                                             \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = (IDENT);                                                                     \
    }                                                                                           \
    MD_VECTORIZE static void name##_vec(const void *restrict pin, void *restrict pout,         \
                                        int64_t n)                                              \
    {                                                                                           \
        const T *restrict in = pin;                                                             \
        T *restrict o = pout;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                       \
            T a = o[i], b = in[i];                                                              \
            o[i] = (COMB);                                                                      \
        }                                                                                       \
    }

#define RED_FNS(name, T, IDENT, COMB)                                                           \
    RED_FILL_VEC(name, T, IDENT, COMB)                                                          \
    MD_VECTORIZE static void name##_row(const void *restrict pin, int64_t n,                   \
                                        void *restrict pout)                                    \
    {                                                                                           \
        const T *restrict in = pin;                                                             \
        T acc[8];                                                                               \
        for (int j = 0; j < 8; j++)                                                             \
            acc[j] = (IDENT);                                                                   \
        int64_t i = 0;                                                                          \
        for (; i + 8 <= n; i += 8)                                                              \
            for (int j = 0; j < 8; j++) {                                                       \
                T a = acc[j], b = in[i + j];                                                    \
                acc[j] = (COMB);                                                                \
            }                                                                                   \
        T a = *(T *)pout;                                                                       \
        for (int j = 0; j < 8; j++) {                                                           \
            T b = acc[j];                                                                       \
            a = (COMB);                                                                         \
        }                                                                                       \
        for (; i < n; i++) {                                                                    \
            T b = in[i];                                                                        \
            a = (COMB);                                                                         \
        }                                                                                       \
        *(T *)pout = a;                                                                         \
    }

/* float Max/Min rows. GCC does not vectorise a nan-propagating compare and
 * select, and a scalar chain runs at ~0.3 ns per element (5x slower than
 * Sum), so these use vector extensions (GCC and clang): a lane-wise max/min
 * and a separate sticky "saw a nan" mask. */
typedef float md_v4f __attribute__((vector_size(16)));
typedef int32_t md_v4i __attribute__((vector_size(16)));
/* Lane-wise "b wins if greater (smaller)"; which of a, b survives a nan does
 * not matter since nans are tracked apart. On x86 that is one maxps/minps. */
#if defined(__SSE__)
#include <xmmintrin.h>
#define VSEL_MAX(a, b) ((md_v4f)_mm_max_ps((__m128)(a), (__m128)(b)))
#define VSEL_MIN(a, b) ((md_v4f)_mm_min_ps((__m128)(a), (__m128)(b)))
#else
static inline md_v4f vsel(md_v4i m, md_v4f b, md_v4f a)
{
    return (md_v4f)((m & (md_v4i)b) | (~m & (md_v4i)a));
}
#define VSEL_MAX(a, b) vsel((b) > (a), b, a)
#define VSEL_MIN(a, b) vsel((b) < (a), b, a)
#endif
#define FLOAT_MINMAX_ROW(name, NAMEOP, IDENT, COMB)                                                \
    static void name##_row(const void *restrict pin, int64_t n, void *restrict pout)           \
    {                                                                                           \
        const float *in = pin;                                                                  \
        md_v4f a0 = { IDENT, IDENT, IDENT, IDENT }, a1 = a0;                                    \
        md_v4i bad = { 0, 0, 0, 0 };                                                            \
        int64_t i = 0;                                                                          \
        for (; i + 8 <= n; i += 8) {                                                            \
            md_v4f b0, b1;                                                                      \
            memcpy(&b0, in + i, sizeof b0);                                                     \
            memcpy(&b1, in + i + 4, sizeof b1);                                                 \
            a0 = VSEL_##NAMEOP(a0, b0);                                                         \
            a1 = VSEL_##NAMEOP(a1, b1);                                                         \
            bad |= (b0 != b0) | (b1 != b1);                                                     \
        }                                                                                       \
        float a = *(float *)pout;                                                               \
        for (int l = 0; l < 4; l++) {                                                           \
            float b = a0[l];                                                                    \
            a = (COMB);                                                                         \
            b = a1[l];                                                                          \
            a = (COMB);                                                                         \
            if (bad[l])                                                                         \
                a = NAN;                                                                        \
        }                                                                                       \
        for (; i < n; i++) {                                                                    \
            float b = in[i];                                                                    \
            a = (COMB);                                                                         \
        }                                                                                       \
        *(float *)pout = a;                                                                     \
    }

/* Mean of nothing: nan (0/0) for floats; 0 for integers rather than a trap. */
#define SCALE_FN(name, T, IS_INT)                                                               \
    static void name##_scale(void *out, int64_t n, int64_t count)                               \
    {                                                                                           \
        T *o = out;                                                                             \
        if (IS_INT && count == 0)                                                               \
            return;                                                                             \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = (T)(o[i] / (T)count);                                                        \
    }

#define FMAX(a, b) ((b) > (a) || isnan(b) ? (b) : (a))
#define FMIN(a, b) ((b) < (a) || isnan(b) ? (b) : (a))
#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))

RED_FNS(sum_f32, float, 0.0f, a + b)
RED_FNS(sum_f64, double, 0.0, a + b)
RED_FNS(sum_i32, int32_t, 0, MD_WRAP(int32_t, uint32_t, a, +, b))
RED_FNS(sum_i64, int64_t, 0, MD_WRAP(int64_t, uint64_t, a, +, b))
RED_FNS(sum_u8, uint8_t, 0, (uint8_t)(a + b))
RED_FNS(prod_f32, float, 1.0f, a * b)
RED_FNS(prod_f64, double, 1.0, a * b)
RED_FNS(prod_i32, int32_t, 1, MD_WRAP(int32_t, uint32_t, a, *, b))
RED_FNS(prod_i64, int64_t, 1, MD_WRAP(int64_t, uint64_t, a, *, b))
RED_FNS(prod_u8, uint8_t, 1, (uint8_t)(a * b))
RED_FILL_VEC(max_f32, float, -INFINITY, FMAX(a, b))
FLOAT_MINMAX_ROW(max_f32, MAX, -INFINITY, FMAX(a, b))
RED_FNS(max_f64, double, -(double)INFINITY, FMAX(a, b))
RED_FNS(max_i32, int32_t, INT32_MIN, IMAX(a, b))
RED_FNS(max_i64, int64_t, INT64_MIN, IMAX(a, b))
RED_FNS(max_u8, uint8_t, 0, IMAX(a, b))
RED_FILL_VEC(min_f32, float, INFINITY, FMIN(a, b))
FLOAT_MINMAX_ROW(min_f32, MIN, INFINITY, FMIN(a, b))
RED_FNS(min_f64, double, (double)INFINITY, FMIN(a, b))
RED_FNS(min_i32, int32_t, INT32_MAX, IMIN(a, b))
RED_FNS(min_i64, int64_t, INT64_MAX, IMIN(a, b))
RED_FNS(min_u8, uint8_t, UINT8_MAX, IMIN(a, b))
RED_FNS(all_b, uint8_t, 1, (uint8_t)(a && b))
RED_FNS(any_b, uint8_t, 0, (uint8_t)(a || b))
SCALE_FN(mean_f32, float, false)
SCALE_FN(mean_f64, double, false)
SCALE_FN(mean_i32, int32_t, true)
SCALE_FN(mean_i64, int64_t, true)
SCALE_FN(mean_u8, uint8_t, true)

#define FNS(name) { name##_fill, name##_row, name##_vec, NULL }
#define MEAN_FNS(sum, mean) { sum##_fill, sum##_row, sum##_vec, mean##_scale }

static const struct red_fns red_table[MD_REDUCE_ANY + 1][MD_DT_COUNT] = {
    [MD_REDUCE_SUM] = {
        [MD_DT_FLOAT] = FNS(sum_f32), [MD_DT_DOUBLE] = FNS(sum_f64),
        [MD_DT_INT32] = FNS(sum_i32), [MD_DT_INT64] = FNS(sum_i64), [MD_DT_UINT8] = FNS(sum_u8),
    },
    [MD_REDUCE_MEAN] = {
        [MD_DT_FLOAT] = MEAN_FNS(sum_f32, mean_f32), [MD_DT_DOUBLE] = MEAN_FNS(sum_f64, mean_f64),
        [MD_DT_INT32] = MEAN_FNS(sum_i32, mean_i32), [MD_DT_INT64] = MEAN_FNS(sum_i64, mean_i64),
        [MD_DT_UINT8] = MEAN_FNS(sum_u8, mean_u8),
    },
    [MD_REDUCE_PROD] = {
        [MD_DT_FLOAT] = FNS(prod_f32), [MD_DT_DOUBLE] = FNS(prod_f64),
        [MD_DT_INT32] = FNS(prod_i32), [MD_DT_INT64] = FNS(prod_i64), [MD_DT_UINT8] = FNS(prod_u8),
    },
    [MD_REDUCE_MAX] = {
        [MD_DT_FLOAT] = FNS(max_f32), [MD_DT_DOUBLE] = FNS(max_f64),
        [MD_DT_INT32] = FNS(max_i32), [MD_DT_INT64] = FNS(max_i64), [MD_DT_UINT8] = FNS(max_u8),
    },
    [MD_REDUCE_MIN] = {
        [MD_DT_FLOAT] = FNS(min_f32), [MD_DT_DOUBLE] = FNS(min_f64),
        [MD_DT_INT32] = FNS(min_i32), [MD_DT_INT64] = FNS(min_i64), [MD_DT_UINT8] = FNS(min_u8),
    },
    [MD_REDUCE_ALL] = { [MD_DT_BOOL] = FNS(all_b) },
    [MD_REDUCE_ANY] = { [MD_DT_BOOL] = FNS(any_b) },
};

struct red_state {
    enum md_reduce_kind kind;
    bool keep_dims;
};

bool md_math_reduce_init(struct md_kernel_init *ki, enum md_reduce_kind kind,
                         struct md_status *st)
{
    if (!md_math_check_inputs(ki, 2, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !red_table[kind][t].row))
        return md_math_bad_dtype(ki->node, t, st);
    if (md_attr_type(ki->node, "Tidx", &t) && t != MD_DT_INT32 && t != MD_DT_INT64)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "Tidx %s not supported",
                              md_dtype_name(t));
    struct red_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->kind = kind;
    s->keep_dims = false;
    bool kd;
    if (md_attr_bool(ki->node, "keep_dims", &kd))
        s->keep_dims = kd;
    ki->state = s;
    return true;
}

struct red_job {
    const struct red_fns *f;
    const char *x;
    char *o;
    size_t esz;
    int rank;                      /* collapsed */
    int64_t dims[MD_MAX_RANK];
    bool reduced[MD_MAX_RANK];
    int64_t ostride[MD_MAX_RANK];  /* output element stride; 0 for reduced dims */
    int64_t rows_per_unit;         /* rows per index of dims[0] (parallel split) */
};

/* Folds rows [rb, re) (rows = all collapsed dims but the last, row-major). */
static void red_rows(const struct red_job *j, int64_t rb, int64_t re)
{
    int last = j->rank - 1;
    int64_t len = j->dims[last];
    int64_t c[MD_MAX_RANK];
    int64_t rem = rb, oo = 0;
    for (int d = last - 1; d >= 0; d--) {
        c[d] = rem % j->dims[d];
        rem /= j->dims[d];
        oo += c[d] * j->ostride[d];
    }
    const char *x = j->x + (size_t)(rb * len) * j->esz;
    size_t row_bytes = (size_t)len * j->esz;
    for (int64_t r = rb; r < re; r++) {
        if (j->reduced[last])
            j->f->row(x, len, j->o + (size_t)oo * j->esz);
        else
            j->f->vec(x, j->o + (size_t)oo * j->esz, len);
        x += row_bytes;
        for (int d = last - 1; d >= 0; d--) {
            oo += j->ostride[d];
            if (++c[d] < j->dims[d])
                break;
            oo -= j->ostride[d] * j->dims[d];
            c[d] = 0;
        }
    }
}

static void red_units(void *arg, int64_t begin, int64_t end)
{
    const struct red_job *j = arg;
    red_rows(j, begin * j->rows_per_unit, end * j->rows_per_unit);
}

/* [R, K] with the columns split: each block folds all R rows of its slice. */
static void red_cols(void *arg, int64_t begin, int64_t end)
{
    const struct red_job *j = arg;
    int64_t k = j->dims[1];
    for (int64_t r = 0; r < j->dims[0]; r++)
        j->f->vec(j->x + (size_t)(r * k + begin) * j->esz, j->o + (size_t)begin * j->esz,
                  end - begin);
}

bool md_math_reduce_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct red_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *axes = k->inputs[1];
    enum md_dtype dt = x->dtype;
    if (dt >= MD_DT_COUNT || !red_table[s->kind][dt].row)
        return md_math_bad_dtype(k->node, dt, st);
    if (axes->dtype != MD_DT_INT32 && axes->dtype != MD_DT_INT64)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "reduction_indices must be int32 or int64, got %s",
                              md_dtype_name(axes->dtype));
    if (axes->rank > 1) {
        char sh[160];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "reduction_indices must be a scalar or vector, got shape %s",
                              md_shape_str(sh, sizeof sh, axes->rank, axes->dims));
    }
    bool reduced[MD_MAX_RANK] = { false };
    int64_t n_axes = md_tensor_num_elements(axes);
    for (int64_t i = 0; i < n_axes; i++) {
        int64_t a = md_math_index_at(axes, i);
        if (a < -x->rank || a >= x->rank)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Invalid reduction dimension (%lld for input with %d "
                                  "dimension(s))",
                                  (long long)a, x->rank);
        reduced[a < 0 ? a + x->rank : a] = true;
    }

    int orank = 0;
    int64_t odims[MD_MAX_RANK];
    for (int d = 0; d < x->rank; d++) {
        if (!reduced[d])
            odims[orank++] = x->dims[d];
        else if (s->keep_dims)
            odims[orank++] = 1;
    }
    if (!md_kernel_output(k, 0, dt, orank, odims, st))
        return false;
    int64_t n_out = md_tensor_num_elements(&k->outputs[0]);
    int64_t n_in = md_tensor_num_elements(x);
    if (n_out == 0)
        return true;
    const struct red_fns *f = &red_table[s->kind][dt];
    size_t esz = md_dtype_size(dt);
    int64_t count = n_in / n_out; /* elements folded into each output */

    struct red_job j = { .f = f, .x = x->data, .o = k->outputs[0].data, .esz = esz };
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] == 1)
            continue;
        if (j.rank > 0 && j.reduced[j.rank - 1] == reduced[d]) {
            j.dims[j.rank - 1] *= x->dims[d];
        } else {
            j.dims[j.rank] = x->dims[d];
            j.reduced[j.rank] = reduced[d];
            j.rank++;
        }
    }
    if (n_in == 0) {
        /* Some reduced dim is empty: every output is the identity. */
        f->fill(j.o, n_out);
    } else if (j.rank == 0 || (j.rank == 1 && !j.reduced[0])) {
        memcpy(j.o, j.x, (size_t)n_in * esz); /* nothing is actually reduced */
    } else {
        int64_t run = 1;
        for (int d = j.rank - 1; d >= 0; d--) {
            j.ostride[d] = j.reduced[d] ? 0 : run;
            if (!j.reduced[d])
                run *= j.dims[d];
        }
        f->fill(j.o, n_out);
        int64_t rows = n_in / j.dims[j.rank - 1];
        if (j.rank >= 2 && !j.reduced[0]) {
            j.rows_per_unit = rows / j.dims[0];
            int64_t min_units = MD_MATH_MIN_BLOCK / (n_in / j.dims[0]);
            md_parallel_for(k, j.dims[0], min_units > 0 ? min_units : 1, red_units, &j);
        } else if (j.rank == 2) {
            int64_t min_cols = MD_MATH_MIN_BLOCK / j.dims[0];
            md_parallel_for(k, j.dims[1], min_cols > 0 ? min_cols : 1, red_cols, &j);
        } else {
            red_rows(&j, 0, rows);
        }
    }
    if (f->scale)
        f->scale(j.o, n_out, count);
    return true;
}
