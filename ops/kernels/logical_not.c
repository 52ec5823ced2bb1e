/* LogicalNot: not x (bool). */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(logical_not_b, uint8_t, uint8_t, (uint8_t)(x == 0))

static const struct md_un_op logical_not_op = {
    .fns = {
        [MD_DT_BOOL] = logical_not_b,
    },
};

MD_UNARY_OP_DEF(logical_not, "LogicalNot", logical_not_op)
