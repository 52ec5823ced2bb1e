/* check.c: per-signature op coverage of a SavedModel (see check.h). Plans
 * like md_model_load (model.c): the restore op from saver_def, the init op
 * from the __saved_model_init_op signature or the saved_model_main_op /
 * legacy_init_op collections, then each signature cut at its inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/check.h"
#include "ops/ops_impl.h"

struct plan_need {
    const char *label;
    struct md_plan_need need;
    bool ok;
};

/* "^name:0" -> "name" into buf. */
static const char *target(const char *s, char *buf, size_t cap)
{
    if (*s == '^')
        s++;
    snprintf(buf, cap, "%s", s);
    char *c = strchr(buf, ':');
    if (c)
        *c = '\0';
    return buf;
}

/* Appends item to a ", "-separated list in *list (malloc'd), at most cap bytes. */
static void append(char **list, const char *item, size_t cap)
{
    size_t len = *list ? strlen(*list) : 0;
    if (*list && (strstr(*list, "...") || len >= cap))
        return;
    size_t il = strlen(item);
    char *n = realloc(*list, len + il + 8);
    if (!n)
        return;
    if (len + il + 2 > cap)
        snprintf(n + len, il + 8, "%s...", len ? ", " : "");
    else
        snprintf(n + len, il + 8, "%s%s", len ? ", " : "", item);
    *list = n;
}

static bool in_list(const char *list, const char *item)
{
    size_t il = strlen(item);
    for (const char *p = list; p && (p = strstr(p, item)); p += il)
        if ((p == list || p[-1] == ' ') && (p[il] == ',' || p[il] == '\0'))
            return true;
    return false;
}

static int cmp_missing(const void *a, const void *b)
{
    return strcmp(((const struct md_check_missing *)a)->op,
                  ((const struct md_check_missing *)b)->op);
}

/* The functions reachable from one top-level node, each visited once
 * (cycle-safe), and where unsupported ops found go. */
struct walk {
    const Tensorflow__FunctionDefLibrary *lib;
    struct md_check_report *r;
    size_t cap;                  /* of r->missing */
    const struct plan_need *pn;
    size_t np, sig0;
    int id;                      /* the top-level node being walked */
    bool *seen;                  /* per library function */
    char path[512];              /* "fn/inner_fn/" so far */
    size_t len;
};

/* Records op (needed through top-level node w->id, at node path `where`)
 * in the report: the nodes and plans needing it, and the signatures it
 * makes unservable. */
static void add_missing(struct walk *w, const char *op, bool refused, const char *where)
{
    struct md_check_report *r = w->r;
    size_t m;
    for (m = 0; m < r->n_missing; m++)
        if (!strcmp(r->missing[m].op, op))
            break;
    if (m == r->n_missing) {
        if (m == w->cap) {
            size_t nc = w->cap ? w->cap * 2 : 8;
            struct md_check_missing *nm = realloc(r->missing, nc * sizeof *nm);
            if (!nm)
                return;
            r->missing = nm;
            w->cap = nc;
        }
        char *dup = strdup(op);
        if (!dup)
            return;
        r->missing[m] = (struct md_check_missing){ dup, refused, NULL, NULL };
        r->n_missing++;
    }
    char esc[600];
    md_escape(esc, sizeof esc, where, strlen(where));
    if (!in_list(r->missing[m].nodes, esc))
        append(&r->missing[m].nodes, esc, 400);
    for (size_t p = 0; p < w->np; p++) {
        if (!w->pn[p].ok || !w->pn[p].need.nodes[w->id])
            continue;
        md_escape(esc, sizeof esc, w->pn[p].label, strlen(w->pn[p].label));
        if (!in_list(r->missing[m].needed_by, esc))
            append(&r->missing[m].needed_by, esc, 400);
        /* A signature is servable when neither it nor the restore/init ops
         * need a missing op (a model loads whole or not at all). */
        for (size_t i = 0; i < r->n_sigs; i++) {
            if (p >= w->sig0 && p - w->sig0 != i)
                continue;
            r->sigs[i].servable = false;
            char line[300];
            if (p < w->sig0)
                snprintf(line, sizeof line, "%s needs '%s'", w->pn[p].label, op);
            else
                snprintf(line, sizeof line, "needs '%s'", op);
            if (!r->sigs[i].problem || !strstr(r->sigs[i].problem, line))
                append(&r->sigs[i].problem, line, 400);
        }
    }
}

