# bench/grpc.mk: Predict requests/s and p50/p99 over gRPC beside REST, same
# daemon, same run (bench/grpc.c; run ./bench/grpc from the build directory).
# Needs the gRPC C core for its client.
if HAVE_GRPC
noinst_PROGRAMS += bench/grpc
bench_grpc_SOURCES = bench/grpc.c
bench_grpc_CFLAGS = $(AM_CFLAGS) $(GRPC_CFLAGS) -DMD_BENCH_SRCDIR='"$(abs_top_srcdir)"'
bench_grpc_LDADD = $(PROTO_LIBS) $(GRPC_LIBS)
endif
