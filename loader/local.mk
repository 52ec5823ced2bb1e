# loader/: SavedModel, TensorBundle, text format, TFRecord -> libmdloader.a.
# Each part lists its files in its own fragment.
noinst_LIBRARIES += libmdloader.a
libmdloader_a_SOURCES = loader/loader.h
include loader/bundle.mk
include loader/textformat.mk
include loader/savedmodel.mk
