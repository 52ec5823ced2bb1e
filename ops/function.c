/* function.c: library functions that If / While / Case call, instantiated
 * once per model as their own graph and plan (see md_fn in ops_impl.h).
 *
 * A function `f` with arguments a0..an-1 becomes the GraphDef
 *
 *   _arg0 = Placeholder(dtype=T0) ... _argN-1 = Placeholder(dtype=Tn-1)
 *   _call = f(_arg0, ..., _argN-1)          (a direct library call)
 *
 * which the importer inlines as for any call, so a function graph resolves
 * its body exactly like the top graph does. Its plan feeds "_argI:0" and
 * fetches "_call:J" (the returns) plus the control_ret nodes (side effects
 * the function promises to run). Graphs and plans are built at load, under
 * the loader's single thread, and read-only afterwards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "function.pb-c.h"
#include "ops/ops_impl.h"

struct md_fnlib {
    const Tensorflow__GraphDef *gd; /* its library holds the FunctionDefs */
    const Tensorflow__OpList *ops;
    struct md_arena *mem;           /* synthetic GraphDefs, md_fn structs, names */
    int n, cap;
    struct md_fn **fns;
    int building;                   /* functions being instantiated (nesting depth) */
};

struct md_fnlib *md_fnlib_new(const Tensorflow__GraphDef *gd, const Tensorflow__OpList *ops,
                              struct md_status *st)
{
    struct md_fnlib *lib = calloc(1, sizeof *lib);
    if (!lib) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory importing the graph");
        return NULL;
    }
    lib->gd = gd;
    lib->ops = ops;
    return lib;
}

void md_fnlib_free(struct md_fnlib *lib)
{
    if (!lib)
        return;
    for (int i = 0; i < lib->n; i++) {
        md_plan_free(lib->fns[i]->plan);
        md_graph_free(lib->fns[i]->g);
    }
    free(lib->fns);
    md_arena_free(lib->mem);
    free(lib);
}

size_t md_fnlib_bytes(const struct md_fnlib *lib)
{
    if (!lib)
        return 0;
    size_t total = sizeof *lib + (size_t)lib->cap * sizeof *lib->fns;
    if (lib->mem)
        total += md_arena_used(lib->mem);
    for (int i = 0; i < lib->n; i++) {
        const struct md_graph *g = lib->fns[i]->g;
        total += md_plan_bytes(lib->fns[i]->plan);
        if (g)
            total += md_arena_used(g->mem) + (size_t)g->n_nodes * sizeof(struct md_gnode);
    }
    return total;
}

static char *mem_printf(struct md_arena *a, struct md_status *st, const char *fmt, ...)
    MD_PRINTF(3, 4);

