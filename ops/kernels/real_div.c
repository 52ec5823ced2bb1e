/* RealDiv: x / y for floating point (IEEE: x/0 is inf or nan). TensorFlow
 * registers no integer RealDiv kernel on CPU; integer division is Div. */
#include "ops/kernels/math_common.h"

MD_BIN_LOOPS(real_div_f32, float, float, x / y)
MD_BIN_LOOPS(real_div_f64, double, double, x / y)

static const struct md_bin_op real_div_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(real_div_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(real_div_f64),
    },
};

MD_BINARY_OP_DEF(real_div, "RealDiv", real_div_op)
