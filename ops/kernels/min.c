/* Min: minimum over the given axes; nan wins; an empty reduction gives
 * the highest value (+inf for floats).
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(min, "Min", MD_REDUCE_MIN)
