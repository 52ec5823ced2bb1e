# tests/ops/kernels/math.mk: tests of the math kernel family. Golden data in
# tests/ops/golden/math_*.h comes from tests/ops/gen/math.py (numpy).
EXTRA_DIST += tests/ops/gen/math.py tests/ops/golden/math_golden.h \
  tests/ops/golden/math_binary.h tests/ops/golden/math_unary.h tests/ops/golden/math_reduce.h \
  tests/ops/golden/math_softmax.h tests/ops/golden/math_cast.h tests/ops/golden/math_select.h \
  tests/ops/golden/math_misc.h

check_PROGRAMS += tests/ops/kernels/test_math_binary
tests_ops_kernels_test_math_binary_SOURCES = tests/ops/kernels/test_math_binary.c
tests_ops_kernels_test_math_binary_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_math_binary_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_math_binary

check_PROGRAMS += tests/ops/kernels/test_math_unary
tests_ops_kernels_test_math_unary_SOURCES = tests/ops/kernels/test_math_unary.c
tests_ops_kernels_test_math_unary_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_math_unary_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_math_unary

check_PROGRAMS += tests/ops/kernels/test_math_reduce
tests_ops_kernels_test_math_reduce_SOURCES = tests/ops/kernels/test_math_reduce.c
tests_ops_kernels_test_math_reduce_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_math_reduce_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_math_reduce

check_PROGRAMS += tests/ops/kernels/test_softmax
tests_ops_kernels_test_softmax_SOURCES = tests/ops/kernels/test_softmax.c
tests_ops_kernels_test_softmax_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_softmax_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_softmax

check_PROGRAMS += tests/ops/kernels/test_cast
tests_ops_kernels_test_cast_SOURCES = tests/ops/kernels/test_cast.c
tests_ops_kernels_test_cast_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_cast_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_cast

check_PROGRAMS += tests/ops/kernels/test_select
tests_ops_kernels_test_select_SOURCES = tests/ops/kernels/test_select.c
tests_ops_kernels_test_select_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_select_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_select

check_PROGRAMS += tests/ops/kernels/test_math_misc
tests_ops_kernels_test_math_misc_SOURCES = tests/ops/kernels/test_math_misc.c
tests_ops_kernels_test_math_misc_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_math_misc_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_math_misc
