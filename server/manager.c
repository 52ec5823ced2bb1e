/* manager.c: models -> versions -> servables.
 *
 * One manager thread polls each model's base path, loads the versions the
 * policy aspires to (off every request thread), publishes each one by a
 * pointer store under the registry lock, and then retires the versions they
 * replace (availability-preserving: a version is only retired once an
 * aspired version of the same model is AVAILABLE, or when its directory or
 * its model is gone). Requests take a reference under the same lock and
 * never wait for a load: the lock is only held for lookups and pointer
 * stores. The last reference to a retired servable hands it to the reaper
 * thread, which frees the model and marks the version END.
 *
 * Locks: poll_lock serialises poll passes (manager thread, md_manager_poll);
 * lock (the registry) guards the model list, version states and servable
 * pointers, and the pending config; rlock guards the reaper queue. Never
 * hold lock while loading, doing file-system I/O or freeing a model.
 */
#include <dirent.h>
#include <malloc.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "server/server_impl.h"

#define MAX_END_HISTORY 16 /* END versions kept per model for the status page */

struct md_servable {
    _Atomic long refs; /* the registry's reference + one per request */
    struct md_model *model;
    char *name;
    int64_t version;
    struct md_manager *mgr;
    struct version *ver;
    struct md_servable *next_dead; /* reaper queue */
};

struct version {
    int64_t number;
    char *path;
    enum md_version_state state;
    enum md_code code;
    char message[MD_STATUS_MSG_MAX];
    struct md_servable *sv; /* set while AVAILABLE or UNLOADING */
    int failures;           /* consecutive failed loads */
    int64_t retry_at_us;    /* next attempt after a failure */
    char fingerprint[128];  /* files' sizes and mtimes when last tried */
};

struct model {
    struct md_model_config cfg; /* owned; changed only by poll passes under lock */
    struct version **versions;  /* newest first */
    size_t n_versions, cap_versions;
    bool removed;               /* no longer in the config */
    bool path_warned;
};

struct md_manager {
    struct md_manager_options opt;
    char *config_file;
    char *tags;

    pthread_mutex_t lock;
    struct model **models;
    size_t n_models;
    struct md_server_config pending; /* next config to apply, under lock */
    bool has_pending;

    pthread_mutex_t poll_lock;

    pthread_cond_t cond; /* with lock: wakes the manager thread */
    pthread_t thread;
    bool running, stop, reload;
    bool shutting_down; /* md_manager_free: retire with that reason */
    _Atomic bool draining; /* SIGTERM arrived: not ready (md_manager_set_draining) */

