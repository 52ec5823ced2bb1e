# tools/: modeld-cli (show / run / check). The program's stanza and the
# subcommands' files are in tools/<subcommand>.mk.
include tools/show.mk
include tools/run.mk
include tools/train.mk
include tools/check.mk
