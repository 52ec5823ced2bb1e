# tests/fuzz/v2.mk: KServe v2 infer bodies (JSON and the binary tensor data
# extension) -> tensors -> response (server/v2_json.c; numbers through
# json_decode.c's parser).
FUZZ_V2_SRCS = tests/fuzz/fuzz_v2.c server/v2_json.c server/v2_dtype.c server/json_encode.c \
  server/json_decode.c
FUZZ_V2_LIBS = $(LOADER_LIBS) $(JANSSON_LIBS) -lm

check_PROGRAMS += tests/fuzz/replay_v2
tests_fuzz_replay_v2_SOURCES = $(FUZZ_V2_SRCS) tests/fuzz/replay.c
tests_fuzz_replay_v2_LDADD = $(FUZZ_V2_LIBS)
TESTS += tests/fuzz/replay_v2
EXTRA_DIST += tests/fuzz/corpus/v2

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_v2
tests_fuzz_fuzz_v2_SOURCES = $(FUZZ_V2_SRCS)
tests_fuzz_fuzz_v2_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_v2_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_v2_LDADD = $(FUZZ_V2_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_v2
endif
