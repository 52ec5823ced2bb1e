/* LogicalAnd: x and y (bool) with broadcasting. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(logical_and_b, uint8_t, uint8_t, (uint8_t)(x && y))

static const struct md_bin_op logical_and_op = {
    .fns = {
        [MD_DT_BOOL] = MD_BIN_FNS(logical_and_b),
    },
};

MD_BINARY_OP_DEF(logical_and, "LogicalAnd", logical_and_op)
