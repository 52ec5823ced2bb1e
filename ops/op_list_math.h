/* op_list_math.h: see op_list.h. Keep sorted by TF name. */
