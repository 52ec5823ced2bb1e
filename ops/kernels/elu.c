/* Elu: x if x > 0, else e^x - 1. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(elu_f32, float, float, x < 0 ? expm1f(x) : x)
MD_UN_LOOP(elu_f64, double, double, x < 0 ? expm1(x) : x)

static const struct md_un_op elu_op = {
    .fns = {
        [MD_DT_FLOAT] = elu_f32,
        [MD_DT_DOUBLE] = elu_f64,
    },
};

MD_UNARY_OP_DEF(elu, "Elu", elu_op)
