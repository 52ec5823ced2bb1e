# proto/v2.mk: the Open Inference Protocol's gRPC messages (package
# inference). grpc.health.v1 already comes from serving_health.proto
# (proto/grpc.mk), so there is no second copy here.
MD_PROTOS += proto/grpc_predict_v2.proto
