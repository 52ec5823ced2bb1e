/* graph.c: GraphDef + FunctionDefLibrary -> one flat graph of nodes and
 * (node, flat output index) edges.
 *
 * Function calls are inlined at import: a call node (PartitionedCall,
 * StatefulPartitionedCall, or a node whose op names a library function)
 * stays in the graph as a join node without outputs, and the function body
 * is copied in with names "<call>/<body node>". Inside a body, inputs name
 * function args ("x") or body outputs ("node:out_arg:i"); an arg resolves to
 * the call's matching input in the caller's scope, and a reference to a
 * call's output resolves to whatever the function's `ret` names. Output args
 * are turned into flat indices with the MetaGraph's stripped OpDefs (or a
 * small table for the common multi-output ops when the list is absent).
 * The join node's control inputs are the call's own control inputs, every
 * ret producer and every control_ret node, so "^call" means "the whole call
 * is done"; body nodes inherit the call's own control inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "function.pb-c.h"
#include "ops/ops_impl.h"

/* ---------------------------------------------------------- string map */
struct strmap {
    size_t cap; /* power of two */
    size_t n;
    const char **keys;
    int *vals;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool strmap_grow(struct strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    int *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash_str(m->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return true;
}

static int strmap_get(const struct strmap *m, const char *k)
{
    if (!m->cap)
        return -1;
    size_t j = hash_str(k) & (m->cap - 1);
    while (m->keys[j]) {
        if (!strcmp(m->keys[j], k))
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

/* Key must outlive the map. Returns false on OOM; *dup set when present. */
static bool strmap_put(struct strmap *m, const char *k, int v, bool *dup)
{
    *dup = false;
    if ((m->n + 1) * 2 > m->cap && !strmap_grow(m))
        return false;
    size_t j = hash_str(k) & (m->cap - 1);
    while (m->keys[j]) {
        if (!strcmp(m->keys[j], k)) {
            *dup = true;
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->keys[j] = k;
    m->vals[j] = v;
    m->n++;
    return true;
}

static void strmap_free(struct strmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

/* --------------------------------------------------------- import state */
struct instance {
    int parent;       /* instance id; -1 for the top graph */
    int call;         /* call node id (-1 for the top graph) */
    int depth;
    const Tensorflow__FunctionDef *fn;
    const char *prefix; /* "" or "<call>/" */
    int n_outer_ctrl;   /* control inputs every body node inherits */
    int *outer_ctrl;
};

struct call_info {
    int inst;         /* callee instance */
    int n_ret;
    struct md_edge *ret;
    int state;        /* 0 unresolved, 1 resolving, 2 done */
};

struct import {
    struct md_graph *g;
    const Tensorflow__GraphDef *gd;
    struct strmap names;   /* node name -> id */
    struct strmap funcs;   /* function name -> index in library */
    struct strmap opdefs;  /* op name -> index in g->ops */
    int n_inst, cap_inst;
    struct instance *inst;
    int *node_inst;        /* per node */
    int *node_call;        /* per node: call_info index or -1 */
    int cap_nodes;
    int n_calls, cap_calls;
    struct call_info *calls;
    struct md_status *st;
};

/* What md_graph keeps after import (for md_graph_tensor). */
struct graph_index {
    struct strmap names;
    int *node_call;        /* per node: index into calls or -1 */
    int n_calls;
    struct call_info *calls;
};

static char *node_label(char *buf, size_t cap, const char *name)
{
    return md_escape(buf, cap, name, strlen(name));
}

static const Tensorflow__FunctionDef *lib_fn(const struct import *im, int i)
{
    return im->gd->library->function[i];
}

/* Function called by a NodeDef, or NULL if it is not a call. */
static const Tensorflow__FunctionDef *called_function(const struct import *im,
                                                      const Tensorflow__NodeDef *n, bool *bad,
                                                      const char **fname)
{
    *bad = false;
    *fname = NULL;
    if (!strcmp(n->op, "PartitionedCall") || !strcmp(n->op, "StatefulPartitionedCall")) {
        const Tensorflow__AttrValue *f = md_attr_find(n, "f");
        if (!f || f->value_case != TENSORFLOW__ATTR_VALUE__VALUE_FUNC || !f->func ||
            !f->func->name) {
            *bad = true;
            return NULL;
        }
        *fname = f->func->name;
        int i = strmap_get(&im->funcs, f->func->name);
        if (i < 0) {
            *bad = true;
            return NULL;
        }
        return lib_fn(im, i);
    }
    int i = strmap_get(&im->funcs, n->op);
    if (i >= 0) {
        *fname = n->op;
        return lib_fn(im, i);
    }
    return NULL;
}

static char *mem_strcat(struct import *im, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = md_arena_alloc(im->g->mem, la + lb + 1, im->st);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

static int add_node(struct import *im, const char *name, const Tensorflow__NodeDef *def, int inst)
{
    struct md_graph *g = im->g;
    char lbl[160];
    if (g->n_nodes >= MD_GRAPH_MAX_NODES) {
        md_status_set(im->st, MD_RESOURCE_EXHAUSTED,
                      "graph has more than %d nodes (after inlining functions)",
                      MD_GRAPH_MAX_NODES);
        return -1;
    }
    if (g->n_nodes == im->cap_nodes) {
        int cap = im->cap_nodes ? im->cap_nodes * 2 : 256;
        struct md_gnode *nodes = realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (nodes)
            g->nodes = nodes;
        int *ni = realloc(im->node_inst, (size_t)cap * sizeof *ni);
        if (ni)
            im->node_inst = ni;
        int *nc = realloc(im->node_call, (size_t)cap * sizeof *nc);
        if (nc)
            im->node_call = nc;
        if (!nodes || !ni || !nc) {
            md_status_set(im->st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
            return -1;
        }
        im->cap_nodes = cap;
    }
    if (!name || !*name) {
        md_status_set(im->st, MD_INVALID_ARGUMENT, "graph has a node without a name (op '%s')",
                      def->op ? def->op : "");
        return -1;
    }
    int id = g->n_nodes;
    bool dup;
    if (!strmap_put(&im->names, name, id, &dup)) {
        md_status_set(im->st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
        return -1;
    }
    if (dup) {
        md_status_set(im->st, MD_INVALID_ARGUMENT, "graph has two nodes named '%s'",
                      node_label(lbl, sizeof lbl, name));
        return -1;
    }
    struct md_gnode *n = &g->nodes[id];
    memset(n, 0, sizeof *n);
    n->name = name;
    n->def = def;
    n->op = md_op_lookup(def->op ? def->op : "");
    im->node_inst[id] = inst;
    im->node_call[id] = -1;
    g->n_nodes++;
    return id;
}

static bool check_fn_args(struct import *im, const Tensorflow__FunctionDef *fn, const char *fname)
{
    const Tensorflow__OpDef *sig = fn->signature;
    char lbl[160];
    if (!sig)
        return md_status_set(im->st, MD_INVALID_ARGUMENT, "function '%s' has no signature",
                             node_label(lbl, sizeof lbl, fname));
    for (size_t i = 0; i < sig->n_input_arg + sig->n_output_arg; i++) {
        const Tensorflow__OpDef__ArgDef *a =
            i < sig->n_input_arg ? sig->input_arg[i] : sig->output_arg[i - sig->n_input_arg];
        if ((a->number_attr && *a->number_attr) || (a->type_list_attr && *a->type_list_attr))
            return md_status_set(im->st, MD_UNIMPLEMENTED,
                                 "function '%s': list argument '%s' is not supported",
                                 node_label(lbl, sizeof lbl, fname), a->name);
    }
    return true;
}

/* Inlines the body of call node `id`. */
static bool inline_call(struct import *im, int id, const Tensorflow__FunctionDef *fn,
                        const char *fname)
{
    struct md_graph *g = im->g;
    int parent = im->node_inst[id];
    char lbl[160];
    if (im->inst[parent].depth + 1 > MD_GRAPH_MAX_CALL_DEPTH)
        return md_status_set(im->st, MD_INVALID_ARGUMENT,
                             "node '%s': function calls nested deeper than %d (recursive "
                             "function '%s'?)",
                             node_label(lbl, sizeof lbl, g->nodes[id].name),
                             MD_GRAPH_MAX_CALL_DEPTH, fname);
    if (!check_fn_args(im, fn, fname))
        return false;
    /* Choose a prefix under which no body name collides with a node. */
    char *prefix = mem_strcat(im, g->nodes[id].name, "/");
    if (!prefix)
        return false;
    for (int attempt = 1;; attempt++) {
        bool clash = false;
        for (size_t i = 0; i < fn->n_node_def && !clash; i++) {
            char full[8200];
            snprintf(full, sizeof full, "%s%s", prefix, fn->node_def[i]->name);
            clash = strmap_get(&im->names, full) >= 0;
        }
        if (!clash)
            break;
        if (attempt > 100)
            return md_status_set(im->st, MD_INVALID_ARGUMENT,
                                 "node '%s': cannot find unique names to inline function '%s'",
                                 node_label(lbl, sizeof lbl, g->nodes[id].name), fname);
        char suffix[32];
        snprintf(suffix, sizeof suffix, "/_inlined%d/", attempt);
        prefix = mem_strcat(im, g->nodes[id].name, suffix);
        if (!prefix)
            return false;
    }
    if (im->n_inst == im->cap_inst) {
        int cap = im->cap_inst * 2;
        struct instance *ni = realloc(im->inst, (size_t)cap * sizeof *ni);
        if (!ni)
            return md_status_set(im->st, MD_RESOURCE_EXHAUSTED, "out of memory inlining");
        im->inst = ni;
        im->cap_inst = cap;
    }
    int inst = im->n_inst++;
    im->inst[inst] = (struct instance){ .parent = parent, .call = id,
                                        .depth = im->inst[parent].depth + 1, .fn = fn,
                                        .prefix = prefix };
    if (im->n_calls == im->cap_calls) {
        int cap = im->cap_calls ? im->cap_calls * 2 : 16;
        struct call_info *nc = realloc(im->calls, (size_t)cap * sizeof *nc);
        if (!nc)
            return md_status_set(im->st, MD_RESOURCE_EXHAUSTED, "out of memory inlining");
        im->calls = nc;
        im->cap_calls = cap;
    }
    im->calls[im->n_calls] = (struct call_info){ .inst = inst, .n_ret = 0, .ret = NULL, .state = 0 };
    im->node_call[id] = im->n_calls++;
    g->nodes[id].is_call = true;
    for (size_t i = 0; i < fn->n_node_def; i++) {
        const Tensorflow__NodeDef *bd = fn->node_def[i];
        char *full = mem_strcat(im, prefix, bd->name);
        Tensorflow__NodeDef *copy = md_arena_alloc(g->mem, sizeof *copy, im->st);
        if (!full || !copy)
            return false;
        *copy = *bd;
        copy->name = full;
        if (add_node(im, full, copy, inst) < 0)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------- op layouts */
struct arg_spec {
    const char *name;
    const char *number_attr; /* count from an int attr */
    const char *list_attr;   /* count from a type-list attr */
};

/* Output args of common multi-output ops, for graphs without OpDefs.
 * Keep in sync with the REGISTER_OP(...).Output lines of tensorflow/core/ops/. */
static const struct {
    const char *op;
    struct arg_spec args[7];
} builtin_layouts[] = {
    { "FusedBatchNorm", { { "y" }, { "batch_mean" }, { "batch_variance" },
                          { "reserve_space_1" }, { "reserve_space_2" } } },
    { "FusedBatchNormV2", { { "y" }, { "batch_mean" }, { "batch_variance" },
                            { "reserve_space_1" }, { "reserve_space_2" } } },
    { "FusedBatchNormV3", { { "y" }, { "batch_mean" }, { "batch_variance" },
                            { "reserve_space_1" }, { "reserve_space_2" },
                            { "reserve_space_3" } } },
    { "ParseExample", { { "sparse_indices", "Nsparse" }, { "sparse_values", NULL, "sparse_types" },
                        { "sparse_shapes", "Nsparse" }, { "dense_values", NULL, "Tdense" } } },
    { "ParseExampleV2", { { "sparse_indices", "num_sparse" },
                          { "sparse_values", NULL, "sparse_types" },
                          { "sparse_shapes", "num_sparse" }, { "dense_values", NULL, "Tdense" },
                          { "ragged_values", NULL, "ragged_value_types" },
                          { "ragged_row_splits", NULL, "ragged_split_types" } } },
    { "TopKV2", { { "values" }, { "indices" } } },
    { "Unique", { { "y" }, { "idx" } } },
    { "UniqueWithCounts", { { "y" }, { "idx" }, { "count" } } },
};

static int64_t attr_count(const Tensorflow__NodeDef *n, const char *number_attr,
                          const char *list_attr)
{
    if (number_attr && *number_attr) {
        int64_t v = 0;
        if (!md_attr_int(n, number_attr, &v) || v < 0)
            return -1;
        return v;
    }
    if (list_attr && *list_attr) {
        const int *t;
        size_t c;
        if (!md_attr_list_type(n, list_attr, &t, &c)) {
            /* an empty list attr may be stored as an empty ListValue or omitted */
            const Tensorflow__AttrValue *v = md_attr_find(n, list_attr);
            return v ? 0 : -1;
        }
        return (int64_t)c;
    }
    return 1;
}

static const Tensorflow__OpDef *find_opdef(const struct md_graph *g, const struct strmap *opdefs,
                                           const char *op)
{
    int i = strmap_get(opdefs, op);
    return i >= 0 ? g->ops->op[i] : NULL;
}

/* Flat index of output `arg`[idx] of node n; -1 if the arg is unknown. */
static int64_t flat_index(const struct import *im, int id, const char *arg, int64_t idx)
{
    const struct md_graph *g = im->g;
    const struct md_gnode *n = &g->nodes[id];
    if (n->is_call) {
        const Tensorflow__FunctionDef *fn = im->inst[im->calls[im->node_call[id]].inst].fn;
        const Tensorflow__OpDef *sig = fn->signature;
        if (!strcmp(n->def->op, "PartitionedCall") ||
            !strcmp(n->def->op, "StatefulPartitionedCall"))
            return idx; /* one list output "output" */
        for (size_t i = 0; i < sig->n_output_arg; i++)
            if (!strcmp(sig->output_arg[i]->name, arg))
                return idx == 0 ? (int64_t)i : -1;
        return -1;
    }
    const Tensorflow__OpDef *od = find_opdef(g, &im->opdefs, n->def->op);
    if (od) {
        int64_t off = 0;
        for (size_t i = 0; i < od->n_output_arg; i++) {
            const Tensorflow__OpDef__ArgDef *a = od->output_arg[i];
            int64_t cnt = attr_count(n->def, a->number_attr, a->type_list_attr);
            if (!strcmp(a->name, arg))
                return cnt >= 0 && idx < cnt ? off + idx : -1;
            if (cnt < 0)
                return -1;
            off += cnt;
        }
        return -1;
    }
    for (size_t b = 0; b < sizeof builtin_layouts / sizeof builtin_layouts[0]; b++) {
        if (strcmp(builtin_layouts[b].op, n->def->op))
            continue;
        int64_t off = 0;
        for (const struct arg_spec *a = builtin_layouts[b].args; a->name; a++) {
            int64_t cnt = attr_count(n->def, a->number_attr, a->list_attr);
            if (!strcmp(a->name, arg))
                return cnt >= 0 && idx < cnt ? off + idx : -1;
            if (cnt < 0)
                return -1;
            off += cnt;
        }
        return -1;
    }
    /* Unknown layout: assume the usual single output arg. */
    return idx;
}

/* -------------------------------------------------------- edge resolve */
static bool call_ret(struct import *im, int call_node, int64_t flat, struct md_edge *out, int depth);

static bool parse_index(const char *s, int64_t *out)
{
    if (!*s)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > MD_NODE_MAX_OUTPUTS)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* Resolves reference `ref` (as written in a NodeDef input or a ret) in
 * instance `inst`; `who` names the consumer for messages. */
static bool resolve_ref(struct import *im, int inst, const char *ref, const char *who,
                        struct md_edge *out, int depth)
{
    char lbl[160], rl[160];
    struct md_status *st = im->st;
    if (depth > 4 * MD_GRAPH_MAX_CALL_DEPTH + 8)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "node '%s': input '%s' resolves through too many function calls",
                             node_label(lbl, sizeof lbl, who), node_label(rl, sizeof rl, ref));
    size_t len = strlen(ref);
    if (len == 0 || len > 4096)
        return md_status_set(st, MD_INVALID_ARGUMENT, "node '%s': invalid input name",
                             node_label(lbl, sizeof lbl, who));
    char buf[4097];
    memcpy(buf, ref, len + 1);
    char *c1 = strchr(buf, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *arg = NULL;
    int64_t idx = 0;
    if (c1)
        *c1 = '\0';
    if (c2) {
        *c2 = '\0';
        arg = c1 + 1;
        if (!parse_index(c2 + 1, &idx))
            goto bad;
    } else if (c1) {
        if (!parse_index(c1 + 1, &idx))
            goto bad;
    }
    const struct instance *in = &im->inst[inst];
    if (in->fn && !c1) {
        const Tensorflow__OpDef *sig = in->fn->signature;
        for (size_t i = 0; i < sig->n_input_arg; i++) {
            if (strcmp(sig->input_arg[i]->name, buf))
                continue;
            /* The call's i-th data input, in the caller's scope. */
            const Tensorflow__NodeDef *cd = im->g->nodes[in->call].def;
            size_t k = 0;
            for (size_t j = 0; j < cd->n_input; j++) {
                if (cd->input[j][0] == '^')
                    continue;
                if (k++ == i)
                    return resolve_ref(im, in->parent, cd->input[j], im->g->nodes[in->call].name,
                                       out, depth + 1);
            }
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "node '%s': call passes fewer inputs than function argument "
                                 "'%s' needs",
                                 node_label(lbl, sizeof lbl, im->g->nodes[in->call].name),
                                 sig->input_arg[i]->name);
        }
    }
    int id;
    if (*in->prefix) {
        char full[8200];
        snprintf(full, sizeof full, "%s%s", in->prefix, buf);
        id = strmap_get(&im->names, full);
    } else {
        id = strmap_get(&im->names, buf);
    }
    if (id < 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "node '%s': input '%s' names no node",
                             node_label(lbl, sizeof lbl, who), node_label(rl, sizeof rl, ref));
    if (arg) {
        idx = flat_index(im, id, arg, idx);
        if (idx < 0)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "node '%s': input '%s': node has no such output",
                                 node_label(lbl, sizeof lbl, who), node_label(rl, sizeof rl, ref));
    }
    if (im->g->nodes[id].is_call)
        return call_ret(im, id, idx, out, depth + 1);
    out->node = id;
    out->index = (int)idx;
    return true;
bad:
    return md_status_set(st, MD_INVALID_ARGUMENT, "node '%s': malformed input '%s'",
                         node_label(lbl, sizeof lbl, who), node_label(rl, sizeof rl, ref));
}

static const char *ret_for(const Tensorflow__FunctionDef *fn, const char *arg)
{
    for (size_t i = 0; i < fn->n_ret; i++)
        if (!strcmp(fn->ret[i]->key, arg))
            return fn->ret[i]->value;
    return NULL;
}

static bool resolve_call(struct import *im, int call_node, int depth)
{
    struct call_info *ci = &im->calls[im->node_call[call_node]];
    char lbl[160];
    if (ci->state == 2)
        return true;
    if (ci->state == 1)
        return md_status_set(im->st, MD_INVALID_ARGUMENT,
                             "node '%s': function output depends on itself",
                             node_label(lbl, sizeof lbl, im->g->nodes[call_node].name));
    ci->state = 1;
    int inst = ci->inst;
    const Tensorflow__FunctionDef *fn = im->inst[inst].fn;
    const Tensorflow__OpDef *sig = fn->signature;
    int n = (int)sig->n_output_arg;
    struct md_edge *ret = md_arena_alloc(im->g->mem, (size_t)(n ? n : 1) * sizeof *ret, im->st);
    if (!ret)
        return false;
    for (int i = 0; i < n; i++) {
        const char *r = ret_for(fn, sig->output_arg[i]->name);
        if (!r)
            return md_status_set(im->st, MD_INVALID_ARGUMENT,
                                 "node '%s': function has no ret for output '%s'",
                                 node_label(lbl, sizeof lbl, im->g->nodes[call_node].name),
                                 sig->output_arg[i]->name);
        /* re-fetch: resolving may grow im->calls */
        if (!resolve_ref(im, inst, r, im->g->nodes[call_node].name, &ret[i], depth + 1))
            return false;
    }
    ci = &im->calls[im->node_call[call_node]];
    ci->ret = ret;
    ci->n_ret = n;
    ci->state = 2;
    return true;
}

static bool call_ret(struct import *im, int call_node, int64_t flat, struct md_edge *out, int depth)
{
    char lbl[160];
    if (!resolve_call(im, call_node, depth))
        return false;
    const struct call_info *ci = &im->calls[im->node_call[call_node]];
    if (flat < 0 || flat >= ci->n_ret)
        return md_status_set(im->st, MD_INVALID_ARGUMENT,
                             "output %lld of call node '%s' does not exist (the function has %d)",
                             (long long)flat,
                             node_label(lbl, sizeof lbl, im->g->nodes[call_node].name), ci->n_ret);
    *out = ci->ret[flat];
    return true;
}

static bool resolve_ctrl_name(struct import *im, int inst, const char *name, const char *who,
                              int *out)
{
    char lbl[160], rl[160];
    const struct instance *in = &im->inst[inst];
    int id;
    if (*in->prefix) {
        char full[8200];
        snprintf(full, sizeof full, "%s%s", in->prefix, name);
        id = strmap_get(&im->names, full);
    } else {
        id = strmap_get(&im->names, name);
    }
    if (id < 0)
        return md_status_set(im->st, MD_INVALID_ARGUMENT,
                             "node '%s': control input '^%s' names no node",
                             node_label(lbl, sizeof lbl, who), node_label(rl, sizeof rl, name));
    *out = id;
    return true;
}

/* Resolves node id's data and control inputs. */
static bool resolve_node(struct import *im, int id)
{
    struct md_graph *g = im->g;
    struct md_gnode *n = &g->nodes[id];
    const Tensorflow__NodeDef *d = n->def;
    int inst = im->node_inst[id];
    const struct instance *in = &im->inst[inst];
    size_t n_data = 0, n_ctrl = 0;
    for (size_t i = 0; i < d->n_input; i++) {
        if (d->input[i][0] == '^')
            n_ctrl++;
        else
            n_data++;
    }
    size_t extra = 0;
    const Tensorflow__FunctionDef *callee = NULL;
    if (n->is_call) {
        callee = im->inst[im->calls[im->node_call[id]].inst].fn;
        extra = callee->signature->n_output_arg + callee->n_control_ret;
        n_data = 0; /* the body consumes the call's data inputs */
    }
    size_t total_ctrl = n_ctrl + (size_t)in->n_outer_ctrl + extra;
    if (n_data > MD_NODE_MAX_OUTPUTS || total_ctrl > (size_t)MD_GRAPH_MAX_NODES)
        return md_status_set(im->st, MD_INVALID_ARGUMENT, "node '%s' has too many inputs",
                             n->name);
    n->in = md_arena_alloc(g->mem, (n_data ? n_data : 1) * sizeof *n->in, im->st);
    n->ctrl = md_arena_alloc(g->mem, (total_ctrl ? total_ctrl : 1) * sizeof *n->ctrl, im->st);
    if (!n->in || !n->ctrl)
        return false;
    n->n_in = 0;
    n->n_ctrl = 0;
    for (size_t i = 0; i < d->n_input; i++) {
        const char *s = d->input[i];
        if (s[0] == '^') {
            int c;
            if (!resolve_ctrl_name(im, inst, s + 1, n->name, &c))
                return false;
            n->ctrl[n->n_ctrl++] = c;
        } else if (!n->is_call) {
            struct md_edge e;
            if (!resolve_ref(im, inst, s, n->name, &e, 0))
                return false;
            /* refetch n: nothing reallocates nodes during resolution */
            n->in[n->n_in++] = e;
        }
    }
    int own_ctrl = n->n_ctrl;
    for (int i = 0; i < in->n_outer_ctrl; i++)
        n->ctrl[n->n_ctrl++] = in->outer_ctrl[i];
    if (n->is_call) {
        /* Body nodes inherit the call's own control inputs. */
        struct instance *ci = &im->inst[im->calls[im->node_call[id]].inst];
        ci->n_outer_ctrl = n->n_ctrl;
        ci->outer_ctrl = n->ctrl; /* prefix of n->ctrl, fixed from here on */
        (void)own_ctrl;
        if (!resolve_call(im, id, 0))
            return false;
        const struct call_info *cinfo = &im->calls[im->node_call[id]];
        for (int i = 0; i < cinfo->n_ret; i++)
            n->ctrl[n->n_ctrl++] = cinfo->ret[i].node;
        for (size_t i = 0; i < callee->n_control_ret; i++) {
            int c;
            if (!resolve_ctrl_name(im, cinfo->inst, callee->control_ret[i]->value, n->name, &c))
                return false;
            n->ctrl[n->n_ctrl++] = c;
        }
    }
    return true;
}

/* Imports gd. The top graph (lib NULL) first rewrites TF1 loops and then
 * owns a new function library; a function's graph shares its model's. */
static struct md_graph *import_graph(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                                     struct md_fnlib *lib, struct md_status *st)
{
    if (!gd)
        return (void)md_status_set(st, MD_INVALID_ARGUMENT, "MetaGraphDef has no graph_def"), NULL;
    struct md_graph *g = calloc(1, sizeof *g);
    struct import im = { .g = g, .gd = gd, .st = st };
    if (!g) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
        return NULL;
    }
    g->ops = ops;
    g->mem = md_arena_new(1 << 16, 0, st);
    im.cap_inst = 16;
    im.inst = calloc((size_t)im.cap_inst, sizeof *im.inst);
    if (!g->mem || !im.inst) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
        goto fail;
    }
    if (!lib) {
        if (!md_graph_rewrite_tf1_loops(gd, g->mem, &gd, st))
            goto fail;
        im.gd = gd;
    }
    im.inst[0] = (struct instance){ .parent = -1, .call = -1, .depth = 0, .fn = NULL, .prefix = "" };
    im.n_inst = 1;
    bool dup;
    if (gd->library) {
        for (size_t i = 0; i < gd->library->n_function; i++) {
            const Tensorflow__FunctionDef *fn = gd->library->function[i];
            if (!fn->signature || !fn->signature->name || !*fn->signature->name) {
                md_status_set(st, MD_INVALID_ARGUMENT, "function library entry %zu has no name", i);
                goto fail;
            }
            if (!strmap_put(&im.funcs, fn->signature->name, (int)i, &dup)) {
                md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
                goto fail;
            }
        }
    }
    if (ops) {
        for (size_t i = 0; i < ops->n_op; i++)
            if (ops->op[i]->name && !strmap_put(&im.opdefs, ops->op[i]->name, (int)i, &dup)) {
                md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
                goto fail;
            }
    }
    for (size_t i = 0; i < gd->n_node; i++)
        if (add_node(&im, gd->node[i]->name, gd->node[i], 0) < 0)
            goto fail;
    /* Inline calls breadth-first; body nodes are appended and visited too. */
    for (int id = 0; id < g->n_nodes; id++) {
        bool bad;
        const char *fname;
        const Tensorflow__NodeDef *d = g->nodes[id].def;
        const Tensorflow__FunctionDef *fn = called_function(&im, d, &bad, &fname);
        if (bad) {
            char lbl[160];
            const Tensorflow__AttrValue *f = md_attr_find(d, "f");
            md_status_set(st, MD_INVALID_ARGUMENT,
                          "node '%s': %s calls function '%s' which is not in the library",
                          node_label(lbl, sizeof lbl, d->name), d->op,
                          f && f->value_case == TENSORFLOW__ATTR_VALUE__VALUE_FUNC && f->func
                              ? f->func->name
                              : "");
            goto fail;
        }
        if (fn && !inline_call(&im, id, fn, fname))
            goto fail;
    }
    for (int id = 0; id < g->n_nodes; id++)
        if (!resolve_node(&im, id))
            goto fail;
    struct graph_index *gi = calloc(1, sizeof *gi);
    if (!gi) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
        goto fail;
    }
    gi->names = im.names;
    gi->node_call = im.node_call;
    gi->calls = im.calls;
    gi->n_calls = im.n_calls;
    g->index = gi;
    g->gd = gd;
    if (lib) {
        g->lib = lib;
    } else {
        g->lib = md_fnlib_new(gd, ops, st);
        g->owns_lib = true;
        if (!g->lib) {
            strmap_free(&im.funcs);
            strmap_free(&im.opdefs);
            free(im.inst);
            free(im.node_inst);
            md_graph_free(g);
            return NULL;
        }
    }
    strmap_free(&im.funcs);
    strmap_free(&im.opdefs);
    free(im.inst);
    free(im.node_inst);
    return g;
fail:
    strmap_free(&im.names);
    strmap_free(&im.funcs);
    strmap_free(&im.opdefs);
    free(im.inst);
    free(im.node_inst);
    free(im.node_call);
    free(im.calls);
    md_arena_free(g->mem);
    free(g->nodes);
    free(g);
    return NULL;
}

struct md_graph *md_graph_import(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                                 struct md_status *st)
{
    return import_graph(gd, ops, NULL, st);
}

struct md_graph *md_graph_import_fn(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                                    struct md_fnlib *lib, struct md_status *st)
{
    return import_graph(gd, ops, lib, st);
}

void md_graph_free(struct md_graph *g)
{
    if (!g)
        return;
    if (g->owns_lib)
        md_fnlib_free(g->lib); /* before g->mem: the library borrows from it */
    struct graph_index *gi = g->index;
    if (gi) {
        strmap_free(&gi->names);
        free(gi->node_call);
        free(gi->calls);
        free(gi);
    }
    md_arena_free(g->mem);
    free(g->nodes);
    free(g);
}

int md_graph_find(const struct md_graph *g, const char *name)
{
    const struct graph_index *gi = g->index;
    return strmap_get(&gi->names, name);
}

bool md_graph_tensor(const struct md_graph *g, const char *name, struct md_edge *out,
                     struct md_status *st)
{
    const struct graph_index *gi = g->index;
    char lbl[160];
    size_t len = strlen(name);
    if (len == 0 || len > 4096)
        return md_status_set(st, MD_INVALID_ARGUMENT, "invalid tensor name '%s'",
                             node_label(lbl, sizeof lbl, name));
    char buf[4097];
    memcpy(buf, name, len + 1);
    int64_t idx = 0;
    char *c = strrchr(buf, ':');
    if (c) {
        *c = '\0';
        if (!parse_index(c + 1, &idx))
            return md_status_set(st, MD_INVALID_ARGUMENT, "invalid tensor name '%s'",
                                 node_label(lbl, sizeof lbl, name));
    }
    int id = strmap_get(&gi->names, buf);
    if (id < 0)
        return md_status_set(st, MD_NOT_FOUND, "tensor '%s' names no node in the graph",
                             node_label(lbl, sizeof lbl, name));
    if (g->nodes[id].is_call) {
        const struct call_info *ci = &gi->calls[gi->node_call[id]];
        if (idx >= ci->n_ret)
            return md_status_set(st, MD_NOT_FOUND, "tensor '%s': the call has %d outputs",
                                 node_label(lbl, sizeof lbl, name), ci->n_ret);
        *out = ci->ret[idx];
        return true;
    }
    out->node = id;
    out->index = (int)idx;
    return true;
}

enum md_dtype md_graph_output_dtype(const struct md_graph *g, struct md_edge e)
{
    const Tensorflow__NodeDef *d = g->nodes[e.node].def;
    enum md_dtype t = MD_DT_INVALID;
    if (g->ops) {
        for (size_t i = 0; i < g->ops->n_op; i++) {
            const Tensorflow__OpDef *od = g->ops->op[i];
            if (strcmp(od->name, d->op))
                continue;
            int64_t off = 0;
            for (size_t a = 0; a < od->n_output_arg; a++) {
                const Tensorflow__OpDef__ArgDef *arg = od->output_arg[a];
                int64_t cnt = attr_count(d, arg->number_attr, arg->type_list_attr);
                if (cnt < 0)
                    return MD_DT_INVALID;
                if (e.index < off + cnt) {
                    if (arg->type)
                        return md_dtype_base((int)arg->type);
                    if (arg->type_attr && *arg->type_attr && md_attr_type(d, arg->type_attr, &t))
                        return t;
                    if (arg->type_list_attr && *arg->type_list_attr) {
                        const int *ts;
                        size_t c;
                        if (md_attr_list_type(d, arg->type_list_attr, &ts, &c) &&
                            (size_t)(e.index - off) < c)
                            return md_dtype_base(ts[e.index - off]);
                    }
                    return MD_DT_INVALID;
                }
                off += cnt;
            }
            return MD_DT_INVALID;
        }
    }
    if (md_attr_type(d, "dtype", &t) || md_attr_type(d, "T", &t))
        return t;
    return MD_DT_INVALID;
}

bool md_graph_init_nodes(struct md_graph *g, const bool *need, struct md_exec_env *env,
                         struct md_status *st)
{
    for (int id = 0; id < g->n_nodes; id++) {
        struct md_gnode *n = &g->nodes[id];
        if (!need[id] || n->inited)
            continue;
        if (n->is_call) {
            n->n_out = 0;
            n->inited = true;
            continue;
        }
        if (!n->op)
            return md_kernel_fail(n->def, st, MD_UNIMPLEMENTED, "op is not supported");
        if ((n->op->flags & MD_OP_REFUSED) || !n->op->compute)
            return md_kernel_fail(n->def, st, MD_UNIMPLEMENTED,
                                  "op is refused for safety (it reaches files, processes or "
                                  "Python)");
        if (env) {
            env->graph = g;
            env->init_node = id;
        }
        struct md_kernel_init ki = { .node = n->def, .op = n->op, .n_inputs = n->n_in,
                                     .state = NULL, .persist = g->mem, .n_outputs = 1,
                                     .env = env };
        if (n->op->init && !n->op->init(&ki, st)) {
            if (st->code == MD_OK)
                md_kernel_fail(n->def, st, MD_INVALID_ARGUMENT, "kernel init failed");
            return false;
        }
        if (ki.n_outputs < 0 || ki.n_outputs > MD_NODE_MAX_OUTPUTS)
            return md_kernel_fail(n->def, st, MD_INVALID_ARGUMENT, "%d outputs is out of range",
                                  ki.n_outputs);
        n->n_out = ki.n_outputs;
        n->state = ki.state;
        n->inited = true;
    }
    return true;
}

const char *md_var_node_key(const Tensorflow__NodeDef *var_node, char *buf, size_t cap)
{
    const Tensorflow__AttrValue *v = md_attr_find(var_node, "shared_name");
    if (v && v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_S && v->s.len) {
        if (v->s.len >= cap || memchr(v->s.data, 0, v->s.len))
            return NULL;
        memcpy(buf, v->s.data, v->s.len);
        buf[v->s.len] = '\0';
        return buf;
    }
    return var_node->name;
}

struct md_var *md_env_input_variable(struct md_exec_env *env, const Tensorflow__NodeDef *node,
                                     int input, struct md_status *st)
{
    const struct md_graph *g = env ? env->graph : NULL;
    if (!g || env->init_node < 0 || env->init_node >= g->n_nodes)
        return (void)md_kernel_fail(node, st, MD_FAILED_PRECONDITION,
                                    "variable references need a model"),
               NULL;
    const struct md_gnode *n = &g->nodes[env->init_node];
    if (input < 0 || input >= n->n_in)
        return (void)md_kernel_fail(node, st, MD_INVALID_ARGUMENT, "missing input %d", input),
               NULL;
    struct md_edge e = n->in[input];
    for (int hops = 0; hops < 64; hops++) {
        const Tensorflow__NodeDef *d = g->nodes[e.node].def;
        if (!strcmp(d->op, "VariableV2") || !strcmp(d->op, "Variable")) {
            char buf[1024];
            const char *key = md_var_node_key(d, buf, sizeof buf);
            if (!key)
                return (void)md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                            "variable shared_name is invalid"),
                       NULL;
            return md_env_variable(env, key, st);
        }
        if ((strcmp(d->op, "Identity") && strcmp(d->op, "RefIdentity")) ||
            g->nodes[e.node].n_in < 1)
            break;
        e = g->nodes[e.node].in[0];
    }
    char lbl[160];
    md_kernel_fail(node, st, MD_INVALID_ARGUMENT, "input %d ('%s') is not a variable", input,
                   node_label(lbl, sizeof lbl, g->nodes[e.node].name));
    return NULL;
}
