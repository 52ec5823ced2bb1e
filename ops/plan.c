/* plan.c: prune a graph to what a set of fetches needs given a set of feeds,
 * order it once, and lay out value slots with their last uses.
 *
 * Feeding a tensor cuts the graph there: consumers of a fed tensor read the
 * feed, and its producer runs only if something else needs it (a fed
 * Identity such as half_plus_two's `x:0` never runs). Slots 0..n_feeds-1
 * hold the feeds, then each step's outputs follow contiguously. A slot is
 * released right after the last step that reads it (or right after its
 * producer when nothing reads it), so the executor can recycle its buffer;
 * feeds and fetched slots live until the end of the run.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/ops_impl.h"

static char *lbl(char *buf, size_t cap, const char *s)
{
    return md_escape(buf, cap, s, strlen(s));
}

static int fed_index(const struct md_plan_need *need, size_t n_feeds, struct md_edge e)
{
    for (size_t i = 0; i < n_feeds; i++)
        if (need->feeds[i].node == e.node && need->feeds[i].index == e.index)
            return (int)i;
    return -1;
}

void md_plan_need_cleanup(struct md_plan_need *need)
{
    free(need->nodes);
    free(need->feeds);
    free(need->fetches);
    memset(need, 0, sizeof *need);
}

bool md_plan_need(const struct md_graph *g, const struct md_plan_spec *spec,
                  struct md_plan_need *need, struct md_status *st)
{
    char b1[160];
    memset(need, 0, sizeof *need);
    need->n_nodes = g->n_nodes;
    need->nodes = calloc((size_t)g->n_nodes + 1, sizeof *need->nodes);
    need->feeds = calloc(spec->n_feeds + 1, sizeof *need->feeds);
    need->fetches = calloc(spec->n_fetches + 1, sizeof *need->fetches);
    int *stack = malloc(((size_t)g->n_nodes + 1) * sizeof *stack);
    if (!need->nodes || !need->feeds || !need->fetches || !stack) {
        free(stack);
        md_plan_need_cleanup(need);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory planning");
    }
    for (size_t i = 0; i < spec->n_feeds; i++) {
        if (!md_graph_tensor(g, spec->feeds[i], &need->feeds[i], st))
            goto fail;
        if (fed_index(need, i, need->feeds[i]) >= 0) {
            md_status_set(st, MD_INVALID_ARGUMENT, "tensor '%s' is fed twice",
                          lbl(b1, sizeof b1, spec->feeds[i]));
            goto fail;
        }
    }
    int sp = 0;
    for (size_t j = 0; j < spec->n_fetches; j++) {
        const char *f = spec->fetches[j];
        if (spec->fetch_targets && !strchr(f, ':')) {
            int id = md_graph_find(g, f);
            if (id < 0) {
                md_status_set(st, MD_NOT_FOUND, "target node '%s' is not in the graph",
                              lbl(b1, sizeof b1, f));
                goto fail;
            }
            need->fetches[j] = (struct md_edge){ id, -1 };
        } else if (!md_graph_tensor(g, f, &need->fetches[j], st)) {
            goto fail;
        }
        if (need->fetches[j].index >= 0 && fed_index(need, spec->n_feeds, need->fetches[j]) >= 0)
            continue;
        int id = need->fetches[j].node;
        if (!need->nodes[id]) {
            need->nodes[id] = true;
            stack[sp++] = id;
        }
    }
    while (sp > 0) {
        const struct md_gnode *n = &g->nodes[stack[--sp]];
        for (int i = 0; i < n->n_in; i++) {
            if (fed_index(need, spec->n_feeds, n->in[i]) >= 0)
                continue;
            int s = n->in[i].node;
            if (!need->nodes[s]) {
                need->nodes[s] = true;
                stack[sp++] = s;
            }
        }
        for (int i = 0; i < n->n_ctrl; i++) {
            int s = n->ctrl[i];
            if (!need->nodes[s]) {
                need->nodes[s] = true;
                stack[sp++] = s;
            }
        }
    }
    free(stack);
    return true;
fail:
    free(stack);
    md_plan_need_cleanup(need);
    return false;
}

void md_plan_free(struct md_plan *p)
{
    if (!p)
        return;
    free(p->steps);
    free(p->in_slots);
    free(p->in_last);
    free(p->release);
    free(p->fetch_slot);
    free(p->feed_dtype);
    free(p->ctrl_steps);
    free(p);
}

size_t md_plan_bytes(const struct md_plan *p)
{
    if (!p)
        return 0;
    size_t in = 0;
    for (int i = 0; i < p->n_steps; i++)
        in += (size_t)p->steps[i].n_in;
    return sizeof *p + (size_t)p->n_steps * sizeof *p->steps + in * (sizeof(int) * 2 + 1) +
           (size_t)p->n_fetches * sizeof(int) + (size_t)p->n_feeds * sizeof(enum md_dtype);
}

struct md_plan *md_plan_build(const struct md_graph *g, const struct md_plan_spec *spec,
                              const struct md_plan_need *need, struct md_status *st)
{
    char b1[160], b2[160];
    int nn = g->n_nodes;
    struct md_plan *p = calloc(1, sizeof *p);
    int *indeg = calloc((size_t)nn + 1, sizeof *indeg);
    int *order = malloc(((size_t)nn + 1) * sizeof *order);
    int *slot_of = malloc(((size_t)nn + 1) * sizeof *slot_of);
    int *last_use = NULL;
    /* consumers: CSR of (needed) node -> needed nodes depending on it */
    int *cstart = calloc((size_t)nn + 2, sizeof *cstart);
    int *cons = NULL;
    if (!p || !indeg || !order || !slot_of || !cstart)
        goto oom;
    p->n_feeds = (int)spec->n_feeds;
    p->n_fetches = (int)spec->n_fetches;
    size_t n_edges = 0, n_in_total = 0;
    int n_steps = 0;
    for (int id = 0; id < nn; id++) {
        if (!need->nodes[id])
            continue;
        const struct md_gnode *n = &g->nodes[id];
        if (!n->inited) {
            md_status_set(st, MD_INTERNAL, "node '%s' was not initialised before planning",
                          lbl(b1, sizeof b1, n->name));
            goto fail;
        }
        n_steps++;
        n_in_total += (size_t)n->n_in;
        for (int i = 0; i < n->n_in; i++) {
            struct md_edge e = n->in[i];
            if (fed_index(need, spec->n_feeds, e) >= 0)
                continue;
            const struct md_gnode *s = &g->nodes[e.node];
            if (e.index >= s->n_out) {
                md_status_set(st, MD_INVALID_ARGUMENT,
                              "node '%s': input %d reads output %d of '%s', which has %d "
                              "output%s",
                              lbl(b1, sizeof b1, n->name), i, e.index, lbl(b2, sizeof b2, s->name),
                              s->n_out, s->n_out == 1 ? "" : "s");
                goto fail;
            }
            indeg[id]++;
            cstart[e.node + 1]++;
            n_edges++;
        }
        for (int i = 0; i < n->n_ctrl; i++) {
            indeg[id]++;
            cstart[n->ctrl[i] + 1]++;
            n_edges++;
        }
    }
    for (int i = 0; i < nn; i++)
        cstart[i + 1] += cstart[i];
    cons = malloc((n_edges + 1) * sizeof *cons);
    if (!cons)
        goto oom;
    {
        int *fill = malloc(((size_t)nn + 1) * sizeof *fill);
        if (!fill)
            goto oom;
        memcpy(fill, cstart, (size_t)nn * sizeof *fill);
        for (int id = 0; id < nn; id++) {
            if (!need->nodes[id])
                continue;
            const struct md_gnode *n = &g->nodes[id];
            for (int i = 0; i < n->n_in; i++)
                if (fed_index(need, spec->n_feeds, n->in[i]) < 0)
                    cons[fill[n->in[i].node]++] = id;
            for (int i = 0; i < n->n_ctrl; i++)
                cons[fill[n->ctrl[i]]++] = id;
        }
        free(fill);
    }
    /* Kahn's algorithm; ready nodes in id order keeps GraphDef order. */
    int head = 0, tail = 0;
    for (int id = 0; id < nn; id++)
        if (need->nodes[id] && indeg[id] == 0)
            order[tail++] = id;
    while (head < tail) {
        int id = order[head++];
        for (int k = cstart[id]; k < cstart[id + 1]; k++)
            if (--indeg[cons[k]] == 0)
                order[tail++] = cons[k];
    }
    if (tail != n_steps) {
        int culprit = -1;
        for (int id = 0; id < nn && culprit < 0; id++)
            if (need->nodes[id] && indeg[id] > 0)
                culprit = id;
        md_status_set(st, MD_INVALID_ARGUMENT,
                      "graph has a cycle through node '%s' (op %s); control-flow loops are not "
                      "supported",
                      lbl(b1, sizeof b1, g->nodes[culprit].name), g->nodes[culprit].def->op);
        goto fail;
    }
    /* Slots. */
    p->n_steps = n_steps;
    p->steps = calloc((size_t)n_steps + 1, sizeof *p->steps);
    p->in_slots = malloc((n_in_total + 1) * sizeof *p->in_slots);
    p->in_last = calloc(n_in_total + 1, sizeof *p->in_last);
    p->fetch_slot = malloc(((size_t)p->n_fetches + 1) * sizeof *p->fetch_slot);
    p->feed_dtype = malloc(((size_t)p->n_feeds + 1) * sizeof *p->feed_dtype);
    if (!p->steps || !p->in_slots || !p->in_last || !p->fetch_slot || !p->feed_dtype)
        goto oom;
    int next_slot = p->n_feeds;
    for (int s = 0; s < n_steps; s++) {
        const struct md_gnode *n = &g->nodes[order[s]];
        if (n->n_out > INT32_MAX / 2 - next_slot)
            goto oom;
        slot_of[order[s]] = next_slot;
        p->steps[s].node = order[s];
        p->steps[s].out_slot = next_slot;
        p->steps[s].n_out = n->n_out;
        next_slot += n->n_out;
    }
    p->n_slots = next_slot;
    last_use = malloc(((size_t)next_slot + 1) * sizeof *last_use);
    if (!last_use)
        goto oom;
    for (int i = 0; i < next_slot; i++)
        last_use[i] = -1;
    int in_pos = 0;
    for (int s = 0; s < n_steps; s++) {
        const struct md_gnode *n = &g->nodes[order[s]];
        p->steps[s].in_base = in_pos;
        p->steps[s].n_in = n->n_in;
        if (n->n_in > p->max_in)
            p->max_in = n->n_in;
        for (int i = 0; i < n->n_in; i++) {
            int f = fed_index(need, spec->n_feeds, n->in[i]);
            int slot = f >= 0 ? f : slot_of[n->in[i].node] + n->in[i].index;
            p->in_slots[in_pos++] = slot;
            last_use[slot] = s;
        }
    }
    const int KEEP = INT32_MAX;
    for (int i = 0; i < p->n_feeds; i++) {
        last_use[i] = KEEP;
        p->feed_dtype[i] = md_graph_output_dtype(g, need->feeds[i]);
    }
    for (int j = 0; j < p->n_fetches; j++) {
        struct md_edge e = need->fetches[j];
        if (e.index < 0) {
            p->fetch_slot[j] = -1;
            continue;
        }
        int f = fed_index(need, spec->n_feeds, e);
        if (f >= 0) {
            p->fetch_slot[j] = f;
            continue;
        }
        const struct md_gnode *n = &g->nodes[e.node];
        if (e.index >= n->n_out) {
            md_status_set(st, MD_INVALID_ARGUMENT, "fetch '%s': node has %d output%s",
                          lbl(b1, sizeof b1, spec->fetches[j]), n->n_out, n->n_out == 1 ? "" : "s");
            goto fail;
        }
        p->fetch_slot[j] = slot_of[e.node] + e.index;
        last_use[p->fetch_slot[j]] = KEEP;
    }
    for (int s = 0; s < n_steps; s++)
        for (int i = 0; i < p->steps[s].n_in; i++) {
            int k = p->steps[s].in_base + i;
            p->in_last[k] = last_use[p->in_slots[k]] == s;
        }
    /* Control inputs as step indexes (for dead-step propagation). */
    {
        size_t n_ctrl = 0;
        for (int s = 0; s < n_steps; s++) {
            const struct md_gnode *n = &g->nodes[order[s]];
            n_ctrl += (size_t)n->n_ctrl;
            if (n->op && (n->op->flags & (MD_OP_DEAD_INPUTS | MD_OP_DEAD_OUTPUTS)))
                p->control_flow = true;
        }
        p->ctrl_steps = malloc((n_ctrl + 1) * sizeof *p->ctrl_steps);
        int *sof = malloc(((size_t)nn + 1) * sizeof *sof);
        if (!p->ctrl_steps || !sof) {
            free(sof);
            goto oom;
        }
        for (int s = 0; s < n_steps; s++)
            sof[order[s]] = s;
        int cpos = 0;
        for (int s = 0; s < n_steps; s++) {
            const struct md_gnode *n = &g->nodes[order[s]];
            p->steps[s].ctrl_base = cpos;
            p->steps[s].n_ctrl = n->n_ctrl;
            for (int i = 0; i < n->n_ctrl; i++)
                p->ctrl_steps[cpos++] = sof[n->ctrl[i]];
        }
        free(sof);
    }
    /* Release lists: a slot dies after its last reader, or after its
     * producer when nothing reads it. */
    int n_rel = 0;
    for (int i = p->n_feeds; i < next_slot; i++)
        if (last_use[i] != KEEP)
            n_rel++;
    p->release = malloc(((size_t)n_rel + 1) * sizeof *p->release);
    int *cnt = calloc((size_t)n_steps + 1, sizeof *cnt);
    if (!p->release || !cnt) {
        free(cnt);
        goto oom;
    }
    int *when = malloc(((size_t)next_slot + 1) * sizeof *when);
    if (!when) {
        free(cnt);
        goto oom;
    }
    for (int s = 0; s < n_steps; s++)
        for (int k = 0; k < p->steps[s].n_out; k++) {
            int slot = p->steps[s].out_slot + k;
            when[slot] = last_use[slot] == KEEP ? -1 : last_use[slot] < 0 ? s : last_use[slot];
            if (when[slot] >= 0)
                cnt[when[slot]]++;
        }
    int pos = 0;
    for (int s = 0; s < n_steps; s++) {
        p->steps[s].rel_base = pos;
        pos += cnt[s];
        cnt[s] = p->steps[s].rel_base;
    }
    for (int slot = p->n_feeds; slot < next_slot; slot++)
        if (when[slot] >= 0) {
            p->release[cnt[when[slot]]++] = slot;
            p->steps[when[slot]].n_rel++;
        }
    free(when);
    free(cnt);
    free(indeg);
    free(order);
    free(slot_of);
    free(last_use);
    free(cstart);
    free(cons);
    return p;
oom:
    md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory planning");
fail:
    md_plan_free(p);
    free(indeg);
    free(order);
    free(slot_of);
    free(last_use);
    free(cstart);
    free(cons);
    return NULL;
}
