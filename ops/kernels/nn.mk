# ops/kernels/nn.mk: kernel files of the nn family (and the BLAS wrapper).
libmdops_a_SOURCES += ops/blas.c ops/blas.h ops/kernels/nn_common.c ops/kernels/nn_common.h \
  ops/kernels/avg_pool.c ops/kernels/batch_mat_mul.c ops/kernels/batch_mat_mul_v2.c \
  ops/kernels/batch_mat_mul_v3.c ops/kernels/bias_add.c ops/kernels/conv2d.c \
  ops/kernels/depthwise_conv2d_native.c ops/kernels/fused_batch_norm.c \
  ops/kernels/fused_batch_norm_v2.c ops/kernels/fused_batch_norm_v3.c ops/kernels/mat_mul.c \
  ops/kernels/max_pool.c ops/kernels/max_pool_v2.c
