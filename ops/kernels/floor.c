/* Floor: largest integer not greater than x. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(floor_f32, float, float, floorf(x))
MD_UN_LOOP(floor_f64, double, double, floor(x))

static const struct md_un_op floor_op = {
    .fns = {
        [MD_DT_FLOAT] = floor_f32,
        [MD_DT_DOUBLE] = floor_f64,
    },
};

MD_UNARY_OP_DEF(floor, "Floor", floor_op)
