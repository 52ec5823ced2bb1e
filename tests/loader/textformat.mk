# tests/loader/textformat.mk
check_PROGRAMS += tests/loader/test_textformat
tests_loader_test_textformat_SOURCES = tests/loader/test_textformat.c
tests_loader_test_textformat_CFLAGS = $(TEST_CFLAGS)
tests_loader_test_textformat_LDADD = $(LOADER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/loader/test_textformat
