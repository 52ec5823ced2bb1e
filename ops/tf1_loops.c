/* tf1_loops.c: TF1 while loops -> functional While (see ops_impl.h).
 *
 * tf.while_loop (control_flow_ops.py, v1) builds, per loop variable i,
 *
 *   Enter_i = Enter(v_i, frame_name=F)        (is_constant=false)
 *   Merge_i = Merge(Enter_i, NextIteration_i)  <- the back edge (a cycle)
 *   pred    = cond(Merge_0..n)                 LoopCond = LoopCond(pred)
 *   Switch_i = Switch(Merge_i, LoopCond)
 *   Exit_i  = Exit(Switch_i:0)                 (the value after the loop)
 *   Identity_i = Identity(Switch_i:1)          (the body's input)
 *   NextIteration_i = NextIteration(body_i(Identity_0..n))
 *
 * plus an Enter(is_constant=true) per tensor the loop captures. Nodes
 * belong to a frame as TensorFlow's executor defines it: an Enter's
 * outputs are in its frame_name's frame, an Exit's in the parent frame,
 * every other node in the frame of its inputs. Each frame (innermost
 * first, so inner loops are already While nodes inside outer bodies)
 * becomes
 *
 *   cond function (vars..., invariants...) -> pred: the frame's nodes that
 *       LoopCond's input needs, Merge_i:0 read as argument i;
 *   body function (vars..., invariants...) -> (next vars..., invariants...):
 *       the nodes the NextIteration inputs need, Switch_i:1 (and Merge_i:0)
 *       read as argument i;
 *   While(v..., captured...) in the parent frame, and each Exit_i becomes
 *       Identity(While:i) under the Exit's name, so consumers are untouched.
 *
 * Control inputs on the loop's own plumbing (a constant's ^Merge or
 * ^Identity pivot) only place nodes in the frame; those to Merge / Switch /
 * Enter / LoopCond are dropped, the rest kept. Rewritten NodeDefs and the
 * new library live in the graph's arena; untouched NodeDefs are borrowed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "function.pb-c.h"
#include "ops/ops_impl.h"

enum kind { K_OTHER, K_ENTER, K_EXIT, K_MERGE, K_SWITCH, K_NEXT, K_LOOPCOND };

struct wnode {
    Tensorflow__NodeDef *def; /* the GraphDef's (borrowed, never written) or a new one */
    enum kind kind;
    int frame;     /* -1 unknown; 0 the top level */
    bool removed;
    int n_in;      /* all inputs, data and control, in NodeDef order */
    int *src;      /* producer node (-1: unknown name) */
    int *idx;      /* output index; -1 for a control input */
};

struct frame {
    const char *name;
    int parent, depth;
};

struct rw {
    struct md_arena *mem;
    struct md_status *st;
    int n, cap;
    struct wnode *w;
    size_t hcap;          /* name hash: power of two */
    int *hash;            /* node ids, -1 empty */
    int n_frames, cap_frames;
    struct frame *frames;
    size_t n_fns;
    Tensorflow__FunctionDef **fns; /* new functions (arena) */
    int *mark;            /* per node: position in the function being built, else -1 */
    int *stack, *order;   /* per node scratch */
    int n_orig;           /* nodes of the GraphDef (the CSR below covers them) */
    int *cstart, *cons;   /* consumers (data and control) of each original node */
    int *fhead, *fnext;   /* members of each frame (linked through fnext) */
};

