/* modeld-cli: inspect and run SavedModels, like TensorFlow's saved_model_cli. */
#include <stdio.h>
#include <string.h>

#include "ops/blas.h"
#include "tools/cli.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    { "show", md_cli_show, "show tag-sets, signatures and tensor info of a SavedModel" },
    { "check", md_cli_check, "exit 0 only if every signature can be served, else list missing ops" },
    { "run", md_cli_run, "run a signature on inputs from numpy files, literals or tf.Examples" },
};

static int usage(FILE *f)
{
    fprintf(f, "usage: modeld-cli <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-6s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'modeld-cli <command> --help' describes a command's options.\n");
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    md_blas_select_coretype(argv, false); /* may re-execute once: ops/blas.h */
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "modeld-cli: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