static long find_fn(const Tensorflow__FunctionDefLibrary *lib, const char *name)
{
    for (size_t i = 0; lib && i < lib->n_function; i++) {
        const Tensorflow__FunctionDef *f = lib->function[i];
        if (f->signature && f->signature->name && !strcmp(f->signature->name, name))
            return (long)i;
    }
    return -1;
}

static void walk_attrs(struct walk *w, const Tensorflow__NodeDef *nd, int depth);

/* Lists the unsupported ops of library function `name` and of the
 * functions it calls. Unknown functions are left to the load to report. */
static void walk_fn(struct walk *w, const char *name, int depth)
{
    long f = find_fn(w->lib, name);
    if (f < 0 || w->seen[f] || depth >= MD_GRAPH_MAX_CALL_DEPTH)
        return;
    w->seen[f] = true;
    size_t len0 = w->len;
    int n = snprintf(w->path + len0, sizeof w->path - len0, "%s/", name);
    w->len = n < 0 || (size_t)n >= sizeof w->path - len0 ? sizeof w->path - 1 : len0 + (size_t)n;
    const Tensorflow__FunctionDef *fd = w->lib->function[f];
    for (size_t i = 0; i < fd->n_node_def; i++) {
        const Tensorflow__NodeDef *nd = fd->node_def[i];
        if (!nd->op || !nd->name)
            continue;
        if (find_fn(w->lib, nd->op) >= 0) { /* a direct call of a library function */
            walk_fn(w, nd->op, depth + 1);
            continue;
        }
        const struct md_op_def *op = md_op_lookup(nd->op);
        if (!op || (op->flags & MD_OP_REFUSED)) {
            char where[600];
            snprintf(where, sizeof where, "%.*s%s", (int)w->len, w->path, nd->name);
            add_missing(w, nd->op, op != NULL, where);
            continue;
        }
        walk_attrs(w, nd, depth + 1);
    }
    w->len = len0;
    w->path[len0] = '\0';
}

/* Follows every function an attr of nd names (func or list(func)). */
static void walk_attrs(struct walk *w, const Tensorflow__NodeDef *nd, int depth)
{
    for (size_t a = 0; a < nd->n_attr; a++) {
        const Tensorflow__AttrValue *v = nd->attr[a]->value;
        if (!v)
            continue;
        if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_FUNC && v->func && v->func->name)
            walk_fn(w, v->func->name, depth);
        else if (v->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST && v->list)
            for (size_t i = 0; i < v->list->n_func; i++)
                if (v->list->func[i] && v->list->func[i]->name)
                    walk_fn(w, v->list->func[i]->name, depth);
    }
}

