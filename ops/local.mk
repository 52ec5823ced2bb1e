# ops/: the interpreter (graph -> plan -> exec) and its kernels -> libmdops.a.
# Kernel families list their files in ops/kernels/<family>.mk.
noinst_LIBRARIES += libmdops.a
libmdops_a_SOURCES = \
  ops/kernel.h ops/exec_env.h ops/kernel.c ops/attrs.c ops/registry.c \
  ops/op_list.h ops/op_list_core.h ops/op_list_math.h ops/op_list_array.h ops/op_list_nn.h \
  ops/ops.h ops/ops_impl.h ops/graph.c ops/plan.c ops/exec.c ops/model.c ops/threadpool.c \
  ops/tensor_proto.c
include ops/kernels/core.mk
include ops/kernels/math.mk
include ops/kernels/array.mk
include ops/kernels/nn.mk
include ops/kernels/train.mk
include ops/kernels/sparse.mk
include ops/kernels/control.mk
