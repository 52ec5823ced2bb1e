/* exec.c: run a plan in a request arena.
 *
 * Kernels allocate their outputs and scratch through env->alloc, which hands
 * out blocks from the request arena in size classes and remembers them. After
 * each step every output is matched to the block that holds its data (a
 * fresh block of the step, or a block of an input it forwards or views), and
 * blocks hold one reference per slot that points into them. When the plan
 * says a slot is dead, its reference goes; a block without references goes
 * to a free list and is handed out again, so a deep network's request
 * needs roughly its peak live memory, not the sum of all activations.
 * Blocks allocated by a step that produces strings are pinned (never
 * recycled): string elements point at bytes in blocks no slot tracks.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/ops_impl.h"

struct blk {
    char *p;
    size_t size;
    int refs;
    bool pinned;
    int next_free;
};

struct free_class {
    size_t size;
    int head;
};

struct run {
    struct md_exec_env env;
    struct md_arena *arena;
    /* the running step, for run_reuse */
    const struct md_plan *plan;
    const struct md_plan_step *step;
    const struct md_tensor *const *in;
    const int *slot_blk;
    struct blk *blocks;
    int n_blocks, cap_blocks;
    int *step_blks; /* blocks handed out during the current step */
    int n_step, cap_step;
    struct free_class *classes;
    int n_classes, cap_classes;
};

/* Size classes: multiples of 64 up to 4 KiB, then 8 steps per power of two
 * (at most 12.5% slack). */
static size_t class_size(size_t n)
{
    if (n <= 4096)
        return n ? (n + 63) & ~(size_t)63 : 64;
    int shift = 63 - __builtin_clzll((unsigned long long)n) - 3;
    size_t step = (size_t)1 << shift;
    size_t r = (n + step - 1) & ~(step - 1);
    return r < n ? n : r;
}

static bool grow(void **arr, int *cap, size_t elem, struct md_arena *a, int n, struct md_status *st)
{
    if (n < *cap)
        return true;
    int nc = *cap ? *cap * 2 : 64;
    void *p = md_arena_alloc(a, (size_t)nc * elem, st);
    if (!p)
        return false;
    if (*arr && n)
        memcpy(p, *arr, (size_t)n * elem);
    *arr = p;
    *cap = nc;
    return true;
}

static struct free_class *find_class(struct run *r, size_t size, bool create, struct md_status *st)
{
    for (int i = 0; i < r->n_classes; i++)
        if (r->classes[i].size == size)
            return &r->classes[i];
    if (!create)
        return NULL;
    if (!grow((void **)&r->classes, &r->cap_classes, sizeof *r->classes, r->arena, r->n_classes,
              st))
        return NULL;
    struct free_class *c = &r->classes[r->n_classes++];
    c->size = size;
    c->head = -1;
    return c;
}

static void *run_alloc(struct md_exec_env *env, size_t bytes, struct md_status *st)
{
    struct run *r = env->run;
    size_t cls = class_size(bytes);
    if (cls < bytes)
        return md_arena_alloc(r->arena, bytes, st); /* overflow: let the arena refuse */
    if (!grow((void **)&r->step_blks, &r->cap_step, sizeof *r->step_blks, r->arena, r->n_step, st))
        return NULL;
    struct free_class *c = find_class(r, cls, false, st);
    int b;
    if (c && c->head >= 0) {
        b = c->head;
        c->head = r->blocks[b].next_free;
    } else {
        if (!grow((void **)&r->blocks, &r->cap_blocks, sizeof *r->blocks, r->arena, r->n_blocks,
                  st))
            return NULL;
        char *p = md_arena_alloc(r->arena, cls, st);
        if (!p)
            return NULL;
        b = r->n_blocks++;
        r->blocks[b].p = p;
        r->blocks[b].size = cls;
    }
    r->blocks[b].refs = 0;
    r->blocks[b].pinned = false;
    r->blocks[b].next_free = -1;
    r->step_blks[r->n_step++] = b;
    return r->blocks[b].p;
}

