# loader/savedmodel.mk: SavedModel reader/writer (saved_model.pb(txt), tag
# sets, signatures, assets; variables through the bundle reader/writer).
libmdloader_a_SOURCES += loader/savedmodel.c
