# tests/server/grpc.mk: the gRPC front end. test_grpc_tensor (TensorProto
# <-> tensor for every dtype) and test_grpc_handlers (the method handlers on
# the committed example model, no network) need no libgrpc; test_grpc.sh
# runs server/modeld and Python clients (stubs generated from proto/ at test
# time) and skips (77) when the gRPC build or the Python packages are absent.
check_PROGRAMS += tests/server/grpc/test_grpc_tensor
tests_server_grpc_test_grpc_tensor_SOURCES = tests/server/grpc/test_grpc_tensor.c
tests_server_grpc_test_grpc_tensor_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_grpc_test_grpc_tensor_LDADD = $(GRPC_HANDLER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/grpc/test_grpc_tensor

check_PROGRAMS += tests/server/grpc/test_grpc_handlers
tests_server_grpc_test_grpc_handlers_SOURCES = tests/server/grpc/test_grpc_handlers.c
tests_server_grpc_test_grpc_handlers_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_grpc_test_grpc_handlers_LDADD = $(GRPC_HANDLER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/grpc/test_grpc_handlers

TESTS += tests/server/grpc/test_grpc.sh
EXTRA_DIST += tests/server/grpc/test_grpc.sh tests/server/grpc/test_grpc.py