/* Input j's block may be overwritten when this step is the slot's last
 * reader, the slot is no feed, the tensor starts its block and is the only
 * reference to it, and the tensor itself (not just its block) is big
 * enough, so an elementwise kernel reads element e before writing it. The
 * same slot feeding two inputs (x * x) is fine for such kernels. */
static void *run_reuse(struct md_exec_env *env, int j, size_t bytes)
{
    struct run *r = env->run;
    const struct md_plan *p = r->plan;
    if (!r->step || j < 0 || j >= r->step->n_in)
        return NULL;
    int k = r->step->in_base + j;
    int slot = p->in_slots[k];
    if (!p->in_last[k] || slot < p->n_feeds)
        return NULL;
    int b = r->slot_blk[slot];
    if (b < 0)
        return NULL;
    const struct blk *blk = &r->blocks[b];
    const struct md_tensor *t = r->in[j];
    if (blk->refs != 1 || blk->pinned || t->buf || t->data != blk->p ||
        md_tensor_nbytes(t) < bytes || t->dtype == MD_DT_STRING)
        return NULL;
    return blk->p;
}

static void blk_release(struct run *r, int b)
{
    struct blk *k = &r->blocks[b];
    if (k->refs > 0 || k->pinned)
        return;
    struct md_status ignore = MD_STATUS_INIT;
    struct free_class *c = find_class(r, k->size, true, &ignore);
    if (!c) {
        k->pinned = true; /* cannot track it: just never reuse it */
        return;
    }
    k->next_free = c->head;
    c->head = b;
}

static bool inside(const struct blk *k, const void *p)
{
    const char *c = p;
    return c >= k->p && c < k->p + k->size;
}

