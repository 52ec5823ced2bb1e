/* Mean: mean over the given axes. Integer means truncate; an empty
 * float mean is nan.
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(mean, "Mean", MD_REDUCE_MEAN)