    pthread_mutex_t rlock;
    pthread_cond_t rcond;
    pthread_t reaper;
    bool reaper_running, reaper_stop;
    struct md_servable *dead;
    _Atomic long live; /* servables not yet freed */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *md_version_state_name(enum md_version_state s)
{
    switch (s) {
    case MD_VS_START: return "START";
    case MD_VS_LOADING: return "LOADING";
    case MD_VS_AVAILABLE: return "AVAILABLE";
    case MD_VS_UNLOADING: return "UNLOADING";
    case MD_VS_END: return "END";
    default: return "UNKNOWN";
    }
}

/* ------------------------------------------------------------ reaper */

static void *reaper_main(void *arg)
{
    struct md_manager *m = arg;
    pthread_mutex_lock(&m->rlock);
    for (;;) {
        while (!m->dead && !m->reaper_stop)
            pthread_cond_wait(&m->rcond, &m->rlock);
        if (!m->dead && m->reaper_stop)
            break;
        struct md_servable *s = m->dead;
        m->dead = s->next_dead;
        pthread_mutex_unlock(&m->rlock);

        int64_t t0 = now_us();
        md_model_unref(s->model);
        int64_t us = now_us() - t0;
        /* The version's metric series go with it (still UNLOADING here, so
         * no reload of the same directory can have started). */
        char path[4096] = "";
        pthread_mutex_lock(&m->lock);
        if (s->ver && s->ver->sv == s)
            snprintf(path, sizeof path, "%s", s->ver->path);
        pthread_mutex_unlock(&m->lock);
        md_metrics_forget_version(s->name, s->version, path[0] ? path : NULL);
        md_metrics_unload(s->name, s->version, (uint64_t)us);
        md_log_info("servable {name: %s version: %lld} state END (unloaded in %.1f ms)", s->name,
                    (long long)s->version, (double)us / 1000.0);
        free(s->name);
        s->name = NULL;
#if defined(__GLIBC__)
        /* Hand the freed model's heap pages back to the kernel: without
         * this RSS only grows across reloads (TF Serving's users resort to
         * jemalloc for it). Before the version shows END, so whoever waits
         * for END sees the memory returned. */
        malloc_trim(0);
#endif
        pthread_mutex_lock(&m->lock);
        if (s->ver && s->ver->sv == s) {
            s->ver->sv = NULL;
            s->ver->state = MD_VS_END;
        }
        pthread_mutex_unlock(&m->lock);
        free(s);
        atomic_fetch_sub(&m->live, 1);

        pthread_mutex_lock(&m->rlock);
    }
    pthread_mutex_unlock(&m->rlock);
    return NULL;
}

void md_servable_release(struct md_servable *s)
{
    if (!s)
        return;
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    struct md_manager *m = s->mgr;
    pthread_mutex_lock(&m->rlock);
    s->next_dead = m->dead;
    m->dead = s;
    pthread_cond_signal(&m->rcond);
    pthread_mutex_unlock(&m->rlock);
}

struct md_model *md_servable_model(const struct md_servable *s) { return s->model; }
const char *md_servable_name(const struct md_servable *s) { return s->name; }
int64_t md_servable_version(const struct md_servable *s) { return s->version; }

/* ---------------------------------------------------------- registry */

static void version_free(struct version *v)
{
    if (!v)
        return;
    free(v->path);
    free(v);
}

static bool model_config_copy(struct md_model_config *dst, const struct md_model_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = strdup(src->name);
    dst->base_path = strdup(src->base_path);
    dst->platform = strdup(src->platform ? src->platform : "tensorflow");
    dst->policy = src->policy;
    dst->num_latest = src->num_latest ? src->num_latest : 1;
    bool ok = dst->name && dst->base_path && dst->platform;
    if (ok && src->n_versions) {
        dst->versions = malloc(src->n_versions * sizeof *dst->versions);
        ok = dst->versions != NULL;
        if (ok) {
            memcpy(dst->versions, src->versions, src->n_versions * sizeof *dst->versions);
            dst->n_versions = src->n_versions;
        }
    }
    if (ok && src->n_labels) {
        dst->labels = calloc(src->n_labels, sizeof *dst->labels);
        ok = dst->labels != NULL;
        for (size_t i = 0; ok && i < src->n_labels; i++) {
            dst->labels[i].label = strdup(src->labels[i].label);
            dst->labels[i].version = src->labels[i].version;
            dst->n_labels = i + 1;
            ok = dst->labels[i].label != NULL;
        }
    }
    if (!ok)
        md_model_config_cleanup(dst);
    return ok;
}

static bool config_copy(struct md_server_config *dst, const struct md_server_config *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->n_models)
        return true;
    dst->models = calloc(src->n_models, sizeof *dst->models);
    if (!dst->models)
        return false;
    for (size_t i = 0; i < src->n_models; i++) {
        if (!model_config_copy(&dst->models[i], &src->models[i])) {
            md_server_config_cleanup(dst);
            return false;
        }
        dst->n_models = i + 1;
    }
    return true;
}

static struct model *find_model(struct md_manager *m, const char *name)
{
    for (size_t i = 0; i < m->n_models; i++)
        if (!strcmp(m->models[i]->cfg.name, name))
            return m->models[i];
    return NULL;
}

static struct version *find_version(struct model *mo, int64_t number)
{
    for (size_t i = 0; i < mo->n_versions; i++)
        if (mo->versions[i]->number == number)
            return mo->versions[i];
    return NULL;
}

/* Adds a version entry in START state, keeping newest-first order. Under lock. */
static struct version *add_version(struct model *mo, int64_t number, const char *path)
{
    if (mo->n_versions == mo->cap_versions) {
        size_t cap = mo->cap_versions ? mo->cap_versions * 2 : 8;
        struct version **nv = realloc(mo->versions, cap * sizeof *nv);
        if (!nv)
            return NULL;
        mo->versions = nv;
        mo->cap_versions = cap;
    }
    struct version *v = calloc(1, sizeof *v);
    if (!v || !(v->path = strdup(path))) {
        free(v);
        return NULL;
    }
    v->number = number;
    v->state = MD_VS_START;
    size_t pos = 0;
    while (pos < mo->n_versions && mo->versions[pos]->number > number)
        pos++;
    memmove(&mo->versions[pos + 1], &mo->versions[pos],
            (mo->n_versions - pos) * sizeof *mo->versions);
    mo->versions[pos] = v;
    mo->n_versions++;
    return v;
}

/* Drops the oldest END versions beyond MAX_END_HISTORY. Under lock. */
static void trim_history(struct model *mo)
{
    size_t ends = 0;
    for (size_t i = 0; i < mo->n_versions; i++)
        if (mo->versions[i]->state == MD_VS_END && !mo->versions[i]->sv)
            ends++;
    for (size_t i = mo->n_versions; i-- > 0 && ends > MAX_END_HISTORY;) {
        struct version *v = mo->versions[i];
        if (v->state != MD_VS_END || v->sv)
            continue;
        md_metrics_forget_version(NULL, v->number, v->path);
        version_free(v);
        memmove(&mo->versions[i], &mo->versions[i + 1],
                (mo->n_versions - i - 1) * sizeof *mo->versions);
        mo->n_versions--;
        ends--;
    }
}

