/* Add: x + y with broadcasting. Integers wrap. Add and AddV2 share this
 * table (AddV2 differs only in TensorFlow's graph rewrites). */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(add_f32, float, float, x + y)
MD_BIN_LOOPS(add_f64, double, double, x + y)
MD_BIN_LOOPS(add_i32, int32_t, int32_t, MD_WRAP(int32_t, uint32_t, x, +, y))
MD_BIN_LOOPS(add_i64, int64_t, int64_t, MD_WRAP(int64_t, uint64_t, x, +, y))
MD_BIN_LOOPS(add_u8, uint8_t, uint8_t, (uint8_t)(x + y))

const struct md_bin_op md_math_add = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(add_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(add_f64),
        [MD_DT_INT32] = MD_BIN_FNS(add_i32),
        [MD_DT_INT64] = MD_BIN_FNS(add_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(add_u8),
    },
};

MD_BINARY_OP_DEF(add, "Add", md_math_add)
