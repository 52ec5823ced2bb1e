/* model.c: md_model_load / md_model_run and the variable store.
 *
 * Load order (as TensorFlow's SavedModel loader):
 *   1. open the SavedModel (loader/), import graph + function library;
 *   2. plan the restore op, the init op and every signature; every op any of
 *      them needs must be registered, else UNIMPLEMENTED listing them all;
 *   3. run kernel init once per needed node;
 *   4. restore variables: run saver_def.restore_op_name with
 *      saver_def.filename_tensor_name fed "<dir>/variables/variables".
 *      RestoreV2 hands out zero-copy views of the mmapped bundle and
 *      Assign / AssignVariableOp store them (TF1 and TF2 alike). Variables
 *      that are still uninitialised afterwards (no saver_def) are bound to the
 *      bundle entry with the variable's name;
 *   5. run the init op (`__saved_model_init_op` signature, else the
 *      `saved_model_main_op`, else the `legacy_init_op` collection) with each
 *      asset_file_def tensor fed its asset's path.
 * The restore and init plans are dropped after load; signature plans stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/blas.h"
#include "ops/ops_impl.h"

/* ============================================================ variables */
#define VAR_MAGIC 0x6d647661u /* "mdva": checks resource handles */

struct md_var {
    uint32_t magic;
    char *name;
    struct md_varstore *vs;
    bool init;
    struct md_tensor value;
    struct md_var *next; /* hash chain */
};

#define VS_BUCKETS 1024

struct md_varstore {
    pthread_mutex_t mu;
    const struct md_bundle *bundle;
    struct md_var *buckets[VS_BUCKETS];
    size_t n;
};

static size_t vs_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h % VS_BUCKETS);
}

struct md_varstore *md_varstore_new(const struct md_bundle *bundle, struct md_status *st)
{
    struct md_varstore *vs = calloc(1, sizeof *vs);
    if (!vs) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating variables");
        return NULL;
    }
    pthread_mutex_init(&vs->mu, NULL);
    vs->bundle = bundle;
    return vs;
}

void md_varstore_free(struct md_varstore *vs)
{
    if (!vs)
        return;
    for (size_t b = 0; b < VS_BUCKETS; b++) {
        struct md_var *v = vs->buckets[b];
        while (v) {
            struct md_var *next = v->next;
            md_tensor_cleanup(&v->value);
            free(v->name);
            free(v);
            v = next;
        }
    }
    pthread_mutex_destroy(&vs->mu);
    free(vs);
}

size_t md_varstore_bytes(const struct md_varstore *vs)
{
    size_t total = 0;
    if (!vs)
        return 0;
    for (size_t b = 0; b < VS_BUCKETS; b++)
        for (const struct md_var *v = vs->buckets[b]; v; v = v->next) {
            total += sizeof *v + strlen(v->name) + 1;
            /* A bundle view's buffer has an owner (the mapping); it is
             * counted with the bundle's mapped bytes. */
            if (v->value.buf && !v->value.buf->owner)
                total += v->value.buf->size;
        }
    return total;
}

struct md_var *md_env_variable(struct md_exec_env *env, const char *name, struct md_status *st)
{
    struct md_varstore *vs = env ? env->model : NULL;
    if (!vs) {
        md_status_set(st, MD_FAILED_PRECONDITION,
                      "variable '%s' needs a model (no variable store here)", name);
        return NULL;
    }
    size_t h = vs_hash(name);
    for (struct md_var *v = vs->buckets[h]; v; v = v->next)
        if (!strcmp(v->name, name))
            return v;
    struct md_var *v = calloc(1, sizeof *v);
    char *nm = strdup(name);
    if (!v || !nm) {
        free(v);
        free(nm);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating variable");
        return NULL;
    }
    v->magic = VAR_MAGIC;
    v->name = nm;
    v->vs = vs;
    v->value = (struct md_tensor)MD_TENSOR_INIT;
    v->next = vs->buckets[h];
    vs->buckets[h] = v;
    vs->n++;
    return v;
}

struct md_var *md_var_from_handle(const struct md_tensor *t, const Tensorflow__NodeDef *node,
                                  struct md_status *st)
{
    struct md_var *v = NULL;
    if (t->dtype == MD_DT_RESOURCE && md_tensor_num_elements(t) == 1 && t->data)
        memcpy(&v, t->data, sizeof v);
    if (!v || v->magic != VAR_MAGIC) {
        md_kernel_fail(node, st, MD_INVALID_ARGUMENT, "input is not a variable handle");
        return NULL;
    }
    return v;
}

void md_var_to_handle(struct md_var *v, struct md_tensor *t)
{
    memcpy(t->data, &v, sizeof v);
}

const char *md_var_name(const struct md_var *v)
{
    return v->name;
}

bool md_var_is_initialized(struct md_var *v)
{
    pthread_mutex_lock(&v->vs->mu);
    bool init = v->init;
    pthread_mutex_unlock(&v->vs->mu);
    return init;
}

