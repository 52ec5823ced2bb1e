# tests/loader/textformat.mk
