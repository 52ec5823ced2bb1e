/* Relu: max(x, 0); nan stays nan. */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(relu_f32, float, float, x < 0 ? 0.0f : x)
MD_UN_LOOP(relu_f64, double, double, x < 0 ? 0.0 : x)
MD_UN_LOOP(relu_i32, int32_t, int32_t, x < 0 ? 0 : x)
MD_UN_LOOP(relu_i64, int64_t, int64_t, x < 0 ? 0 : x)
MD_UN_LOOP(relu_u8, uint8_t, uint8_t, x)

static const struct md_un_op relu_op = {
    .fns = {
        [MD_DT_FLOAT] = relu_f32,
        [MD_DT_DOUBLE] = relu_f64,
        [MD_DT_INT32] = relu_i32,
        [MD_DT_INT64] = relu_i64,
        [MD_DT_UINT8] = relu_u8,
    },
};

MD_UNARY_OP_DEF(relu, "Relu", relu_op)