bool md_var_read(struct md_var *v, const Tensorflow__NodeDef *node, struct md_tensor *out,
                 struct md_status *st)
{
    char nm[160];
    pthread_mutex_lock(&v->vs->mu);
    if (!v->init) {
        pthread_mutex_unlock(&v->vs->mu);
        return md_kernel_fail(node, st, MD_FAILED_PRECONDITION,
                              "variable '%s' is not initialized",
                              md_escape(nm, sizeof nm, v->name, strlen(v->name)));
    }
    md_tensor_cleanup(out);
    md_tensor_share(out, &v->value);
    pthread_mutex_unlock(&v->vs->mu);
    return true;
}

static bool same_shape(const struct md_tensor *a, const struct md_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

bool md_var_assign(struct md_var *v, const Tensorflow__NodeDef *node,
                   const struct md_tensor *value, bool validate_shape, struct md_tensor *out,
                   struct md_status *st)
{
    char nm[160], s1[160], s2[160];
    struct md_tensor nv = MD_TENSOR_INIT;
    /* A numeric tensor with its own buffer (bundle view, earlier value) is
     * immutable: keep a reference. Anything else lives in a request arena or
     * in model constants: copy. */
    if (value->buf && value->dtype != MD_DT_STRING)
        md_tensor_share(&nv, value);
    else if (!md_tensor_copy(&nv, value, st))
        return false;
    pthread_mutex_lock(&v->vs->mu);
    if (v->init && v->value.dtype != nv.dtype) {
        pthread_mutex_unlock(&v->vs->mu);
        md_tensor_cleanup(&nv);
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "variable '%s' holds %s, cannot assign %s",
                              md_escape(nm, sizeof nm, v->name, strlen(v->name)),
                              md_dtype_info(v->value.dtype)->tf_name,
                              md_dtype_info(value->dtype)->tf_name);
    }
    if (v->init && validate_shape && !same_shape(&v->value, &nv)) {
        md_shape_str(s1, sizeof s1, v->value.rank, v->value.dims);
        md_shape_str(s2, sizeof s2, nv.rank, nv.dims);
        pthread_mutex_unlock(&v->vs->mu);
        md_tensor_cleanup(&nv);
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "variable '%s' has shape %s, cannot assign shape %s",
                              md_escape(nm, sizeof nm, v->name, strlen(v->name)), s1, s2);
    }
    struct md_tensor old = v->value;
    v->value = nv;
    v->init = true;
    if (out) {
        md_tensor_cleanup(out);
        md_tensor_share(out, &v->value);
    }
    pthread_mutex_unlock(&v->vs->mu);
    md_tensor_cleanup(&old);
    return true;
}

bool md_var_add(struct md_var *v, const Tensorflow__NodeDef *node, const struct md_tensor *delta,
                int sign, struct md_tensor *out, struct md_status *st)
{
    char nm[160], s1[160], s2[160];
    md_escape(nm, sizeof nm, v->name, strlen(v->name));
    pthread_mutex_lock(&v->vs->mu);
    if (!v->init) {
        pthread_mutex_unlock(&v->vs->mu);
        return md_kernel_fail(node, st, MD_FAILED_PRECONDITION,
                              "variable '%s' is not initialized", nm);
    }
    const struct md_tensor *cur = &v->value;
    if (cur->dtype != delta->dtype) {
        pthread_mutex_unlock(&v->vs->mu);
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "variable '%s' holds %s, cannot add %s", nm,
                              md_dtype_info(cur->dtype)->tf_name,
                              md_dtype_info(delta->dtype)->tf_name);
    }
    if (!same_shape(cur, delta)) {
        md_shape_str(s1, sizeof s1, cur->rank, cur->dims);
        md_shape_str(s2, sizeof s2, delta->rank, delta->dims);
        pthread_mutex_unlock(&v->vs->mu);
        return md_kernel_fail(node, st, MD_INVALID_ARGUMENT,
                              "variable '%s' has shape %s, cannot add shape %s", nm, s1, s2);
    }
    struct md_tensor nv = MD_TENSOR_INIT;
    if (!md_tensor_alloc(&nv, cur->dtype, cur->rank, cur->dims, 0, st)) {
        pthread_mutex_unlock(&v->vs->mu);
        return false;
    }
    int64_t n = md_tensor_num_elements(cur);
    switch (cur->dtype) {
#define ADD(T)                                                                            \
    for (int64_t i = 0; i < n; i++)                                                       \
        ((T *)nv.data)[i] = (T)(((const T *)cur->data)[i] +                               \
                                (T)sign * ((const T *)delta->data)[i]);                   \
    break;
    case MD_DT_FLOAT: ADD(float)
    case MD_DT_DOUBLE: ADD(double)
    case MD_DT_INT32: ADD(int32_t)
    case MD_DT_INT64: ADD(int64_t)
#undef ADD
    default:
        pthread_mutex_unlock(&v->vs->mu);
        md_tensor_cleanup(&nv);
        return md_kernel_fail(node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(cur->dtype));
    }
    struct md_tensor old = v->value;
    v->value = nv;
    if (out) {
        md_tensor_cleanup(out);
        md_tensor_share(out, &v->value);
    }
    pthread_mutex_unlock(&v->vs->mu);
    md_tensor_cleanup(&old);
    return true;
}

const struct md_bundle *md_env_bundle(struct md_exec_env *env)
{
    const struct md_varstore *vs = env ? env->model : NULL;
    return vs ? vs->bundle : NULL;
}

