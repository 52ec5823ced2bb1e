# tests/fuzz/config.mk: the command line and --model_config_file
# (server/config.c compiled in for coverage; see fuzz_config.c).
FUZZ_CONFIG_SRCS = tests/fuzz/fuzz_config.c server/config.c
FUZZ_CONFIG_LIBS = $(SERVER_LIBS)

check_PROGRAMS += tests/fuzz/replay_config
tests_fuzz_replay_config_SOURCES = $(FUZZ_CONFIG_SRCS) tests/fuzz/replay.c
tests_fuzz_replay_config_LDADD = $(FUZZ_CONFIG_LIBS)
TESTS += tests/fuzz/replay_config
EXTRA_DIST += tests/fuzz/corpus/config

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = $(FUZZ_CONFIG_SRCS)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_CONFIG_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_config
endif
