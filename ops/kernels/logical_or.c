/* LogicalOr: x or y (bool) with broadcasting. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(logical_or_b, uint8_t, uint8_t, (uint8_t)(x || y))

static const struct md_bin_op logical_or_op = {
    .fns = {
        [MD_DT_BOOL] = MD_BIN_FNS(logical_or_b),
    },
};

MD_BINARY_OP_DEF(logical_or, "LogicalOr", logical_or_op)
