/* LeakyRelu: x if x > 0, else alpha * x (attr alpha, default 0.2). */
#include "ops/kernels/math_common.h"

MD_UN_LOOP(leaky_relu_f32, float, float, x > 0 ? x : x * (float)param)
MD_UN_LOOP(leaky_relu_f64, double, double, x > 0 ? x : x * param)

static const struct md_un_op leaky_relu_op = {
    .fns = {
        [MD_DT_FLOAT] = leaky_relu_f32,
        [MD_DT_DOUBLE] = leaky_relu_f64,
    },
    .param_attr = "alpha",
    .param_default = 0.2,
};

MD_UNARY_OP_DEF(leaky_relu, "LeakyRelu", leaky_relu_op)
