# base/: status, dtypes and tensors, request arenas, logging.
noinst_LIBRARIES += libmdbase.a
libmdbase_a_SOURCES = \
  base/status.c base/status.h \
  base/tensor.c base/tensor.h \
  base/arena.c base/arena.h \
  base/log.c base/log.h
