/* Max: maximum over the given axes; nan wins; an empty reduction gives
 * the lowest value (-inf for floats).
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(max, "Max", MD_REDUCE_MAX)
