# tests/tools/: modeld-cli tests. test_show.sh runs tools/modeld-cli (built
# by `make all`, which `make check` does first) from the build directory.
TESTS += tests/tools/test_show.sh
EXTRA_DIST += tests/tools/test_show.sh tests/tools/pbtxt_models.sh \
  tests/tools/show_half_plus_two_all.txt \
  tests/tools/show_serving_default.txt
include tests/tools/run.mk
