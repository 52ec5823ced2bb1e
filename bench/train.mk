# bench/train.mk: training images/s of the cnn step against PyTorch
# (bench/train.c, bench/train_torch.py, runner bench/train_run.py).
noinst_PROGRAMS += bench/train
bench_train_SOURCES = bench/train.c
bench_train_LDADD = $(TRAIN_LIBS)
EXTRA_DIST += bench/train_torch.py bench/train_run.py
