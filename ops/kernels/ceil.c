/* Ceil: smallest integer not less than x. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(ceil_f32, float, float, ceilf(x))
MD_UN_LOOP(ceil_f64, double, double, ceil(x))

static const struct md_un_op ceil_op = {
    .fns = {
        [MD_DT_FLOAT] = ceil_f32,
        [MD_DT_DOUBLE] = ceil_f64,
    },
};

MD_UNARY_OP_DEF(ceil, "Ceil", ceil_op)
