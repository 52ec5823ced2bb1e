# tests/ops/kernels/sparse.mk: tests of the sparse/string/lookup family.
check_PROGRAMS += tests/ops/kernels/test_sparse tests/ops/kernels/test_sparse_hash \
  tests/ops/kernels/test_lookup
tests_ops_kernels_test_sparse_SOURCES = tests/ops/kernels/test_sparse.c \
  tests/ops/golden/sparse_golden.h
tests_ops_kernels_test_sparse_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_sparse_LDADD = $(HARNESS_LIBS)
tests_ops_kernels_test_sparse_hash_SOURCES = tests/ops/kernels/test_sparse_hash.c
tests_ops_kernels_test_sparse_hash_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_sparse_hash_LDADD = $(HARNESS_LIBS)
tests_ops_kernels_test_lookup_SOURCES = tests/ops/kernels/test_lookup.c \
  tests/ops/kernels/featcol_model.c tests/ops/kernels/featcol_model.h
tests_ops_kernels_test_lookup_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_lookup_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_sparse tests/ops/kernels/test_sparse_hash \
  tests/ops/kernels/test_lookup
# `modeld-cli check` (tools/cli_check.c, ops/check.c).
TESTS += tests/tools/test_check.sh
EXTRA_DIST += tests/tools/test_check.sh docs/supported-ops.md scripts/ops_table.sh
# BroadcastGradientArgs, ResourceApplyGradientDescent and md_check_model
# inside functions (golden data: tests/ops/gen/census_extra.py).
check_PROGRAMS += tests/ops/kernels/test_census_extra
tests_ops_kernels_test_census_extra_SOURCES = tests/ops/kernels/test_census_extra.c \
  tests/ops/golden/census_extra_golden.h
tests_ops_kernels_test_census_extra_CFLAGS = $(TEST_CFLAGS)
tests_ops_kernels_test_census_extra_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/kernels/test_census_extra
EXTRA_DIST += tests/ops/gen/census_extra.py
