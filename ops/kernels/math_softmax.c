/* math_softmax.c: Softmax and LogSoftmax over the last axis, shared by
 * softmax.c and log_softmax.c. Each row is done in three sweeps: max, sum of
 * exp(x - max) (written to the output on the way), then scale or shift. The
 * max shift keeps exp from overflowing; the sum is kept in double. */
#include "ops/kernels/math_common.h"

#include <math.h>

bool md_math_softmax_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_math_check_inputs(ki, 1, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && t != MD_DT_FLOAT && t != MD_DT_DOUBLE)
        return md_math_bad_dtype(ki->node, t, st);
    return true;
}

struct sm_job {
    const void *x;
    void *o;
    int64_t cols;
    bool as_log;
};

/* The max and the sum each use independent lanes so that a row is not one
 * long chain of dependent compares / adds (2x faster on 1000 classes). A nan
 * in the row is not seen by the max but makes its exp, the sum and so the
 * whole row nan, as in TensorFlow. */
#define SOFTMAX_ROWS(name, T, EXP, LOG)                                                         \
    static void name(void *arg, int64_t begin, int64_t end)                                     \
    {                                                                                           \
        const struct sm_job *j = arg;                                                           \
        int64_t cols = j->cols;                                                                 \
        for (int64_t r = begin; r < end; r++) {                                                 \
            const T *x = (const T *)j->x + r * cols;                                            \
            T *o = (T *)j->o + r * cols;                                                        \
            T ml[8], m = x[0];                                                                  \
            for (int l = 0; l < 8; l++)                                                         \
                ml[l] = x[0];                                                                   \
            int64_t i = 0;                                                                      \
            for (; i + 8 <= cols; i += 8)                                                       \
                for (int l = 0; l < 8; l++)                                                     \
                    ml[l] = x[i + l] > ml[l] ? x[i + l] : ml[l];                                \
            for (int l = 0; l < 8; l++)                                                         \
                m = ml[l] > m ? ml[l] : m;                                                      \
            for (; i < cols; i++)                                                               \
                m = x[i] > m ? x[i] : m;                                                        \
            double sl[4] = { 0, 0, 0, 0 };                                                      \
            for (i = 0; i + 4 <= cols; i += 4)                                                  \
                for (int l = 0; l < 4; l++) {                                                   \
                    T e = EXP(x[i + l] - m);                                                    \
                    if (!j->as_log)                                                             \
                        o[i + l] = e;                                                           \
                    sl[l] += (double)e;                                                         \
                }                                                                               \
            for (; i < cols; i++) {                                                             \
                T e = EXP(x[i] - m);                                                            \
                if (!j->as_log)                                                                 \
                    o[i] = e;                                                                   \
                sl[0] += (double)e;                                                             \
            }                                                                                   \
            double sum = (sl[0] + sl[1]) + (sl[2] + sl[3]);                                     \
            if (j->as_log) {                                                                    \
                T ls = (T)LOG(sum);                                                             \
                for (i = 0; i < cols; i++)                                                      \
                    o[i] = x[i] - m - ls;                                                       \
            } else {                                                                            \
                T inv = (T)(1.0 / sum);                                                         \
                for (i = 0; i < cols; i++)                                                      \
                    o[i] *= inv;                                                                \
            }                                                                                   \
        }                                                                                       \
    }
SOFTMAX_ROWS(softmax_f32, float, expf, log)
SOFTMAX_ROWS(softmax_f64, double, exp, log)

bool md_math_softmax_compute(struct md_kernel_ctx *k, bool as_log, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (x->dtype != MD_DT_FLOAT && x->dtype != MD_DT_DOUBLE)
        return md_math_bad_dtype(k->node, x->dtype, st);
    if (x->rank < 1) {
        char s[160];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "logits must have >= 1 dimension, got %s",
                              md_shape_str(s, sizeof s, x->rank, x->dims));
    }
    /* In place when allowed: each row is read (max) before it is written, and
     * the exp pass reads x[i] before writing o[i]. */
    if (!md_kernel_output_reuse(k, 0, 0, x->dtype, x->rank, x->dims, st))
        return false;
    int64_t n = md_tensor_num_elements(x), cols = x->dims[x->rank - 1];
    if (n == 0)
        return true;
    struct sm_job j = { .x = x->data, .o = k->outputs[0].data, .cols = cols, .as_log = as_log };
    int64_t min_rows = MD_MATH_MIN_BLOCK / 4 / cols;
    md_parallel_for(k, n / cols, min_rows > 0 ? min_rows : 1,
                    x->dtype == MD_DT_FLOAT ? softmax_f32 : softmax_f64, &j);
    return true;
}
