/* SquaredDifference: (x - y)^2 with broadcasting. Integers wrap. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(squared_difference_f32, float, float, (x - y) * (x - y))
MD_BIN_LOOPS(squared_difference_f64, double, double, (x - y) * (x - y))
MD_BIN_LOOPS(squared_difference_i32, int32_t, int32_t, MD_WRAP(int32_t, uint32_t, MD_WRAP(int32_t, uint32_t, x, -, y), *, MD_WRAP(int32_t, uint32_t, x, -, y)))
MD_BIN_LOOPS(squared_difference_i64, int64_t, int64_t, MD_WRAP(int64_t, uint64_t, MD_WRAP(int64_t, uint64_t, x, -, y), *, MD_WRAP(int64_t, uint64_t, x, -, y)))

static const struct md_bin_op squared_difference_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(squared_difference_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(squared_difference_f64),
        [MD_DT_INT32] = MD_BIN_FNS(squared_difference_i32),
        [MD_DT_INT64] = MD_BIN_FNS(squared_difference_i64),
    },
};

MD_BINARY_OP_DEF(squared_difference, "SquaredDifference", squared_difference_op)
