# tests/ops/engine.mk: tests of graph import, plans, execution and models.
# test_model needs ../shared/fixtures (skipped with 77 when absent).
check_PROGRAMS += tests/ops/test_model
tests_ops_test_model_SOURCES = tests/ops/test_model.c
tests_ops_test_model_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_model_LDADD = $(OPS_LIBS) $(ZLIB_LIBS) $(CMOCKA_LIBS)
TESTS += tests/ops/test_model

check_PROGRAMS += tests/ops/test_graph
tests_ops_test_graph_SOURCES = tests/ops/test_graph.c
tests_ops_test_graph_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_graph_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/test_graph

check_PROGRAMS += tests/ops/test_control_flow
tests_ops_test_control_flow_SOURCES = tests/ops/test_control_flow.c
tests_ops_test_control_flow_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_control_flow_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/test_control_flow

check_PROGRAMS += tests/ops/test_functional
tests_ops_test_functional_SOURCES = tests/ops/test_functional.c tests/ops/cf_build.h
tests_ops_test_functional_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_functional_LDADD = $(HARNESS_LIBS) -lm
TESTS += tests/ops/test_functional

check_PROGRAMS += tests/ops/test_tensor_list
tests_ops_test_tensor_list_SOURCES = tests/ops/test_tensor_list.c tests/ops/cf_build.h
tests_ops_test_tensor_list_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_tensor_list_LDADD = $(HARNESS_LIBS) -lm
TESTS += tests/ops/test_tensor_list

check_PROGRAMS += tests/ops/test_tf1_loops
tests_ops_test_tf1_loops_SOURCES = tests/ops/test_tf1_loops.c tests/ops/cf_build.h
tests_ops_test_tf1_loops_CFLAGS = $(TEST_CFLAGS)
tests_ops_test_tf1_loops_LDADD = $(HARNESS_LIBS)
TESTS += tests/ops/test_tf1_loops
