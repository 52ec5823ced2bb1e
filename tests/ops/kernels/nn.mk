# tests/ops/kernels/nn.mk: tests of the nn kernel family. Golden data in
# tests/ops/golden/nn_*.h comes from tests/ops/gen/nn.py.
EXTRA_DIST += tests/ops/gen/nn.py tests/ops/kernels/nn_test.h \
  tests/ops/golden/nn_matmul.h tests/ops/golden/nn_batch_matmul.h tests/ops/golden/nn_bias_add.h \
  tests/ops/golden/nn_conv2d.h tests/ops/golden/nn_depthwise.h tests/ops/golden/nn_pool.h \
  tests/ops/golden/nn_batch_norm.h

check_PROGRAMS += tests/ops/kernels/test_mat_mul
tests_ops_kernels_test_mat_mul_SOURCES = tests/ops/kernels/test_mat_mul.c
tests_ops_kernels_test_mat_mul_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_mat_mul_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_mat_mul

check_PROGRAMS += tests/ops/kernels/test_bias_add
tests_ops_kernels_test_bias_add_SOURCES = tests/ops/kernels/test_bias_add.c
tests_ops_kernels_test_bias_add_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_bias_add_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_bias_add

check_PROGRAMS += tests/ops/kernels/test_batch_mat_mul
tests_ops_kernels_test_batch_mat_mul_SOURCES = tests/ops/kernels/test_batch_mat_mul.c
tests_ops_kernels_test_batch_mat_mul_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_batch_mat_mul_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_batch_mat_mul

check_PROGRAMS += tests/ops/kernels/test_conv2d
tests_ops_kernels_test_conv2d_SOURCES = tests/ops/kernels/test_conv2d.c
tests_ops_kernels_test_conv2d_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_conv2d_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_conv2d

check_PROGRAMS += tests/ops/kernels/test_pool
tests_ops_kernels_test_pool_SOURCES = tests/ops/kernels/test_pool.c
tests_ops_kernels_test_pool_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_pool_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_pool

check_PROGRAMS += tests/ops/kernels/test_fused_batch_norm
tests_ops_kernels_test_fused_batch_norm_SOURCES = tests/ops/kernels/test_fused_batch_norm.c
tests_ops_kernels_test_fused_batch_norm_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_fused_batch_norm_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_fused_batch_norm

check_PROGRAMS += tests/ops/kernels/test_blas
tests_ops_kernels_test_blas_SOURCES = tests/ops/kernels/test_blas.c
tests_ops_kernels_test_blas_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_blas_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_blas