size_t md_varstore_bind_bundle(struct md_varstore *vs, struct md_status *st)
{
    size_t bound = 0;
    if (!vs->bundle)
        return 0;
    for (size_t b = 0; b < VS_BUCKETS; b++)
        for (struct md_var *v = vs->buckets[b]; v; v = v->next) {
            if (v->init || !md_bundle_find(vs->bundle, v->name))
                continue;
            struct md_tensor t = MD_TENSOR_INIT;
            if (!md_bundle_read(vs->bundle, v->name, &t, st))
                return bound;
            pthread_mutex_lock(&vs->mu);
            md_tensor_cleanup(&v->value);
            v->value = t;
            v->init = true;
            pthread_mutex_unlock(&vs->mu);
            bound++;
        }
    return bound;
}

/* =============================================================== model */
/* A plan for a subset of a signature's outputs (output_filter): only what
 * those outputs need runs. Built on first use, kept for the model's life. */
#define SUBSET_PLANS_MAX 16

struct subset_plan {
    size_t n;         /* outputs, ascending signature indexes */
    int *outs;
    struct md_plan *plan;
};

struct sig_plan {
    const struct md_signature *sig;
    struct md_plan *plan;      /* NULL: err says why */
    struct md_status err;
    struct md_tensor *defaults; /* per input (sig order); dtype INVALID = none */
    pthread_mutex_t mu;         /* guards n_subsets / subsets */
    bool mu_init;
    int n_subsets;
    struct subset_plan subsets[SUBSET_PLANS_MAX];
};

struct md_model {
    _Atomic int refs;
    struct md_savedmodel *sm;
    struct md_graph *g;
    struct md_varstore *vars;
    struct md_threadpool *pool; /* the shared pool (not owned) */
    struct md_exec_env env;
    size_t n_sigs;
    struct sig_plan *sigs; /* parallel to sm->signatures */
};

/* What a load plans: restore, init, then one per signature. */
struct spec_set {
    size_t n;
    struct md_plan_spec *specs;
    struct md_plan_need *needs;
    bool *ok;                 /* need computed */
    struct md_status *errs;   /* per spec when !ok */
    const char **names;       /* for messages */
    int restore, init, sig0;  /* indexes (-1 if absent) */
    /* storage */
    const char **strs;
    size_t n_strs;
    char *restore_target;
    char *init_target;
};

/* "name:0" -> "name" for a target node; malloc'd. */
static char *target_name(const char *s)
{
    if (*s == '^')
        s++;
    char *t = strdup(s);
    if (!t)
        return NULL;
    char *c = strchr(t, ':');
    if (c)
        *c = '\0';
    return t;
}

static void specs_cleanup(struct spec_set *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        if (ss->needs)
            md_plan_need_cleanup(&ss->needs[i]);
    free(ss->specs);
    free(ss->needs);
    free(ss->ok);
    free(ss->errs);
    free(ss->names);
    free(ss->strs);
    free(ss->restore_target);
    free(ss->init_target);
    memset(ss, 0, sizeof *ss);
}

static const char **push_strs(struct spec_set *ss, size_t n)
{
    const char **p = ss->strs + ss->n_strs;
    ss->n_strs += n;
    return p;
}

static bool specs_build(const struct md_savedmodel *sm, const struct md_graph *g, bool init_ops,
                        struct spec_set *ss, struct md_status *st)
{
    memset(ss, 0, sizeof *ss);
    ss->restore = ss->init = -1;
    const Tensorflow__MetaGraphDef *mg = sm->meta;
    size_t cap = sm->n_signatures + 2;
    size_t n_strs = 2 + mg->n_asset_file_def + 1;
    for (size_t i = 0; i < sm->n_signatures; i++)
        n_strs += sm->signatures[i].n_inputs + sm->signatures[i].n_outputs;
    ss->specs = calloc(cap, sizeof *ss->specs);
    ss->needs = calloc(cap, sizeof *ss->needs);
    ss->ok = calloc(cap, sizeof *ss->ok);
    ss->errs = calloc(cap, sizeof *ss->errs);
    ss->names = calloc(cap, sizeof *ss->names);
    ss->strs = calloc(n_strs, sizeof *ss->strs);
    if (!ss->specs || !ss->needs || !ss->ok || !ss->errs || !ss->names || !ss->strs)
        goto oom;
    const Tensorflow__SaverDef *sv = mg->saver_def;
    if (sm->vars && sv && sv->restore_op_name && *sv->restore_op_name && sv->filename_tensor_name &&
        *sv->filename_tensor_name) {
        if (!(ss->restore_target = target_name(sv->restore_op_name)))
            goto oom;
        const char **f = push_strs(ss, 1);
        f[0] = sv->filename_tensor_name;
        const char **t = push_strs(ss, 1);
        t[0] = ss->restore_target;
        ss->restore = (int)ss->n;
        ss->names[ss->n] = "the restore op";
        ss->specs[ss->n++] = (struct md_plan_spec){ f, 1, t, 1, true };
    }
    const char *init = init_ops ? md_savedmodel_init_op(sm) : NULL;
    if (init) {
        if (!(ss->init_target = target_name(init)))
            goto oom;
        const char **f = push_strs(ss, mg->n_asset_file_def);
        size_t nf = 0;
        for (size_t i = 0; i < mg->n_asset_file_def; i++) {
            const Tensorflow__AssetFileDef *a = mg->asset_file_def[i];
            if (a->tensor_info && a->tensor_info->encoding_case ==
                                      TENSORFLOW__TENSOR_INFO__ENCODING_NAME)
                f[nf++] = a->tensor_info->name;
        }
        const char **t = push_strs(ss, 1);
        t[0] = ss->init_target;
        ss->init = (int)ss->n;
        ss->names[ss->n] = "the init op";
        ss->specs[ss->n++] = (struct md_plan_spec){ f, nf, t, 1, true };
    }
    ss->sig0 = (int)ss->n;
    for (size_t i = 0; i < sm->n_signatures; i++) {
        const struct md_signature *s = &sm->signatures[i];
        const char **f = push_strs(ss, s->n_inputs);
        const char **o = push_strs(ss, s->n_outputs);
        size_t k = ss->n++;
        ss->names[k] = s->key;
        bool bad = false;
        for (size_t j = 0; j < s->n_inputs; j++) {
            f[j] = s->inputs[j].name;
            bad |= !f[j];
        }
        for (size_t j = 0; j < s->n_outputs; j++) {
            o[j] = s->outputs[j].name;
            bad |= !o[j];
        }
        ss->specs[k] = (struct md_plan_spec){ f, s->n_inputs, o, s->n_outputs, false };
        if (bad) {
            md_status_set(&ss->errs[k], MD_UNIMPLEMENTED,
                          "signature uses sparse or composite tensors, which are not supported");
            continue;
        }
    }
    for (size_t k = 0; k < ss->n; k++) {
        if (ss->errs[k].code != MD_OK)
            continue;
        ss->ok[k] = md_plan_need(g, &ss->specs[k], &ss->needs[k], &ss->errs[k]);
        if (!ss->ok[k] && (int)k < ss->sig0) {
            *st = ss->errs[k];
            md_status_prefix(st, "%s", ss->names[k]);
            return false;
        }
    }
    return true;
oom:
    return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory planning");
}