/* ------------------------------------------------------- public API */

struct md_manager *md_manager_new(const struct md_manager_options *o, struct md_status *st)
{
    struct md_manager *m = calloc(1, sizeof *m);
    if (!m) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating the model manager");
        return NULL;
    }
    m->opt = *o;
    m->tags = strdup(o->tags && o->tags[0] ? o->tags : "serve");
    m->config_file = (o->config_file && o->config_file[0]) ? strdup(o->config_file) : NULL;
    m->opt.tags = m->tags;
    m->opt.config_file = m->config_file;
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->poll_lock, NULL);
    pthread_mutex_init(&m->rlock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&m->rcond, NULL);
    if (!m->tags || pthread_create(&m->reaper, NULL, reaper_main, m) != 0) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "cannot start the reaper thread");
        free(m->tags);
        free(m->config_file);
        free(m);
        return NULL;
    }
    m->reaper_running = true;
    return m;
}

bool md_manager_set_config(struct md_manager *m, const struct md_server_config *cfg,
                           struct md_status *st)
{
    struct md_server_config copy;
    if (!config_copy(&copy, cfg))
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory copying the config");
    pthread_mutex_lock(&m->lock);
    if (m->has_pending)
        md_server_config_cleanup(&m->pending);
    m->pending = copy;
    m->has_pending = true;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    return true;
}

static bool same_labels(const struct md_model_config *a, const struct md_model_config *b)
{
    if (a->n_labels != b->n_labels)
        return false;
    for (size_t i = 0; i < a->n_labels; i++)
        if (strcmp(a->labels[i].label, b->labels[i].label) ||
            a->labels[i].version != b->labels[i].version)
            return false;
    return true;
}

/* Applies m->pending (if any) to the model list. Poll pass only. */
static void apply_pending(struct md_manager *m)
{
    pthread_mutex_lock(&m->lock);
    if (!m->has_pending) {
        pthread_mutex_unlock(&m->lock);
        return;
    }
    struct md_server_config cfg = m->pending;
    m->has_pending = false;
    memset(&m->pending, 0, sizeof m->pending);
    for (size_t i = 0; i < m->n_models; i++)
        m->models[i]->removed = true;
    for (size_t i = 0; i < cfg.n_models; i++) {
        struct md_model_config *c = &cfg.models[i];
        struct model *mo = find_model(m, c->name);
        if (mo) {
            bool was_removed = mo->removed;
            mo->removed = false;
            bool changed = strcmp(mo->cfg.base_path, c->base_path) || mo->cfg.policy != c->policy ||
                           mo->cfg.num_latest != c->num_latest ||
                           mo->cfg.n_versions != c->n_versions || !same_labels(&mo->cfg, c);
            if (changed || was_removed)
                md_log_info("model '%s': config %s (base_path %s)", c->name,
                            was_removed ? "added again" : "changed", c->base_path);
            /* Steal the new config's strings. */
            md_model_config_cleanup(&mo->cfg);
            mo->cfg = *c;
            memset(c, 0, sizeof *c);
            mo->path_warned = false;
            continue;
        }
        struct model **nm = realloc(m->models, (m->n_models + 1) * sizeof *nm);
        mo = calloc(1, sizeof *mo);
        if (!nm || !mo) {
            free(mo);
            if (nm)
                m->models = nm;
            md_log_error("out of memory adding model '%s'", c->name);
            continue;
        }
        m->models = nm;
        mo->cfg = *c;
        memset(c, 0, sizeof *c);
        m->models[m->n_models++] = mo;
        md_log_info("model '%s': added (base_path %s)", mo->cfg.name, mo->cfg.base_path);
    }
    for (size_t i = 0; i < m->n_models; i++)
        if (m->models[i]->removed && m->models[i]->n_versions)
            md_log_info("model '%s': removed from the config; unloading its versions",
                        m->models[i]->cfg.name);
    pthread_mutex_unlock(&m->lock);
    /* Entries whose strings were stolen are zeroed; cleanup is NULL-safe. */
    md_server_config_cleanup(&cfg);
}

/* ------------------------------------------------- file-system scan */

struct candidate {
    int64_t number;
    char *path;
    char fingerprint[128];
    bool complete; /* false: still being written; never loaded, but a loaded
                      version whose directory is being rewritten stays */
};

