/* fuzz_graph.c: libFuzzer target for the engine (ops/graph.c, plan.c,
 * exec.c). The input is a serialized GraphDef (with its function library):
 * it is imported (inlining calls), then for each of the first nodes a plan
 * targeting it is pruned, initialised, built and run without feeds in a
 * capped arena. Invariants that abort when violated: every failure carries a
 * status with a message, and a built plan holds only initialised nodes in
 * an order where every input comes first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "graph.pb-c.h"
#include "ops/ops_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failed(const struct md_status *st)
{
    if (st->code == MD_OK || !st->msg[0])
        abort();
}

static void check_plan(const struct md_graph *g, const struct md_plan *p)
{
    int *pos = calloc((size_t)g->n_nodes + 1, sizeof *pos);
    if (!pos)
        return;
    for (int s = 0; s < p->n_steps; s++) {
        const struct md_gnode *n = &g->nodes[p->steps[s].node];
        if (!n->inited)
            abort();
        pos[p->steps[s].node] = s + 1;
    }
    for (int s = 0; s < p->n_steps; s++) {
        const struct md_gnode *n = &g->nodes[p->steps[s].node];
        for (int i = 0; i < n->n_ctrl; i++)
            if (pos[n->ctrl[i]] == 0 || pos[n->ctrl[i]] > s)
                abort();
    }
    free(pos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    Tensorflow__GraphDef *gd = tensorflow__graph_def__unpack(NULL, size, data);
    if (!gd)
        return 0;
    struct md_status st = MD_STATUS_INIT;
    struct md_graph *g = md_graph_import(gd, NULL, &st);
    if (!g) {
        check_failed(&st);
        tensorflow__graph_def__free_unpacked(gd, NULL);
        return 0;
    }
    struct md_varstore *vs = md_varstore_new(NULL, &st);
    struct md_arena *a = md_arena_new(1 << 16, 64u << 20, &st);
    /* A loop runs up to its cap (a million iterations by default) and, in
     * the daemon, until the request's deadline: both are in force, small,
     * so that a looping graph costs milliseconds, not the minute and a half
     * one took under ASan with the defaults (48 plans x 1e6 iterations). */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct md_exec_env env = { .model = vs,
                               .max_loop_iterations = 1000,
                               .deadline_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec +
                                              2000000000 };
    for (int i = 0; vs && a && i < g->n_nodes && i < 48; i++) {
        const char *f[1] = { g->nodes[i].name };
        struct md_plan_spec spec = { NULL, 0, f, 1, true };
        struct md_plan_need need;
        md_status_reset(&st);
        if (!md_plan_need(g, &spec, &need, &st)) {
            check_failed(&st);
            continue;
        }
        bool supported = true;
        for (int id = 0; id < g->n_nodes; id++)
            if (need.nodes[id] && !g->nodes[id].is_call && !g->nodes[id].op)
                supported = false;
        if (supported && md_graph_init_nodes(g, need.nodes, &env, &st)) {
            struct md_plan *p = md_plan_build(g, &spec, &need, &st);
            if (!p) {
                check_failed(&st);
            } else {
                check_plan(g, p);
                struct md_tensor out[1] = { MD_TENSOR_INIT };
                if (p->n_steps <= 512 && md_plan_run(p, g, &env, NULL, out, a, &st))
                    md_tensor_cleanup(&out[0]);
                else if (p->n_steps <= 512)
                    check_failed(&st);
                md_arena_reset(a);
                md_plan_free(p);
            }
        } else if (supported) {
            check_failed(&st);
        }
        md_plan_need_cleanup(&need);
    }
    md_arena_free(a);
    md_varstore_free(vs);
    md_graph_free(g);
    tensorflow__graph_def__free_unpacked(gd, NULL);
    return 0;
}
