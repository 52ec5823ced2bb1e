/* Exp: e^x. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(exp_f32, float, float, expf(x))
MD_UN_LOOP(exp_f64, double, double, exp(x))

static const struct md_un_op exp_op = {
    .fns = {
        [MD_DT_FLOAT] = exp_f32,
        [MD_DT_DOUBLE] = exp_f64,
    },
};

MD_UNARY_OP_DEF(exp, "Exp", exp_op)