static bool parse_version_name(const char *s, int64_t *out)
{
    /* TF Serving takes any name that parses as an integer; we take
     * non-negative decimal numbers (temp-*, v1, 0.1 are ignored). */
    if (!*s || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

/* dir + "/" + leaf into out; false when it does not fit. */
static bool pjoin(char *out, size_t cap, const char *dir, const char *leaf)
{
    int n = snprintf(out, cap, "%s/%s", dir, leaf);
    return n >= 0 && (size_t)n < cap;
}

static bool is_file(const char *path, struct stat *sb)
{
    return stat(path, sb) == 0 && S_ISREG(sb->st_mode);
}

/* A version directory is complete when saved_model.pb(txt) is there and,
 * if it has variables/, the index and every data shard the shard names
 * announce. Writers that copy in place (cp -r, rsync) are caught mid-way.
 * fp gets the sizes and mtimes, so a failed version is retried as soon as
 * its files change. */
static bool version_dir_complete(const char *dir, char *fp, size_t fpcap)
{
    char path[4096];
    struct stat sb;
    if (!pjoin(path, sizeof path, dir, "saved_model.pb") || !is_file(path, &sb)) {
        if (!pjoin(path, sizeof path, dir, "saved_model.pbtxt") || !is_file(path, &sb))
            return false;
    }
    int n = snprintf(fp, fpcap, "%lld.%lld", (long long)sb.st_size, (long long)sb.st_mtime);
    if (!pjoin(path, sizeof path, dir, "variables") || stat(path, &sb) != 0 ||
        !S_ISDIR(sb.st_mode))
        return true;
    if (!pjoin(path, sizeof path, dir, "variables/variables.index") || !is_file(path, &sb))
        return false;
    if (n >= 0 && (size_t)n < fpcap)
        snprintf(fp + n, fpcap - (size_t)n, "/%lld.%lld", (long long)sb.st_size,
                 (long long)sb.st_mtime);
    if (!pjoin(path, sizeof path, dir, "variables"))
        return false;
    DIR *d = opendir(path);
    if (!d)
        return false;
    long total = -1;
    unsigned char seen[1024] = {0};
    long nseen = 0;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned long idx, cnt;
        char tail;
        if (sscanf(e->d_name, "variables.data-%5lu-of-%5lu%c", &idx, &cnt, &tail) != 2)
            continue;
        if (cnt == 0 || cnt > sizeof seen || idx >= cnt || (total >= 0 && (long)cnt != total)) {
            ok = false;
            break;
        }
        total = (long)cnt;
        if (!seen[idx]) {
            seen[idx] = 1;
            nseen++;
        }
    }
    closedir(d);
    return ok && total > 0 && nseen == total;
}

/* Lists the complete numeric version directories of base. Returns false
 * when the base path cannot be read (then the current state is kept). */
static bool scan_base(const char *base, struct candidate **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(base);
    if (!d)
        return false;
    struct candidate *c = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t num;
        if (!parse_version_name(e->d_name, &num))
            continue;
        char path[4096];
        int pl = snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        struct stat sb;
        if (pl < 0 || (size_t)pl >= sizeof path || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        char fp[128] = "";
        bool complete = version_dir_complete(path, fp, sizeof fp);
        if (!complete)
            md_log_debug("version directory %s is incomplete; not loading it yet", path);
        size_t k;
        for (k = 0; k < n && c[k].number != num; k++)
            ;
        if (k < n) { /* 0123 and 123: keep one, TF Serving warns too */
            md_log_warn("%s: two directories name version %lld; using %s", base, (long long)num,
                        path);
            free(c[k].path);
        } else {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct candidate *nc = realloc(c, cap * sizeof *nc);
                if (!nc)
                    break;
                c = nc;
            }
            k = n++;
        }
        c[k].number = num;
        c[k].complete = complete;
        c[k].path = strdup(path);
        snprintf(c[k].fingerprint, sizeof c[k].fingerprint, "%s", fp);
        if (!c[k].path)
            n--;
    }
    closedir(d);
    *out = c;
    *n_out = n;
    return true;
}

static int cmp_candidate_desc(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    return (x->number < y->number) - (x->number > y->number);
}

/* ----------------------------------------------------------- a pass */

/* TensorFlow loads a SavedModel without variables/ and only fails at the
 * first request ("uninitialized value"), which is what a half-copied
 * version looks like when saved_model.pb arrives first. Refuse it instead. */
static bool variables_present(const struct md_model *model)
{
    const struct md_savedmodel *sm = md_model_savedmodel(model);
    if (!sm || sm->vars || !sm->meta || !sm->meta->graph_def)
        return true;
    const Tensorflow__GraphDef *g = sm->meta->graph_def;
    for (size_t i = 0; i < g->n_node; i++) {
        const char *op = g->node[i]->op ? g->node[i]->op : "";
        if (!strcmp(op, "VariableV2") || !strcmp(op, "Variable") || !strcmp(op, "VarHandleOp"))
            return false;
    }
    return true;
}

