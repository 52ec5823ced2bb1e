# tests/fuzz/tfrecord.mk: TFRecord framing (see fuzz_tfrecord.c).
check_PROGRAMS += tests/fuzz/replay_tfrecord
tests_fuzz_replay_tfrecord_SOURCES = tests/fuzz/fuzz_tfrecord.c tests/fuzz/replay.c
tests_fuzz_replay_tfrecord_LDADD = $(LOADER_LIBS)
TESTS += tests/fuzz/replay_tfrecord
EXTRA_DIST += tests/fuzz/corpus/tfrecord
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_tfrecord
FUZZ_PROGS += tests/fuzz/fuzz_tfrecord
tests_fuzz_fuzz_tfrecord_SOURCES = tests/fuzz/fuzz_tfrecord.c loader/crc32c.c loader/tfrecord.c
tests_fuzz_fuzz_tfrecord_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_tfrecord_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tfrecord_LDADD = $(BASE_LIBS)
endif
