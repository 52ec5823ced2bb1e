# tests/fuzz/textformat.mk: text format parser/printer (model config files,
# saved_model.pbtxt). See tests/fuzz/local.mk for the convention.
check_PROGRAMS += tests/fuzz/replay_textformat
tests_fuzz_replay_textformat_SOURCES = tests/fuzz/fuzz_textformat.c tests/fuzz/replay.c
tests_fuzz_replay_textformat_LDADD = $(LOADER_LIBS)
TESTS += tests/fuzz/replay_textformat
EXTRA_DIST += tests/fuzz/corpus/textformat
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_textformat
tests_fuzz_fuzz_textformat_SOURCES = tests/fuzz/fuzz_textformat.c
tests_fuzz_fuzz_textformat_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_textformat_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_textformat_LDADD = $(LOADER_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_textformat
endif
