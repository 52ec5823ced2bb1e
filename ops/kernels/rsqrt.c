/* Rsqrt: 1 / sqrt(x). */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(rsqrt_f32, float, float, 1.0f / sqrtf(x))
MD_UN_LOOP(rsqrt_f64, double, double, 1.0 / sqrt(x))

static const struct md_un_op rsqrt_op = {
    .fns = {
        [MD_DT_FLOAT] = rsqrt_f32,
        [MD_DT_DOUBLE] = rsqrt_f64,
    },
};

MD_UNARY_OP_DEF(rsqrt, "Rsqrt", rsqrt_op)
