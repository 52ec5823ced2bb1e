# loader/textformat.mk
