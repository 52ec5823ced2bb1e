# server/v2.mk: the Open Inference Protocol (KServe v2) over the same model
# manager: REST paths under /v2 (routed by server/http.c), health and
# readiness, the binary tensor data extension. The gRPC half lives in
# server/grpc/v2_grpc.c (server/grpc.mk's library).
libmdserver_a_SOURCES += \
  server/v2.h server/v2.c server/v2_dtype.c server/v2_json.c server/v2_http.c
libmdgrpc_a_SOURCES += server/grpc/v2_grpc.c
