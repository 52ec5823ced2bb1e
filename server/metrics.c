/* metrics.c: Prometheus counters and histograms for the REST/gRPC front ends
 * and the model manager, under TF Serving's metric names where they exist
 * (its exporter turns "/tensorflow/serving/request_count" into
 * ":tensorflow:serving:request_count").
 *
 * A registry (allowed global state): series are found by label text in a
 * hash table under a rwlock and updated with atomics while the read lock is
 * held, so that md_metrics_forget_version can free the series of a version
 * that ended (under the write lock). The number of series is capped so that
 * requests for made-up model names cannot grow it without bound, and the
 * series keyed by version or version path go with their version: 50 reloads
 * would otherwise leave 100+ dead series (and heap fragments) behind. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_impl.h"

#define N_BOUNDS 33    /* TF Serving: Buckets::Exponential(10, 1.8, 33), microseconds */
#define MAX_SERIES 4096
#define TABLE_SIZE 1024

enum family_id {
    F_REQUEST_COUNT,
    F_REQUEST_LATENCY,
    F_MD_REQUEST_LATENCY,
    F_LOAD_ATTEMPT,
    F_LOAD_LATENCY,
    F_MD_LOAD_COUNT,
    F_MD_LOAD_LATENCY,
    F_MD_UNLOAD_COUNT,
    F_MD_UNLOAD_LATENCY,
    F_WARMUP_LATENCY,
    F_COUNT
};

struct family {
    const char *name, *help;
    bool histogram;
};

static const struct family families[F_COUNT] = {
    [F_REQUEST_COUNT] = {":tensorflow:serving:request_count", "The total number of requests.",
                         false},
    [F_REQUEST_LATENCY] = {":tensorflow:serving:request_latency",
                           "Distribution of wall time (in microseconds) for Tensorflow Serving "
                           "request.",
                           true},
    [F_MD_REQUEST_LATENCY] = {":modeld:request_latency",
                              "Request wall time in microseconds per model, version, signature "
                              "and API.",
                              true},
    [F_LOAD_ATTEMPT] = {":tensorflow:cc:saved_model:load_attempt_count",
                        "The number of times a SavedModel was successfully loaded.", false},
    [F_LOAD_LATENCY] = {":tensorflow:cc:saved_model:load_latency",
                        "Latency in microseconds for SavedModels that were successfully loaded.",
                        false},
    [F_MD_LOAD_COUNT] = {":modeld:servable_load_count",
                         "Version loads per model and outcome.", false},
    [F_MD_LOAD_LATENCY] = {":modeld:servable_load_latency",
                           "Version load wall time in microseconds.", true},
    [F_MD_UNLOAD_COUNT] = {":modeld:servable_unload_count", "Version unloads per model.", false},
    [F_MD_UNLOAD_LATENCY] = {":modeld:servable_unload_latency",
                             "Version unload (free) wall time in microseconds.", true},
    [F_WARMUP_LATENCY] = {":tensorflow:serving:model_warmup_latency",
                          "Distribution of wall time (in microseconds) for warming up the model.",
                          true},
};

