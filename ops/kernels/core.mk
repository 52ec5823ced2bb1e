# ops/kernels/core.mk: kernel files of the core family (graph plumbing,
# variables, restore, function calls).
libmdops_a_SOURCES += \
  ops/kernels/assign.c ops/kernels/assign_add.c ops/kernels/assign_add_variable_op.c \
  ops/kernels/assign_variable_op.c ops/kernels/const.c ops/kernels/identity.c \
  ops/kernels/identity_n.c ops/kernels/no_op.c ops/kernels/partitioned_call.c \
  ops/kernels/placeholder.c ops/kernels/placeholder_with_default.c \
  ops/kernels/read_variable_op.c ops/kernels/restore_v2.c ops/kernels/stop_gradient.c \
  ops/kernels/var_handle_op.c ops/kernels/var_is_initialized_op.c ops/kernels/variable_v2.c \
  ops/kernels/refused.c ops/op_list_refused.h
