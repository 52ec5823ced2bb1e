/* op_list_array.h: see op_list.h. Keep sorted by TF name. */
