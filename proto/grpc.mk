# proto/grpc.mk: TF Serving's gRPC API messages (package tensorflow.serving,
# its names and field numbers) in our own minimal .proto files, plus the two
# well-known types they use. Compiled into libmdproto.a whether or not the
# gRPC front end is built: warmup files hold PredictionLog records.
MD_PROTOS += \
  proto/google/protobuf/wrappers.proto proto/google/protobuf/any.proto \
  proto/serving_model.proto proto/serving_predict.proto proto/serving_input.proto \
  proto/serving_classification.proto proto/serving_regression.proto \
  proto/serving_inference.proto proto/serving_get_model_metadata.proto \
  proto/serving_error_codes.proto proto/serving_status.proto \
  proto/serving_get_model_status.proto proto/serving_model_management.proto \
  proto/serving_prediction_log.proto proto/serving_internal.proto \
  proto/serving_health.proto
# The service definitions are only for clients' stubs (protoc + the gRPC
# plugin of their language); the C server dispatches on method paths.
EXTRA_DIST += proto/serving_prediction_service.proto proto/serving_model_service.proto \
  proto/serving_health_service.proto
