/* Any: logical or over the given axes (bool); false for an empty reduction.
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(reduce_any, "Any", MD_REDUCE_ANY)
