# tests/ops/kernels/math.mk: tests of the math kernel family.
