/* Sigmoid: 1 / (1 + e^-x); exp overflow gives exactly 0, not nan. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(sigmoid_f32, float, float, 1.0f / (1.0f + expf(-x)))
MD_UN_LOOP(sigmoid_f64, double, double, 1.0 / (1.0 + exp(-x)))

static const struct md_un_op sigmoid_op = {
    .fns = {
        [MD_DT_FLOAT] = sigmoid_f32,
        [MD_DT_DOUBLE] = sigmoid_f64,
    },
};

MD_UNARY_OP_DEF(sigmoid, "Sigmoid", sigmoid_op)
