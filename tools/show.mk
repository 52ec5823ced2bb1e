# tools/show.mk: the modeld-cli program and its `show` subcommand.
bin_PROGRAMS += tools/modeld-cli
tools_modeld_cli_SOURCES = tools/modeld_cli.c tools/cli.h tools/cli_show.c
tools_modeld_cli_LDADD = $(OPS_LIBS) $(JANSSON_LIBS)
