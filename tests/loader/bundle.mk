# tests/loader/bundle.mk: CRC32C, SSTable + TensorBundle, TFRecord.
check_PROGRAMS += tests/loader/test_crc32c tests/loader/test_bundle tests/loader/test_tfrecord
tests_loader_test_crc32c_SOURCES = tests/loader/test_crc32c.c
tests_loader_test_crc32c_CFLAGS = $(TEST_CFLAGS)
tests_loader_test_crc32c_LDADD = $(LOADER_LIBS) $(CMOCKA_LIBS)
tests_loader_test_bundle_SOURCES = tests/loader/test_bundle.c
tests_loader_test_bundle_CFLAGS = $(TEST_CFLAGS)
tests_loader_test_bundle_LDADD = $(LOADER_LIBS) $(CMOCKA_LIBS)
tests_loader_test_tfrecord_SOURCES = tests/loader/test_tfrecord.c
tests_loader_test_tfrecord_CFLAGS = $(TEST_CFLAGS)
tests_loader_test_tfrecord_LDADD = $(LOADER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/loader/test_crc32c tests/loader/test_bundle tests/loader/test_tfrecord
