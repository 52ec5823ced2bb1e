/* LessEqual: x <= y with broadcasting, to bool. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(less_equal_f32, float, uint8_t, (uint8_t)(x <= y))
MD_BIN_LOOPS(less_equal_f64, double, uint8_t, (uint8_t)(x <= y))
MD_BIN_LOOPS(less_equal_i32, int32_t, uint8_t, (uint8_t)(x <= y))
MD_BIN_LOOPS(less_equal_i64, int64_t, uint8_t, (uint8_t)(x <= y))
MD_BIN_LOOPS(less_equal_u8, uint8_t, uint8_t, (uint8_t)(x <= y))

static const struct md_bin_op less_equal_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(less_equal_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(less_equal_f64),
        [MD_DT_INT32] = MD_BIN_FNS(less_equal_i32),
        [MD_DT_INT64] = MD_BIN_FNS(less_equal_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(less_equal_u8),
    },
    .flags = MD_BIN_BOOL_OUT,
};

MD_BINARY_OP_DEF(less_equal, "LessEqual", less_equal_op)
