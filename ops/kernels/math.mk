# ops/kernels/math.mk: kernel files of the math family.
libmdops_a_SOURCES += \
  ops/kernels/math_common.h ops/kernels/math_common.c \
  ops/kernels/math_arg.c \
  ops/kernels/math_reduce.c \
  ops/kernels/math_select.c \
  ops/kernels/math_softmax.c \
  ops/kernels/abs.c ops/kernels/add.c ops/kernels/add_n.c ops/kernels/add_v2.c \
  ops/kernels/all.c ops/kernels/any.c ops/kernels/arg_max.c ops/kernels/arg_min.c \
  ops/kernels/cast.c ops/kernels/ceil.c ops/kernels/clip_by_value.c ops/kernels/cumsum.c \
  ops/kernels/div.c ops/kernels/elu.c ops/kernels/equal.c ops/kernels/exp.c \
  ops/kernels/floor.c ops/kernels/floor_div.c ops/kernels/floor_mod.c ops/kernels/greater.c \
  ops/kernels/greater_equal.c ops/kernels/is_nan.c ops/kernels/leaky_relu.c \
  ops/kernels/less.c ops/kernels/less_equal.c ops/kernels/log.c ops/kernels/log_softmax.c \
  ops/kernels/logical_and.c ops/kernels/logical_not.c ops/kernels/logical_or.c \
  ops/kernels/max.c ops/kernels/maximum.c ops/kernels/mean.c ops/kernels/min.c \
  ops/kernels/minimum.c ops/kernels/mul.c ops/kernels/neg.c ops/kernels/not_equal.c \
  ops/kernels/pow.c ops/kernels/prod.c ops/kernels/real_div.c ops/kernels/reciprocal.c \
  ops/kernels/relu.c ops/kernels/relu6.c ops/kernels/round.c ops/kernels/rsqrt.c \
  ops/kernels/select.c ops/kernels/select_v2.c ops/kernels/selu.c ops/kernels/sigmoid.c \
  ops/kernels/sign.c ops/kernels/softmax.c ops/kernels/softplus.c ops/kernels/sqrt.c \
  ops/kernels/square.c ops/kernels/squared_difference.c ops/kernels/sub.c ops/kernels/sum.c \
  ops/kernels/tanh.c