/* Publishes or records the result of loading v. */
static void load_version(struct md_manager *m, struct model *mo, struct version *v,
                         const char *fingerprint)
{
    pthread_mutex_lock(&m->lock);
    v->state = MD_VS_LOADING;
    v->code = MD_OK;
    v->message[0] = '\0';
    snprintf(v->fingerprint, sizeof v->fingerprint, "%s", fingerprint);
    char *name = strdup(mo->cfg.name);
    char *path = strdup(v->path);
    pthread_mutex_unlock(&m->lock);
    if (!name || !path) {
        free(name);
        free(path);
        return;
    }
    md_log_info("servable {name: %s version: %lld} state LOADING from %s", name,
                (long long)v->number, path);

    struct md_status st = MD_STATUS_INIT;
    struct md_model_options mo_opts = MD_MODEL_OPTIONS_INIT;
    mo_opts.tags = m->opt.tags;
    mo_opts.intra_op_threads = m->opt.intra_op_threads;
    int64_t t0 = now_us();
    struct md_model *model = md_model_load(path, &mo_opts, &st);
    if (model && !variables_present(model)) {
        md_model_unref(model);
        model = NULL;
        md_status_set(&st, MD_FAILED_PRECONDITION,
                      "the graph has variables but %s has no variables/ directory (still being "
                      "copied?); retried when its files change",
                      path);
    }
    struct md_servable *sv = NULL;
    if (model) {
        sv = calloc(1, sizeof *sv);
        if (!sv || !(sv->name = strdup(name))) {
            free(sv);
            sv = NULL;
            md_model_unref(model);
            model = NULL;
            md_status_set(&st, MD_RESOURCE_EXHAUSTED, "out of memory");
        } else {
            sv->model = model;
            sv->version = v->number;
            sv->mgr = m;
        }
    } else if (st.code == MD_OK) {
        md_status_set(&st, MD_INTERNAL, "load failed without an error message");
    }
    int64_t us = now_us() - t0;
    md_metrics_load(name, v->number, path, model != NULL, (uint64_t)us);
    /* Warmup runs on the unpublished servable: no request can reach it, and
     * a failing warmup request fails the load, as in TF Serving. */
    int n_warm = 0;
    int64_t warm_us = now_us();
    bool warm_ok = !model || !m->opt.enable_warmup ||
                   md_warmup_run(sv, path, m->opt.warmup_iterations, &n_warm, &st);
    warm_us = now_us() - warm_us;
    if (!warm_ok) {
        free(sv->name);
        free(sv);
        sv = NULL;
        md_model_unref(model);
        model = NULL;
        us = now_us() - t0;
    }

    pthread_mutex_lock(&m->lock);
    if (model) {
        atomic_init(&sv->refs, 1);
        sv->ver = v;
        atomic_fetch_add(&m->live, 1);
        v->sv = sv;
        v->state = MD_VS_AVAILABLE;
        v->failures = 0;
    } else {
        v->state = MD_VS_END;
        v->code = st.code;
        snprintf(v->message, sizeof v->message, "%s", st.msg);
        v->failures++;
        v->retry_at_us = now_us() + m->opt.retry_interval_us;
    }
    pthread_mutex_unlock(&m->lock);
    if (model && n_warm)
        md_log_info("servable {name: %s version: %lld} state AVAILABLE (loaded in %.1f ms, "
                    "%.1f MiB, %d warmup records replayed in %.1f ms)",
                    name, (long long)v->number, (double)us / 1000.0,
                    (double)md_model_memory_bytes(model) / 1048576.0, n_warm,
                    (double)warm_us / 1000.0);
    else if (model)
        md_log_info("servable {name: %s version: %lld} state AVAILABLE (loaded in %.1f ms, "
                    "%.1f MiB)",
                    name, (long long)v->number, (double)us / 1000.0,
                    (double)md_model_memory_bytes(model) / 1048576.0);
    else
        md_log_error("servable {name: %s version: %lld} state END: load failed after %.1f ms: "
                     "%s: %s",
                     name, (long long)v->number, (double)us / 1000.0, md_code_name(st.code),
                     st.msg);
    free(name);
    free(path);
}

/* Marks v UNLOADING and drops the registry's reference. Under lock;
 * returns the servable whose reference the caller must release after
 * unlocking. */
static struct md_servable *retire_locked(struct model *mo, struct version *v, const char *why)
{
    if (v->state != MD_VS_AVAILABLE || !v->sv)
        return NULL;
    v->state = MD_VS_UNLOADING;
    md_log_info("servable {name: %s version: %lld} state UNLOADING (%s)", mo->cfg.name,
                (long long)v->number, why);
    return v->sv;
}

static bool version_listed(const struct md_model_config *c, int64_t number)
{
    for (size_t i = 0; i < c->n_versions; i++)
        if (c->versions[i] == number)
            return true;
    return false;
}

