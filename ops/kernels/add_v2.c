/* AddV2: x + y with broadcasting; same kernel as Add (see add.c). */
#include "ops/kernels/math_common.h"

MD_BINARY_OP_DEF(add_v2, "AddV2", md_math_add)
