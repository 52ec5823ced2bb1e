# tests/loader/bundle.mk
