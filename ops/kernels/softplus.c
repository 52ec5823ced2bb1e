/* Softplus: log(1 + e^x), computed so that neither branch overflows. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(softplus_f32, float, float, x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)))
MD_UN_LOOP(softplus_f64, double, double, x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)))

static const struct md_un_op softplus_op = {
    .fns = {
        [MD_DT_FLOAT] = softplus_f32,
        [MD_DT_DOUBLE] = softplus_f64,
    },
};

MD_UNARY_OP_DEF(softplus, "Softplus", softplus_op)
