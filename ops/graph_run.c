/* graph_run.c: md_session, an in-memory GraphDef run repeatedly with a
 * variable store the caller owns. The training companion (tools/train)
 * builds its TRAIN/EVAL graphs as GraphDefs and runs them through this; the
 * serving path never uses it. Everything here is composition of the
 * interpreter's own pieces (graph import, plan, exec, variable store). */
#include <stdlib.h>
#include <string.h>

#include "ops/graph_run.h"
#include "ops/blas.h"
#include "ops/ops_impl.h"

struct md_session_plan {
    struct md_plan *plan;
    struct md_session_plan *next;
};

struct md_session {
    struct md_graph *g;
    struct md_varstore *vars;
    struct md_threadpool *pool; /* the shared pool (not ours) or NULL */
    struct md_exec_env env;
    struct md_session_plan *plans;
    Tensorflow__NodeDef dummy; /* names the caller in variable errors */
};

struct md_session *md_session_new(const Tensorflow__GraphDef *gd, int threads,
                                  struct md_status *st)
{
    md_blas_init();
    struct md_session *s = calloc(1, sizeof *s);
    if (!s) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating a session");
        return NULL;
    }
    tensorflow__node_def__init(&s->dummy);
    s->dummy.name = (char *)"session";
    s->dummy.op = (char *)"Session";
    if (!(s->g = md_graph_import(gd, NULL, st)) || !(s->vars = md_varstore_new(NULL, st)))
        goto fail;
    /* Kernels share the process-wide pool (md_ops_init): a trainer's train
     * and eval sessions, and a model served in the same process, do not
     * each start their own threads. threads <= 1 asks for serial kernels. */
    if (threads > 1 && !md_threadpool_shared(threads, &s->pool, st))
        goto fail;
    s->env = (struct md_exec_env){ .parallel_for = s->pool ? md_threadpool_env_for : NULL,
                                   .pool = s->pool, .model = s->vars };
    return s;
fail:
    md_session_free(s);
    return NULL;
}

void md_session_free(struct md_session *s)
{
    if (!s)
        return;
    for (struct md_session_plan *p = s->plans, *n; p; p = n) {
        n = p->next;
        md_plan_free(p->plan);
        free(p);
    }
    md_graph_free(s->g);
    md_varstore_free(s->vars);
    free(s);
}

struct md_session_plan *md_session_plan(struct md_session *s, const char *const *feeds,
                                        size_t n_feeds, const char *const *fetches,
                                        size_t n_fetches, struct md_status *st)
{
    struct md_plan_spec spec = { feeds, n_feeds, fetches, n_fetches, true };
    struct md_plan_need need;
    memset(&need, 0, sizeof need);
    struct md_session_plan *sp = NULL;
    if (!md_plan_need(s->g, &spec, &need, st))
        goto out;
    for (int id = 0; id < s->g->n_nodes; id++)
        if (need.nodes[id] && !s->g->nodes[id].op) {
            md_status_set(st, MD_UNIMPLEMENTED, "node '%s': op '%s' is not supported",
                          s->g->nodes[id].name, s->g->nodes[id].def->op);
            goto out;
        }
    if (!md_graph_init_nodes(s->g, need.nodes, &s->env, st))
        goto out;
    sp = calloc(1, sizeof *sp);
    if (!sp) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory planning");
        goto out;
    }
    if (!(sp->plan = md_plan_build(s->g, &spec, &need, st))) {
        free(sp);
        sp = NULL;
        goto out;
    }
    sp->next = s->plans;
    s->plans = sp;
out:
    md_plan_need_cleanup(&need);
    return sp;
}

bool md_session_run(struct md_session *s, const struct md_session_plan *p,
                    const struct md_tensor *const *feeds, struct md_tensor *outputs,
                    struct md_arena *arena, struct md_status *st)
{
    return md_plan_run(p->plan, s->g, &s->env, feeds, outputs, arena, st);
}

bool md_session_var_get(struct md_session *s, const char *name, struct md_tensor *out,
                        struct md_status *st)
{
    struct md_var *v = md_env_variable(&s->env, name, st);
    if (!v)
        return false;
    return md_var_read(v, &s->dummy, out, st);
}

bool md_session_var_set(struct md_session *s, const char *name, const struct md_tensor *value,
                        struct md_status *st)
{
    struct md_var *v = md_env_variable(&s->env, name, st);
    if (!v)
        return false;
    return md_var_assign(v, &s->dummy, value, false, NULL, st);
}
