/* Div: x / y with broadcasting. Floating point divides (IEEE); integers
 * truncate toward zero, as C does, and a zero divisor anywhere in y is an
 * error ("Integer division by zero") like TensorFlow's safe_div kernels.
 * INT_MIN / -1 wraps to INT_MIN instead of trapping. */
#include "ops/kernels/math_common.h"

static inline int32_t div_i32(int32_t x, int32_t y)
{
    return y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y;
}

static inline int64_t div_i64(int64_t x, int64_t y)
{
    return y == -1 ? (int64_t)((uint64_t)0 - (uint64_t)x) : x / y;
}

MD_BIN_LOOPS(div_f32, float, float, x / y)
MD_BIN_LOOPS(div_f64, double, double, x / y)
MD_BIN_LOOPS(div_i32, int32_t, int32_t, div_i32(x, y))
MD_BIN_LOOPS(div_i64, int64_t, int64_t, div_i64(x, y))
MD_BIN_LOOPS(div_u8, uint8_t, uint8_t, (uint8_t)(x / y))

static const struct md_bin_op div_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(div_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(div_f64),
        [MD_DT_INT32] = MD_BIN_FNS(div_i32),
        [MD_DT_INT64] = MD_BIN_FNS(div_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(div_u8),
    },
    .flags = MD_BIN_INT_DIVISOR,
};

MD_BINARY_OP_DEF(div, "Div", div_op)
