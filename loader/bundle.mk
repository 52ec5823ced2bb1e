# loader/bundle.mk: CRC32C, SSTable, TensorBundle, TFRecord.
libmdloader_a_SOURCES += \
  loader/bundle_impl.h \
  loader/crc32c.c \
  loader/sstable.c \
  loader/bundle.c \
  loader/tfrecord.c
