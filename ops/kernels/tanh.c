/* Tanh: hyperbolic tangent. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(tanh_f32, float, float, tanhf(x))
MD_UN_LOOP(tanh_f64, double, double, tanh(x))

static const struct md_un_op tanh_op = {
    .fns = {
        [MD_DT_FLOAT] = tanh_f32,
        [MD_DT_DOUBLE] = tanh_f64,
    },
};

MD_UNARY_OP_DEF(tanh, "Tanh", tanh_op)