bool md_plan_run(const struct md_plan *p, const struct md_graph *g, const struct md_exec_env *env,
                 const struct md_tensor *const *feeds, struct md_tensor *outputs,
                 struct md_arena *arena, struct md_status *st)
{
    struct run r = { .arena = arena };
    if (env)
        r.env = *env;
    r.env.run = &r;
    r.env.alloc = run_alloc;
    r.env.reuse = run_reuse;
    r.plan = p;
    size_t ns = (size_t)p->n_slots;
    struct md_tensor *slots = md_arena_alloc(arena, (ns + 1) * sizeof *slots, st);
    int *slot_blk = md_arena_alloc(arena, (ns + 1) * sizeof *slot_blk, st);
    const struct md_tensor **in =
        md_arena_alloc(arena, ((size_t)p->max_in + 1) * sizeof *in, st);
    struct md_tensor *deref = md_arena_alloc(arena, ((size_t)p->max_in + 1) * sizeof *deref, st);
    if (!slots || !slot_blk || !in || !deref)
        return false;
    for (int i = 0; i < p->max_in; i++)
        deref[i] = (struct md_tensor)MD_TENSOR_INIT;
    r.in = in;
    r.slot_blk = slot_blk;
    for (size_t i = 0; i < ns; i++) {
        slots[i] = (struct md_tensor)MD_TENSOR_INIT;
        slot_blk[i] = -1;
    }
    for (int i = 0; i < p->n_feeds; i++)
        md_tensor_share(&slots[i], feeds[i]);
    bool ok = true;
    for (int s = 0; s < p->n_steps && ok; s++) {
        const struct md_plan_step *step = &p->steps[s];
        const struct md_gnode *n = &g->nodes[step->node];
        if (n->is_call)
            continue; /* join node: ordering only */
        for (int i = 0; i < step->n_in; i++) {
            int islot = p->in_slots[step->in_base + i];
            const struct md_gnode *src = &g->nodes[n->in[i].node];
            in[i] = &slots[islot];
            if (islot >= p->n_feeds && (src->op->flags & MD_OP_REF_OUTPUT)) {
                /* A TF1 reference: read the variable now, not when its
                 * node ran (an Assign may have run in between). */
                struct md_kernel_ctx rk = { .node = src->def, .state = src->state,
                                            .n_inputs = 0, .inputs = NULL, .n_outputs = 1,
                                            .outputs = &deref[i], .arena = arena,
                                            .env = &r.env };
                if (!(ok = src->op->compute(&rk, st)))
                    break;
                in[i] = &deref[i];
            }
            /* An uninitialised TF1 variable yields a value without data;
             * only ops that write the variable may take it. */
            if (!in[i]->data && in[i]->dtype != MD_DT_INVALID &&
                md_tensor_num_elements(in[i]) != 0 &&
                !(i == 0 && (n->op->flags & MD_OP_REF_INPUT0))) {
                char nm[160];
                ok = md_kernel_fail(n->def, st, MD_FAILED_PRECONDITION,
                                    "Attempting to use uninitialized value %s",
                                    md_escape(nm, sizeof nm, src->name, strlen(src->name)));
                break;
            }
        }
        if (!ok) {
            for (int i = 0; i < step->n_in; i++)
                md_tensor_cleanup(&deref[i]);
            break;
        }
        struct md_kernel_ctx k = { .node = n->def, .state = n->state, .n_inputs = step->n_in,
                                   .inputs = in, .n_outputs = step->n_out,
                                   .outputs = &slots[step->out_slot], .arena = arena,
                                   .env = &r.env };
        r.n_step = 0;
        r.step = step;
        ok = n->op->compute(&k, st);
        r.step = NULL;
        for (int i = 0; i < step->n_in; i++)
            md_tensor_cleanup(&deref[i]);
        if (!ok) {
            if (st->code == MD_OK)
                md_kernel_fail(n->def, st, MD_INTERNAL, "kernel failed without a message");
            break;
        }
        bool strings = false;
        for (int o = 0; o < step->n_out; o++) {
            int slot = step->out_slot + o;
            struct md_tensor *t = &slots[slot];
            if (t->dtype == MD_DT_INVALID) {
                ok = md_kernel_fail(n->def, st, MD_INTERNAL, "kernel did not produce output %d", o);
                break;
            }
            if (t->dtype == MD_DT_STRING)
                strings = true;
            if (t->buf || !t->data)
                continue;
            int b = -1;
            for (int i = 0; i < r.n_step && b < 0; i++)
                if (inside(&r.blocks[r.step_blks[i]], t->data))
                    b = r.step_blks[i];
            for (int i = 0; i < step->n_in && b < 0; i++) {
                int ib = slot_blk[p->in_slots[step->in_base + i]];
                if (ib >= 0 && inside(&r.blocks[ib], t->data))
                    b = ib;
            }
            if (b >= 0) {
                slot_blk[slot] = b;
                r.blocks[b].refs++;
            }
        }
        for (int i = 0; i < r.n_step; i++) {
            if (strings)
                r.blocks[r.step_blks[i]].pinned = true;
            else
                blk_release(&r, r.step_blks[i]);
        }
        for (int i = 0; i < step->n_rel; i++) {
            int slot = p->release[step->rel_base + i];
            md_tensor_cleanup(&slots[slot]);
            int b = slot_blk[slot];
            if (b >= 0) {
                slot_blk[slot] = -1;
                r.blocks[b].refs--;
                blk_release(&r, b);
            }
        }
    }
    if (ok) {
        for (int j = 0; j < p->n_fetches; j++) {
            outputs[j] = (struct md_tensor)MD_TENSOR_INIT;
            if (p->fetch_slot[j] >= 0)
                md_tensor_share(&outputs[j], &slots[p->fetch_slot[j]]);
        }
    }
    for (size_t i = 0; i < ns; i++)
        md_tensor_cleanup(&slots[i]);
    return ok;
}