struct unsup {
    const char *op;
    char nodes[400];
    size_t n_nodes;
    bool refused;
};

static int cmp_unsup(const void *a, const void *b)
{
    return strcmp(((const struct unsup *)a)->op, ((const struct unsup *)b)->op);
}

/* Unsupported ops among the nodes any spec needs; malloc'd array, sorted. */
static size_t collect_unsupported(const struct md_graph *g, const struct spec_set *ss,
                                  struct unsup **out)
{
    size_t n = 0, cap = 0;
    struct unsup *u = NULL;
    *out = NULL;
    for (int id = 0; id < g->n_nodes; id++) {
        const struct md_gnode *nd = &g->nodes[id];
        if (nd->is_call || (nd->op && !(nd->op->flags & MD_OP_REFUSED)))
            continue;
        bool needed = false;
        for (size_t k = 0; k < ss->n && !needed; k++)
            needed = ss->ok[k] && ss->needs[k].nodes[id];
        if (!needed)
            continue;
        size_t i;
        for (i = 0; i < n; i++)
            if (!strcmp(u[i].op, nd->def->op))
                break;
        if (i == n) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct unsup *nu = realloc(u, cap * sizeof *nu);
                if (!nu)
                    break;
                u = nu;
            }
            u[n] = (struct unsup){ .op = nd->def->op, .refused = nd->op != NULL };
            n++;
        }
        size_t len = strlen(u[i].nodes);
        char esc[160];
        md_escape(esc, sizeof esc, nd->name, strlen(nd->name));
        if (len + strlen(esc) + 8 < sizeof u[i].nodes)
            snprintf(u[i].nodes + len, sizeof u[i].nodes - len, "%s%s", len ? ", " : "", esc);
        else if (len + 6 < sizeof u[i].nodes && !strstr(u[i].nodes, "..."))
            snprintf(u[i].nodes + len, sizeof u[i].nodes - len, ", ...");
        u[i].n_nodes++;
    }
    if (n)
        qsort(u, n, sizeof *u, cmp_unsup);
    *out = u;
    return n;
}

static void unsupported_message(const struct unsup *u, size_t n, struct md_status *st)
{
    char msg[MD_STATUS_MSG_MAX];
    size_t o = 0;
    o += (size_t)snprintf(msg + o, sizeof msg - o, "model uses %zu unsupported op%s: ", n,
                          n == 1 ? "" : "s");
    for (size_t i = 0; i < n && o < sizeof msg; i++)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s'%s'%s (node%s %s)", i ? "; " : "",
                              u[i].op, u[i].refused ? " is refused for safety" : "",
                              u[i].n_nodes == 1 ? "" : "s", u[i].nodes);
    md_status_set(st, MD_UNIMPLEMENTED, "%s", msg);
}

