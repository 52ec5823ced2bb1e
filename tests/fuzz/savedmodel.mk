# tests/fuzz/savedmodel.mk: saved_model.pb bytes -> md_savedmodel_parse ->
# tag-set choice and signature tables. See tests/fuzz/local.mk for the
# convention. loader/savedmodel.c is compiled into the fuzz target so that
# libFuzzer instruments it (libmdloader.a is not built with coverage).
check_PROGRAMS += tests/fuzz/replay_savedmodel
tests_fuzz_replay_savedmodel_SOURCES = tests/fuzz/fuzz_savedmodel.c tests/fuzz/replay.c
tests_fuzz_replay_savedmodel_LDADD = $(LOADER_LIBS)
TESTS += tests/fuzz/replay_savedmodel
EXTRA_DIST += tests/fuzz/corpus/savedmodel
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_savedmodel
tests_fuzz_fuzz_savedmodel_SOURCES = tests/fuzz/fuzz_savedmodel.c loader/savedmodel.c
tests_fuzz_fuzz_savedmodel_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_savedmodel_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_savedmodel_LDADD = $(LOADER_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_savedmodel
endif
