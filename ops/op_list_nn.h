/* op_list_nn.h: see op_list.h. Keep sorted by TF name. */