size_t md_model_check_ops(const struct md_savedmodel *sm, struct md_unsupported **out)
{
    struct md_status st = MD_STATUS_INIT;
    *out = NULL;
    const Tensorflow__OpList *ops =
        sm->meta->meta_info_def ? sm->meta->meta_info_def->stripped_op_list : NULL;
    struct md_graph *g = md_graph_import(sm->meta->graph_def, ops, &st);
    if (!g)
        return 0;
    struct spec_set ss;
    size_t n = 0;
    if (specs_build(sm, g, true, &ss, &st)) {
        struct unsup *u;
        n = collect_unsupported(g, &ss, &u);
        if (n) {
            *out = calloc(n, sizeof **out);
            for (size_t i = 0; *out && i < n; i++) {
                (*out)[i].op = strdup(u[i].op);
                (*out)[i].nodes = strdup(u[i].nodes);
            }
            if (!*out)
                n = 0;
        }
        free(u);
    }
    specs_cleanup(&ss);
    md_graph_free(g);
    return n;
}

void md_unsupported_free(struct md_unsupported *u, size_t n)
{
    if (!u)
        return;
    for (size_t i = 0; i < n; i++) {
        free(u[i].op);
        free(u[i].nodes);
    }
    free(u);
}

static void model_free(struct md_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->sigs && i < m->n_sigs; i++) {
        md_plan_free(m->sigs[i].plan);
        for (int k = 0; k < m->sigs[i].n_subsets; k++) {
            md_plan_free(m->sigs[i].subsets[k].plan);
            free(m->sigs[i].subsets[k].outs);
        }
        if (m->sigs[i].mu_init)
            pthread_mutex_destroy(&m->sigs[i].mu);
        if (m->sigs[i].defaults)
            for (size_t j = 0; j < m->sigs[i].sig->n_inputs; j++)
                md_tensor_cleanup(&m->sigs[i].defaults[j]);
        free(m->sigs[i].defaults);
    }
    free(m->sigs);
    md_graph_free(m->g);
    md_varstore_free(m->vars);
    md_savedmodel_free(m->sm);
    free(m);
}

/* Runs a load-time plan (restore / init) once. */
static bool run_once(struct md_model *m, const struct md_plan *p, const struct md_tensor *feeds,
                     size_t n_feeds, struct md_status *st)
{
    struct md_arena *a = md_arena_new(1 << 16, 0, st);
    if (!a)
        return false;
    const struct md_tensor **fp = calloc(n_feeds + 1, sizeof *fp);
    struct md_tensor *outs = calloc((size_t)p->n_fetches + 1, sizeof *outs);
    bool ok = fp && outs;
    if (!ok)
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; ok && i < n_feeds; i++)
        fp[i] = &feeds[i];
    if (ok)
        ok = md_plan_run(p, m->g, &m->env, fp, outs, a, st);
    for (int j = 0; ok && j < p->n_fetches; j++)
        md_tensor_cleanup(&outs[j]);
    free(fp);
    free(outs);
    md_arena_free(a);
    return ok;
}

static bool string_scalar(struct md_tensor *t, const char *s, struct md_status *st)
{
    size_t len = strlen(s);
    if (!md_tensor_alloc(t, MD_DT_STRING, 0, NULL, len, st))
        return false;
    char *bytes = (char *)t->data + sizeof(struct md_str);
    memcpy(bytes, s, len);
    *(struct md_str *)t->data = (struct md_str){ bytes, len };
    return true;
}

static bool load_time_runs(struct md_model *m, struct spec_set *ss, struct md_plan *restore,
                           struct md_plan *init, struct md_status *st)
{
    const struct md_savedmodel *sm = m->sm;
    if (restore) {
        struct md_tensor fname = MD_TENSOR_INIT;
        size_t len = strlen(sm->dir);
        char *prefix = malloc(len + 32);
        if (!prefix)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        snprintf(prefix, len + 32, "%s/variables/variables", sm->dir);
        bool ok = string_scalar(&fname, prefix, st);
        free(prefix);
        if (ok)
            ok = run_once(m, restore, &fname, 1, st);
        md_tensor_cleanup(&fname);
        if (!ok) {
            md_status_prefix(st, "restoring variables");
            return false;
        }
    }
    md_varstore_bind_bundle(m->vars, st);
    if (st->code != MD_OK)
        return false;
    if (init) {
        const struct md_plan_spec *sp = &ss->specs[ss->init];
        const Tensorflow__MetaGraphDef *mg = sm->meta;
        struct md_tensor *feeds = calloc(sp->n_feeds + 1, sizeof *feeds);
        if (!feeds)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        bool ok = true;
        size_t nf = 0;
        for (size_t i = 0; ok && i < mg->n_asset_file_def; i++) {
            const Tensorflow__AssetFileDef *a = mg->asset_file_def[i];
            if (!a->tensor_info ||
                a->tensor_info->encoding_case != TENSORFLOW__TENSOR_INFO__ENCODING_NAME)
                continue;
            char *path = md_savedmodel_asset_path(sm, a->filename, st);
            ok = path && string_scalar(&feeds[nf++], path, st);
            free(path);
        }
        if (ok)
            ok = run_once(m, init, feeds, nf, st);
        for (size_t i = 0; i < nf; i++)
            md_tensor_cleanup(&feeds[i]);
        free(feeds);
        if (!ok) {
            md_status_prefix(st, "running the init op");
            return false;
        }
    }
    return true;
}

