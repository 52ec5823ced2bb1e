# bench/v2.mk: a batch-100 MNIST CNN request through TF Serving REST, KServe
# v2 JSON, KServe v2 binary, TF Serving gRPC Predict and KServe v2 gRPC
# ModelInfer in one run: decode time vs inference in process, then
# requests/s end to end against server/modeld (the gRPC rows need the gRPC
# C core for the client). Run by hand from the build directory:
#   bench/v2_bench ../../shared/fixtures/savedmodels/keras_mnist_cnn [rounds] [requests]
# (see docs/kserve-v2.md for measured numbers).
noinst_PROGRAMS += bench/v2_bench
bench_v2_bench_SOURCES = bench/v2_bench.c tests/server/daemon.c tests/server/daemon.h
bench_v2_bench_CFLAGS = $(AM_CFLAGS) $(GRPC_CFLAGS) -DMD_TEST_BUILDDIR='"$(abs_top_builddir)"'
bench_v2_bench_LDADD = libmdgrpc.a $(SERVER_LIBS)
if HAVE_GRPC
bench_v2_bench_LDADD += $(GRPC_LIBS)
endif
