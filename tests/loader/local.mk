include tests/loader/bundle.mk
include tests/loader/textformat.mk
include tests/loader/savedmodel.mk
