# tests/ops/kernels/array.mk: tests of the array kernel family.
# Golden data: tests/ops/golden/array_*.h, made by tests/ops/gen/array.py
# (the runner is tests/ops/golden/array_golden.h).
ARRAY_GOLDEN = tests/ops/golden/array_golden.h

check_PROGRAMS += tests/ops/kernels/test_parse_example
tests_ops_kernels_test_parse_example_SOURCES = tests/ops/kernels/test_parse_example.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_parse_example.h
tests_ops_kernels_test_parse_example_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_parse_example_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_parse_example

check_PROGRAMS += tests/ops/kernels/test_array_shape
tests_ops_kernels_test_array_shape_SOURCES = tests/ops/kernels/test_array_shape.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_shape.h
tests_ops_kernels_test_array_shape_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_array_shape_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_array_shape

check_PROGRAMS += tests/ops/kernels/test_strided_slice
tests_ops_kernels_test_strided_slice_SOURCES = tests/ops/kernels/test_strided_slice.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_slice.h
tests_ops_kernels_test_strided_slice_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_strided_slice_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_strided_slice

check_PROGRAMS += tests/ops/kernels/test_array_join
tests_ops_kernels_test_array_join_SOURCES = tests/ops/kernels/test_array_join.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_join.h
tests_ops_kernels_test_array_join_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_array_join_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_array_join

check_PROGRAMS += tests/ops/kernels/test_array_string
tests_ops_kernels_test_array_string_SOURCES = tests/ops/kernels/test_array_string.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_string.h
tests_ops_kernels_test_array_string_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_array_string_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_array_string

check_PROGRAMS += tests/ops/kernels/test_gather
tests_ops_kernels_test_gather_SOURCES = tests/ops/kernels/test_gather.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_gather.h
tests_ops_kernels_test_gather_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_gather_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_gather

check_PROGRAMS += tests/ops/kernels/test_pad
tests_ops_kernels_test_pad_SOURCES = tests/ops/kernels/test_pad.c \
  $(ARRAY_GOLDEN) tests/ops/golden/array_pad.h
tests_ops_kernels_test_pad_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_pad_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_pad
