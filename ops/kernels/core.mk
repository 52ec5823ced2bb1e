libmdops_a_SOURCES += ops/kernels/no_op.c
