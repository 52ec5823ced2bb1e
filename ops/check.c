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

static const Tensorflow__CollectionDef *collection(const Tensorflow__MetaGraphDef *mg,
                                                   const char *key)
{
    for (size_t i = 0; i < mg->n_collection_def; i++)
        if (!strcmp(mg->collection_def[i]->key, key))
            return mg->collection_def[i]->value;
    return NULL;
}

static const char *init_op(const struct md_savedmodel *sm)
{
    const struct md_signature *s = md_savedmodel_signature(sm, "__saved_model_init_op");
    if (s && s->n_outputs == 1 && s->outputs[0].name)
        return s->outputs[0].name;
    const char *colls[] = { "saved_model_main_op", "legacy_init_op" };
    for (size_t i = 0; i < 2; i++) {
        const Tensorflow__CollectionDef *c = collection(sm->meta, colls[i]);
        if (c && c->kind_case == TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST && c->node_list &&
            c->node_list->n_value == 1)
            return c->node_list->value[0];
    }
    return NULL;
}

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
    const char *init = init_op(sm);
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
    /* Every unsupported op any plan needs. */
    size_t cap = 0;
    for (int id = 0; id < g->n_nodes; id++) {
        const struct md_gnode *nd = &g->nodes[id];
        if (nd->is_call || (nd->op && !(nd->op->flags & MD_OP_REFUSED)))
            continue;
        size_t m;
        bool any = false;
        for (size_t p = 0; p < np && !any; p++)
            any = pn[p].ok && pn[p].need.nodes[id];
        if (!any)
            continue;
        for (m = 0; m < r->n_missing; m++)
            if (!strcmp(r->missing[m].op, nd->def->op))
                break;
        if (m == r->n_missing) {
            if (m == cap) {
                cap = cap ? cap * 2 : 8;
                struct md_check_missing *nm = realloc(r->missing, cap * sizeof *nm);
                if (!nm)
                    break;
                r->missing = nm;
            }
            r->missing[m] = (struct md_check_missing){ strdup(nd->def->op), nd->op != NULL, NULL,
                                                       NULL };
            r->n_missing++;
        }
        char esc[200];
        append(&r->missing[m].nodes, md_escape(esc, sizeof esc, nd->name, strlen(nd->name)),
               400);
        for (size_t p = 0; p < np; p++) {
            if (!pn[p].ok || !pn[p].need.nodes[id])
                continue;
            md_escape(esc, sizeof esc, pn[p].label, strlen(pn[p].label));
            if (!in_list(r->missing[m].needed_by, esc))
                append(&r->missing[m].needed_by, esc, 400);
        }
    }
    /* A signature is servable when neither it nor the restore/init ops need a
     * missing op (a model loads whole or not at all). */
    for (size_t m = 0; m < r->n_missing; m++)
        for (size_t p = 0; p < np; p++) {
            bool hit = false;
            for (int id = 0; pn[p].ok && id < g->n_nodes && !hit; id++)
                hit = pn[p].need.nodes[id] && !g->nodes[id].is_call &&
                      (!g->nodes[id].op || (g->nodes[id].op->flags & MD_OP_REFUSED)) &&
                      !strcmp(g->nodes[id].def->op, r->missing[m].op);
            if (!hit)
                continue;
            for (size_t i = 0; i < r->n_sigs; i++) {
                if (p >= sig0 && p - sig0 != i)
                    continue;
                r->sigs[i].servable = false;
                char *prob = r->sigs[i].problem;
                char line[300];
                snprintf(line, sizeof line, "%s'%s'", p >= sig0 ? "needs " : "",
                         r->missing[m].op);
                if (p < sig0)
                    snprintf(line, sizeof line, "%s needs '%s'", pn[p].label, r->missing[m].op);
                if (!prob || !strstr(prob, line))
                    append(&r->sigs[i].problem, line, 400);
            }
        }
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
