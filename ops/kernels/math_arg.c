/* math_arg.c: ArgMax and ArgMin (see math_common.h). The input is viewed as
 * [outer, R, inner] around the reduced axis and each of the outer * inner
 * lines of R elements is scanned (contiguously in the common last-axis case,
 * inner == 1). Work is split over `outer`. Ties keep the first index; nan
 * counts as the extreme (numpy's rule), so the first nan wins. */
#include "ops/kernels/math_common.h"

#include <math.h>

struct arg_state {
    bool is_max;
    enum md_dtype out_type;
};

bool md_math_arg_init(struct md_kernel_init *ki, bool is_max, struct md_status *st)
{
    if (!md_math_check_inputs(ki, 2, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && t != MD_DT_FLOAT && t != MD_DT_DOUBLE &&
        t != MD_DT_INT32 && t != MD_DT_INT64 && t != MD_DT_UINT8)
        return md_math_bad_dtype(ki->node, t, st);
    struct arg_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->is_max = is_max;
    s->out_type = MD_DT_INT64;
    if (md_attr_type(ki->node, "output_type", &t)) {
        if (t != MD_DT_INT32 && t != MD_DT_INT64)
            return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "output_type %s not supported",
                                  md_dtype_name(t));
        s->out_type = t;
    }
    ki->state = s;
    return true;
}

/* better(v, b): v replaces the best b. */
#define F_GT(v, b) ((v) > (b) || (isnan(v) && !isnan(b)))
#define F_LT(v, b) ((v) < (b) || (isnan(v) && !isnan(b)))
#define I_GT(v, b) ((v) > (b))
#define I_LT(v, b) ((v) < (b))

#define ARG_FN(name, T, BETTER)                                                                 \
    static void name(const void *px, int64_t outer, int64_t r_len, int64_t inner, void *pout,  \
                     bool out64)                                                                \
    {                                                                                           \
        const T *x = px;                                                                        \
        for (int64_t o = 0; o < outer; o++) {                                                   \
            const T *blk = x + o * r_len * inner;                                               \
            for (int64_t i = 0; i < inner; i++) {                                               \
                T b = blk[i];                                                                   \
                int64_t bi = 0;                                                                 \
                for (int64_t r = 1; r < r_len; r++) {                                           \
                    T v = blk[r * inner + i];                                                   \
                    if (BETTER(v, b)) {                                                         \
                        b = v;                                                                  \
                        bi = r;                                                                 \
                    }                                                                           \
                }                                                                               \
                if (out64)                                                                      \
                    ((int64_t *)pout)[o * inner + i] = bi;                                      \
                else                                                                            \
                    ((int32_t *)pout)[o * inner + i] = (int32_t)bi;                             \
            }                                                                                   \
        }                                                                                       \
    }

ARG_FN(argmax_f32, float, F_GT)
ARG_FN(argmax_f64, double, F_GT)
ARG_FN(argmax_i32, int32_t, I_GT)
ARG_FN(argmax_i64, int64_t, I_GT)
ARG_FN(argmax_u8, uint8_t, I_GT)
ARG_FN(argmin_f32, float, F_LT)
ARG_FN(argmin_f64, double, F_LT)
ARG_FN(argmin_i32, int32_t, I_LT)
ARG_FN(argmin_i64, int64_t, I_LT)
ARG_FN(argmin_u8, uint8_t, I_LT)

typedef void (*arg_fn)(const void *x, int64_t outer, int64_t r_len, int64_t inner, void *out,
                       bool out64);
static const arg_fn arg_table[2][MD_DT_COUNT] = {
    { [MD_DT_FLOAT] = argmin_f32, [MD_DT_DOUBLE] = argmin_f64, [MD_DT_INT32] = argmin_i32,
      [MD_DT_INT64] = argmin_i64, [MD_DT_UINT8] = argmin_u8 },
    { [MD_DT_FLOAT] = argmax_f32, [MD_DT_DOUBLE] = argmax_f64, [MD_DT_INT32] = argmax_i32,
      [MD_DT_INT64] = argmax_i64, [MD_DT_UINT8] = argmax_u8 },
};

struct arg_job {
    arg_fn fn;
    const char *x;
    char *o;
    size_t esz, osz;
    int64_t r_len, inner;
    bool out64;
};

static void arg_block(void *arg, int64_t begin, int64_t end)
{
    const struct arg_job *j = arg;
    j->fn(j->x + (size_t)(begin * j->r_len * j->inner) * j->esz, end - begin, j->r_len, j->inner,
          j->o + (size_t)(begin * j->inner) * j->osz, j->out64);
}

bool md_math_arg_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct arg_state *s = k->state;
    const struct md_tensor *x = k->inputs[0], *dim = k->inputs[1];
    enum md_dtype dt = x->dtype;
    if (dt >= MD_DT_COUNT || !arg_table[s->is_max][dt])
        return md_math_bad_dtype(k->node, dt, st);
    if ((dim->dtype != MD_DT_INT32 && dim->dtype != MD_DT_INT64) ||
        md_tensor_num_elements(dim) != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "dimension must be one int32 or int64, got %s with %lld elements",
                              md_dtype_name(dim->dtype), (long long)md_tensor_num_elements(dim));
    int64_t axis = md_math_index_at(dim, 0);
    if (axis < -x->rank || axis >= x->rank)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected dimension in the range [%d, %d), but got %lld", -x->rank,
                              x->rank, (long long)axis);
    if (axis < 0)
        axis += x->rank;
    char sh[160];
    if (x->dims[axis] == 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Reduction axis %lld is empty in shape %s", (long long)axis,
                              md_shape_str(sh, sizeof sh, x->rank, x->dims));
    int64_t odims[MD_MAX_RANK], outer = 1, inner = 1;
    int orank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (d == axis)
            continue;
        odims[orank++] = x->dims[d];
        if (d < axis)
            outer *= x->dims[d];
        else
            inner *= x->dims[d];
    }
    if (!md_kernel_output(k, 0, s->out_type, orank, odims, st))
        return false;
    if (outer == 0 || inner == 0)
        return true;
    struct arg_job j = {
        .fn = arg_table[s->is_max][dt],
        .x = x->data,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
        .osz = md_dtype_size(s->out_type),
        .r_len = x->dims[axis],
        .inner = inner,
        .out64 = s->out_type == MD_DT_INT64,
    };
    int64_t per = x->dims[axis] * inner;
    int64_t min_outer = MD_MATH_MIN_BLOCK / per;
    md_parallel_for(k, outer, min_outer > 0 ? min_outer : 1, arg_block, &j);
    return true;
}