static uint64_t hash_s(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int find(const struct rw *r, const char *name, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
    for (size_t j = h & (r->hcap - 1);; j = (j + 1) & (r->hcap - 1)) {
        int id = r->hash[j];
        if (id < 0)
            return -1;
        const char *nm = r->w[id].def->name;
        if (!strncmp(nm, name, len) && nm[len] == '\0')
            return id;
    }
}

static void put(struct rw *r, int id)
{
    size_t j = hash_s(r->w[id].def->name) & (r->hcap - 1);
    while (r->hash[j] >= 0)
        j = (j + 1) & (r->hcap - 1);
    r->hash[j] = id;
}

static enum kind kind_of(const char *op)
{
    if (!strncmp(op, "Ref", 3))
        op += 3;
    if (!strcmp(op, "Enter"))
        return K_ENTER;
    if (!strcmp(op, "Exit"))
        return K_EXIT;
    if (!strcmp(op, "Merge"))
        return K_MERGE;
    if (!strcmp(op, "Switch"))
        return K_SWITCH;
    if (!strcmp(op, "NextIteration"))
        return K_NEXT;
    if (!strcmp(op, "LoopCond"))
        return K_LOOPCOND;
    return K_OTHER;
}

static bool parse_inputs(struct rw *r, int id)
{
    struct wnode *n = &r->w[id];
    const Tensorflow__NodeDef *d = n->def;
    n->n_in = (int)d->n_input;
    n->src = md_arena_alloc(r->mem, (d->n_input + 1) * sizeof *n->src, r->st);
    n->idx = md_arena_alloc(r->mem, (d->n_input + 1) * sizeof *n->idx, r->st);
    if (!n->src || !n->idx)
        return false;
    for (size_t i = 0; i < d->n_input; i++) {
        const char *s = d->input[i];
        bool ctrl = s[0] == '^';
        if (ctrl)
            s++;
        const char *c = strchr(s, ':');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        long idx = c ? strtol(c + 1, NULL, 10) : 0;
        n->src[i] = find(r, s, len);
        n->idx[i] = ctrl ? -1 : (idx >= 0 && idx < MD_NODE_MAX_OUTPUTS ? (int)idx : 0);
    }
    return true;
}

static int frame_child(struct rw *r, int parent, const char *name)
{
    for (int f = 1; f < r->n_frames; f++)
        if (r->frames[f].parent == parent && !strcmp(r->frames[f].name, name))
            return f;
    if (r->n_frames == r->cap_frames) {
        int cap = r->cap_frames * 2;
        struct frame *nf = realloc(r->frames, (size_t)cap * sizeof *nf);
        if (!nf)
            return -1;
        r->frames = nf;
        r->cap_frames = cap;
    }
    r->frames[r->n_frames] = (struct frame){ name, parent, r->frames[parent].depth + 1 };
    return r->n_frames++;
}

/* Assigns frames breadth-first from the nodes without inputs: a node takes
 * the frame of the first of its inputs to get one (an Enter the child
 * frame named by frame_name, an Exit the parent frame). O(nodes + edges). */
static bool assign_frames(struct rw *r)
{
    char lbl[160];
    int head = 0, tail = 0;
    for (int id = 0; id < r->n; id++) {
        r->w[id].frame = r->w[id].n_in == 0 ? 0 : -1;
        if (!r->w[id].n_in)
            r->stack[tail++] = id;
    }
    while (head < tail) {
        int u = r->stack[head++];
        for (int k = r->cstart[u]; k < r->cstart[u + 1]; k++) {
            struct wnode *n = &r->w[r->cons[k]];
            if (n->frame >= 0)
                continue;
            int from = r->w[u].frame;
            if (n->kind == K_ENTER) {
                const Tensorflow__AttrValue *v = md_attr_find(n->def, "frame_name");
                if (!v || v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S || !v->s.len)
                    return md_status_set(r->st, MD_INVALID_ARGUMENT,
                                         "node '%s': Enter without a frame_name",
                                         md_escape(lbl, sizeof lbl, n->def->name,
                                                   strlen(n->def->name)));
                char *nm = md_arena_alloc(r->mem, v->s.len + 1, r->st);
                if (!nm)
                    return false;
                memcpy(nm, v->s.data, v->s.len);
                nm[v->s.len] = '\0';
                from = frame_child(r, from, nm);
                if (from < 0)
                    return md_status_set(r->st, MD_RESOURCE_EXHAUSTED, "out of memory");
            } else if (n->kind == K_EXIT) {
                if (from == 0)
                    return md_status_set(r->st, MD_INVALID_ARGUMENT,
                                         "node '%s': Exit outside a while loop",
                                         md_escape(lbl, sizeof lbl, n->def->name,
                                                   strlen(n->def->name)));
                from = r->frames[from].parent;
            }
            n->frame = from;
            r->stack[tail++] = r->cons[k];
        }
    }
    /* Member lists of the loop frames. */
    r->fhead = malloc(((size_t)r->n_frames + 1) * sizeof *r->fhead);
    if (!r->fhead)
        return md_status_set(r->st, MD_RESOURCE_EXHAUSTED, "out of memory");
    for (int f = 0; f < r->n_frames; f++)
        r->fhead[f] = -1;
    for (int id = r->n - 1; id >= 0; id--) {
        int f = r->w[id].frame;
        r->fnext[id] = -1;
        if (f >= 1) {
            r->fnext[id] = r->fhead[f];
            r->fhead[f] = id;
        }
    }
    return true;
}

/* Builds the consumer lists of the original nodes. */
static bool build_consumers(struct rw *r)
{
    size_t n_edges = 0;
    r->cstart = calloc((size_t)r->n + 2, sizeof *r->cstart);
    for (int id = 0; r->cstart && id < r->n; id++)
        for (int i = 0; i < r->w[id].n_in; i++)
            if (r->w[id].src[i] >= 0) {
                r->cstart[r->w[id].src[i] + 1]++;
                n_edges++;
            }
    r->cons = malloc((n_edges + 1) * sizeof *r->cons);
    int *fill = malloc(((size_t)r->n + 1) * sizeof *fill);
    if (!r->cstart || !r->cons || !fill) {
        free(fill);
        return md_status_set(r->st, MD_RESOURCE_EXHAUSTED, "out of memory rewriting while loops");
    }
    for (int id = 0; id < r->n; id++)
        r->cstart[id + 1] += r->cstart[id];
    memcpy(fill, r->cstart, (size_t)r->n * sizeof *fill);
    for (int id = 0; id < r->n; id++)
        for (int i = 0; i < r->w[id].n_in; i++)
            if (r->w[id].src[i] >= 0)
                r->cons[fill[r->w[id].src[i]]++] = id;
    free(fill);
    return true;
}

/* ------------------------------------------------------ message building */
static char *mem_str(struct rw *r, const char *fmt, ...) MD_PRINTF(2, 3);

static char *mem_str(struct rw *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? md_arena_alloc(r->mem, (size_t)n + 1, r->st) : NULL;
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void *mem_zalloc(struct rw *r, size_t n)
{
    void *p = md_arena_alloc(r->mem, n ? n : 1, r->st);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static Tensorflow__AttrValue *new_attr(struct rw *r, Tensorflow__NodeDef *n, char *key)
{
    Tensorflow__NodeDef__AttrEntry *e = mem_zalloc(r, sizeof *e);
    Tensorflow__AttrValue *v = mem_zalloc(r, sizeof *v);
    if (!e || !v)
        return NULL;
    tensorflow__node_def__attr_entry__init(e);
    tensorflow__attr_value__init(v);
    e->key = key; /* a literal: arena messages are never freed */
    e->value = v;
    n->attr[n->n_attr++] = e;
    return v;
}

/* --------------------------------------------------------------- loops */
struct loop {
    int f;
    int n_var, n_const;
    int *enter;  /* n_var + n_const Enter nodes: vars first */
    int *merge, *sw, *next, *exit; /* per var (-1: absent exit) */
    int loopcond;
};

/* The argument a reference (node src, output idx) reads, or -1. */
static int arg_of(const struct loop *L, const struct rw *r, int src, int idx, bool body)
{
    for (int i = 0; i < L->n_var; i++) {
        if (src == L->merge[i] && idx == 0)
            return i;
        if (body && src == L->sw[i] && idx == 1)
            return i;
    }
    for (int k = 0; k < L->n_const; k++)
        if (src == L->enter[L->n_var + k])
            return L->n_var + k;
    (void)r;
    return -1;
}

/* Collects (into order[]) the frame nodes that `roots` need, stopping at
 * arguments. Returns the count or -1 (status set). */
static int collect(struct rw *r, const struct loop *L, const int *roots, int n_roots, bool body,
                   int *order)
{
    char lbl[160];
    int n = 0, sp = 0;
    int *stack = r->stack;
    for (int i = 0; i < n_roots; i++)
        if (roots[i] >= 0 && r->mark[roots[i]] < 0) {
            r->mark[roots[i]] = 0;
            stack[sp++] = roots[i];
        }
    while (sp > 0) {
        int id = stack[--sp];
        const struct wnode *w = &r->w[id];
        if (w->kind != K_OTHER || w->frame != L->f) {
            md_status_set(r->st, MD_UNIMPLEMENTED,
                          "while loop '%s': node '%s' (%s) is used in a way the loop rewrite "
                          "does not support",
                          r->frames[L->f].name,
                          md_escape(lbl, sizeof lbl, w->def->name, strlen(w->def->name)),
                          w->def->op);
            return -1;
        }
        order[n++] = id;
        for (int i = 0; i < w->n_in; i++) {
            int s = w->src[i];
            if (s < 0)
                continue; /* the importer names the bad input */
            if (w->idx[i] >= 0 && arg_of(L, r, s, w->idx[i], body) >= 0)
                continue;
            if (w->idx[i] < 0 && (r->w[s].kind != K_OTHER || r->w[s].frame != L->f))
                continue; /* a pivot: dropped */
            if (r->mark[s] < 0) {
                r->mark[s] = 0;
                stack[sp++] = s;
            }
        }
    }
    for (int i = 0; i < n; i++)
        r->mark[order[i]] = i;
    return n;
}

static void unmark(struct rw *r, const int *order, int n)
{
    for (int i = 0; i < n; i++)
        r->mark[order[i]] = -1;
}

/* A reference to (src, idx) inside a function body. */
static char *ref_str(struct rw *r, const struct loop *L, int src, int idx, bool body)
{
    int a = arg_of(L, r, src, idx, body);
    if (a >= 0)
        return mem_str(r, "_a%d", a);
    return mem_str(r, "%s:%d", r->w[src].def->name, idx);
}

static Tensorflow__OpDef__ArgDef *new_arg(struct rw *r, char *name, enum md_dtype t)
{
    Tensorflow__OpDef__ArgDef *a = mem_zalloc(r, sizeof *a);
    if (!a)
        return NULL;
    tensorflow__op_def__arg_def__init(a);
    a->name = name;
    a->type = (Tensorflow__DataType)t;
    return a;
}

/* Builds one function: args _a0.._aN typed like the Enters, nodes[], rets. */
static Tensorflow__FunctionDef *build_fn(struct rw *r, const struct loop *L, char *name,
                                         const int *nodes, int n_nodes, int n_ret,
                                         char **rets, const enum md_dtype *ret_types, bool body)
{
    int n_args = L->n_var + L->n_const;
    Tensorflow__FunctionDef *f = mem_zalloc(r, sizeof *f);
    Tensorflow__OpDef *sig = mem_zalloc(r, sizeof *sig);
    if (!f || !sig)
        return NULL;
    tensorflow__function_def__init(f);
    tensorflow__op_def__init(sig);
    f->signature = sig;
    sig->name = name;
    sig->input_arg = mem_zalloc(r, ((size_t)n_args + 1) * sizeof *sig->input_arg);
    sig->output_arg = mem_zalloc(r, ((size_t)n_ret + 1) * sizeof *sig->output_arg);
    f->ret = mem_zalloc(r, ((size_t)n_ret + 1) * sizeof *f->ret);
    f->node_def = mem_zalloc(r, ((size_t)n_nodes + 1) * sizeof *f->node_def);
    if (!sig->input_arg || !sig->output_arg || !f->ret || !f->node_def)
        return NULL;
    for (int i = 0; i < n_args; i++) {
        enum md_dtype t = MD_DT_INVALID;
        md_attr_type(r->w[L->enter[i]].def, "T", &t);
        char *an = mem_str(r, "_a%d", i);
        if (!an || !(sig->input_arg[i] = new_arg(r, an, md_dtype_base(t))))
            return NULL;
    }
    sig->n_input_arg = (size_t)n_args;
    for (int j = 0; j < n_ret; j++) {
        char *on = mem_str(r, "_o%d", j);
        Tensorflow__FunctionDef__RetEntry *e = mem_zalloc(r, sizeof *e);
        if (!on || !e || !(sig->output_arg[j] = new_arg(r, on, ret_types[j])))
            return NULL;
        tensorflow__function_def__ret_entry__init(e);
        e->key = on;
        e->value = rets[j];
        f->ret[j] = e;
    }
    sig->n_output_arg = (size_t)n_ret;
    f->n_ret = (size_t)n_ret;
    for (int k = 0; k < n_nodes; k++) {
        const struct wnode *w = &r->w[nodes[k]];
        Tensorflow__NodeDef *c = mem_zalloc(r, sizeof *c);
        char **in = mem_zalloc(r, ((size_t)w->n_in + 1) * sizeof *in);
        if (!c || !in)
            return NULL;
        *c = *w->def;
        c->input = in;
        c->n_input = 0;
        for (int i = 0; i < w->n_in; i++) {
            int s = w->src[i];
            if (s < 0) {
                in[c->n_input++] = w->def->input[i]; /* the importer reports it */
            } else if (w->idx[i] >= 0) {
                if (!(in[c->n_input++] = ref_str(r, L, s, w->idx[i], body)))
                    return NULL;
            } else if (r->mark[s] >= 0) {
                if (!(in[c->n_input++] = mem_str(r, "^%s", r->w[s].def->name)))
                    return NULL;
            }
        }
        f->node_def[k] = c;
    }
    f->n_node_def = (size_t)n_nodes;
    return f;
}

static bool add_fn(struct rw *r, Tensorflow__FunctionDef *f)
{
    Tensorflow__FunctionDef **nf = realloc(r->fns, (r->n_fns + 1) * sizeof *nf);
    if (!nf)
        return md_status_set(r->st, MD_RESOURCE_EXHAUSTED, "out of memory");
    r->fns = nf;
    r->fns[r->n_fns++] = f;
    return true;
}

static int append_node(struct rw *r, Tensorflow__NodeDef *def, int frame)
{
    if (r->n == r->cap) {
        md_status_set(r->st, MD_INTERNAL, "loop rewrite: node table full");
        return -1;
    }
    int id = r->n++;
    memset(&r->w[id], 0, sizeof r->w[id]);
    r->w[id].def = def;
    r->w[id].frame = frame;
    r->fnext[id] = -1;
    if (frame >= 1) {
        r->fnext[id] = r->fhead[frame];
        r->fhead[frame] = id;
    }
    put(r, id);
    return id;
}

static bool rewrite_frame(struct rw *r, int f, int serial)
{
    char lbl[160];
    const char *fname = r->frames[f].name;
    md_escape(lbl, sizeof lbl, fname, strlen(fname));
    struct loop L = { .f = f, .loopcond = -1 };
    int n_enter = 0;
    for (int id = r->fhead[f]; id >= 0; id = r->fnext[id]) {
        const struct wnode *w = &r->w[id];
        if (w->removed)
            continue;
        if (w->kind == K_ENTER)
            n_enter++;
        if (w->kind == K_LOOPCOND) {
            if (L.loopcond >= 0)
                return md_status_set(r->st, MD_INVALID_ARGUMENT,
                                     "while loop '%s' has two LoopCond nodes", lbl);
            L.loopcond = id;
        }
    }
    if (L.loopcond < 0 || r->w[L.loopcond].n_in < 1 || r->w[L.loopcond].src[0] < 0)
        return md_status_set(r->st, MD_INVALID_ARGUMENT,
                             "while loop '%s' has no LoopCond with an input", lbl);
    size_t ne = (size_t)n_enter + 1;
    L.enter = mem_zalloc(r, ne * sizeof *L.enter);
    L.merge = mem_zalloc(r, ne * sizeof *L.merge);
    L.sw = mem_zalloc(r, ne * sizeof *L.sw);
    L.next = mem_zalloc(r, ne * sizeof *L.next);
    L.exit = mem_zalloc(r, ne * sizeof *L.exit);
    if (!L.enter || !L.merge || !L.sw || !L.next || !L.exit)
        return false;
    /* Loop variables: Enter -> Merge <- NextIteration, in Enter order. */
    for (int id = r->fhead[f]; id >= 0; id = r->fnext[id]) {
        const struct wnode *w = &r->w[id];
        if (w->removed || w->kind != K_ENTER || id >= r->n_orig)
            continue;
        bool is_const = false;
        md_attr_bool(w->def, "is_constant", &is_const);
        if (is_const)
            continue;
        int merge = -1, next = -1;
        for (int k = r->cstart[id]; k < r->cstart[id + 1] && merge < 0; k++) {
            int m = r->cons[k];
            const struct wnode *x = &r->w[m];
            if (x->removed || x->kind != K_MERGE || x->frame != f)
                continue;
            int data = 0, hit = -1, other = -1;
            for (int i = 0; i < x->n_in; i++) {
                if (x->idx[i] < 0)
                    continue;
                data++;
                if (x->src[i] == id)
                    hit = i;
                else
                    other = x->src[i];
            }
            if (hit >= 0 && data == 2 && other >= 0 && r->w[other].kind == K_NEXT) {
                merge = m;
                next = other;
            }
        }
        if (merge < 0)
            return md_status_set(r->st, MD_UNIMPLEMENTED,
                                 "while loop '%s': Enter '%s' does not feed a Merge with a "
                                 "NextIteration",
                                 lbl, w->def->name);
        int v = L.n_var++;
        L.enter[v] = id;
        L.merge[v] = merge;
        L.next[v] = next;
        L.sw[v] = L.exit[v] = -1;
    }
    for (int id = r->fhead[f]; id >= 0; id = r->fnext[id]) {
        const struct wnode *w = &r->w[id];
        bool is_const = false;
        if (!w->removed && w->kind == K_ENTER &&
            md_attr_bool(w->def, "is_constant", &is_const) && is_const)
            L.enter[L.n_var + L.n_const++] = id;
    }
    for (int v = 0; v < L.n_var; v++) {
        int mg = L.merge[v];
        for (int k = mg < r->n_orig ? r->cstart[mg] : 0; mg < r->n_orig && k < r->cstart[mg + 1];
             k++) {
            int id = r->cons[k];
            const struct wnode *w = &r->w[id];
            if (w->removed || w->n_in < 1 || w->src[0] < 0)
                continue;
            if (w->kind == K_SWITCH && w->frame == f && w->src[0] == L.merge[v] &&
                w->idx[0] == 0 && w->n_in >= 2 && w->src[1] == L.loopcond)
                L.sw[v] = id;
        }
        if (L.sw[v] < 0)
            return md_status_set(r->st, MD_UNIMPLEMENTED,
                                 "while loop '%s': Merge '%s' has no Switch on the LoopCond", lbl,
                                 r->w[L.merge[v]].def->name);
        int sw = L.sw[v];
        for (int k = sw < r->n_orig ? r->cstart[sw] : 0; sw < r->n_orig && k < r->cstart[sw + 1];
             k++) {
            int id = r->cons[k];
            const struct wnode *w = &r->w[id];
            if (!w->removed && w->kind == K_EXIT && w->n_in >= 1 && w->src[0] == sw)
                L.exit[v] = id;
        }
        if (r->w[L.next[v]].n_in < 1 || r->w[L.next[v]].src[0] < 0)
            return md_status_set(r->st, MD_INVALID_ARGUMENT,
                                 "while loop '%s': NextIteration '%s' has no input", lbl,
                                 r->w[L.next[v]].def->name);
    }
    int n_args = L.n_var + L.n_const;
    int *order = r->order;
    int *roots = malloc(((size_t)n_args + 1) * sizeof *roots);
    enum md_dtype *types = mem_zalloc(r, ((size_t)n_args + 1) * sizeof *types);
    char **rets = mem_zalloc(r, ((size_t)n_args + 1) * sizeof *rets);
    bool ok = order && roots && types && rets;
    if (!ok)
        md_status_set(r->st, MD_RESOURCE_EXHAUSTED, "out of memory");
    char *cname = ok ? mem_str(r, "__md_tf1_while_cond_%d", serial) : NULL;
    char *bname = ok ? mem_str(r, "__md_tf1_while_body_%d", serial) : NULL;
    Tensorflow__FunctionDef *cf = NULL, *bf = NULL;
    ok = cname && bname;
    if (ok) {
        /* cond: LoopCond's input */
        const struct wnode *lc = &r->w[L.loopcond];
        roots[0] = arg_of(&L, r, lc->src[0], lc->idx[0], false) >= 0 ? -1 : lc->src[0];
        int n = collect(r, &L, roots, 1, false, order);
        enum md_dtype bt = MD_DT_BOOL;
        ok = n >= 0 && (rets[0] = ref_str(r, &L, lc->src[0], lc->idx[0], false)) &&
             (cf = build_fn(r, &L, cname, order, n, 1, rets, &bt, false)) && add_fn(r, cf);
        if (n > 0)
            unmark(r, order, n);
    }
    if (ok) {
        for (int v = 0; v < L.n_var; v++) {
            const struct wnode *nx = &r->w[L.next[v]];
            roots[v] = arg_of(&L, r, nx->src[0], nx->idx[0], true) >= 0 ? -1 : nx->src[0];
        }
        int n = collect(r, &L, roots, L.n_var, true, order);
        ok = n >= 0;
        for (int a = 0; ok && a < n_args; a++) {
            md_attr_type(r->w[L.enter[a]].def, "T", &types[a]);
            types[a] = md_dtype_base(types[a]);
            if (a < L.n_var) {
                const struct wnode *nx = &r->w[L.next[a]];
                ok = (rets[a] = ref_str(r, &L, nx->src[0], nx->idx[0], true)) != NULL;
            } else {
                ok = (rets[a] = mem_str(r, "_a%d", a)) != NULL;
            }
        }
        ok = ok && (bf = build_fn(r, &L, bname, order, n, n_args, rets, types, true)) &&
             add_fn(r, bf);
        if (n > 0)
            unmark(r, order, n);
    }
    free(roots);
    if (!ok)
        return false;
    /* The While node, in the parent frame. */
    int parent = r->frames[f].parent;
    Tensorflow__NodeDef *wn = mem_zalloc(r, sizeof *wn);
    char **win = mem_zalloc(r, ((size_t)n_args + 1) * sizeof *win);
    char *wname = NULL;
    for (int k = 0; k < 1000 && !wname; k++) {
        char *cand = k ? mem_str(r, "%s/_md_while_%d", fname, k) : mem_str(r, "%s/_md_while", fname);
        if (!cand)
            return false;
        if (find(r, cand, strlen(cand)) < 0)
            wname = cand;
    }
    if (!wn || !win || !wname)
        return wname ? false
                     : md_status_set(r->st, MD_INVALID_ARGUMENT,
                                     "while loop '%s': no free name for its While node", lbl);
    tensorflow__node_def__init(wn);
    wn->name = wname;
    wn->op = "While";
    for (int a = 0; a < n_args; a++) {
        const Tensorflow__NodeDef *e = r->w[L.enter[a]].def;
        size_t k = 0;
        while (k < e->n_input && e->input[k][0] == '^')
            k++;
        if (k == e->n_input)
            return md_status_set(r->st, MD_INVALID_ARGUMENT, "node '%s': Enter without input",
                                 e->name);
        win[a] = e->input[k];
    }
    wn->input = win;
    wn->n_input = (size_t)n_args;
    wn->attr = mem_zalloc(r, 4 * sizeof *wn->attr);
    if (!wn->attr)
        return false;
    Tensorflow__AttrValue *vt = new_attr(r, wn, "T");
    Tensorflow__AttrValue *vc = new_attr(r, wn, "cond");
    Tensorflow__AttrValue *vb = new_attr(r, wn, "body");
    Tensorflow__AttrValue *vp = new_attr(r, wn, "parallel_iterations");
    Tensorflow__AttrValue__ListValue *lv = mem_zalloc(r, sizeof *lv);
    Tensorflow__NameAttrList *fc = mem_zalloc(r, sizeof *fc), *fb = mem_zalloc(r, sizeof *fb);
    if (!vt || !vc || !vb || !vp || !lv || !fc || !fb)
        return false;
    tensorflow__attr_value__list_value__init(lv);
    lv->n_type = (size_t)n_args;
    lv->type = (Tensorflow__DataType *)types;
    vt->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    vt->list = lv;
    tensorflow__name_attr_list__init(fc);
    tensorflow__name_attr_list__init(fb);
    fc->name = cname;
    fb->name = bname;
    vc->value_case = vb->value_case = TENSORFLOW__ATTR_VALUE__VALUE_FUNC;
    vc->func = fc;
    vb->func = fb;
    vp->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
    vp->i = 1;
    if (sizeof(enum md_dtype) != sizeof(Tensorflow__DataType))
        return md_status_set(r->st, MD_INTERNAL, "dtype enum sizes differ");
    /* Drop the frame, then add the While and turn Exits into Identities. */
    for (int id = r->fhead[f]; id >= 0; id = r->fnext[id])
        r->w[id].removed = true;
    int wid = append_node(r, wn, parent);
    if (wid < 0 || !parse_inputs(r, wid))
        return false;
    for (int v = 0; v < L.n_var; v++) {
        if (L.exit[v] < 0)
            continue;
        struct wnode *x = &r->w[L.exit[v]];
        Tensorflow__NodeDef *ident = mem_zalloc(r, sizeof *ident);
        char **in = mem_zalloc(r, sizeof *in);
        if (!ident || !in || !(in[0] = mem_str(r, "%s:%d", wname, v)))
            return false;
        *ident = *x->def;
        ident->op = "Identity";
        ident->input = in;
        ident->n_input = 1;
        x->def = ident;
        x->kind = K_OTHER;
        x->src[0] = wid;
        x->idx[0] = v;
        x->n_in = 1;
    }
    return true;
}

bool md_graph_rewrite_tf1_loops(const Tensorflow__GraphDef *gd, struct md_arena *mem,
                                const Tensorflow__GraphDef **out, struct md_status *st)
{
    *out = gd;
    size_t n_enter = 0;
    for (size_t i = 0; i < gd->n_node; i++)
        if (gd->node[i]->op && kind_of(gd->node[i]->op) == K_ENTER)
            n_enter++;
    if (!n_enter)
        return true;
    if (gd->n_node > (size_t)MD_GRAPH_MAX_NODES)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "graph has more than %d nodes",
                             MD_GRAPH_MAX_NODES);
    struct rw r = { .mem = mem, .st = st };
    r.cap = (int)(gd->n_node + n_enter + 1);
    r.hcap = 64;
    while (r.hcap < 2 * (size_t)r.cap)
        r.hcap *= 2;
    r.w = calloc((size_t)r.cap, sizeof *r.w);
    r.hash = malloc(r.hcap * sizeof *r.hash);
    r.mark = malloc((size_t)r.cap * sizeof *r.mark);
    r.stack = malloc((size_t)r.cap * sizeof *r.stack);
    r.order = malloc((size_t)r.cap * sizeof *r.order);
    r.fnext = malloc((size_t)r.cap * sizeof *r.fnext);
    r.cap_frames = 8;
    r.frames = calloc((size_t)r.cap_frames, sizeof *r.frames);
    bool ok = r.w && r.hash && r.mark && r.stack && r.order && r.fnext && r.frames;
    if (!ok) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory rewriting while loops");
        goto done;
    }
    memset(r.hash, 0xff, r.hcap * sizeof *r.hash);
    for (int i = 0; i < r.cap; i++)
        r.mark[i] = -1;
    r.frames[0] = (struct frame){ "", -1, 0 };
    r.n_frames = 1;
    for (size_t i = 0; i < gd->n_node; i++) {
        Tensorflow__NodeDef *d = gd->node[i];
        if (!d->name || !d->op) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT, "graph has a node without name or op");
            goto done;
        }
        r.w[r.n].def = d;
        r.w[r.n].kind = kind_of(d->op);
        if (find(&r, d->name, strlen(d->name)) >= 0) {
            char lbl[160];
            ok = md_status_set(st, MD_INVALID_ARGUMENT, "graph has two nodes named '%s'",
                               md_escape(lbl, sizeof lbl, d->name, strlen(d->name)));
            goto done;
        }
        put(&r, r.n++);
    }
    r.n_orig = r.n;
    for (int id = 0; ok && id < r.n; id++)
        ok = parse_inputs(&r, id);
    ok = ok && build_consumers(&r) && assign_frames(&r);
    /* Innermost frames first. */
    int max_depth = 0;
    for (int f = 1; ok && f < r.n_frames; f++)
        if (r.frames[f].depth > max_depth)
            max_depth = r.frames[f].depth;
    int serial = 0;
    for (int d = max_depth; ok && d >= 1; d--)
        for (int f = 1; ok && f < r.n_frames; f++)
            if (r.frames[f].depth == d) {
                ok = rewrite_frame(&r, f, serial++);
                if (!ok && st->code == MD_OK)
                    md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory rewriting while loops");
            }
    if (!ok)
        goto done;
    /* The new GraphDef: kept nodes in order, the library plus the loops'. */
    Tensorflow__GraphDef *ng = mem_zalloc(&r, sizeof *ng);
    Tensorflow__FunctionDefLibrary *lib = mem_zalloc(&r, sizeof *lib);
    size_t n_old = gd->library ? gd->library->n_function : 0;
    Tensorflow__NodeDef **nodes = mem_zalloc(&r, ((size_t)r.n + 1) * sizeof *nodes);
    Tensorflow__FunctionDef **fns = mem_zalloc(&r, (n_old + r.n_fns + 1) * sizeof *fns);
    if (!ng || !lib || !nodes || !fns) {
        ok = false;
        goto done;
    }
    *ng = *gd;
    if (gd->library)
        *lib = *gd->library;
    else
        tensorflow__function_def_library__init(lib);
    size_t k = 0;
    for (int id = 0; id < r.n; id++)
        if (!r.w[id].removed)
            nodes[k++] = r.w[id].def;
    ng->node = nodes;
    ng->n_node = k;
    for (size_t i = 0; i < n_old; i++)
        fns[i] = gd->library->function[i];
    for (size_t i = 0; i < r.n_fns; i++)
        fns[n_old + i] = r.fns[i];
    lib->function = fns;
    lib->n_function = n_old + r.n_fns;
    ng->library = lib;
    *out = ng;
done:
    free(r.w);
    free(r.hash);
    free(r.mark);
    free(r.frames);
    free(r.fns);
    free(r.stack);
    free(r.order);
    free(r.fnext);
    free(r.fhead);
    free(r.cstart);
    free(r.cons);
    return ok;
}
