/* Reciprocal: 1 / x. */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(reciprocal_f32, float, float, 1.0f / x)
MD_UN_LOOP(reciprocal_f64, double, double, 1.0 / x)

static const struct md_un_op reciprocal_op = {
    .fns = {
        [MD_DT_FLOAT] = reciprocal_f32,
        [MD_DT_DOUBLE] = reciprocal_f64,
    },
};

MD_UNARY_OP_DEF(reciprocal, "Reciprocal", reciprocal_op)