static char *mem_printf(struct md_arena *a, struct md_status *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = md_arena_alloc(a, (size_t)n + 1, st);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static const Tensorflow__FunctionDef *find_fdef(const struct md_fnlib *lib, const char *name)
{
    const Tensorflow__FunctionDefLibrary *l = lib->gd ? lib->gd->library : NULL;
    for (size_t i = 0; l && i < l->n_function; i++) {
        const Tensorflow__OpDef *sig = l->function[i]->signature;
        if (sig && sig->name && !strcmp(sig->name, name))
            return l->function[i];
    }
    return NULL;
}

/* The declared dtype of a signature arg (INVALID when it is an attr). */
static enum md_dtype arg_type(const Tensorflow__OpDef__ArgDef *a)
{
    return a->type ? md_dtype_base((int)a->type) : MD_DT_INVALID;
}

/* Builds the GraphDef of f in lib->mem. */
static Tensorflow__GraphDef *wrapper_graph(struct md_fnlib *lib, const Tensorflow__FunctionDef *f,
                                           struct md_status *st)
{
    const Tensorflow__OpDef *sig = f->signature;
    size_t n_in = sig->n_input_arg;
    Tensorflow__GraphDef *gd = md_arena_alloc(lib->mem, sizeof *gd, st);
    Tensorflow__NodeDef **nodes = md_arena_alloc(lib->mem, (n_in + 1) * sizeof *nodes, st);
    Tensorflow__NodeDef *call = md_arena_alloc(lib->mem, sizeof *call, st);
    char **call_in = md_arena_alloc(lib->mem, (n_in + 1) * sizeof *call_in, st);
    if (!gd || !nodes || !call || !call_in)
        return NULL;
    tensorflow__graph_def__init(gd);
    for (size_t i = 0; i < n_in; i++) {
        Tensorflow__NodeDef *n = md_arena_alloc(lib->mem, sizeof *n, st);
        Tensorflow__NodeDef__AttrEntry *e = md_arena_alloc(lib->mem, sizeof *e, st);
        Tensorflow__NodeDef__AttrEntry **ea = md_arena_alloc(lib->mem, sizeof *ea, st);
        Tensorflow__AttrValue *v = md_arena_alloc(lib->mem, sizeof *v, st);
        if (!n || !e || !ea || !v)
            return NULL;
        tensorflow__node_def__init(n);
        tensorflow__node_def__attr_entry__init(e);
        tensorflow__attr_value__init(v);
        n->name = mem_printf(lib->mem, st, "_arg%zu", i);
        n->op = "Placeholder";
        v->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
        v->type = (Tensorflow__DataType)arg_type(sig->input_arg[i]);
        e->key = "dtype";
        e->value = v;
        ea[0] = e;
        n->n_attr = 1;
        n->attr = ea;
        call_in[i] = n->name;
        if (!n->name)
            return NULL;
        nodes[i] = n;
    }
    tensorflow__node_def__init(call);
    call->name = "_call";
    call->op = sig->name;
    call->n_input = n_in;
    call->input = call_in;
    nodes[n_in] = call;
    gd->n_node = n_in + 1;
    gd->node = nodes;
    /* The library stays the model's: calls inside f resolve against it. */
    gd->library = lib->gd->library;
    return gd;
}

static bool instantiate(struct md_exec_env *env, struct md_fnlib *lib, struct md_fn *fn,
                        const Tensorflow__FunctionDef *f, struct md_status *st)
{
    const Tensorflow__OpDef *sig = f->signature;
    struct md_arena *a = lib->mem;
    fn->n_in = (int)sig->n_input_arg;
    fn->n_out = (int)sig->n_output_arg;
    enum md_dtype *ti = md_arena_alloc(a, ((size_t)fn->n_in + 1) * sizeof *ti, st);
    enum md_dtype *to = md_arena_alloc(a, ((size_t)fn->n_out + 1) * sizeof *to, st);
    size_t n_fetch = sig->n_output_arg + f->n_control_ret;
    const char **feeds = md_arena_alloc(a, ((size_t)fn->n_in + 1) * sizeof *feeds, st);
    const char **fetches = md_arena_alloc(a, (n_fetch + 1) * sizeof *fetches, st);
    if (!ti || !to || !feeds || !fetches)
        return false;
    for (int i = 0; i < fn->n_in; i++) {
        ti[i] = arg_type(sig->input_arg[i]);
        if (!(feeds[i] = mem_printf(a, st, "_arg%d:0", i)))
            return false;
    }
    for (int j = 0; j < fn->n_out; j++) {
        to[j] = arg_type(sig->output_arg[j]);
        if (!(fetches[j] = mem_printf(a, st, "_call:%d", j)))
            return false;
    }
    for (size_t c = 0; c < f->n_control_ret; c++) {
        const char *v = f->control_ret[c]->value;
        if (!v || strchr(v, ':'))
            return md_status_set(st, MD_INVALID_ARGUMENT, "control_ret '%s' is not a node name",
                                 v ? v : "");
        if (!(fetches[sig->n_output_arg + c] = mem_printf(a, st, "_call/%s", v)))
            return false;
    }
    fn->in_types = ti;
    fn->out_types = to;
    Tensorflow__GraphDef *gd = wrapper_graph(lib, f, st);
    if (!gd)
        return false;
    fn->g = md_graph_import_fn(gd, lib->ops, lib, st);
    if (!fn->g)
        return false;
    struct md_plan_spec spec = { feeds, (size_t)fn->n_in, fetches, n_fetch, true };
    struct md_plan_need need;
    if (!md_plan_need(fn->g, &spec, &need, st))
        return false;
    /* Kernel init of the function's nodes; env->graph names the graph
     * being initialised, so put the caller's back afterwards. */
    const void *outer = env->graph;
    int outer_node = env->init_node;
    bool ok = md_graph_init_nodes(fn->g, need.nodes, env, st);
    env->graph = outer;
    env->init_node = outer_node;
    if (ok)
        fn->plan = md_plan_build(fn->g, &spec, &need, st);
    md_plan_need_cleanup(&need);
    return fn->plan != NULL;
}

const struct md_fn *md_fn_get(struct md_exec_env *env, const Tensorflow__NodeDef *node,
                              const char *name, struct md_status *st)
{
    const struct md_graph *g = env ? env->graph : NULL;
    struct md_fnlib *lib = g ? g->lib : NULL;
    char esc[160];
    md_escape(esc, sizeof esc, name, strlen(name));
    if (!lib)
        return (void)md_kernel_fail(node, st, MD_FAILED_PRECONDITION,
                                    "calling function '%s' needs a model's function library",
                                    esc),
               NULL;
    for (int i = 0; i < lib->n; i++) {
        if (strcmp(lib->fns[i]->name, name))
            continue;
        if (!lib->fns[i]->ready)
            return (void)md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                        "function '%s' calls itself (recursion is not supported)",
                                        esc),
                   NULL;
        return lib->fns[i];
    }
    const Tensorflow__FunctionDef *f = find_fdef(lib, name);
    if (!f)
        return (void)md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                                    "function '%s' is not in the graph's library", esc),
               NULL;
    if (lib->n >= MD_FNLIB_MAX_FUNCTIONS || lib->building >= MD_GRAPH_MAX_CALL_DEPTH)
        return (void)md_kernel_fail(node, st, MD_RESOURCE_EXHAUSTED,
                                    "function '%s': more than %d functions or nesting deeper "
                                    "than %d",
                                    esc, MD_FNLIB_MAX_FUNCTIONS, MD_GRAPH_MAX_CALL_DEPTH),
               NULL;
    if (!lib->mem && !(lib->mem = md_arena_new(1 << 14, 0, st)))
        return NULL;
    if (lib->n == lib->cap) {
        int cap = lib->cap ? lib->cap * 2 : 16;
        struct md_fn **nf = realloc(lib->fns, (size_t)cap * sizeof *nf);
        if (!nf)
            return (void)md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
        lib->fns = nf;
        lib->cap = cap;
    }
    struct md_fn *fn = md_arena_alloc(lib->mem, sizeof *fn, st);
    char *nm = mem_printf(lib->mem, st, "%s", name);
    if (!fn || !nm)
        return NULL;
    memset(fn, 0, sizeof *fn);
    fn->name = nm;
    lib->fns[lib->n++] = fn; /* not ready: a recursive call finds it */
    lib->building++;
    bool ok = instantiate(env, lib, fn, f, st);
    lib->building--;
    if (!ok) {
        if (st->code == MD_OK)
            md_status_set(st, MD_INTERNAL, "instantiating failed without a message");
        char who[160];
        md_status_prefix(st, "function '%s' (called by node '%s')", esc,
                         md_escape(who, sizeof who, node->name, strlen(node->name)));
        return NULL;
    }
    fn->ready = true;
    return fn;
}
