# ops/kernels/sparse.mk: sparse, string, lookup-table and feature-column
# kernels (shared helpers: sparse_common.* for FarmHash, Philox and the
# segment reductions; lookup_common.* for the hash tables).
libmdops_a_SOURCES += \
  ops/op_list_sparse.h ops/kernels/sparse_common.c ops/kernels/sparse_common.h \
  ops/kernels/lookup_common.c ops/kernels/lookup_common.h \
  ops/kernels/bucketize.c ops/kernels/decode_csv.c ops/kernels/gather_nd.c ops/kernels/hash_table_v2.c \
  ops/kernels/initialize_table_from_text_file_v2.c ops/kernels/initialize_table_v2.c \
  ops/kernels/lookup_table_find_v2.c ops/kernels/lookup_table_import_v2.c \
  ops/kernels/lookup_table_size_v2.c ops/kernels/lower_bound.c ops/kernels/random_uniform.c \
  ops/kernels/resource_gather.c ops/kernels/sparse_fill_empty_rows.c \
  ops/kernels/sparse_reshape.c ops/kernels/sparse_segment_mean.c \
  ops/kernels/sparse_segment_mean_with_num_segments.c ops/kernels/sparse_segment_sqrt_n.c \
  ops/kernels/sparse_segment_sqrt_n_with_num_segments.c ops/kernels/sparse_segment_sum.c \
  ops/kernels/sparse_segment_sum_with_num_segments.c ops/kernels/sparse_to_dense.c \
  ops/kernels/string_split.c ops/kernels/string_to_hash_bucket_fast.c ops/kernels/upper_bound.c
# Census leftovers (gradient graphs in exported training SavedModels).
libmdops_a_SOURCES += ops/kernels/broadcast_gradient_args.c \
  ops/kernels/resource_apply_gradient_descent.c
# Per-signature op coverage for `modeld-cli check` (ops/check.h).
libmdops_a_SOURCES += ops/check.c ops/check.h
