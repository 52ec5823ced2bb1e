/* op_list_core.h: see op_list.h. Keep sorted by TF name. */
MD_OP(no_op, "NoOp")
