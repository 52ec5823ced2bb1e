# tests/: cmocka unit tests mirror the source tree; each module's tests are
# listed in tests/<module>/local.mk. Exit code 77 = skipped (e.g. ../shared absent).
if HAVE_CMOCKA
include tests/base/local.mk
include tests/loader/local.mk
include tests/ops/local.mk
include tests/server/local.mk
include tests/tools/local.mk
include tests/train/local.mk
endif
include tests/fuzz/local.mk
include tests/reliability/local.mk