bool md_check_model(const struct md_savedmodel *sm, struct md_check_report *r,
                    struct md_status *st)
{
    memset(r, 0, sizeof *r);
    const Tensorflow__MetaGraphDef *mg = sm->meta;
    const Tensorflow__OpList *ops = mg->meta_info_def ? mg->meta_info_def->stripped_op_list : NULL;
    struct md_graph *g = md_graph_import(mg->graph_def, ops, st);
    if (!g)
        return false;
    size_t n_plans = sm->n_signatures + 2;
    struct plan_need *pn = calloc(n_plans, sizeof *pn);
    r->sigs = calloc(sm->n_signatures + 1, sizeof *r->sigs);
    if (!pn || !r->sigs) {
        free(pn);
        md_graph_free(g);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    r->n_sigs = sm->n_signatures;
    char rbuf[1024], ibuf[1024];
    size_t np = 0;
    const Tensorflow__SaverDef *sv = mg->saver_def;
    if (sm->vars && sv && sv->restore_op_name && *sv->restore_op_name && sv->filename_tensor_name &&
        *sv->filename_tensor_name) {
        const char *f[1] = { sv->filename_tensor_name };
        const char *t[1] = { target(sv->restore_op_name, rbuf, sizeof rbuf) };
        struct md_plan_spec spec = { f, 1, t, 1, true };
        struct md_status ps = MD_STATUS_INIT;
        pn[np].label = "the restore op";
        pn[np].ok = md_plan_need(g, &spec, &pn[np].need, &ps);
        np++;
    }
    const char *init = md_savedmodel_init_op(sm);
    if (init) {
        const char **f = calloc(mg->n_asset_file_def + 1, sizeof *f);
        size_t nf = 0;
        for (size_t i = 0; f && i < mg->n_asset_file_def; i++) {
            const Tensorflow__AssetFileDef *a = mg->asset_file_def[i];
            if (a->tensor_info &&
                a->tensor_info->encoding_case == TENSORFLOW__TENSOR_INFO__ENCODING_NAME)
                f[nf++] = a->tensor_info->name;
        }
        const char *t[1] = { target(init, ibuf, sizeof ibuf) };
        struct md_plan_spec spec = { f, nf, t, 1, true };
        struct md_status ps = MD_STATUS_INIT;
        pn[np].label = "the init op";
        pn[np].ok = f && md_plan_need(g, &spec, &pn[np].need, &ps);
        np++;
        free(f);
    }
    size_t sig0 = np;
    for (size_t i = 0; i < sm->n_signatures; i++) {
        const struct md_signature *s = &sm->signatures[i];
        struct md_check_sig *cs = &r->sigs[i];
        cs->key = s->key;
        cs->servable = true;
        pn[np].label = s->key;
        const char **f = calloc(s->n_inputs + 1, sizeof *f);
        const char **o = calloc(s->n_outputs + 1, sizeof *o);
        bool bad = !f || !o;
        for (size_t j = 0; !bad && j < s->n_inputs; j++)
            bad |= !(f[j] = s->inputs[j].name);
        for (size_t j = 0; !bad && j < s->n_outputs; j++)
            bad |= !(o[j] = s->outputs[j].name);
        struct md_status ps = MD_STATUS_INIT;
        if (bad) {
            cs->servable = false;
            cs->problem = strdup("uses sparse or composite tensors, which are not supported");
        } else {
            struct md_plan_spec spec = { f, s->n_inputs, o, s->n_outputs, false };
            pn[np].ok = md_plan_need(g, &spec, &pn[np].need, &ps);
            if (!pn[np].ok) {
                cs->servable = false;
                cs->problem = strdup(ps.msg);
            }
        }
        free(f);
        free(o);
        np++;
    }
    /* Every unsupported op any plan needs, at top level or inside the
     * library functions needed nodes call (If/While/Case branches, bodies,
     * PartitionedCall f inside functions), named "fn/inner_fn/node". */
    struct walk w = { g->gd ? g->gd->library : NULL, r, 0, pn, np, sig0, -1, NULL, { 0 }, 0 };
    if (w.lib && w.lib->n_function)
        w.seen = calloc(w.lib->n_function, sizeof *w.seen);
    for (int id = 0; id < g->n_nodes; id++) {
        const struct md_gnode *nd = &g->nodes[id];
        bool any = false;
        for (size_t p = 0; p < np && !any; p++)
            any = pn[p].ok && pn[p].need.nodes[id];
        if (!any || nd->is_call)
            continue;
        w.id = id;
        if (!nd->op || (nd->op->flags & MD_OP_REFUSED)) {
            add_missing(&w, nd->def->op, nd->op != NULL, nd->name);
            continue;
        }
        if (w.seen) {
            memset(w.seen, 0, w.lib->n_function * sizeof *w.seen);
            w.len = 0;
            w.path[0] = '\0';
            walk_attrs(&w, nd->def, 0);
        }
    }
    free(w.seen);
    if (r->n_missing)
        qsort(r->missing, r->n_missing, sizeof *r->missing, cmp_missing);
    for (size_t p = 0; p < np; p++)
        if (pn[p].ok)
            md_plan_need_cleanup(&pn[p].need);
    free(pn);
    md_graph_free(g);
    return true;
}

void md_check_report_cleanup(struct md_check_report *r)
{
    for (size_t i = 0; i < r->n_missing; i++) {
        free(r->missing[i].op);
        free(r->missing[i].nodes);
        free(r->missing[i].needed_by);
    }
    for (size_t i = 0; i < r->n_sigs; i++)
        free(r->sigs[i].problem);
    free(r->missing);
    free(r->sigs);
    memset(r, 0, sizeof *r);
}
