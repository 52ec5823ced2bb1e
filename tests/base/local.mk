check_PROGRAMS += tests/base/test_base
tests_base_test_base_SOURCES = tests/base/test_base.c
tests_base_test_base_CFLAGS = $(TEST_CFLAGS)
tests_base_test_base_LDADD = $(BASE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/base/test_base