static void poll_model(struct md_manager *m, struct model *mo)
{
    struct md_servable *drop[64];
    size_t n_drop = 0;

    if (mo->removed) {
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < mo->n_versions && n_drop < 64; i++) {
            struct md_servable *s = retire_locked(
                mo, mo->versions[i], m->shutting_down ? "server shutting down" : "model removed");
            if (s)
                drop[n_drop++] = s;
        }
        pthread_mutex_unlock(&m->lock);
        for (size_t i = 0; i < n_drop; i++)
            md_servable_release(drop[i]);
        return;
    }

    struct candidate *c;
    size_t n;
    if (!scan_base(mo->cfg.base_path, &c, &n)) {
        if (!mo->path_warned)
            md_log_warn("model '%s': cannot read base path %s: %s; keeping current versions",
                        mo->cfg.name, mo->cfg.base_path, strerror(errno));
        mo->path_warned = true;
        return;
    }
    if (n == 0 && !mo->path_warned) {
        md_log_warn("model '%s': no versions found under %s; still polling", mo->cfg.name,
                    mo->cfg.base_path);
        mo->path_warned = true;
    } else if (n) {
        mo->path_warned = false;
    }
    if (n) /* c may be NULL when the directory is empty (UBSan) */
        qsort(c, n, sizeof *c, cmp_candidate_desc);

    /* Which candidates may be (re)tried: failed versions wait for their
     * retry time or for their files to change. */
    int64_t now = now_us();
    bool *usable = calloc(n ? n : 1, sizeof *usable);
    bool *aspired = calloc(n ? n : 1, sizeof *aspired);
    if (!usable || !aspired) {
        free(usable);
        free(aspired);
        goto out;
    }
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < n; i++) {
        struct version *v = find_version(mo, c[i].number);
        usable[i] = true;
        if (!c[i].complete)
            usable[i] = v && v->state == MD_VS_AVAILABLE;
        else if (v && v->state == MD_VS_END && v->code != MD_OK && !v->sv) {
            bool changed = strcmp(v->fingerprint, c[i].fingerprint) != 0;
            if (changed)
                v->failures = 0;
            else if (v->failures > m->opt.max_load_retries || now < v->retry_at_us)
                usable[i] = false;
        }
    }
    pthread_mutex_unlock(&m->lock);

    uint32_t want = mo->cfg.num_latest ? mo->cfg.num_latest : 1;
    for (size_t i = 0; i < n; i++) {
        if (!usable[i])
            continue;
        switch (mo->cfg.policy) {
        case MD_POLICY_LATEST:
            if (want) {
                aspired[i] = true;
                want--;
            }
            break;
        case MD_POLICY_ALL:
            aspired[i] = true;
            break;
        case MD_POLICY_SPECIFIC:
            aspired[i] = version_listed(&mo->cfg, c[i].number);
            break;
        }
    }

    /* Load, newest first. New entries show START until their turn. */
    struct version *todo[256];
    const char *todo_fp[256];
    size_t n_todo = 0;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < n && n_todo < 256; i++) {
        if (!aspired[i])
            continue;
        struct version *v = find_version(mo, c[i].number);
        if (v && (v->state == MD_VS_AVAILABLE || v->state == MD_VS_LOADING))
            continue;
        if (v && v->sv) /* still UNLOADING: wait for it to finish */
            continue;
        if (!v) {
            v = add_version(mo, c[i].number, c[i].path);
            if (!v)
                continue;
        } else {
            v->state = MD_VS_START;
            char *np = strdup(c[i].path);
            if (np) {
                free(v->path);
                v->path = np;
            }
        }
        todo[n_todo] = v;
        todo_fp[n_todo++] = c[i].fingerprint;
    }
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < n_todo; i++)
        load_version(m, mo, todo[i], todo_fp[i]);

    /* Retire what is no longer aspired, once something aspired serves. */
    pthread_mutex_lock(&m->lock);
    bool aspired_available = false;
    for (size_t i = 0; i < n; i++) {
        struct version *v = aspired[i] ? find_version(mo, c[i].number) : NULL;
        if (v && v->state == MD_VS_AVAILABLE)
            aspired_available = true;
    }
    for (size_t k = 0; k < mo->n_versions && n_drop < 64; k++) {
        struct version *v = mo->versions[k];
        if (v->state != MD_VS_AVAILABLE)
            continue;
        size_t i;
        for (i = 0; i < n && c[i].number != v->number; i++)
            ;
        struct md_servable *s = NULL;
        if (i == n)
            s = retire_locked(mo, v, "version directory removed");
        else if (!aspired[i] && aspired_available)
            s = retire_locked(mo, v, "replaced by a newer version");
        if (s)
            drop[n_drop++] = s;
    }
    trim_history(mo);
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < n_drop; i++)
        md_servable_release(drop[i]);
