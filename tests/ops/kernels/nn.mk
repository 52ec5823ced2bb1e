# tests/ops/kernels/nn.mk: tests of the nn kernel family.
