# bench/featcol.mk: predict latency of a feature-column model at batch 1 and
# 64 (bench/featcol.c; run ./bench/featcol from the build directory).
noinst_PROGRAMS += bench/featcol
bench_featcol_SOURCES = bench/featcol.c tests/ops/kernels/featcol_model.c \
  tests/ops/kernels/featcol_model.h
bench_featcol_LDADD = $(OPS_LIBS)
