# tests/fuzz/: one libFuzzer target per parser of outside data,
# tests/fuzz/fuzz_<thing>.c defining LLVMFuzzerTestOneInput, a seed corpus in
# tests/fuzz/corpus/<thing>/, and a fragment tests/fuzz/<thing>.mk that adds
#   - tests/fuzz/replay_<thing> (fuzz_<thing>.c + replay.c) to TESTS: make check
#     replays the whole corpus, crashes included, under whatever sanitizers the
#     build has;
#   - with --enable-fuzzers (CC=clang), tests/fuzz/fuzz_<thing> linked with
#     -fsanitize=fuzzer to noinst_PROGRAMS ("make fuzz" builds them;
#     scripts/fuzz.sh runs each for N seconds).
FUZZ_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined
FUZZ_PROGS =
include tests/fuzz/targets.mk
# Generated proto headers first: the fuzz objects include them.
fuzz:
	$(MAKE) $(AM_MAKEFLAGS) $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_PROGS)
.PHONY: fuzz
