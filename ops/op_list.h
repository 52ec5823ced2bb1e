/* op_list.h: all op families. Each family list has one line per op:
 * MD_OP(c_symbol, "TfOpName"); the kernel defines md_op_<c_symbol>.
 * tests/ops/test_registry.c checks names are unique. */
#include "ops/op_list_core.h"
#include "ops/op_list_math.h"
#include "ops/op_list_array.h"
#include "ops/op_list_nn.h"
#include "ops/op_list_train.h"
#include "ops/op_list_sparse.h"
#include "ops/op_list_refused.h"
#include "ops/op_list_control.h"
