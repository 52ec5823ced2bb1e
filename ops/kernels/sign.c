/* Sign: -1, 0 or 1 by the sign of x; nan stays nan, and zero keeps its sign. */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(sign_f32, float, float, x > 0 ? 1.0f : (x < 0 ? -1.0f : x))
MD_UN_LOOP(sign_f64, double, double, x > 0 ? 1.0 : (x < 0 ? -1.0 : x))
MD_UN_LOOP(sign_i32, int32_t, int32_t, (int32_t)((x > 0) - (x < 0)))
MD_UN_LOOP(sign_i64, int64_t, int64_t, (int64_t)((x > 0) - (x < 0)))

static const struct md_un_op sign_op = {
    .fns = {
        [MD_DT_FLOAT] = sign_f32,
        [MD_DT_DOUBLE] = sign_f64,
        [MD_DT_INT32] = sign_i32,
        [MD_DT_INT64] = sign_i64,
    },
};

MD_UNARY_OP_DEF(sign, "Sign", sign_op)
