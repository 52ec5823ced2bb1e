/* ClipByValue: min(max_value, x) then max(min_value, that), elementwise;
 * clip_value_min and clip_value_max are each a scalar or have x's shape.
 * The order is TensorFlow's: if min > max the result is min. nan stays nan. */
#include "ops/kernels/math_common.h"

/* sl / sh are 0 (scalar bound) or 1 (a bound per element). */
#define CLIP_FN(name, T)                                                                        \
    MD_VECTORIZE static void name(const void *restrict px, const void *restrict plo,           \
                                  const void *restrict phi, int64_t sl, int64_t sh,             \
                                  void *restrict po, int64_t n)                                 \
    {                                                                                           \
        const T *restrict x = px;                                                               \
        const T *restrict lo = plo;                                                             \
        const T *restrict hi = phi;                                                             \
        T *restrict o = po;                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                       \
            T v = x[i], h = hi[i * sh], l = lo[i * sl];                                         \
            v = v > h ? h : v;                                                                  \
            o[i] = v < l ? l : v;                                                               \
        }                                                                                       \
    }
CLIP_FN(clip_f32, float)
CLIP_FN(clip_f64, double)
CLIP_FN(clip_i32, int32_t)
CLIP_FN(clip_i64, int64_t)
CLIP_FN(clip_u8, uint8_t)

typedef void (*clip_fn)(const void *restrict x, const void *restrict lo, const void *restrict hi,
                        int64_t sl, int64_t sh, void *restrict o, int64_t n);
static const clip_fn clip_table[MD_DT_COUNT] = {
    [MD_DT_FLOAT] = clip_f32, [MD_DT_DOUBLE] = clip_f64, [MD_DT_INT32] = clip_i32,
    [MD_DT_INT64] = clip_i64, [MD_DT_UINT8] = clip_u8,
};

static bool clip_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_math_check_inputs(ki, 3, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !clip_table[t]))
        return md_math_bad_dtype(ki->node, t, st);
    return true;
}

struct clip_job {
    clip_fn fn;
    const char *x, *lo, *hi;
    int64_t sl, sh;
    char *o;
    size_t esz;
};

static void clip_block(void *arg, int64_t begin, int64_t end)
{
    const struct clip_job *j = arg;
    size_t off = (size_t)begin * j->esz;
    j->fn(j->x + off, j->lo + off * (size_t)j->sl, j->hi + off * (size_t)j->sh, j->sl, j->sh,
          j->o + off, end - begin);
}

static bool same_shape(const struct md_tensor *a, const struct md_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return false;
    return true;
}

static bool clip_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0], *lo = k->inputs[1], *hi = k->inputs[2];
    enum md_dtype dt = x->dtype;
    if (dt >= MD_DT_COUNT || !clip_table[dt])
        return md_math_bad_dtype(k->node, dt, st);
    if (lo->dtype != dt || hi->dtype != dt)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "clip values must be %s like the input, got %s and %s",
                              md_dtype_name(dt), md_dtype_name(lo->dtype),
                              md_dtype_name(hi->dtype));
    bool lo_ok = same_shape(x, lo) || lo->rank == 0, hi_ok = same_shape(x, hi) || hi->rank == 0;
    if (!lo_ok || !hi_ok) {
        char s1[160], s2[160], s3[160];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "clip_value_min and clip_value_max must be either of the same "
                              "shape as input, or a scalar; input shape %s, clip_value_min "
                              "shape %s, clip_value_max shape %s",
                              md_shape_str(s1, sizeof s1, x->rank, x->dims),
                              md_shape_str(s2, sizeof s2, lo->rank, lo->dims),
                              md_shape_str(s3, sizeof s3, hi->rank, hi->dims));
    }
    if (!md_kernel_output(k, 0, dt, x->rank, x->dims, st))
        return false;
    struct clip_job j = {
        .fn = clip_table[dt],
        .x = x->data,
        .lo = lo->data,
        .hi = hi->data,
        /* a scalar input of rank 0 reads element 0 throughout */
        .sl = lo->rank == 0 ? 0 : 1,
        .sh = hi->rank == 0 ? 0 : 1,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
    };
    md_parallel_for(k, md_tensor_num_elements(x), MD_MATH_MIN_BLOCK, clip_block, &j);
    return true;
}

const struct md_op_def md_op_clip_by_value = {
    .tf_name = "ClipByValue",
    .init = clip_init,
    .compute = clip_compute,
};
