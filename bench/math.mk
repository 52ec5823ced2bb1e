# bench/math.mk: single-thread throughput of the math family's hot kernels
# (bench/math.c; run ./bench/math from the build directory).
noinst_PROGRAMS += bench/math
bench_math_SOURCES = bench/math.c
bench_math_LDADD = $(OPS_LIBS)
