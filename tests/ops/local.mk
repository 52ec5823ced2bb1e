# tests/ops/: the kernel harness, engine tests, and per-family kernel tests
# (tests/ops/kernels/<family>.mk).
check_LIBRARIES = tests/ops/libharness.a
tests_ops_libharness_a_SOURCES = tests/ops/harness.c tests/ops/harness.h
tests_ops_libharness_a_CFLAGS = $(TEST_CFLAGS)
HARNESS_LIBS = tests/ops/libharness.a $(OPS_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/ops/test_registry
tests_ops_test_registry_SOURCES = tests/ops/test_registry.c
tests_ops_test_registry_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_registry_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/test_registry

include tests/ops/engine.mk
include tests/ops/kernels/math.mk
include tests/ops/kernels/array.mk
include tests/ops/kernels/nn.mk
include tests/ops/kernels/sparse.mk
