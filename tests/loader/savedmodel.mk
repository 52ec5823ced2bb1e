# tests/loader/savedmodel.mk