struct md_model *md_model_load(const char *dir, const struct md_model_options *opts,
                               struct md_status *st)
{
    struct md_model_options defaults = MD_MODEL_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    md_blas_init();
    struct md_model *m = calloc(1, sizeof *m);
    if (!m) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory loading a model");
        return NULL;
    }
    atomic_init(&m->refs, 1);
    struct spec_set ss;
    memset(&ss, 0, sizeof ss);
    struct md_plan *restore = NULL, *init = NULL;
    bool *all = NULL;
    m->sm = md_savedmodel_open(dir, opts->tags && *opts->tags ? opts->tags : "serve", st);
    if (!m->sm)
        goto fail;
    const Tensorflow__MetaGraphDef *mg = m->sm->meta;
    m->g = md_graph_import(mg->graph_def,
                           mg->meta_info_def ? mg->meta_info_def->stripped_op_list : NULL, st);
    if (!m->g)
        goto fail;
    m->vars = md_varstore_new(m->sm->vars, st);
    if (!m->vars)
        goto fail;
    if (!md_threadpool_shared(opts->intra_op_threads, &m->pool, st))
        goto fail;
    m->env = (struct md_exec_env){ .parallel_for = m->pool ? md_threadpool_env_for : NULL,
                                   .pool = m->pool, .model = m->vars,
                                   .model_dir = m->sm->dir,
                                   .max_loop_iterations = opts->max_loop_iterations };
    if (!specs_build(m->sm, m->g, opts->run_init_ops, &ss, st))
        goto fail;
    struct unsup *u;
    size_t nu = collect_unsupported(m->g, &ss, &u);
    if (nu) {
        unsupported_message(u, nu, st);
        free(u);
        goto fail;
    }
    free(u);
    all = calloc((size_t)m->g->n_nodes + 1, sizeof *all);
    if (!all) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory loading a model");
        goto fail;
    }
    for (size_t k = 0; k < ss.n; k++)
        for (int id = 0; ss.ok[k] && id < m->g->n_nodes; id++)
            all[id] |= ss.needs[k].nodes[id];
    if (!md_graph_init_nodes(m->g, all, &m->env, st))
        goto fail;
    if (ss.restore >= 0 &&
        !(restore = md_plan_build(m->g, &ss.specs[ss.restore], &ss.needs[ss.restore], st))) {
        md_status_prefix(st, "restore op");
        goto fail;
    }
    if (ss.init >= 0 && !(init = md_plan_build(m->g, &ss.specs[ss.init], &ss.needs[ss.init], st))) {
        md_status_prefix(st, "init op");
        goto fail;
    }
    m->n_sigs = m->sm->n_signatures;
    m->sigs = calloc(m->n_sigs + 1, sizeof *m->sigs);
    if (!m->sigs) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory loading a model");
        goto fail;
    }
    for (size_t i = 0; i < m->n_sigs; i++) {
        struct sig_plan *sp = &m->sigs[i];
        size_t k = (size_t)ss.sig0 + i;
        sp->sig = &m->sm->signatures[i];
        sp->err = ss.errs[k];
        pthread_mutex_init(&sp->mu, NULL);
        sp->mu_init = true;
        if (ss.ok[k])
            sp->plan = md_plan_build(m->g, &ss.specs[k], &ss.needs[k], &sp->err);
        if (!sp->plan) {
            char key[160];
            md_status_prefix(&sp->err, "signature '%s'",
                             md_escape(key, sizeof key, sp->sig->key, strlen(sp->sig->key)));
            continue;
        }
        const Tensorflow__SignatureDef *pd = sp->sig->proto;
        if (pd && pd->n_defaults) {
            sp->defaults = calloc(sp->sig->n_inputs + 1, sizeof *sp->defaults);
            if (!sp->defaults) {
                md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory loading a model");
                goto fail;
            }
            for (size_t d = 0; d < pd->n_defaults; d++)
                for (size_t j = 0; j < sp->sig->n_inputs; j++)
                    if (!strcmp(pd->defaults[d]->key, sp->sig->inputs[j].alias) &&
                        !md_tensor_from_proto(pd->defaults[d]->value, &sp->defaults[j], st)) {
                        md_status_prefix(st, "signature '%s': default for input '%s'",
                                         sp->sig->key, sp->sig->inputs[j].alias);
                        goto fail;
                    }
        }
    }
    if (!load_time_runs(m, &ss, restore, init, st))
        goto fail;
    md_plan_free(restore);
    md_plan_free(init);
    specs_cleanup(&ss);
    free(all);
    return m;
fail:
    md_plan_free(restore);
    md_plan_free(init);
    specs_cleanup(&ss);
    free(all);
    model_free(m);
    return NULL;
}

