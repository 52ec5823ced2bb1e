/* exec.c: run a plan in a request arena.
 *
 * Kernels allocate their outputs and scratch through env->alloc, which hands
 * out blocks carved from regions of the request arena and remembers them.
 * After each step every output is matched to the block that holds its data
 * (a fresh block of the step, or a block of an input it forwards or views),
 * and blocks hold one reference per slot that points into them. When the
 * plan says a slot is dead, its reference goes; a block without references
 * becomes free and is handed out again, so a deep network's request needs
 * roughly its peak live memory, not the sum of all activations.
 *
 * The free blocks form a small general-purpose allocator (TLSF-like): they
 * sit in size bins (64-byte steps up to 4 KiB, then 8 bins per power of
 * two) with a bitmap of non-empty bins; a request takes the best fit from its
 * own bin or any block of the next non-empty bin, and the rest of the block
 * is split off when it is worth keeping. A freed block merges with free
 * neighbours of its region, so the 17 MB activation of a first conv layer
 * is cut up for the smaller layers after it instead of sitting idle beside
 * fresh allocations. Blocks allocated by a step that produces strings are
 * pinned (never recycled): string elements point at bytes in blocks no slot
 * tracks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops_impl.h"

struct blk {
    char *p;
    size_t size;
    int refs;
    bool pinned;
    bool free;
    int prev, next;   /* address neighbours in the same region (-1: none) */
    int fprev, fnext; /* free list of the block's bin, or list of unused structs */
};

#define N_BINS 480
#define MIN_REGION ((size_t)64 << 10) /* small blocks share regions */
#define MIN_SPLIT ((size_t)512)       /* smaller tails stay with their block */

struct run {
    struct md_exec_env env;
    struct md_arena *arena;
    /* A function call's run (md_exec_call, frames): the env of the step
     * that calls it. Its memory comes from that step's allocator, so the
     * enclosing run recycles it once the step is done. NULL: the arena. */
    struct md_exec_env *parent;
    const struct md_graph *g;
    struct md_tensor *slots;
    struct md_tensor *deref;
    unsigned char *sdead, *stdead, *indead;
    /* the running step, for run_reuse */
    const struct md_plan *plan;
    const struct md_plan_step *step;
    const struct md_tensor **in;
    int *slot_blk;
    struct blk *blocks;
    int n_blocks, cap_blocks;
    int unused;     /* block structs freed by merging, chained by fnext */
    int *step_blks; /* blocks handed out during the current step */
    int n_step, cap_step;
    int *bins;      /* N_BINS heads; allocated with the first block */
    uint64_t bitmap[(N_BINS + 63) / 64];
};

/* Bin of a size (a multiple of 64): bins 0..63 hold 64..4096 exactly, then
 * each power of two [2^e, 2^(e+1)) is cut into 8 bins. */
static int bin_of(size_t n)
{
    if (n <= 4096)
        return (int)(n / 64) - 1;
    int e = 63 - __builtin_clzll((unsigned long long)n);
    int sub = (int)((n >> (e - 3)) & 7);
    return 64 + (e - 12) * 8 + sub;
}

/* Memory the run keeps for itself (regions, bookkeeping). */
static void *run_mem(struct run *r, size_t bytes, struct md_status *st)
{
    if (r->parent && r->parent->alloc)
        return r->parent->alloc(r->parent, bytes, st);
    return md_arena_alloc(r->arena, bytes, st);
}

static bool grow(void **arr, int *cap, size_t elem, struct run *r, int n, struct md_status *st)
{
    if (n < *cap)
        return true;
    int nc = *cap ? *cap * 2 : 64;
    void *p = run_mem(r, (size_t)nc * elem, st);
    if (!p)
        return false;
    if (*arr && n)
        memcpy(p, *arr, (size_t)n * elem);
    *arr = p;
    *cap = nc;
    return true;
}

