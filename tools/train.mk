# tools/train.mk: modeld-train and its library (tools/train/).
noinst_LIBRARIES += libmdtrain.a
libmdtrain_a_SOURCES = tools/train/train.h tools/train/graph_builder.c tools/train/autodiff.c \
  tools/train/optimizer.c tools/train/models.c tools/train/input.c tools/train/checkpoint.c \
  tools/train/summary.c tools/train/export.c tools/train/estimator.c
TRAIN_LIBS = libmdtrain.a $(OPS_LIBS) $(ZLIB_LIBS)
bin_PROGRAMS += tools/modeld-train
tools_modeld_train_SOURCES = tools/modeld_train.c
tools_modeld_train_LDADD = $(TRAIN_LIBS)
