/* All: logical and over the given axes (bool); true for an empty reduction.
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(reduce_all, "All", MD_REDUCE_ALL)
