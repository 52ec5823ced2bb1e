/* op_list_control.h: see op_list.h. TF1 and functional control flow.
 * Keep sorted by TF name. */
MD_OP(control_trigger, "ControlTrigger")
MD_OP(merge, "Merge")
MD_OP(ref_merge, "RefMerge")
MD_OP(ref_switch, "RefSwitch")
MD_OP(switch, "Switch")
