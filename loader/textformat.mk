# loader/textformat.mk: protobuf text format parser and printer.
libmdloader_a_SOURCES += loader/textformat.c
