# ops/kernels/train.mk: the training family (gradient kernels, optimizers)
# and the in-memory graph runner the trainer drives them with.
libmdops_a_SOURCES += ops/op_list_train.h ops/graph_run.c ops/graph_run.h \
  ops/kernels/train_common.c ops/kernels/train_common.h \
  ops/kernels/apply_adam.c ops/kernels/apply_gradient_descent.c ops/kernels/apply_momentum.c \
  ops/kernels/bias_add_grad.c ops/kernels/conv2d_backprop_filter.c \
  ops/kernels/conv2d_backprop_input.c ops/kernels/max_pool_grad.c ops/kernels/relu_grad.c \
  ops/kernels/sigmoid_grad.c ops/kernels/softmax_cross_entropy_with_logits.c \
  ops/kernels/sparse_softmax_cross_entropy_with_logits.c \
  ops/kernels/stateless_random_uniform.c
