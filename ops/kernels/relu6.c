/* Relu6: min(max(x, 0), 6); nan stays nan. */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(relu6_f32, float, float, x < 0 ? 0.0f : (x > 6 ? 6.0f : x))
MD_UN_LOOP(relu6_f64, double, double, x < 0 ? 0.0 : (x > 6 ? 6.0 : x))
MD_UN_LOOP(relu6_i32, int32_t, int32_t, x < 0 ? 0 : (x > 6 ? 6 : x))
MD_UN_LOOP(relu6_i64, int64_t, int64_t, x < 0 ? 0 : (x > 6 ? 6 : x))
MD_UN_LOOP(relu6_u8, uint8_t, uint8_t, (uint8_t)(x > 6 ? 6 : x))

static const struct md_un_op relu6_op = {
    .fns = {
        [MD_DT_FLOAT] = relu6_f32,
        [MD_DT_DOUBLE] = relu6_f64,
        [MD_DT_INT32] = relu6_i32,
        [MD_DT_INT64] = relu6_i64,
        [MD_DT_UINT8] = relu6_u8,
    },
};

MD_UNARY_OP_DEF(relu6, "Relu6", relu6_op)
