/* Prod: product over the given axes (1 for an empty reduction). Integers wrap.
 * The engine is in math_reduce.c. */
#include "ops/kernels/math_common.h"

MD_REDUCE_OP_DEF(prod, "Prod", MD_REDUCE_PROD)