static void bin_insert(struct run *r, int b)
{
    struct blk *k = &r->blocks[b];
    int i = bin_of(k->size);
    k->free = true;
    k->fprev = -1;
    k->fnext = r->bins[i];
    if (k->fnext >= 0)
        r->blocks[k->fnext].fprev = b;
    r->bins[i] = b;
    r->bitmap[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bin_remove(struct run *r, int b)
{
    struct blk *k = &r->blocks[b];
    int i = bin_of(k->size);
    if (k->fprev >= 0)
        r->blocks[k->fprev].fnext = k->fnext;
    else
        r->bins[i] = k->fnext;
    if (k->fnext >= 0)
        r->blocks[k->fnext].fprev = k->fprev;
    if (r->bins[i] < 0)
        r->bitmap[i / 64] &= ~((uint64_t)1 << (i % 64));
    k->free = false;
}

/* A block struct (from the unused list or a new one); -1 on OOM. */
static int new_blk(struct run *r, struct md_status *st)
{
    if (r->unused >= 0) {
        int b = r->unused;
        r->unused = r->blocks[b].fnext;
        return b;
    }
    if (!grow((void **)&r->blocks, &r->cap_blocks, sizeof *r->blocks, r, r->n_blocks, st))
        return -1;
    return r->n_blocks++;
}

/* A free block of at least `need` bytes, or -1. */
static int find_free(struct run *r, size_t need)
{
    int i = bin_of(need);
    int best = -1;
    for (int b = r->bins[i]; b >= 0; b = r->blocks[b].fnext)
        if (r->blocks[b].size >= need && (best < 0 || r->blocks[b].size < r->blocks[best].size))
            best = b;
    if (best >= 0)
        return best;
    for (int w = (i + 1) / 64; w < (int)(sizeof r->bitmap / sizeof r->bitmap[0]); w++) {
        uint64_t m = r->bitmap[w];
        if (w == (i + 1) / 64)
            m &= ~(uint64_t)0 << ((i + 1) % 64);
        if (m)
            return r->bins[w * 64 + __builtin_ctzll(m)];
    }
    return -1;
}

static void *run_alloc(struct md_exec_env *env, size_t bytes, struct md_status *st)
{
    struct run *r = env->run;
    size_t need = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    if (need < bytes || need > SIZE_MAX / 2)
        return run_mem(r, bytes, st); /* overflow: let the arena refuse */
    if (!r->bins) {
        r->bins = run_mem(r, N_BINS * sizeof *r->bins, st);
        if (!r->bins)
            return NULL;
        for (int i = 0; i < N_BINS; i++)
            r->bins[i] = -1;
    }
    if (!grow((void **)&r->step_blks, &r->cap_step, sizeof *r->step_blks, r, r->n_step, st))
        return NULL;
    int b = find_free(r, need);
    if (b >= 0) {
        bin_remove(r, b);
    } else {
        size_t rsz = need < MIN_REGION ? MIN_REGION : need;
        char *p = run_mem(r, rsz, st);
        if (!p || (b = new_blk(r, st)) < 0)
            return NULL;
        r->blocks[b] = (struct blk){ .p = p, .size = rsz, .prev = -1, .next = -1 };
    }
    /* Split off the tail when it is worth keeping. */
    if (r->blocks[b].size - need >= MIN_SPLIT) {
        int t = new_blk(r, st);
        if (t < 0)
            return NULL;
        struct blk *k = &r->blocks[b];
        r->blocks[t] = (struct blk){ .p = k->p + need, .size = k->size - need, .prev = b,
                                     .next = k->next };
        if (k->next >= 0)
            r->blocks[k->next].prev = t;
        k->next = t;
        k->size = need;
        bin_insert(r, t);
    }
    struct blk *k = &r->blocks[b];
    k->refs = 0;
    k->pinned = false;
    k->free = false;
    r->step_blks[r->n_step++] = b;
    return k->p;
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

/* Drops block b's struct after it merged into its neighbour. */
static void drop_blk(struct run *r, int b)
{
    r->blocks[b].fnext = r->unused;
    r->unused = b;
}

static void blk_release(struct run *r, int b)
{
    struct blk *k = &r->blocks[b];
    if (k->refs > 0 || k->pinned || k->free)
        return;
    int n = k->next;
    if (n >= 0 && r->blocks[n].free) {
        bin_remove(r, n);
        k->size += r->blocks[n].size;
        k->next = r->blocks[n].next;
        if (k->next >= 0)
            r->blocks[k->next].prev = b;
        drop_blk(r, n);
    }
    int pv = k->prev;
    if (pv >= 0 && r->blocks[pv].free) {
        bin_remove(r, pv);
        struct blk *q = &r->blocks[pv];
        q->size += k->size;
        q->next = k->next;
        if (q->next >= 0)
            r->blocks[q->next].prev = pv;
        drop_blk(r, b);
        b = pv;
    }
    bin_insert(r, b);
}

/* Drops the slots the plan says are dead after `step`. */
static void release_slots(struct run *r, const struct md_plan *p, const struct md_plan_step *step,
                          struct md_tensor *slots)
{
    int *slot_blk = r->slot_blk;
    for (int i = 0; i < step->n_rel; i++) {
        int slot = p->release[step->rel_base + i];
        md_tensor_cleanup(&slots[slot]);
        int b = slot_blk[slot];
        if (b >= 0) {
            slot_blk[slot] = -1;
            r->blocks[b].refs--;
            blk_release(r, b);
        }
    }
}

static bool inside(const struct blk *k, const void *p)
{
    const char *c = p;
    return c >= k->p && c < k->p + k->size;
}

/* Drops slot s's value and its block reference. */
static void drop_slot(struct run *r, int s)
{
    md_tensor_cleanup(&r->slots[s]);
    int b = r->slot_blk[s];
    if (b >= 0) {
        r->slot_blk[s] = -1;
        r->blocks[b].refs--;
        blk_release(r, b);
    }
}

/* Sets up r to run p (slots empty, feeds not yet set). */
static bool run_setup(struct run *r, const struct md_plan *p, const struct md_graph *g,
                      const struct md_exec_env *env, struct md_exec_env *parent,
                      struct md_arena *arena, struct md_status *st)
{
    memset(r, 0, sizeof *r);
    r->arena = arena;
    r->unused = -1;
    r->parent = parent;
    if (env)
        r->env = *env;
    r->env.run = r;
    r->env.alloc = run_alloc;
    r->env.reuse = run_reuse;
    r->plan = p;
    r->g = g;
    size_t ns = (size_t)p->n_slots;
    r->slots = run_mem(r, (ns + 1) * sizeof *r->slots, st);
    r->slot_blk = run_mem(r, (ns + 1) * sizeof *r->slot_blk, st);
    r->in = run_mem(r, ((size_t)p->max_in + 1) * sizeof *r->in, st);
    r->deref = run_mem(r, ((size_t)p->max_in + 1) * sizeof *r->deref, st);
    if (!r->slots || !r->slot_blk || !r->in || !r->deref)
        return false;
    for (int i = 0; i < p->max_in; i++)
        r->deref[i] = (struct md_tensor)MD_TENSOR_INIT;
    for (size_t i = 0; i < ns; i++) {
        r->slots[i] = (struct md_tensor)MD_TENSOR_INIT;
        r->slot_blk[i] = -1;
    }
    /* TF1 control flow: dead slots and dead (skipped) steps. */
    if (p->control_flow) {
        r->sdead = run_mem(r, ns + 1, st);
        r->stdead = run_mem(r, (size_t)p->n_steps + 1, st);
        r->indead = run_mem(r, (size_t)p->max_in + 1, st);
        if (!r->sdead || !r->stdead || !r->indead)
            return false;
    }
    return true;
}

/* True once the run's deadline (if any) has passed; st says so, naming the
 * node that would run next. Checked before every step with the coarse
 * clock (a few ns; it lags CLOCK_MONOTONIC by at most one tick, so a
 * deadline trips that much late at worst). */
static bool past_deadline(const struct run *r, int s, const struct md_gnode *n,
                          struct md_status *st)
{
    if (!r->env.deadline_ns)
        return false;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec < r->env.deadline_ns)
        return false;
    char nm[160];
    md_status_set(st, MD_DEADLINE_EXCEEDED,
                  "Timed out waiting for notification: the deadline passed before node '%s' "
                  "(step %d of %d) could run",
                  md_escape(nm, sizeof nm, n->name, strlen(n->name)), s + 1, r->plan->n_steps);
    return true;
}

/* Runs every step once (feed slots set). */
static bool run_steps(struct run *r, struct md_status *st)
{
    const struct md_plan *p = r->plan;
    const struct md_graph *g = r->g;
    struct md_tensor *slots = r->slots, *deref = r->deref;
    const struct md_tensor **in = r->in;
    int *slot_blk = r->slot_blk;
    unsigned char *sdead = r->sdead, *stdead = r->stdead, *indead = r->indead;
    if (sdead) {
        memset(sdead, 0, (size_t)p->n_slots + 1);
        memset(stdead, 0, (size_t)p->n_steps + 1);
    }
    bool ok = true;
    for (int s = 0; s < p->n_steps && ok; s++) {
        const struct md_plan_step *step = &p->steps[s];
        const struct md_gnode *n = &g->nodes[step->node];
        if (past_deadline(r, s, n, st)) {
            ok = false;
            break;
        }
        if (sdead) {
            bool any = false;
            for (int i = 0; i < step->n_in; i++)
                any |= (indead[i] = sdead[p->in_slots[step->in_base + i]]) != 0;
            for (int i = 0; i < step->n_ctrl; i++)
                any |= stdead[p->ctrl_steps[step->ctrl_base + i]] != 0;
            if (any && (n->is_call || !(n->op->flags & MD_OP_DEAD_INPUTS))) {
                /* Dead in, dead out: the step is skipped. */
                stdead[s] = 1;
                memset(sdead + step->out_slot, 1, (size_t)step->n_out);
                release_slots(r, p, step, slots);
                continue;
            }
        }
        if (n->is_call)
            continue; /* join node: ordering only */
        for (int i = 0; i < step->n_in; i++) {
            int islot = p->in_slots[step->in_base + i];
            const struct md_gnode *src = &g->nodes[n->in[i].node];
            in[i] = &slots[islot];
            if (sdead && indead[i])
                continue;
            if (islot >= p->n_feeds && (src->op->flags & MD_OP_REF_OUTPUT)) {
                /* A TF1 reference: read the variable now, not when its
                 * node ran (an Assign may have run in between). */
                struct md_kernel_ctx rk = { .node = src->def, .state = src->state,
                                            .n_inputs = 0, .inputs = NULL, .n_outputs = 1,
                                            .outputs = &deref[i], .arena = r->arena,
                                            .env = &r->env };
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
                                   .outputs = &slots[step->out_slot], .arena = r->arena,
                                   .env = &r->env, .in_dead = indead,
                                   .dead = sdead ? sdead + step->out_slot : NULL };
        r->n_step = 0;
        r->step = step;
        ok = n->op->compute(&k, st);
        r->step = NULL;
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
            if (sdead && sdead[slot])
                continue;
            if (t->dtype == MD_DT_INVALID) {
                ok = md_kernel_fail(n->def, st, MD_INTERNAL, "kernel did not produce output %d", o);
                break;
            }
            if (t->dtype == MD_DT_STRING)
                strings = true;
            /* Values with their own buffer (weights, variables, TensorLists)
             * live by their refcount, never in recycled blocks. */
            if (t->buf || !t->data)
                continue;
            int b = -1;
            for (int i = 0; i < r->n_step && b < 0; i++)
                if (inside(&r->blocks[r->step_blks[i]], t->data))
                    b = r->step_blks[i];
            for (int i = 0; i < step->n_in && b < 0; i++) {
                int ib = slot_blk[p->in_slots[step->in_base + i]];
                if (ib >= 0 && inside(&r->blocks[ib], t->data))
                    b = ib;
            }
            if (b >= 0) {
                slot_blk[slot] = b;
                r->blocks[b].refs++;
            }
        }
        for (int i = 0; i < r->n_step; i++) {
            if (strings)
                r->blocks[r->step_blks[i]].pinned = true;
            else
                blk_release(r, r->step_blks[i]);
        }
        if (sdead && (n->op->flags & MD_OP_DEAD_INPUTS) && step->n_out > 0) {
            /* Merge with every input dead: a dead step. */
            bool all = true;
            for (int o = 0; o < step->n_out; o++)
                all &= sdead[step->out_slot + o] != 0;
            stdead[s] = all;
        }
        release_slots(r, p, step, slots);
    }
    if (ok && sdead) {
        for (int j = 0; j < p->n_fetches && ok; j++) {
            int fs = p->fetch_slot[j];
            if (fs >= 0 && sdead[fs]) {
                const char *who = "?";
                for (int s = 0; s < p->n_steps; s++)
                    if (fs >= p->steps[s].out_slot && fs < p->steps[s].out_slot + p->steps[s].n_out)
                        who = g->nodes[p->steps[s].node].name;
                char nm[160];
                ok = md_status_set(st, MD_INVALID_ARGUMENT,
                                   "fetch %d (node '%s') has no value: it is on a control-flow "
                                   "branch that was not taken",
                                   j, md_escape(nm, sizeof nm, who, strlen(who)));
            }
        }
    }
    return ok;
}

bool md_plan_run(const struct md_plan *p, const struct md_graph *g, const struct md_exec_env *env,
                 const struct md_tensor *const *feeds, struct md_tensor *outputs,
                 struct md_arena *arena, struct md_status *st)
{
    struct run r;
    if (!run_setup(&r, p, g, env, NULL, arena, st))
        return false;
    for (int i = 0; i < p->n_feeds; i++)
        md_tensor_share(&r.slots[i], feeds[i]);
    bool ok = run_steps(&r, st);
    if (ok) {
        for (int j = 0; j < p->n_fetches; j++) {
            outputs[j] = (struct md_tensor)MD_TENSOR_INIT;
            if (p->fetch_slot[j] >= 0)
                md_tensor_share(&outputs[j], &r.slots[p->fetch_slot[j]]);
        }
    }
    for (int i = 0; i < p->n_slots; i++)
        md_tensor_cleanup(&r.slots[i]);
    return ok;
}

/* ------------------------------------------------------------ function calls */
struct md_exec_frame {
    struct run r;
    const struct md_fn *fn;
    struct md_tensor *tmp; /* incoming feeds */
    int *tmp_blk;
};

int64_t md_exec_loop_cap(const struct md_exec_env *env)
{
    return env && env->max_loop_iterations > 0 ? env->max_loop_iterations
                                               : MD_LOOP_MAX_ITERATIONS_DEFAULT;
}

struct md_exec_frame *md_exec_frame_new(struct md_kernel_ctx *k, const struct md_fn *fn,
                                        struct md_status *st)
{
    struct md_exec_env *parent = k->env && k->env->alloc ? k->env : NULL;
    size_t sz = sizeof(struct md_exec_frame);
    struct md_exec_frame *f =
        parent ? parent->alloc(parent, sz, st) : md_arena_alloc(k->arena, sz, st);
    if (!f)
        return NULL;
    if (!run_setup(&f->r, fn->plan, fn->g, k->env, parent, k->arena, st))
        return NULL;
    f->fn = fn;
    int nf = fn->plan->n_feeds;
    f->tmp = run_mem(&f->r, ((size_t)nf + 1) * sizeof *f->tmp, st);
    f->tmp_blk = run_mem(&f->r, ((size_t)nf + 1) * sizeof *f->tmp_blk, st);
    if (!f->tmp || !f->tmp_blk)
        return NULL;
    return f;
}

/* Feeds and fetched slots: what a frame keeps between calls. */
static void frame_drop_kept(struct md_exec_frame *f)
{
    const struct md_plan *p = f->r.plan;
    for (int i = 0; i < p->n_feeds; i++)
        drop_slot(&f->r, i);
    for (int j = 0; j < p->n_fetches; j++)
        if (p->fetch_slot[j] >= 0)
            drop_slot(&f->r, p->fetch_slot[j]);
}

bool md_exec_frame_call(struct md_exec_frame *f, const struct md_tensor *const *inputs,
                        struct md_tensor *outputs, struct md_status *st)
{
    struct run *r = &f->r;
    const struct md_plan *p = r->plan;
    /* Inputs living in blocks this frame still holds (the previous call's
     * outputs) keep them: a loop carries its state without copying it. */
    for (int i = 0; i < p->n_feeds; i++) {
        md_tensor_share(&f->tmp[i], inputs[i]);
        f->tmp_blk[i] = -1;
        const void *d = f->tmp[i].data;
        if (f->tmp[i].buf || !d)
            continue;
        int b = -1;
        for (int s = 0; s < p->n_feeds && b < 0; s++)
            if (r->slot_blk[s] >= 0 && inside(&r->blocks[r->slot_blk[s]], d))
                b = r->slot_blk[s];
        for (int j = 0; j < p->n_fetches && b < 0; j++) {
            int s = p->fetch_slot[j];
            if (s >= 0 && r->slot_blk[s] >= 0 && inside(&r->blocks[r->slot_blk[s]], d))
                b = r->slot_blk[s];
        }
        if (b >= 0) {
            f->tmp_blk[i] = b;
            r->blocks[b].refs++;
        }
    }
    frame_drop_kept(f);
    for (int i = 0; i < p->n_feeds; i++) {
        r->slots[i] = f->tmp[i];
        r->slot_blk[i] = f->tmp_blk[i];
    }
    bool ok = run_steps(r, st);
    for (int j = 0; j < f->fn->n_out; j++) {
        md_tensor_cleanup(&outputs[j]);
        if (ok && p->fetch_slot[j] >= 0)
            md_tensor_share(&outputs[j], &r->slots[p->fetch_slot[j]]);
    }
    if (!ok) {
        /* Leave nothing half-run behind: every slot goes. */
        for (int i = 0; i < p->n_slots; i++)
            drop_slot(r, i);
        md_status_prefix(st, "function '%s'", f->fn->name);
    }
    return ok;
}

void md_exec_frame_free(struct md_exec_frame *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->r.plan->n_slots; i++)
        md_tensor_cleanup(&f->r.slots[i]);
}

bool md_exec_call(struct md_kernel_ctx *k, const struct md_fn *fn,
                  const struct md_tensor *const *inputs, struct md_tensor *outputs,
                  struct md_status *st)
{
    struct md_exec_frame *f = md_exec_frame_new(k, fn, st);
    if (!f)
        return false;
    for (int j = 0; j < fn->n_out; j++)
        outputs[j] = (struct md_tensor)MD_TENSOR_INIT;
    bool ok = md_exec_frame_call(f, inputs, outputs, st);
    md_exec_frame_free(f);
    return ok;
}
