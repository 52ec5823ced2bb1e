# One include per fuzz target fragment.
include tests/fuzz/textformat.mk
include tests/fuzz/example.mk
include tests/fuzz/savedmodel.mk
include tests/fuzz/bundle.mk
include tests/fuzz/tfrecord.mk
include tests/fuzz/graph.mk
include tests/fuzz/json.mk
include tests/fuzz/grpc.mk
include tests/fuzz/v2.mk
include tests/fuzz/train.mk
include tests/fuzz/config.mk
