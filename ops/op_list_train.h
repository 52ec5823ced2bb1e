/* op_list_train.h: the training family (gradient kernels, optimizer apply
 * ops, stateless random numbers for dropout), sorted by TF name. */
MD_OP(apply_adam, "ApplyAdam")
MD_OP(apply_gradient_descent, "ApplyGradientDescent")
MD_OP(apply_momentum, "ApplyMomentum")
MD_OP(bias_add_grad, "BiasAddGrad")
MD_OP(conv2d_backprop_filter, "Conv2DBackpropFilter")
MD_OP(conv2d_backprop_input, "Conv2DBackpropInput")
MD_OP(max_pool_grad, "MaxPoolGrad")
MD_OP(relu_grad, "ReluGrad")
MD_OP(sigmoid_grad, "SigmoidGrad")
MD_OP(softmax_cross_entropy_with_logits, "SoftmaxCrossEntropyWithLogits")
MD_OP(sparse_softmax_cross_entropy_with_logits, "SparseSoftmaxCrossEntropyWithLogits")
MD_OP(stateless_random_uniform, "StatelessRandomUniform")
