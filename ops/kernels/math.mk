# ops/kernels/math.mk: kernel files of the math family.
