# ops/kernels/array.mk: kernel files of the array family.
