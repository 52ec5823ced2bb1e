/* Round: nearest integer, halves to even (banker's rounding, as
 * rint in the default rounding mode). Integers are unchanged. */
#include "ops/kernels/math_common.h"

#include <math.h>

MD_UN_LOOP(round_f32, float, float, rintf(x))
MD_UN_LOOP(round_f64, double, double, rint(x))
MD_UN_LOOP(round_i32, int32_t, int32_t, x)
MD_UN_LOOP(round_i64, int64_t, int64_t, x)

static const struct md_un_op round_op = {
    .fns = {
        [MD_DT_FLOAT] = round_f32,
        [MD_DT_DOUBLE] = round_f64,
        [MD_DT_INT32] = round_i32,
        [MD_DT_INT64] = round_i64,
    },
};

MD_UNARY_OP_DEF(round, "Round", round_op)
