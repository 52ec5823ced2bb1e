# proto/: our minimal .proto files (TensorFlow's packages, names and field
# numbers), compiled by protoc-c into libmdproto.a.
MD_PROTOS = \
  proto/types.proto proto/tensor_shape.proto proto/tensor.proto \
  proto/attr_value.proto proto/node_def.proto proto/op_def.proto \
  proto/function.proto proto/versions.proto proto/graph.proto \
  proto/saver.proto proto/trackable_object_graph.proto \
  proto/saved_object_graph.proto proto/meta_graph.proto \
  proto/saved_model.proto proto/tensor_bundle.proto proto/example.proto \
  proto/checkpoint_state.proto proto/model_server_config.proto
MD_PROTO_C = $(MD_PROTOS:.proto=.pb-c.c)
MD_PROTO_H = $(MD_PROTOS:.proto=.pb-c.h)
BUILT_SOURCES += $(MD_PROTO_C) $(MD_PROTO_H)
CLEANFILES += $(MD_PROTO_C) $(MD_PROTO_H)
EXTRA_DIST += $(MD_PROTOS)

noinst_LIBRARIES += libmdproto.a
nodist_libmdproto_a_SOURCES = $(MD_PROTO_C) $(MD_PROTO_H)
# Generated code is not ours to warn about.
libmdproto_a_CFLAGS = -std=c11 $(SAN_CFLAGS) $(PROTOBUFC_CFLAGS) -w

proto/%.pb-c.c proto/%.pb-c.h: $(srcdir)/proto/%.proto
	@$(MKDIR_P) proto
	$(AM_V_GEN)$(PROTOC_C) --proto_path=$(srcdir)/proto --c_out=proto $<
include proto/grpc.mk
include proto/train.mk
include proto/v2.mk
