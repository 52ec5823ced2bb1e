/* FloorDiv: floor(x / y) with broadcasting. Floating point: floor of the
 * IEEE quotient (TensorFlow's definition). Integers: rounded toward -inf; a
 * zero divisor is an error; INT_MIN // -1 wraps to INT_MIN. */
#include "ops/kernels/math_common.h"

#include <math.h>

#define FLOOR_DIV_INT(name, T, U)                                                               \
    static inline T name(T x, T y)                                                              \
    {                                                                                           \
        if (y == -1)                                                                            \
            return (T)((U)0 - (U)x);                                                            \
        T q = x / y;                                                                            \
        if (x % y != 0 && ((x < 0) != (y < 0)))                                                 \
            q--;                                                                                \
        return q;                                                                               \
    }
FLOOR_DIV_INT(floor_div_i32, int32_t, uint32_t)
FLOOR_DIV_INT(floor_div_i64, int64_t, uint64_t)

MD_BIN_LOOPS(floor_div_f32, float, float, floorf(x / y))
MD_BIN_LOOPS(floor_div_f64, double, double, floor(x / y))
MD_BIN_LOOPS(floor_div_i32, int32_t, int32_t, floor_div_i32(x, y))
MD_BIN_LOOPS(floor_div_i64, int64_t, int64_t, floor_div_i64(x, y))
MD_BIN_LOOPS(floor_div_u8, uint8_t, uint8_t, (uint8_t)(x / y))

static const struct md_bin_op floor_div_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(floor_div_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(floor_div_f64),
        [MD_DT_INT32] = MD_BIN_FNS(floor_div_i32),
        [MD_DT_INT64] = MD_BIN_FNS(floor_div_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(floor_div_u8),
    },
    .flags = MD_BIN_INT_DIVISOR,
};

MD_BINARY_OP_DEF(floor_div, "FloorDiv", floor_div_op)
