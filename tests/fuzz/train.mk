# tests/fuzz/train.mk: modeld-train's parsers (IDX files, event files, the
# `checkpoint` state file, TFRecord of tf.Example), one target with a
# selector byte; see fuzz_train.c. The parsers' sources are compiled into the
# fuzz target so that libFuzzer instruments them.
check_PROGRAMS += tests/fuzz/replay_train
tests_fuzz_replay_train_SOURCES = tests/fuzz/fuzz_train.c tests/fuzz/replay.c
tests_fuzz_replay_train_LDADD = $(TRAIN_LIBS)
TESTS += tests/fuzz/replay_train
EXTRA_DIST += tests/fuzz/corpus/train tests/fuzz/gen_train_corpus.py
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_train
FUZZ_PROGS += tests/fuzz/fuzz_train
tests_fuzz_fuzz_train_SOURCES = tests/fuzz/fuzz_train.c tools/train/input.c \
  tools/train/checkpoint.c tools/train/summary.c
tests_fuzz_fuzz_train_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_train_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_train_LDADD = $(TRAIN_LIBS)
endif
