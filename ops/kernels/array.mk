# ops/kernels/array.mk: kernel files of the array family.
libmdops_a_SOURCES += ops/kernels/no_op.c
# Array/shape family (shared helpers: array_common.*; the tf.Example parser
# behind ParseExample/ParseExampleV2: parse_example_common.*).
libmdops_a_SOURCES += \
  ops/kernels/array_common.c ops/kernels/array_common.h ops/kernels/as_string.c \
  ops/kernels/assert.c ops/kernels/broadcast_args.c ops/kernels/broadcast_to.c \
  ops/kernels/concat_v2.c ops/kernels/expand_dims.c ops/kernels/fill.c ops/kernels/gather.c \
  ops/kernels/gather_v2.c ops/kernels/mirror_pad.c ops/kernels/one_hot.c \
  ops/kernels/ones_like.c ops/kernels/pack.c ops/kernels/pad.c ops/kernels/pad_v2.c \
  ops/kernels/parse_example.c ops/kernels/parse_example_common.c \
  ops/kernels/parse_example_common.h ops/kernels/parse_example_v2.c ops/kernels/range.c \
  ops/kernels/rank.c ops/kernels/reshape.c ops/kernels/reverse_v2.c ops/kernels/shape.c \
  ops/kernels/shape_n.c ops/kernels/size.c ops/kernels/slice.c ops/kernels/split.c \
  ops/kernels/split_v.c ops/kernels/squeeze.c ops/kernels/strided_slice.c \
  ops/kernels/string_join.c ops/kernels/tile.c ops/kernels/top_k_v2.c ops/kernels/transpose.c \
  ops/kernels/unique.c ops/kernels/unpack.c ops/kernels/where.c ops/kernels/zeros_like.c