struct md_model *md_model_ref(struct md_model *m)
{
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void md_model_unref(struct md_model *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        model_free(m);
}

const struct md_savedmodel *md_model_savedmodel(const struct md_model *m)
{
    return m->sm;
}

size_t md_model_memory_bytes(const struct md_model *m)
{
    size_t total = sizeof *m + m->sm->file_bytes;
    if (m->sm->vars)
        total += md_bundle_mapped_bytes(m->sm->vars);
    total += md_arena_used(m->g->mem) + (size_t)m->g->n_nodes * sizeof(struct md_gnode);
    total += md_varstore_bytes(m->vars);
    total += md_fnlib_bytes(m->g->lib);
    for (size_t i = 0; i < m->n_sigs; i++) {
        struct sig_plan *sp = &m->sigs[i];
        total += md_plan_bytes(sp->plan);
        pthread_mutex_lock(&sp->mu);
        for (int k = 0; k < sp->n_subsets; k++)
            total += md_plan_bytes(sp->subsets[k].plan);
        pthread_mutex_unlock(&sp->mu);
    }
    return total;
}

/* ------------------------------------------------------------- running */
static int find_alias(const struct md_tensor_info *ti, size_t n, const char *alias)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(alias, ti[mid].alias);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* Appends s (escaped) to a "{a,b}" list in buf. */
static void list_add(char *buf, size_t cap, const char *s)
{
    size_t len = strlen(buf);
    char esc[128];
    md_escape(esc, sizeof esc, s, strlen(s));
    snprintf(buf + len, cap - len, "%s%s", len ? "," : "", esc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool check_inputs(const struct sig_plan *sp, const struct md_feed *feeds, size_t n_feeds,
                         const struct md_tensor **bound, struct md_status *st)
{
    const struct md_signature *sig = sp->sig;
    char extra[192] = "", missing[192] = "", req[192] = "", expected[192] = "";
    size_t n_extra = 0, n_missing = 0;
    const char **sorted = calloc(n_feeds + 1, sizeof *sorted);
    if (!sorted)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; i < n_feeds; i++)
        sorted[i] = feeds[i].alias ? feeds[i].alias : "";
    qsort(sorted, n_feeds, sizeof *sorted, cmp_str);
    for (size_t i = 0; i < n_feeds; i++) {
        list_add(req, sizeof req, sorted[i]);
        if (i && !strcmp(sorted[i], sorted[i - 1])) {
            char esc[128];
            md_escape(esc, sizeof esc, sorted[i], strlen(sorted[i]));
            free(sorted);
            return md_status_set(st, MD_INVALID_ARGUMENT, "duplicate input tensor alias: %s", esc);
        }
        if (find_alias(sig->inputs, sig->n_inputs, sorted[i]) < 0) {
            list_add(extra, sizeof extra, sorted[i]);
            n_extra++;
        }
    }
    free(sorted);
    for (size_t j = 0; j < sig->n_inputs; j++)
        bound[j] = NULL;
    for (size_t i = 0; i < n_feeds; i++) {
        int j = feeds[i].alias ? find_alias(sig->inputs, sig->n_inputs, feeds[i].alias) : -1;
        if (j >= 0)
            bound[j] = feeds[i].tensor;
    }
    for (size_t j = 0; j < sig->n_inputs; j++) {
        list_add(expected, sizeof expected, sig->inputs[j].alias);
        if (!bound[j] && sp->defaults && sp->defaults[j].dtype != MD_DT_INVALID)
            bound[j] = &sp->defaults[j];
        if (!bound[j]) {
            list_add(missing, sizeof missing, sig->inputs[j].alias);
            n_missing++;
        }
    }
    if (n_extra || n_missing) {
        if (n_feeds != sig->n_inputs)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input size does not match signature: %zu!=%zu len({%s}) != "
                                 "len({%s}). Sent extra: {%s}. Missing but required: {%s}",
                                 n_feeds, sig->n_inputs, req, expected, extra, missing);
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input tensor alias not found in signature: %s. Inputs expected to "
                             "be in the set {%s}. Sent extra: {%s}. Missing but required: {%s}",
                             extra, expected, extra, missing);
    }
    for (size_t j = 0; j < sig->n_inputs; j++) {
        const struct md_tensor *t = bound[j];
        enum md_dtype want = sp->plan->feed_dtype[j];
        if (want == MD_DT_INVALID)
            want = sig->inputs[j].dtype;
        if (!t)
            return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' has no tensor",
                                 sig->inputs[j].alias);
        if (t->dtype != want)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Expects arg[%zu] to be %s but %s is provided", j,
                                 md_dtype_info(want)->tf_name, md_dtype_info(t->dtype)->tf_name);
        const struct md_dtype_info *di = md_dtype_info(t->dtype);
        int64_t ne = md_shape_num_elements(t->rank, t->dims);
        if (!di->supported || t->dtype == MD_DT_RESOURCE || t->dtype == MD_DT_VARIANT || ne < 0 ||
            (ne > 0 && !t->data))
            return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' is not a valid %s tensor",
                                 sig->inputs[j].alias, di->tf_name);
    }
    return true;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The cached plan for outputs outs[0..n) (ascending), built on first use.
 * NULL with st untouched when the cache is full (the caller runs the full
 * plan), NULL with st set on failure. thread-safe */
