/* Abs: |x|. Integers wrap (|INT_MIN| is INT_MIN). */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(abs_f32, float, float, fabsf(x))
MD_UN_LOOP(abs_f64, double, double, fabs(x))
MD_UN_LOOP(abs_i32, int32_t, int32_t, x < 0 ? (int32_t)(0u - (uint32_t)x) : x)
MD_UN_LOOP(abs_i64, int64_t, int64_t, x < 0 ? (int64_t)((uint64_t)0 - (uint64_t)x) : x)

static const struct md_un_op abs_op = {
    .fns = {
        [MD_DT_FLOAT] = abs_f32,
        [MD_DT_DOUBLE] = abs_f64,
        [MD_DT_INT32] = abs_i32,
        [MD_DT_INT64] = abs_i64,
    },
};

MD_UNARY_OP_DEF(abs, "Abs", abs_op)