out:
    free(usable);
    free(aspired);
    for (size_t i = 0; i < n; i++)
        free(c[i].path);
    free(c);
}

void md_manager_poll(struct md_manager *m)
{
    pthread_mutex_lock(&m->poll_lock);
    apply_pending(m);
    /* Model structs are never freed while the manager lives, and only poll
     * passes change the list, so the snapshot stays valid. */
    pthread_mutex_lock(&m->lock);
    size_t n = m->n_models;
    struct model **snap = malloc((n ? n : 1) * sizeof *snap);
    if (snap)
        memcpy(snap, m->models, n * sizeof *snap);
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; snap && i < n; i++)
        poll_model(m, snap[i]);
    free(snap);
    pthread_mutex_unlock(&m->poll_lock);
}

static void reload_config_file(struct md_manager *m)
{
    if (!m->config_file)
        return;
    struct md_server_config cfg;
    struct md_status st = MD_STATUS_INIT;
    if (!md_server_config_load(m->config_file, &cfg, &st)) {
        md_log_error("config reload from %s failed; keeping the current config: %s",
                     m->config_file, st.msg);
        return;
    }
    struct md_status st2 = MD_STATUS_INIT;
    if (!md_manager_set_config(m, &cfg, &st2))
        md_log_error("config reload: %s", st2.msg);
    md_server_config_cleanup(&cfg);
}

