/* Cumsum: running sum along `axis` (input 1, a scalar int32/int64; negative
 * counts from the end). exclusive: each output leaves out its own element
 * (the first is 0). reverse: sums run from the end. Integers wrap.
 *
 * The input is viewed as [outer, R, inner]. Each step along the axis adds a
 * whole inner row to the previous output row, so the inner loop is a
 * contiguous, vectorisable o = prev + x even when the axis is not the last. */
#include "ops/kernels/math_common.h"

#include <string.h>

#define CUMSUM_FN(name, T, ADD)                                                                 \
    MD_VECTORIZE static void name##_step(const T *restrict prev, const T *restrict x,          \
                                         T *restrict o, int64_t n)                              \
    {                                                                                           \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = ADD(prev[i], x[i]);                                                          \
    }                                                                                           \
    static void name(const void *px, void *po, int64_t outer, int64_t r_len, int64_t inner,     \
                     bool exclusive, bool reverse)                                              \
    {                                                                                           \
        for (int64_t b = 0; b < outer; b++) {                                                   \
            const T *x = (const T *)px + b * r_len * inner;                                     \
            T *o = (T *)po + b * r_len * inner;                                                 \
            int64_t r0 = reverse ? r_len - 1 : 0, step = reverse ? -1 : 1;                      \
            /* first output row: the element itself, or 0 when exclusive */                     \
            if (exclusive)                                                                      \
                memset(o + r0 * inner, 0, (size_t)inner * sizeof(T));                           \
            else                                                                                \
                memcpy(o + r0 * inner, x + r0 * inner, (size_t)inner * sizeof(T));              \
            for (int64_t k = 1; k < r_len; k++) {                                               \
                int64_t r = r0 + k * step, p = r - step;                                        \
                name##_step(o + p * inner, x + (exclusive ? p : r) * inner, o + r * inner,      \
                            inner);                                                             \
            }                                                                                   \
        }                                                                                       \
    }

#define F_ADD(x, y) ((x) + (y))
#define I32_ADD(x, y) MD_WRAP(int32_t, uint32_t, x, +, y)
#define I64_ADD(x, y) MD_WRAP(int64_t, uint64_t, x, +, y)
#define U8_ADD(x, y) ((uint8_t)((x) + (y)))
CUMSUM_FN(cumsum_f32, float, F_ADD)
CUMSUM_FN(cumsum_f64, double, F_ADD)
CUMSUM_FN(cumsum_i32, int32_t, I32_ADD)
CUMSUM_FN(cumsum_i64, int64_t, I64_ADD)
CUMSUM_FN(cumsum_u8, uint8_t, U8_ADD)

typedef void (*cumsum_fn)(const void *x, void *o, int64_t outer, int64_t r_len, int64_t inner,
                          bool exclusive, bool reverse);
static const cumsum_fn cumsum_table[MD_DT_COUNT] = {
    [MD_DT_FLOAT] = cumsum_f32, [MD_DT_DOUBLE] = cumsum_f64, [MD_DT_INT32] = cumsum_i32,
    [MD_DT_INT64] = cumsum_i64, [MD_DT_UINT8] = cumsum_u8,
};

struct cumsum_state {
    bool exclusive, reverse;
};

static bool cumsum_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_math_check_inputs(ki, 2, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !cumsum_table[t]))
        return md_math_bad_dtype(ki->node, t, st);
    struct cumsum_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    bool v;
    if (md_attr_bool(ki->node, "exclusive", &v))
        s->exclusive = v;
    if (md_attr_bool(ki->node, "reverse", &v))
        s->reverse = v;
    ki->state = s;
    return true;
}

struct cumsum_job {
    cumsum_fn fn;
    const char *x;
    char *o;
    size_t esz;
    int64_t r_len, inner;
    bool exclusive, reverse;
};

static void cumsum_block(void *arg, int64_t begin, int64_t end)
{
    const struct cumsum_job *j = arg;
    size_t off = (size_t)(begin * j->r_len * j->inner) * j->esz;
    j->fn(j->x + off, j->o + off, end - begin, j->r_len, j->inner, j->exclusive, j->reverse);
}

static bool cumsum_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct cumsum_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *ax = k->inputs[1];
    enum md_dtype dt = x->dtype;
    if (dt >= MD_DT_COUNT || !cumsum_table[dt])
        return md_math_bad_dtype(k->node, dt, st);
    if ((ax->dtype != MD_DT_INT32 && ax->dtype != MD_DT_INT64) || ax->rank != 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "axis must be a scalar int32 or int64, got %s of rank %d",
                              md_dtype_name(ax->dtype), ax->rank);
    if (x->rank < 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input must be at least 1-D");
    int64_t axis = md_math_index_at(ax, 0);
    if (axis < -x->rank || axis >= x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "axis must be in the range [%d, %d), got %lld", -x->rank, x->rank,
                              (long long)axis);
    if (axis < 0)
        axis += x->rank;
    if (!md_kernel_output(k, 0, dt, x->rank, x->dims, st))
        return false;
    int64_t n = md_tensor_num_elements(x);
    if (n == 0)
        return true;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        inner *= x->dims[d];
    struct cumsum_job j = {
        .fn = cumsum_table[dt],
        .x = x->data,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
        .r_len = x->dims[axis],
        .inner = inner,
        .exclusive = s->exclusive,
        .reverse = s->reverse,
    };
    int64_t min_outer = MD_MATH_MIN_BLOCK / (n / outer);
    md_parallel_for(k, outer, min_outer > 0 ? min_outer : 1, cumsum_block, &j);
    return true;
}

const struct md_op_def md_op_cumsum = {
    .tf_name = "Cumsum",
    .init = cumsum_init,
    .compute = cumsum_compute,
};
