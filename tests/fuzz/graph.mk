# tests/fuzz/graph.mk: GraphDef bytes -> graph import (function inlining) ->
# plans -> runs. See tests/fuzz/local.mk for the convention. The engine's
# sources are compiled into the fuzz target so that libFuzzer instruments them.
check_PROGRAMS += tests/fuzz/replay_graph
tests_fuzz_replay_graph_SOURCES = tests/fuzz/fuzz_graph.c tests/fuzz/replay.c
tests_fuzz_replay_graph_LDADD = $(OPS_LIBS)
TESTS += tests/fuzz/replay_graph
EXTRA_DIST += tests/fuzz/corpus/graph
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_graph
tests_fuzz_fuzz_graph_SOURCES = tests/fuzz/fuzz_graph.c ops/graph.c ops/plan.c ops/exec.c
tests_fuzz_fuzz_graph_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_graph_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_graph_LDADD = $(OPS_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_graph
endif
