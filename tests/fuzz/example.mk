# tests/fuzz/example.mk: serialized tf.Example through ParseExample(V2).
# The parser's sources are compiled into the fuzz target so that libFuzzer
# instruments them (libmdops.a is not built with coverage).
FUZZ_EXAMPLE_SRCS = tests/fuzz/fuzz_example.c ops/kernels/parse_example_common.c \
  ops/kernels/parse_example.c ops/kernels/parse_example_v2.c

check_PROGRAMS += tests/fuzz/replay_example
tests_fuzz_replay_example_SOURCES = $(FUZZ_EXAMPLE_SRCS) tests/fuzz/replay.c
tests_fuzz_replay_example_LDADD = $(OPS_LIBS)
TESTS += tests/fuzz/replay_example
EXTRA_DIST += tests/fuzz/corpus/example

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_example
tests_fuzz_fuzz_example_SOURCES = $(FUZZ_EXAMPLE_SRCS)
tests_fuzz_fuzz_example_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_example_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_example_LDADD = $(OPS_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_example
endif
