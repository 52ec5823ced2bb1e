/* IsNan: true where x is nan. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(is_nan_f32, float, uint8_t, (uint8_t)(isnan(x) != 0))
MD_UN_LOOP(is_nan_f64, double, uint8_t, (uint8_t)(isnan(x) != 0))

static const struct md_un_op is_nan_op = {
    .fns = {
        [MD_DT_FLOAT] = is_nan_f32,
        [MD_DT_DOUBLE] = is_nan_f64,
    },
    .flags = MD_UN_BOOL_OUT,
};

MD_UNARY_OP_DEF(is_nan, "IsNan", is_nan_op)
