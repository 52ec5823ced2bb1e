# tests/fuzz/bundle.mk: variables.index + shard bytes (see fuzz_bundle.c).
check_PROGRAMS += tests/fuzz/replay_bundle
tests_fuzz_replay_bundle_SOURCES = tests/fuzz/fuzz_bundle.c tests/fuzz/replay.c
tests_fuzz_replay_bundle_LDADD = $(LOADER_LIBS)
TESTS += tests/fuzz/replay_bundle
EXTRA_DIST += tests/fuzz/corpus/bundle
if FUZZERS
# The parser sources are compiled into the target itself so that libFuzzer's
# coverage instrumentation reaches them.
noinst_PROGRAMS += tests/fuzz/fuzz_bundle
FUZZ_PROGS += tests/fuzz/fuzz_bundle
tests_fuzz_fuzz_bundle_SOURCES = tests/fuzz/fuzz_bundle.c \
  loader/crc32c.c loader/sstable.c loader/bundle.c
tests_fuzz_fuzz_bundle_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_bundle_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_bundle_LDADD = $(PROTO_LIBS) $(BASE_LIBS) $(SNAPPY_LIBS)
endif
