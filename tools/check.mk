# tools/check.mk: `modeld-cli check` (per-signature op coverage, ops/check.c).
tools_modeld_cli_SOURCES += tools/cli_check.c