static void add_seconds(struct timespec *ts, double s)
{
    int64_t ns = ts->tv_nsec + (int64_t)(s * 1e9);
    ts->tv_sec += (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

static void *manager_main(void *arg)
{
    struct md_manager *m = arg;
    double fs = m->opt.fs_poll_seconds, cf = m->config_file ? m->opt.config_poll_seconds : 0;
    int64_t next_fs = fs > 0 ? now_us() + (int64_t)(fs * 1e6) : INT64_MAX;
    int64_t next_cf = cf > 0 ? now_us() + (int64_t)(cf * 1e6) : INT64_MAX;
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        int64_t next = next_fs < next_cf ? next_fs : next_cf;
        int64_t now = now_us();
        if (!m->reload && !m->has_pending && now < next) {
            if (next == INT64_MAX) {
                pthread_cond_wait(&m->cond, &m->lock);
            } else {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                add_seconds(&ts, (double)(next - now) / 1e6);
                pthread_cond_timedwait(&m->cond, &m->lock, &ts);
            }
            continue;
        }
        bool reload = m->reload || now >= next_cf;
        m->reload = false;
        pthread_mutex_unlock(&m->lock);
        if (reload) {
            reload_config_file(m);
            if (cf > 0)
                next_cf = now_us() + (int64_t)(cf * 1e6);
        }
        md_manager_poll(m);
        if (fs > 0)
            next_fs = now_us() + (int64_t)(fs * 1e6);
        pthread_mutex_lock(&m->lock);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

bool md_manager_start(struct md_manager *m, struct md_status *st)
{
    if (m->running)
        return true;
    if (pthread_create(&m->thread, NULL, manager_main, m) != 0)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "cannot start the manager thread");
    m->running = true;
    return true;
}

void md_manager_request_reload(struct md_manager *m)
{
    pthread_mutex_lock(&m->lock);
    m->reload = true;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

void md_manager_free(struct md_manager *m)
{
    if (!m)
        return;
    if (m->running) {
        pthread_mutex_lock(&m->lock);
        m->stop = true;
        pthread_cond_signal(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
    }
    /* Retire everything; servables still held by requests are freed by
     * the reaper when those finish. */
    pthread_mutex_lock(&m->poll_lock);
    m->shutting_down = true;
    for (size_t i = 0; i < m->n_models; i++)
        m->models[i]->removed = true;
    for (size_t i = 0; i < m->n_models; i++)
        poll_model(m, m->models[i]);
    pthread_mutex_unlock(&m->poll_lock);
    for (int waited = 0; atomic_load(&m->live) > 0 && waited < 60000; waited++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&m->live) > 0)
        md_log_warn("%ld servables still referenced at shutdown", (long)atomic_load(&m->live));
    pthread_mutex_lock(&m->rlock);
    m->reaper_stop = true;
    pthread_cond_signal(&m->rcond);
    pthread_mutex_unlock(&m->rlock);
    pthread_join(m->reaper, NULL);
    for (size_t i = 0; i < m->n_models; i++) {
        struct model *mo = m->models[i];
        for (size_t k = 0; k < mo->n_versions; k++)
            version_free(mo->versions[k]);
        free(mo->versions);
        md_model_config_cleanup(&mo->cfg);
        free(mo);
    }
    free(m->models);
    if (m->has_pending)
        md_server_config_cleanup(&m->pending);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->poll_lock);
    pthread_mutex_destroy(&m->rlock);
    pthread_cond_destroy(&m->cond);
    pthread_cond_destroy(&m->rcond);
    free(m->tags);
    free(m->config_file);
    free(m);
}

/* ------------------------------------------------------ lookups */

static bool resolve_label(const struct model *mo, const char *label, int64_t *version,
                          struct md_status *st)
{
    for (size_t i = 0; i < mo->cfg.n_labels; i++)
        if (!strcmp(mo->cfg.labels[i].label, label)) {
            *version = mo->cfg.labels[i].version;
            return true;
        }
    char esc[256];
    return md_status_set(st, MD_INVALID_ARGUMENT, "Unrecognized servable version label: %s",
                         md_escape(esc, sizeof esc, label, strlen(label)));
}

struct md_servable *md_manager_acquire(struct md_manager *m, const struct md_model_spec *spec,
                                       struct md_status *st)
{
    char esc[256];
    const char *name = spec->name ? spec->name : "";
    struct md_servable *sv = NULL;
    bool pinned = spec->has_version;
    int64_t want = spec->version;
    pthread_mutex_lock(&m->lock);
    struct model *mo = find_model(m, name);
    if (mo && mo->removed)
        mo = NULL;
    if (mo && spec->label && spec->label[0]) {
        if (!resolve_label(mo, spec->label, &want, st)) {
            pthread_mutex_unlock(&m->lock);
            return NULL;
        }
        pinned = true;
    }
    if (mo) {
        for (size_t i = 0; i < mo->n_versions; i++) {
            struct version *v = mo->versions[i];
            if (v->state != MD_VS_AVAILABLE || (pinned && v->number != want))
                continue;
            sv = v->sv;
            atomic_fetch_add_explicit(&sv->refs, 1, memory_order_relaxed);
            break; /* newest first: the first AVAILABLE one is the latest */
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (!sv) {
        md_escape(esc, sizeof esc, name, strlen(name));
        if (pinned)
            md_status_set(st, MD_NOT_FOUND, "Servable not found for request: Specific(%s, %lld)",
                          esc, (long long)want);
        else
            md_status_set(st, MD_NOT_FOUND, "Servable not found for request: Latest(%s)", esc);
    }
    return sv;
}

bool md_manager_model_status(struct md_manager *m, const struct md_model_spec *spec,
                             struct md_version_status **out, size_t *n_out, struct md_status *st)
{
    char esc[256];
    const char *name = spec->name ? spec->name : "";
    md_escape(esc, sizeof esc, name, strlen(name));
    *out = NULL;
    *n_out = 0;
    pthread_mutex_lock(&m->lock);
    struct model *mo = find_model(m, name);
    bool pinned = spec->has_version;
    int64_t want = spec->version;
    if (mo && spec->label && spec->label[0]) {
        if (!resolve_label(mo, spec->label, &want, st)) {
            pthread_mutex_unlock(&m->lock);
            return false;
        }
        pinned = true;
    }
    size_t cnt = 0;
    if (mo)
        for (size_t i = 0; i < mo->n_versions; i++)
            if (!pinned || mo->versions[i]->number == want)
                cnt++;
    if (!cnt) {
        pthread_mutex_unlock(&m->lock);
        if (pinned)
            return md_status_set(st, MD_NOT_FOUND, "Could not find version %lld of model %s",
                                 (long long)want, esc);
        return md_status_set(st, MD_NOT_FOUND, "Could not find any versions of model %s", esc);
    }
    struct md_version_status *vs = calloc(cnt, sizeof *vs);
    if (!vs) {
        pthread_mutex_unlock(&m->lock);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < mo->n_versions; i++) {
        const struct version *v = mo->versions[i];
        if (pinned && v->number != want)
            continue;
        vs[k].version = v->number;
        vs[k].state = v->state;
        vs[k].code = v->code;
        snprintf(vs[k].message, sizeof vs[k].message, "%s", v->message);
        k++;
    }
    pthread_mutex_unlock(&m->lock);
    *out = vs;
    *n_out = cnt;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t md_manager_model_names(struct md_manager *m, char ***names)
{
    *names = NULL;
    pthread_mutex_lock(&m->lock);
    size_t n = 0;
    char **out = calloc(m->n_models ? m->n_models : 1, sizeof *out);
    for (size_t i = 0; out && i < m->n_models; i++) {
        if (m->models[i]->removed)
            continue;
        if ((out[n] = strdup(m->models[i]->cfg.name)))
            n++;
    }
    pthread_mutex_unlock(&m->lock);
    if (out)
        qsort(out, n, sizeof *out, cmp_str);
    *names = out;
    return n;
}

/* KServe v2 readiness hook (server/v2.c). */
void md_manager_set_draining(struct md_manager *m) { atomic_store(&m->draining, true); }
bool md_manager_draining(struct md_manager *m) { return atomic_load(&m->draining); }

void md_manager_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}
