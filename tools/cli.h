/* cli.h: modeld-cli subcommands. Each takes the arguments after the
 * subcommand name and returns the process exit code (0 ok, 1 error, 2 usage). */
#ifndef MD_TOOLS_CLI_H
#define MD_TOOLS_CLI_H

int md_cli_show(int argc, char **argv);
int md_cli_run(int argc, char **argv);
int md_cli_check(int argc, char **argv);

#endif
