/* Square: x * x. Integers wrap. */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(square_f32, float, float, x * x)
MD_UN_LOOP(square_f64, double, double, x * x)
MD_UN_LOOP(square_i32, int32_t, int32_t, MD_WRAP(int32_t, uint32_t, x, *, x))
MD_UN_LOOP(square_i64, int64_t, int64_t, MD_WRAP(int64_t, uint64_t, x, *, x))
MD_UN_LOOP(square_u8, uint8_t, uint8_t, (uint8_t)(x * x))

static const struct md_un_op square_op = {
    .fns = {
        [MD_DT_FLOAT] = square_f32,
        [MD_DT_DOUBLE] = square_f64,
        [MD_DT_INT32] = square_i32,
        [MD_DT_INT64] = square_i64,
        [MD_DT_UINT8] = square_u8,
    },
};

MD_UNARY_OP_DEF(square, "Square", square_op)
