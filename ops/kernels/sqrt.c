/* Sqrt: square root (nan for negative x). */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(sqrt_f32, float, float, sqrtf(x))
MD_UN_LOOP(sqrt_f64, double, double, sqrt(x))

static const struct md_un_op sqrt_op = {
    .fns = {
        [MD_DT_FLOAT] = sqrt_f32,
        [MD_DT_DOUBLE] = sqrt_f64,
    },
};

MD_UNARY_OP_DEF(sqrt, "Sqrt", sqrt_op)
