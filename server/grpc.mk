# server/grpc.mk: the gRPC front end (TF Serving's PredictionService and
# ModelService on the gRPC C core). The method handlers are transport-free
# (protobuf bytes in and out) and always built, so their unit test and fuzz
# target run on any machine; the listener itself (grpc_server.c) needs
# libgrpc-dev and is only built, and linked into server/modeld, with it.
noinst_LIBRARIES += libmdgrpc.a
libmdgrpc_a_SOURCES = \
  server/grpc/grpc_server.h server/grpc/grpc_impl.h \
  server/grpc/grpc_call.c server/grpc/grpc_tensor.c server/grpc/grpc_predict.c \
  server/grpc/grpc_examples.c server/grpc/grpc_model.c
libmdgrpc_a_CFLAGS = $(AM_CFLAGS) $(GRPC_CFLAGS)
GRPC_HANDLER_LIBS = libmdgrpc.a $(SERVER_LIBS)
if HAVE_GRPC
libmdgrpc_a_SOURCES += server/grpc/grpc_server.c
server_modeld_LDADD += libmdgrpc.a $(SERVER_LIBS) $(GRPC_LIBS)
endif
