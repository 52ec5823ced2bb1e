/* check.h: which signatures of a SavedModel modeld can serve, and what is
 * missing, per signature (for `modeld-cli check`).
 *
 *   struct md_check_report r;
 *   if (!md_check_model(sm, &r, &st)) ...          // malformed graph
 *   for (size_t i = 0; i < r.n_missing; i++)
 *       printf("%s: %s (%s)\n", r.missing[i].op, r.missing[i].nodes, r.missing[i].needed_by);
 *   md_check_report_cleanup(&r);
 */
#ifndef MD_OPS_CHECK_H
#define MD_OPS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "loader/loader.h"

struct md_check_missing {
    char *op;        /* TF op name */
    bool refused;    /* registered but refused for safety */
    char *nodes;     /* comma-separated node names (escaped, truncated); a node
                        inside a library function is "fn/node", through
                        nested calls "fn/inner_fn/node" */
    char *needed_by; /* comma-separated: signature keys, "the restore op", "the init op" */
};

struct md_check_sig {
    const char *key;   /* borrowed from the savedmodel */
    bool servable;     /* every op it (and the restore/init ops) needs is supported */
    char *problem;     /* why not, when !servable (malloc'd) */
};

struct md_check_report {
    size_t n_missing;
    struct md_check_missing *missing; /* sorted by op */
    size_t n_sigs;
    struct md_check_sig *sigs;        /* in sm->signatures order */
};

/* Imports the graph (and function library) of sm and plans the restore op,
 * the init op and every signature as md_model_load would, recording each
 * unsupported op with the nodes and plans needing it, including the ops of
 * the library functions needed nodes reach (If/While/Case branches and
 * bodies, PartitionedCall f, direct calls; recursively, each function once).
 * false + st when the graph itself is malformed (then no signature can be served). The report is
 * malloc'd: md_check_report_cleanup. thread-safe */
MD_MUST_CHECK bool md_check_model(const struct md_savedmodel *sm, struct md_check_report *r,
                                  struct md_status *st);
void md_check_report_cleanup(struct md_check_report *r);

#endif
