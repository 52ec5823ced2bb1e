# tests/fuzz/json.mk: REST JSON bodies -> tensors -> JSON, and the router
# (server/json_decode.c, json_encode.c, routes.c compiled in for coverage).
FUZZ_JSON_SRCS = tests/fuzz/fuzz_json.c server/json_decode.c server/json_encode.c \
  server/routes.c
FUZZ_JSON_LIBS = $(LOADER_LIBS) $(JANSSON_LIBS) -lm

check_PROGRAMS += tests/fuzz/replay_json
tests_fuzz_replay_json_SOURCES = $(FUZZ_JSON_SRCS) tests/fuzz/replay.c
tests_fuzz_replay_json_LDADD = $(FUZZ_JSON_LIBS)
TESTS += tests/fuzz/replay_json
EXTRA_DIST += tests/fuzz/corpus/json

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_json
tests_fuzz_fuzz_json_SOURCES = $(FUZZ_JSON_SRCS)
tests_fuzz_fuzz_json_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_json_LDADD = $(FUZZ_JSON_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_json
endif
