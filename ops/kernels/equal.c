/* Equal: x == y with broadcasting, to bool; also on bool and string
 * (bytewise). With incompatible_shape_error=false, shapes that do not
 * broadcast give a scalar false. */
#include "ops/kernels/math_common.h"

#include <string.h>

MD_BIN_LOOPS(equal_f32, float, uint8_t, (uint8_t)(x == y))
MD_BIN_LOOPS(equal_f64, double, uint8_t, (uint8_t)(x == y))
MD_BIN_LOOPS(equal_i32, int32_t, uint8_t, (uint8_t)(x == y))
MD_BIN_LOOPS(equal_i64, int64_t, uint8_t, (uint8_t)(x == y))
MD_BIN_LOOPS(equal_u8, uint8_t, uint8_t, (uint8_t)(x == y))
MD_BIN_LOOPS(equal_b, uint8_t, uint8_t, (uint8_t)((x != 0) == (y != 0)))
MD_BIN_LOOPS(equal_s, struct md_str, uint8_t, (uint8_t)((x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0))))

static const struct md_bin_op equal_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(equal_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(equal_f64),
        [MD_DT_INT32] = MD_BIN_FNS(equal_i32),
        [MD_DT_INT64] = MD_BIN_FNS(equal_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(equal_u8),
        [MD_DT_BOOL] = MD_BIN_FNS(equal_b),
        [MD_DT_STRING] = MD_BIN_FNS(equal_s),
    },
    .flags = MD_BIN_BOOL_OUT | MD_BIN_SHAPE_ATTR,
    .mismatch_value = false,
};

MD_BINARY_OP_DEF(equal, "Equal", equal_op)
