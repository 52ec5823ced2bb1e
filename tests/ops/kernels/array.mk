# tests/ops/kernels/array.mk: tests of the array kernel family.
