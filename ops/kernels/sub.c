/* Sub: x - y with broadcasting. Integers wrap. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(sub_f32, float, float, x - y)
MD_BIN_LOOPS(sub_f64, double, double, x - y)
MD_BIN_LOOPS(sub_i32, int32_t, int32_t, MD_WRAP(int32_t, uint32_t, x, -, y))
MD_BIN_LOOPS(sub_i64, int64_t, int64_t, MD_WRAP(int64_t, uint64_t, x, -, y))
MD_BIN_LOOPS(sub_u8, uint8_t, uint8_t, (uint8_t)(x - y))

static const struct md_bin_op sub_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(sub_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(sub_f64),
        [MD_DT_INT32] = MD_BIN_FNS(sub_i32),
        [MD_DT_INT64] = MD_BIN_FNS(sub_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(sub_u8),
    },
};

MD_BINARY_OP_DEF(sub, "Sub", sub_op)
