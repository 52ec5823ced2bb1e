/* modeld-cli check: can modeld serve this SavedModel?
 *
 *   modeld-cli check --dir DIR [--tag_set serve]
 *
 * Exit 0 when every signature can be served: every op the signatures, the
 * restore op and the init op need is supported, and the model then loads
 * (kernel init, variable restore, table initialisers). Otherwise exit 1,
 * listing each missing op with the nodes and the signatures needing it, or
 * the load error. Exit 2 on usage errors.
 *
 *   modeld-cli check --supported-ops
 *
 * prints the registry (md_op_all) as the Markdown table of
 * docs/supported-ops.md (scripts/ops_table.sh). */
#include <stdio.h>
#include <string.h>

#include "ops/check.h"
#include "ops/kernel.h"
#include "ops/ops.h"
#include "tools/cli.h"

static int supported_ops(void)
{
    size_t n;
    const struct md_op_def *const *all = md_op_all(&n);
    size_t n_refused = 0;
    for (size_t i = 0; i < n; i++)
        n_refused += (all[i]->flags & MD_OP_REFUSED) != 0;
    printf("# Supported ops\n\n"
           "Generated from modeld's op registry by `scripts/ops_table.sh` "
           "(`modeld-cli check --supported-ops`); do not edit by hand.\n"
           "A model whose signatures, restore op or init op need any other op is refused at "
           "load with UNIMPLEMENTED naming the ops and nodes; `modeld-cli check --dir DIR` "
           "lists them per signature, including ops used inside functions (If/While/Case "
           "branches and bodies, PartitionedCall).\n\n"
           "Ops noted *refused for safety* are recognised but never run: they read or write "
           "files, start processes or call Python (ReadFile, SaveV2, PyFunc, readers and "
           "datasets), which a server must not do on a model's behalf. A model needing one is "
           "refused at load with UNIMPLEMENTED saying so. *stateful* ops change state kept "
           "by the model (variables, tables, random generators); *load time only* ops run "
           "while the model loads (restore, table initialisers).\n\n"
           "%zu ops registered (%zu refused for safety).\n\n| op | notes |\n|---|---|\n",
           n, n_refused);
    for (size_t i = 0; i < n; i++) {
        const struct md_op_def *d = all[i];
        char notes[256] = "";
        size_t o = 0;
        if (d->flags & MD_OP_REFUSED)
            o += (size_t)snprintf(notes + o, sizeof notes - o, "refused for safety; ");
        if (d->flags & MD_OP_LOAD_ONLY)
            o += (size_t)snprintf(notes + o, sizeof notes - o, "load time only; ");
        if (d->flags & MD_OP_STATEFUL)
            o += (size_t)snprintf(notes + o, sizeof notes - o, "stateful; ");
        if (!strcmp(d->tf_name, "RandomUniform"))
            o += (size_t)snprintf(notes + o, sizeof notes - o,
                                  "Philox4x32-10 seeded from seed/seed2 as TensorFlow: the first "
                                  "run after load returns TensorFlow's values; ");
        if (!strcmp(d->tf_name, "InitializeTableFromTextFileV2"))
            o += (size_t)snprintf(notes + o, sizeof notes - o,
                                  "reads only files inside the model directory; ");
        if (o >= 2 && o < sizeof notes)
            notes[o - 2] = '\0';
        printf("| %s | %s |\n", d->tf_name, notes);
    }
    return 0;
}

static int check_usage(FILE *f)
{
    fprintf(f, "usage: modeld-cli check --dir DIR [--tag_set TAGS]\n"
               "       modeld-cli check --supported-ops\n\n"
               "Checks that modeld can serve every signature of a SavedModel.\n"
               "  --dir DIR       the SavedModel version directory\n"
               "  --tag_set TAGS  comma-separated tag set of the MetaGraphDef (default serve)\n"
               "  --supported-ops print the supported-ops table (Markdown)\n"
               "Exit status: 0 all signatures servable, 1 not (missing ops listed), 2 usage.\n");
    return f == stdout ? 0 : 2;
}

int md_cli_check(int argc, char **argv)
{
    const char *dir = NULL, *tags = "serve";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return check_usage(stdout);
        if (!strcmp(a, "--supported-ops"))
            return supported_ops();
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (eq)
            v = eq + 1;
        else if (i + 1 < argc)
            v = argv[i + 1];
        if (nl == 5 && !strncmp(a, "--dir", 5) && v)
            dir = v;
        else if (nl == 9 && !strncmp(a, "--tag_set", 9) && v)
            tags = v;
        else {
            fprintf(stderr, "modeld-cli check: unknown or incomplete option '%s'\n", a);
            return check_usage(stderr);
        }
        if (!eq)
            i++;
    }
    if (!dir) {
        fprintf(stderr, "modeld-cli check: --dir is required\n");
        return check_usage(stderr);
    }
    struct md_status st = MD_STATUS_INIT;
    struct md_savedmodel *sm = md_savedmodel_open(dir, tags, &st);
    if (!sm) {
        fprintf(stderr, "modeld-cli check: %s\n", st.msg);
        return 1;
    }
    struct md_check_report r;
    if (!md_check_model(sm, &r, &st)) {
        printf("cannot serve: the graph is malformed: %s\n", st.msg);
        md_savedmodel_free(sm);
        return 1;
    }
    size_t ok = 0;
    for (size_t i = 0; i < r.n_sigs; i++)
        ok += r.sigs[i].servable;
    printf("SavedModel %s, tag set '%s': %zu signature%s, %zu servable\n", dir, tags, r.n_sigs,
           r.n_sigs == 1 ? "" : "s", ok);
    if (r.n_missing) {
        printf("\nmissing ops (%zu):\n", r.n_missing);
        for (size_t i = 0; i < r.n_missing; i++)
            printf("  %s%s\n    nodes: %s\n    needed by: %s\n", r.missing[i].op,
                   r.missing[i].refused ? " (refused for safety)" : "",
                   r.missing[i].nodes ? r.missing[i].nodes : "",
                   r.missing[i].needed_by ? r.missing[i].needed_by : "");
    }
    printf("\nsignatures:\n");
    for (size_t i = 0; i < r.n_sigs; i++)
        printf("  %-28s %s%s%s\n", r.sigs[i].key, r.sigs[i].servable ? "ok" : "NOT SERVABLE",
               r.sigs[i].servable ? "" : ": ", r.sigs[i].problem ? r.sigs[i].problem : "");
    bool all = ok == r.n_sigs && r.n_missing == 0;
    md_check_report_cleanup(&r);
    md_savedmodel_free(sm);
    if (all) {
        /* Ops are all there: load for real (attrs, dtypes, restore, tables). */
        struct md_model_options opts = MD_MODEL_OPTIONS_INIT;
        opts.tags = tags;
        opts.intra_op_threads = 1;
        struct md_model *m = md_model_load(dir, &opts, &st);
        if (!m) {
            printf("\nload failed: %s\n", st.msg);
            return 1;
        }
        md_model_unref(m);
        printf("\nmodel loads: every signature can be served\n");
        return 0;
    }
    return 1;
}
