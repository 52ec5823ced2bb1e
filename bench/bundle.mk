# bench/bundle.mk: bundle load time and memory (not a test; run by hand).
noinst_PROGRAMS += bench/bundle_load
bench_bundle_load_SOURCES = bench/bundle_load.c
bench_bundle_load_LDADD = $(LOADER_LIBS)
