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

#define SOFTMAX_ROWS(name, T, EXP, LOG)                                                         \
    static void name(void *arg, int64_t begin, int64_t end)                                     \
    {                                                                                           \
        const struct sm_job *j = arg;                                                           \
        int64_t cols = j->cols;                                                                 \
        for (int64_t r = begin; r < end; r++) {                                                 \
            const T *x = (const T *)j->x + r * cols;                                            \
            T *o = (T *)j->o + r * cols;                                                        \
            T m = x[0];                                                                         \
            for (int64_t i = 1; i < cols; i++)                                                  \
                m = x[i] > m ? x[i] : m;                                                        \
            double sum = 0;                                                                     \
            if (j->as_log) {                                                                       \
                for (int64_t i = 0; i < cols; i++)                                              \
                    sum += (double)EXP(x[i] - m);                                               \
                T ls = (T)LOG(sum);                                                             \
                for (int64_t i = 0; i < cols; i++)                                              \
                    o[i] = x[i] - m - ls;                                                       \
            } else {                                                                            \
                for (int64_t i = 0; i < cols; i++) {                                            \
                    T e = EXP(x[i] - m);                                                        \
                    o[i] = e;                                                                   \
                    sum += (double)e;                                                           \
                }                                                                               \
                T inv = (T)(1.0 / sum);                                                         \
                for (int64_t i = 0; i < cols; i++)                                              \
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
    if (!md_kernel_output(k, 0, x->dtype, x->rank, x->dims, st))
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
