# bench/nn.mk: the MNIST CNN benchmark of the nn kernels against PyTorch
# (bench/cnn.c, bench/cnn_torch.py, runner bench/cnn_run.py).
noinst_PROGRAMS += bench/cnn
bench_cnn_SOURCES = bench/cnn.c
bench_cnn_LDADD = $(OPS_LIBS)
EXTRA_DIST += bench/cnn_torch.py bench/cnn_run.py
