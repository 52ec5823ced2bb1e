# loader/bundle.mk
