# tests/train/: modeld-train's kernels (finite-difference gradient checks),
# library (optimizers, autodiff, checkpoints, events, exports, input) and an
# end-to-end run (train -> checkpoint -> export -> md_model_load -> classify).
check_PROGRAMS += tests/train/test_grad tests/train/test_train_graph tests/train/test_train_e2e
tests_train_test_grad_SOURCES = tests/train/test_grad.c
tests_train_test_grad_CFLAGS = $(TEST_CFLAGS)
tests_train_test_grad_LDADD = $(HARNESS_LIBS)
tests_train_test_train_graph_SOURCES = tests/train/test_train_graph.c
tests_train_test_train_graph_CFLAGS = $(TEST_CFLAGS)
tests_train_test_train_graph_LDADD = $(TRAIN_LIBS) $(CMOCKA_LIBS)
tests_train_test_train_e2e_SOURCES = tests/train/test_train_e2e.c
tests_train_test_train_e2e_CFLAGS = $(TEST_CFLAGS)
tests_train_test_train_e2e_LDADD = $(TRAIN_LIBS) $(CMOCKA_LIBS)
TESTS += tests/train/test_grad tests/train/test_train_graph tests/train/test_train_e2e
# Train while server/modeld watches the export directory (built by `make all`).
check_PROGRAMS += tests/train/test_train_serve
tests_train_test_train_serve_SOURCES = tests/train/test_train_serve.c tests/server/daemon.c \
  tests/server/daemon.h
tests_train_test_train_serve_CFLAGS = $(TEST_CFLAGS) -DMD_TEST_BUILDDIR='"$(abs_top_builddir)"'
tests_train_test_train_serve_LDADD = $(TRAIN_LIBS) $(CMOCKA_LIBS)
TESTS += tests/train/test_train_serve
EXTRA_DIST += tests/train/serve_accuracy.py
