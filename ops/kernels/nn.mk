# ops/kernels/nn.mk: kernel files of the nn family.
