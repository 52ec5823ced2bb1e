# tests/fuzz/grpc.mk: gRPC request messages -> the method handlers (see
# fuzz_grpc_request.c). The handlers' sources are compiled into the fuzz
# target so that libFuzzer instruments them; they need no libgrpc.
FUZZ_GRPC_SRCS = tests/fuzz/fuzz_grpc_request.c server/grpc/grpc_call.c \
  server/grpc/grpc_tensor.c server/grpc/grpc_predict.c server/grpc/grpc_examples.c \
  server/grpc/grpc_model.c server/grpc/v2_grpc.c
check_PROGRAMS += tests/fuzz/replay_grpc_request
tests_fuzz_replay_grpc_request_SOURCES = tests/fuzz/fuzz_grpc_request.c tests/fuzz/replay.c
tests_fuzz_replay_grpc_request_CFLAGS = $(AM_CFLAGS) -DMD_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_replay_grpc_request_LDADD = $(GRPC_HANDLER_LIBS)
TESTS += tests/fuzz/replay_grpc_request
EXTRA_DIST += tests/fuzz/corpus/grpc_request
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_grpc_request
FUZZ_PROGS += tests/fuzz/fuzz_grpc_request
tests_fuzz_fuzz_grpc_request_SOURCES = $(FUZZ_GRPC_SRCS)
tests_fuzz_fuzz_grpc_request_CFLAGS = $(FUZZ_CFLAGS) -DMD_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_fuzz_grpc_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_grpc_request_LDADD = $(SERVER_LIBS)
endif
