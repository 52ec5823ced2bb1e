# tools/run.mk: `modeld-cli run` (saved_model_cli run): numpy files, Python
# literals and tf.Example inputs; outputs printed as numpy does or saved.
tools_modeld_cli_SOURCES += tools/cli_run.c tools/npy.c tools/npy.h
tools_modeld_cli_LDADD += $(ZLIB_LIBS)
