/* Log: natural logarithm (log 0 = -inf, log of a negative = nan). */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(log_f32, float, float, logf(x))
MD_UN_LOOP(log_f64, double, double, log(x))

static const struct md_un_op log_op = {
    .fns = {
        [MD_DT_FLOAT] = log_f32,
        [MD_DT_DOUBLE] = log_f64,
    },
};

MD_UNARY_OP_DEF(log, "Log", log_op)
