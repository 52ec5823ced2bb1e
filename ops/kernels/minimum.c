/* Minimum: min(x, y) with broadcasting; a nan in either is nan. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_BIN_LOOPS(minimum_f32, float, float, x < y || isnan(x) ? x : y)
MD_BIN_LOOPS(minimum_f64, double, double, x < y || isnan(x) ? x : y)
MD_BIN_LOOPS(minimum_i32, int32_t, int32_t, x < y ? x : y)
MD_BIN_LOOPS(minimum_i64, int64_t, int64_t, x < y ? x : y)
MD_BIN_LOOPS(minimum_u8, uint8_t, uint8_t, x < y ? x : y)

static const struct md_bin_op minimum_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(minimum_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(minimum_f64),
        [MD_DT_INT32] = MD_BIN_FNS(minimum_i32),
        [MD_DT_INT64] = MD_BIN_FNS(minimum_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(minimum_u8),
    },
};

MD_BINARY_OP_DEF(minimum, "Minimum", minimum_op)
