/* Neg: -x. Integers wrap (-INT_MIN is INT_MIN). */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(neg_f32, float, float, -x)
MD_UN_LOOP(neg_f64, double, double, -x)
MD_UN_LOOP(neg_i32, int32_t, int32_t, (int32_t)(0u - (uint32_t)x))
MD_UN_LOOP(neg_i64, int64_t, int64_t, (int64_t)((uint64_t)0 - (uint64_t)x))

static const struct md_un_op neg_op = {
    .fns = {
        [MD_DT_FLOAT] = neg_f32,
        [MD_DT_DOUBLE] = neg_f64,
        [MD_DT_INT32] = neg_i32,
        [MD_DT_INT64] = neg_i64,
    },
};

MD_UNARY_OP_DEF(neg, "Neg", neg_op)