struct series {
    int family;
    uint64_t hash;
    char *labels;
    struct series *next;
    _Atomic uint64_t value; /* counters */
    _Atomic uint64_t buckets[N_BOUNDS + 1];
    _Atomic uint64_t sum, count;
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct series *table[TABLE_SIZE];
static size_t n_series;
static double bounds[N_BOUNDS];
static pthread_once_t bounds_once = PTHREAD_ONCE_INIT;

static void init_bounds(void)
{
    double b = 10;
    for (int i = 0; i < N_BOUNDS; i++, b *= 1.8)
        bounds[i] = b;
}

/* Appends name="value" with Prometheus escaping. */
static size_t put_label(char *buf, size_t cap, size_t o, const char *name, const char *v)
{
    int n = snprintf(buf + o, o < cap ? cap - o : 0, "%s%s=\"", o ? "," : "", name);
    if (n < 0)
        return o;
    o += (size_t)n;
    for (; *v && o + 3 < cap; v++) {
        if (*v == '\\' || *v == '"') {
            buf[o++] = '\\';
            buf[o++] = *v;
        } else if (*v == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *v;
        }
    }
    if (o + 1 < cap)
        buf[o++] = '"';
    if (o < cap)
        buf[o] = '\0';
    return o;
}

static uint64_t fnv(int family, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)family;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct series *find_locked(int family, uint64_t h, const char *labels)
{
    struct series *s = table[h % TABLE_SIZE];
    while (s && !(s->hash == h && s->family == family && !strcmp(s->labels, labels)))
        s = s->next;
    return s;
}

static void add_to(struct series *s, bool histogram, uint64_t v)
{
    if (!histogram) {
        atomic_fetch_add_explicit(&s->value, v, memory_order_relaxed);
        return;
    }
    int lo = 0, hi = N_BOUNDS; /* first bound >= v, or N_BOUNDS (+Inf) */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (bounds[mid] >= (double)v)
            hi = mid;
        else
            lo = mid + 1;
    }
    atomic_fetch_add_explicit(&s->buckets[lo], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum, v, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

/* Adds v to the series (a counter) or observes it (a histogram), creating
 * the series on first use. The update runs under the lock so that a series
 * is never freed under it. */
static void update(int family, const char *labels, uint64_t v)
{
    pthread_once(&bounds_once, init_bounds);
    bool histogram = families[family].histogram;
    uint64_t h = fnv(family, labels);
    pthread_rwlock_rdlock(&lock);
    struct series *s = find_locked(family, h, labels);
    if (s)
        add_to(s, histogram, v);
    pthread_rwlock_unlock(&lock);
    if (s)
        return;
    pthread_rwlock_wrlock(&lock);
    s = find_locked(family, h, labels);
    if (!s && n_series < MAX_SERIES && (s = calloc(1, sizeof *s))) {
        s->labels = strdup(labels);
        if (!s->labels) {
            free(s);
            s = NULL;
        } else {
            size_t slot = h % TABLE_SIZE;
            s->family = family;
            s->hash = h;
            s->next = table[slot];
            table[slot] = s;
            n_series++;
        }
    }
    if (s)
        add_to(s, histogram, v);
    pthread_rwlock_unlock(&lock);
}

static void count(int family, const char *labels, uint64_t by) { update(family, labels, by); }
static void observe(int family, const char *labels, uint64_t us) { update(family, labels, us); }

/* Frees the series of family whose label text is `prefix` or starts with
 * `prefix` followed by ','. Under the write lock. */
static void forget_locked(int family, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        struct series **pp = &table[i];
        while (*pp) {
            struct series *s = *pp;
            if (s->family == family && !strncmp(s->labels, prefix, pl) &&
                (s->labels[pl] == '\0' || s->labels[pl] == ',')) {
                *pp = s->next;
                free(s->labels);
                free(s);
                n_series--;
            } else {
                pp = &s->next;
            }
        }
    }
}

void md_metrics_forget_version(const char *model, int64_t version, const char *path)
{
    char l[4352], v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    pthread_rwlock_wrlock(&lock);
    if (model) {
        size_t o = put_label(l, sizeof l, 0, "model_name", model);
        put_label(l, sizeof l, o, "version", v);
        forget_locked(F_MD_REQUEST_LATENCY, l);
    }
    if (path) {
        put_label(l, sizeof l, 0, "model_path", path);
        forget_locked(F_LOAD_ATTEMPT, l);
        forget_locked(F_LOAD_LATENCY, l);
        forget_locked(F_WARMUP_LATENCY, l);
    }
    pthread_rwlock_unlock(&lock);
}

void md_metrics_warmup(const char *path, enum md_code code, uint64_t latency_us)
{
    char l[4352];
    size_t o = put_label(l, sizeof l, 0, "model_path", path);
    put_label(l, sizeof l, o, "status", md_code_name(code));
    observe(F_WARMUP_LATENCY, l, latency_us);
}

void md_metrics_request(const char *model, int64_t version, const char *signature,
                        const char *api, const char *entrypoint, enum md_code code,
                        uint64_t latency_us)
{
    char l[768], v[32];
    size_t o = put_label(l, sizeof l, 0, "model_name", model ? model : "");
    put_label(l, sizeof l, o, "status", md_code_name(code));
    count(F_REQUEST_COUNT, l, 1);
    o = put_label(l, sizeof l, 0, "model_name", model ? model : "");
    o = put_label(l, sizeof l, o, "API", api);
    put_label(l, sizeof l, o, "entrypoint", entrypoint);
    observe(F_REQUEST_LATENCY, l, latency_us);
    snprintf(v, sizeof v, "%lld", (long long)version);
    o = put_label(l, sizeof l, 0, "model_name", model ? model : "");
    o = put_label(l, sizeof l, o, "version", version >= 0 ? v : "");
    o = put_label(l, sizeof l, o, "signature_name", signature ? signature : "");
    o = put_label(l, sizeof l, o, "API", api);
    put_label(l, sizeof l, o, "entrypoint", entrypoint);
    observe(F_MD_REQUEST_LATENCY, l, latency_us);
}

void md_metrics_load(const char *model, int64_t version, const char *path, bool ok,
                     uint64_t latency_us)
{
    (void)version;
    char l[4352];
    size_t o = put_label(l, sizeof l, 0, "model_path", path);
    put_label(l, sizeof l, o, "status", ok ? "success" : "fail");
    count(F_LOAD_ATTEMPT, l, 1);
    if (ok) {
        put_label(l, sizeof l, 0, "model_path", path);
        count(F_LOAD_LATENCY, l, latency_us);
    }
    o = put_label(l, sizeof l, 0, "model_name", model);
    put_label(l, sizeof l, o, "status", ok ? "success" : "fail");
    count(F_MD_LOAD_COUNT, l, 1);
    put_label(l, sizeof l, 0, "model_name", model);
    observe(F_MD_LOAD_LATENCY, l, latency_us);
}

void md_metrics_unload(const char *model, int64_t version, uint64_t latency_us)
{
    (void)version;
    char l[512];
    put_label(l, sizeof l, 0, "model_name", model);
    count(F_MD_UNLOAD_COUNT, l, 1);
    observe(F_MD_UNLOAD_LATENCY, l, latency_us);
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;
    if (x->family != y->family)
        return x->family - y->family;
    return strcmp(x->labels, y->labels);
}

char *md_metrics_render(size_t *len)
{
    pthread_once(&bounds_once, init_bounds);
    struct md_sbuf b = MD_SBUF_INIT;
    /* The read lock is held throughout: md_metrics_forget_version frees
     * series under the write lock. */
    pthread_rwlock_rdlock(&lock);
    struct series **all = malloc((n_series ? n_series : 1) * sizeof *all);
    size_t n = 0;
    for (size_t i = 0; all && i < TABLE_SIZE; i++)
        for (struct series *s = table[i]; s; s = s->next)
            all[n++] = s;
    if (!all) {
        pthread_rwlock_unlock(&lock);
        return NULL;
    }
    qsort(all, n, sizeof *all, cmp_series);
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        const struct series *s = all[i];
        const struct family *f = &families[s->family];
        if (s->family != last) {
            md_sbuf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                           f->histogram ? "histogram" : "counter");
            last = s->family;
        }
        if (!f->histogram) {
            md_sbuf_printf(&b, "%s{%s} %llu\n", f->name, s->labels,
                           (unsigned long long)atomic_load(&s->value));
            continue;
        }
        uint64_t cum = 0;
        for (int k = 0; k <= N_BOUNDS; k++) {
            cum += atomic_load(&s->buckets[k]);
            if (k < N_BOUNDS)
                md_sbuf_printf(&b, "%s_bucket{%s,le=\"%.6g\"} %llu\n", f->name, s->labels,
                               bounds[k], (unsigned long long)cum);
            else
                md_sbuf_printf(&b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", f->name, s->labels,
                               (unsigned long long)cum);
        }
        md_sbuf_printf(&b, "%s_sum{%s} %llu\n%s_count{%s} %llu\n", f->name, s->labels,
                       (unsigned long long)atomic_load(&s->sum), f->name, s->labels,
                       (unsigned long long)atomic_load(&s->count));
    }
    pthread_rwlock_unlock(&lock);
    free(all);
    if (b.oom) {
        md_sbuf_free(&b);
        return NULL;
    }
    if (!b.data)
        md_sbuf_puts(&b, "");
    *len = b.len;
    return b.data;
}
