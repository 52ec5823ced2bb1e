# ops/kernels/control.mk: the control-flow family (dead tensors: Switch,
# Merge, ControlTrigger).
libmdops_a_SOURCES += \
  ops/op_list_control.h ops/kernels/control_common.c ops/kernels/control_common.h \
  ops/kernels/control_trigger.c ops/kernels/merge.c ops/kernels/ref_merge.c \
  ops/kernels/ref_switch.c ops/kernels/switch.c
