/* Selu: scale * (x if x > 0, else alpha * (e^x - 1)) with the
 * self-normalising constants of Klambauer et al. (2017). */
#include "ops/kernels/math_common.h"

#include <math.h>

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_ALPHA_F ((float)SELU_ALPHA)
#define SELU_SCALE_F ((float)SELU_SCALE)

MD_UN_LOOP(selu_f32, float, float, x < 0 ? SELU_SCALE_F * SELU_ALPHA_F * expm1f(x) : SELU_SCALE_F * x)
MD_UN_LOOP(selu_f64, double, double, x < 0 ? SELU_SCALE * SELU_ALPHA * expm1(x) : SELU_SCALE * x)

static const struct md_un_op selu_op = {
    .fns = {
        [MD_DT_FLOAT] = selu_f32,
        [MD_DT_DOUBLE] = selu_f64,
    },
};

MD_UNARY_OP_DEF(selu, "Selu", selu_op)
