/* Sum: sum over the given axes (0 for an empty reduction). Integers wrap.
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(sum, "Sum", MD_REDUCE_SUM)
