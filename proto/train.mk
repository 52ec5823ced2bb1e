# proto/train.mk: TensorBoard event files for modeld-train.
MD_PROTOS += proto/summary.proto proto/event.proto