static const struct md_plan *subset_plan(struct sig_plan *sp, const struct md_graph *g,
                                         const int *outs, size_t n, struct md_status *st)
{
    const struct md_signature *sig = sp->sig;
    struct md_plan *p = NULL;
    pthread_mutex_lock(&sp->mu);
    for (int k = 0; k < sp->n_subsets && !p; k++)
        if (sp->subsets[k].n == n && !memcmp(sp->subsets[k].outs, outs, n * sizeof *outs))
            p = sp->subsets[k].plan;
    if (p || sp->n_subsets == SUBSET_PLANS_MAX) {
        pthread_mutex_unlock(&sp->mu);
        return p;
    }
    /* Build under the lock: it happens once per distinct subset. */
    const char **feeds = calloc(sig->n_inputs + 1, sizeof *feeds);
    const char **fetches = calloc(n + 1, sizeof *fetches);
    int *keep = malloc((n + 1) * sizeof *keep);
    struct md_plan_need need;
    memset(&need, 0, sizeof need);
    if (!feeds || !fetches || !keep) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory planning");
        goto out;
    }
    for (size_t j = 0; j < sig->n_inputs; j++)
        feeds[j] = sig->inputs[j].name;
    for (size_t j = 0; j < n; j++)
        fetches[j] = sig->outputs[outs[j]].name;
    memcpy(keep, outs, n * sizeof *keep);
    struct md_plan_spec spec = { feeds, sig->n_inputs, fetches, n, false };
    if (md_plan_need(g, &spec, &need, st) && (p = md_plan_build(g, &spec, &need, st))) {
        sp->subsets[sp->n_subsets++] = (struct subset_plan){ n, keep, p };
        keep = NULL;
    }
out:
    md_plan_need_cleanup(&need);
    free(feeds);
    free(fetches);
    free(keep);
    pthread_mutex_unlock(&sp->mu);
    return p;
}

bool md_model_run(struct md_model *m, const char *key, const struct md_feed *feeds,
                  size_t n_feeds, const char *const *output_aliases, size_t n_out,
                  struct md_tensor *outputs, struct md_arena *arena, struct md_status *st)
{
    return md_model_run_opts(m, key, feeds, n_feeds, output_aliases, n_out, outputs, arena, NULL,
                             st);
}

bool md_model_run_opts(struct md_model *m, const char *key, const struct md_feed *feeds,
                       size_t n_feeds, const char *const *output_aliases, size_t n_out,
                       struct md_tensor *outputs, struct md_arena *arena,
                       const struct md_run_options *ro, struct md_status *st)
{
    char esc[160];
    const struct md_signature *sig = key ? md_savedmodel_signature(m->sm, key) : NULL;
    if (!sig)
        return md_status_set(st, MD_FAILED_PRECONDITION, "Serving signature key \"%s\" not found",
                             md_escape(esc, sizeof esc, key ? key : "", key ? strlen(key) : 0));
    struct sig_plan *sp = &m->sigs[sig - m->sm->signatures];
    if (!sp->plan) {
        *st = sp->err;
        return false;
    }
    const struct md_tensor **bound = md_arena_alloc(arena, (sig->n_inputs + 1) * sizeof *bound, st);
    if (!bound || !check_inputs(sp, feeds, n_feeds, bound, st))
        return false;
    size_t n_want = output_aliases ? n_out : sig->n_outputs;
    int *pick = md_arena_alloc(arena, (n_want + 1) * sizeof *pick, st);
    if (!pick)
        return false;
    for (size_t i = 0; i < n_want; i++) {
        if (!output_aliases) {
            pick[i] = (int)i;
            continue;
        }
        const char *a = output_aliases[i] ? output_aliases[i] : "";
        pick[i] = find_alias(sig->outputs, sig->n_outputs, a);
        if (pick[i] < 0) {
            char set[192] = "";
            for (size_t j = 0; j < sig->n_outputs; j++)
                list_add(set, sizeof set, sig->outputs[j].alias);
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "output tensor alias not found in signature: %s. Outputs "
                                 "expected to be in the set {%s}",
                                 md_escape(esc, sizeof esc, a, strlen(a)), set);
        }
        for (size_t j = 0; j < i; j++)
            if (pick[j] == pick[i])
                return md_status_set(st, MD_INVALID_ARGUMENT, "duplicate output tensor alias: %s",
                                     md_escape(esc, sizeof esc, a, strlen(a)));
    }
    /* A strict subset runs its own (pruned) plan; its fetches are the
     * picked outputs in signature order. */
    const struct md_plan *plan = sp->plan;
    int *pos = pick; /* fetch index of each wanted output */
    if (n_want < sig->n_outputs) {
        int *outs = md_arena_alloc(arena, (n_want + 1) * sizeof *outs, st);
        pos = md_arena_alloc(arena, (n_want + 1) * sizeof *pos, st);
        if (!outs || !pos)
            return false;
        memcpy(outs, pick, n_want * sizeof *outs);
        qsort(outs, n_want, sizeof *outs, cmp_int);
        for (size_t i = 0; i < n_want; i++)
            for (size_t k = 0; k < n_want; k++)
                if (outs[k] == pick[i])
                    pos[i] = (int)k;
        plan = subset_plan(sp, m->g, outs, n_want, st);
        if (!plan) {
            if (st->code != MD_OK)
                return false;
            plan = sp->plan; /* cache full: run everything */
            pos = pick;
        }
    }
    struct md_tensor *all = md_arena_alloc(arena, ((size_t)plan->n_fetches + 1) * sizeof *all, st);
    if (!all)
        return false;
    /* The run copies the env; a deadline rides along in the copy. */
    struct md_exec_env env = m->env;
    if (ro)
        env.deadline_ns = ro->deadline_ns;
    if (!md_plan_run(plan, m->g, &env, bound, all, arena, st))
        return false;
    for (size_t i = 0; i < n_want; i++)
        md_tensor_share(&outputs[i], &all[pos[i]]);
    for (int j = 0; j < plan->n_fetches; j++)
        md_tensor_cleanup(&all[j]);
    return true;
}
