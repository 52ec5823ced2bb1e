# ops/kernels/control.mk: the control-flow family: dead tensors (Switch,
# Merge, ControlTrigger), functional control flow (If, While, Case) with the
# engine parts it needs (function instantiation, the TF1 loop rewrite), and
# TensorLists.
libmdops_a_SOURCES += \
  ops/function.c ops/tf1_loops.c \
  ops/op_list_control.h ops/kernels/control_common.c ops/kernels/control_common.h \
  ops/kernels/control_fn.c ops/kernels/control_fn.h \
  ops/kernels/case.c ops/kernels/control_trigger.c ops/kernels/if.c ops/kernels/merge.c \
  ops/kernels/ref_merge.c ops/kernels/ref_switch.c ops/kernels/stateless_case.c \
  ops/kernels/stateless_if.c ops/kernels/stateless_while.c ops/kernels/switch.c \
  ops/kernels/while.c \
  ops/kernels/control_tlist.c ops/kernels/control_tlist.h ops/kernels/empty_tensor_list.c \
  ops/kernels/tensor_list_element_shape.c ops/kernels/tensor_list_from_tensor.c \
  ops/kernels/tensor_list_get_item.c ops/kernels/tensor_list_length.c \
  ops/kernels/tensor_list_pop_back.c ops/kernels/tensor_list_push_back.c \
  ops/kernels/tensor_list_reserve.c ops/kernels/tensor_list_set_item.c \
  ops/kernels/tensor_list_stack.c
