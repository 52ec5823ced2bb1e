# tests/loader/savedmodel.mk: SavedModel reader/writer (fixtures under
# ../shared/fixtures/savedmodels; skipped with 77 when absent).
check_PROGRAMS += tests/loader/test_savedmodel
tests_loader_test_savedmodel_SOURCES = tests/loader/test_savedmodel.c
tests_loader_test_savedmodel_CFLAGS = $(TEST_CFLAGS)
tests_loader_test_savedmodel_LDADD = $(LOADER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/loader/test_savedmodel
