/* input.c: input_fn's. Datasets are read whole into memory (Fashion-MNIST
 * is 47 MB of pixels), then an md_train_input serves shuffled batches from a
 * prefetch thread: while the trainer runs step N, the thread assembles
 * batch N+1 into the other of two buffers (tf.data's prefetch(1)). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "example.pb-c.h"
#include "loader/loader.h"
#include "tools/train/train.h"

/* Caps on what a data file controls. */
#define MAX_EXAMPLES (1 << 24)
#define MAX_FEATURES (1 << 16)

void md_train_data_free(struct md_train_data *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    free(d);
}

/* Reads a whole file through zlib (which passes plain files through). */
static uint8_t *read_gz(const char *path, size_t *len, struct md_status *st)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        md_status_set(st, MD_NOT_FOUND, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > ((size_t)1 << 31)) {
                md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is larger than 2 GiB", path);
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        int k = gzread(f, buf + n, (unsigned)(cap - n));
        if (k < 0) {
            int e;
            md_status_set(st, MD_DATA_LOSS, "'%s' is corrupt: %s", path, gzerror(f, &e));
            break;
        }
        if (k == 0) {
            gzclose(f);
            *len = n;
            return buf;
        }
        n += (size_t)k;
    }
    if (st->code == MD_OK)
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory reading '%s'", path);
    free(buf);
    gzclose(f);
    return NULL;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct md_train_data *md_train_load_idx(const char *images, const char *labels,
                                        struct md_status *st)
{
    size_t il = 0, ll = 0;
    uint8_t *ib = read_gz(images, &il, st), *lb = NULL;
    struct md_train_data *d = NULL;
    if (!ib || !(lb = read_gz(labels, &ll, st)))
        goto out;
    /* IDX: magic 0x00000803 (ubyte, 3 dims) + dims; labels 0x00000801. */
    if (il < 16 || be32(ib) != 0x803) {
        md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is not an IDX image file (ubyte, 3 dims)",
                      images);
        goto out;
    }
    if (ll < 8 || be32(lb) != 0x801) {
        md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is not an IDX label file (ubyte, 1 dim)",
                      labels);
        goto out;
    }
    uint64_t n = be32(ib + 4), h = be32(ib + 8), w = be32(ib + 12);
    if (n > MAX_EXAMPLES || h * w == 0 || h * w > MAX_FEATURES || 16 + n * h * w != il) {
        md_status_set(st, MD_INVALID_ARGUMENT,
                      "'%s': header says %llu images of %llux%llu but the file has %zu bytes",
                      images, (unsigned long long)n, (unsigned long long)h,
                      (unsigned long long)w, il);
        goto out;
    }
    if (be32(lb + 4) != n || 8 + n != ll) {
        md_status_set(st, MD_INVALID_ARGUMENT, "'%s': %u labels for %llu images", labels,
                      be32(lb + 4), (unsigned long long)n);
        goto out;
    }
    d = calloc(1, sizeof *d);
    if (!d || !(d->x = malloc(n * h * w * sizeof(float) + 1)) ||
        !(d->y = malloc(n * sizeof(float) + 1))) {
        md_train_data_free(d);
        d = NULL;
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory loading '%s'", images);
        goto out;
    }
    d->n = (int64_t)n;
    d->n_features = (int)(h * w);
    d->n_classes = 10;
    for (uint64_t i = 0; i < n * h * w; i++)
        d->x[i] = (float)ib[16 + i] / 255.0f;
    for (uint64_t i = 0; i < n; i++) {
        if (lb[8 + i] >= 10) {
            md_status_set(st, MD_INVALID_ARGUMENT, "'%s': label %u of example %llu is out of "
                          "range [0, 10)", labels, lb[8 + i], (unsigned long long)i);
            md_train_data_free(d);
            d = NULL;
            goto out;
        }
        d->y[i] = lb[8 + i];
    }
out:
    free(ib);
    free(lb);
    return d;
}

static const Tensorflow__Feature *find_feature(const Tensorflow__Example *ex, const char *key)
{
    if (!ex->features)
        return NULL;
    for (size_t i = 0; i < ex->features->n_feature; i++)
        if (!strcmp(ex->features->feature[i]->key, key))
            return ex->features->feature[i]->value;
    return NULL;
}

struct md_train_data *md_train_load_tfrecord(const char *path, const char *x_key,
                                             const char *y_key, int n_features, int n_classes,
                                             struct md_status *st)
{
    struct md_tfrecord_reader *r = md_tfrecord_open(path, st);
    if (!r)
        return NULL;
    struct md_train_data *d = calloc(1, sizeof *d);
    int64_t cap = 0;
    const uint8_t *rec;
    size_t len;
    if (!d)
        goto oom;
    d->n_features = n_features;
    d->n_classes = n_classes;
    while (md_tfrecord_next(r, &rec, &len, st)) {
        if (d->n >= MAX_EXAMPLES) {
            md_status_set(st, MD_INVALID_ARGUMENT, "'%s': more than %d records", path,
                          MAX_EXAMPLES);
            goto fail;
        }
        if (d->n == cap) {
            cap = cap ? 2 * cap : 1024;
            float *nx = realloc(d->x, (size_t)cap * (size_t)n_features * sizeof *nx);
            if (nx)
                d->x = nx;
            float *ny = realloc(d->y, (size_t)cap * sizeof *ny);
            if (ny)
                d->y = ny;
            if (!nx || !ny)
                goto oom;
        }
        Tensorflow__Example *ex = tensorflow__example__unpack(NULL, len, rec);
        if (!ex) {
            md_status_set(st, MD_DATA_LOSS, "'%s': record %lld is not a tf.Example", path,
                          (long long)d->n);
            goto fail;
        }
        const Tensorflow__Feature *fx = find_feature(ex, x_key), *fy = find_feature(ex, y_key);
        bool ok = true;
        if (!fx || fx->kind_case != TENSORFLOW__FEATURE__KIND_FLOAT_LIST ||
            fx->float_list->n_value != (size_t)n_features)
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "'%s': record %lld: feature '%s' must be a float list of %d "
                               "values",
                               path, (long long)d->n, x_key, n_features);
        float label = 0.0f;
        if (ok && fy && fy->kind_case == TENSORFLOW__FEATURE__KIND_INT64_LIST &&
            fy->int64_list->n_value == 1) {
            int64_t v = fy->int64_list->value[0];
            if (n_classes > 0 && (v < 0 || v >= n_classes))
                ok = md_status_set(st, MD_INVALID_ARGUMENT,
                                   "'%s': record %lld: label %lld is out of range [0, %d)", path,
                                   (long long)d->n, (long long)v, n_classes);
            label = (float)v;
        } else if (ok && fy && fy->kind_case == TENSORFLOW__FEATURE__KIND_FLOAT_LIST &&
                   fy->float_list->n_value == 1 && n_classes == 0) {
            label = fy->float_list->value[0];
        } else if (ok) {
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "'%s': record %lld: feature '%s' must be one %s value", path,
                               (long long)d->n, y_key, n_classes ? "int64" : "float");
        }
        if (ok) {
            memcpy(d->x + d->n * n_features, fx->float_list->value,
                   (size_t)n_features * sizeof(float));
            d->y[d->n++] = label;
        }
        tensorflow__example__free_unpacked(ex, NULL);
        if (!ok)
            goto fail;
    }
    if (st->code != MD_OK)
        goto fail;
    md_tfrecord_close(r);
    if (d->n == 0) {
        md_status_set(st, MD_INVALID_ARGUMENT, "'%s' has no records", path);
        md_train_data_free(d);
        return NULL;
    }
    return d;
oom:
    md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory reading '%s'", path);
fail:
    md_tfrecord_close(r);
    md_train_data_free(d);
    return NULL;
}

bool md_train_write_tfrecord(const struct md_train_data *d, const char *path, const char *x_key,
                             const char *y_key, struct md_status *st)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return md_status_set(st, MD_INTERNAL, "cannot create '%s': %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t cap = 0;
    bool ok = true;
    for (int64_t i = 0; ok && i < d->n; i++) {
        Tensorflow__FloatList fl;
        tensorflow__float_list__init(&fl);
        fl.n_value = (size_t)d->n_features;
        fl.value = d->x + i * d->n_features;
        Tensorflow__Feature fx;
        tensorflow__feature__init(&fx);
        fx.kind_case = TENSORFLOW__FEATURE__KIND_FLOAT_LIST;
        fx.float_list = &fl;
        int64_t lab = (int64_t)d->y[i];
        Tensorflow__Int64List il;
        tensorflow__int64_list__init(&il);
        il.n_value = 1;
        il.value = &lab;
        Tensorflow__FloatList yl;
        tensorflow__float_list__init(&yl);
        yl.n_value = 1;
        yl.value = &d->y[i];
        Tensorflow__Feature fy;
        tensorflow__feature__init(&fy);
        if (d->n_classes) {
            fy.kind_case = TENSORFLOW__FEATURE__KIND_INT64_LIST;
            fy.int64_list = &il;
        } else {
            fy.kind_case = TENSORFLOW__FEATURE__KIND_FLOAT_LIST;
            fy.float_list = &yl;
        }
        Tensorflow__Features__FeatureEntry ex_, ey;
        tensorflow__features__feature_entry__init(&ex_);
        tensorflow__features__feature_entry__init(&ey);
        ex_.key = (char *)(uintptr_t)x_key;
        ex_.value = &fx;
        ey.key = (char *)(uintptr_t)y_key;
        ey.value = &fy;
        Tensorflow__Features__FeatureEntry *entries[2] = { &ey, &ex_ };
        Tensorflow__Features fs;
        tensorflow__features__init(&fs);
        fs.n_feature = 2;
        fs.feature = entries;
        Tensorflow__Example ex;
        tensorflow__example__init(&ex);
        ex.features = &fs;
        size_t n = tensorflow__example__get_packed_size(&ex);
        if (n > cap) {
            uint8_t *nb = realloc(buf, n);
            if (!nb) {
                ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
                break;
            }
            buf = nb;
            cap = n;
        }
        tensorflow__example__pack(&ex, buf);
        ok = md_tfrecord_write(fd, buf, n, st);
    }
    free(buf);
    if (close(fd) != 0 && ok)
        ok = md_status_set(st, MD_INTERNAL, "writing '%s': %s", path, strerror(errno));
    return ok;
}

/* splitmix64: seeds, shuffles and synthetic data. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static double rng_normal(uint64_t *s)
{
    double u = rng_uniform(s), v = rng_uniform(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

struct md_train_data *md_train_synthetic(const char *kind, int64_t n, uint64_t seed,
                                         struct md_status *st)
{
    bool binary = !strcmp(kind, "dnn");
    if (!binary && strcmp(kind, "linear"))
        return md_status_set(st, MD_INVALID_ARGUMENT, "no synthetic data for model '%s'", kind),
               NULL;
    int nf = binary ? 32 : 8;
    struct md_train_data *d = calloc(1, sizeof *d);
    if (!d || !(d->x = malloc((size_t)(n * nf) * sizeof(float) + 1)) ||
        !(d->y = malloc((size_t)n * sizeof(float) + 1))) {
        md_train_data_free(d);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    }
    d->n = n;
    d->n_features = nf;
    d->n_classes = binary ? 2 : 0;
    /* Fixed "true" model from a fixed seed; examples from the caller's. */
    uint64_t ws = 12345;
    float w[32];
    for (int j = 0; j < nf; j++)
        w[j] = (float)rng_normal(&ws) * (binary ? 0.5f : 1.0f);
    for (int64_t i = 0; i < n; i++) {
        float *x = d->x + i * nf;
        double t = 0.0;
        for (int j = 0; j < nf; j++) {
            x[j] = (float)rng_normal(&seed);
            t += (double)(w[j] * x[j]);
        }
        if (binary) {
            /* CVR-like: a rare positive class (~15%), nonlinear in x. */
            double logit = t + 0.8 * (double)(x[0] * x[1]) - 2.0;
            d->y[i] = rng_uniform(&seed) < 1.0 / (1.0 + exp(-logit)) ? 1.0f : 0.0f;
        } else {
            d->y[i] = (float)(t + 3.0 + 0.1 * rng_normal(&seed));
        }
    }
    return d;
}

/* ------------------------------------------------------------- batching */
struct md_train_input {
    const struct md_train_data *d;
    int batch;
    bool shuffle, repeat;
    uint64_t rng;
    int64_t *order;
    int64_t pos;
    bool done;              /* no more batches (non-repeating) */
    struct md_tensor x[2], y[2];
    bool full[2];           /* buffer ready for the consumer */
    int consumer;           /* buffer the consumer holds (-1: none) */
    int next_fill;
    pthread_t th;
    bool have_thread, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void shuffle_order(struct md_train_input *in)
{
    for (int64_t i = in->d->n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng_next(&in->rng) % (uint64_t)(i + 1));
        int64_t t = in->order[i];
        in->order[i] = in->order[j];
        in->order[j] = t;
    }
}

/* Fills buffer b; false when the data is exhausted. Called by the prefetch
 * thread only (it owns order/pos/rng). A final partial batch is kept, with
 * smaller dims, as tf.data's batch() does. */
static bool fill(struct md_train_input *in, int b)
{
    const struct md_train_data *d = in->d;
    int64_t k = 0;
    float *x = in->x[b].data, *y = in->y[b].data;
    while (k < in->batch) {
        if (in->pos == d->n) {
            if (!in->repeat)
                break;
            in->pos = 0;
            if (in->shuffle)
                shuffle_order(in);
        }
        int64_t e = in->order[in->pos++];
        memcpy(x + k * d->n_features, d->x + e * d->n_features,
               (size_t)d->n_features * sizeof *x);
        if (d->n_classes > 2)
            ((int64_t *)(void *)y)[k] = (int64_t)d->y[e];
        else
            y[k] = d->y[e];
        k++;
    }
    in->x[b].dims[0] = in->y[b].dims[0] = k;
    return k > 0;
}

static void *prefetch_main(void *arg)
{
    struct md_train_input *in = arg;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        int b = in->next_fill;
        while (!in->stop && (in->full[b] || in->consumer == b))
            pthread_cond_wait(&in->cv, &in->mu);
        if (in->stop)
            break;
        pthread_mutex_unlock(&in->mu);
        bool got = fill(in, b);
        pthread_mutex_lock(&in->mu);
        if (!got) {
            in->done = true;
            pthread_cond_broadcast(&in->cv);
            break;
        }
        in->full[b] = true;
        in->next_fill = 1 - b;
        pthread_cond_broadcast(&in->cv);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

struct md_train_input *md_train_input_new(const struct md_train_data *d, int batch, bool shuffle,
                                          bool repeat, uint64_t seed, struct md_status *st)
{
    if (batch < 1 || d->n < 1)
        return md_status_set(st, MD_INVALID_ARGUMENT, "batch size %d on %lld examples", batch,
                             (long long)d->n),
               NULL;
    struct md_train_input *in = calloc(1, sizeof *in);
    if (!in || !(in->order = malloc((size_t)d->n * sizeof *in->order))) {
        free(in);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    }
    in->d = d;
    in->batch = batch;
    in->shuffle = shuffle;
    in->repeat = repeat;
    in->rng = seed;
    in->consumer = -1;
    for (int64_t i = 0; i < d->n; i++)
        in->order[i] = i;
    if (shuffle)
        shuffle_order(in);
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv, NULL);
    for (int b = 0; b < 2; b++) {
        int64_t xd[2] = { batch, d->n_features }, yd[2] = { batch, 1 };
        bool ok = md_tensor_alloc(&in->x[b], MD_DT_FLOAT, 2, xd, 0, st);
        if (ok && d->n_classes > 2)
            ok = md_tensor_alloc(&in->y[b], MD_DT_INT64, 1, yd, 0, st);
        else if (ok)
            ok = md_tensor_alloc(&in->y[b], MD_DT_FLOAT, 2, yd, 0, st);
        if (!ok) {
            md_train_input_free(in);
            return NULL;
        }
    }
    if (pthread_create(&in->th, NULL, prefetch_main, in) != 0) {
        md_status_set(st, MD_INTERNAL, "cannot start the prefetch thread");
        md_train_input_free(in);
        return NULL;
    }
    in->have_thread = true;
    return in;
}

bool md_train_input_next(struct md_train_input *in, const struct md_tensor **x,
                         const struct md_tensor **y)
{
    pthread_mutex_lock(&in->mu);
    if (in->consumer >= 0) {
        in->full[in->consumer] = false;
        in->consumer = -1;
        pthread_cond_broadcast(&in->cv);
    }
    /* Batches come out in fill order: when both are full, the one the
     * thread would fill next is the older. */
    int b = -1;
    for (;;) {
        if (in->full[in->next_fill])
            b = in->next_fill;
        else if (in->full[1 - in->next_fill])
            b = 1 - in->next_fill;
        if (b >= 0 || in->done)
            break;
        pthread_cond_wait(&in->cv, &in->mu);
    }
    if (b < 0) {
        pthread_mutex_unlock(&in->mu);
        return false;
    }
    in->consumer = b;
    pthread_mutex_unlock(&in->mu);
    *x = &in->x[b];
    *y = &in->y[b];
    return true;
}

void md_train_input_free(struct md_train_input *in)
{
    if (!in)
        return;
    if (in->have_thread) {
        pthread_mutex_lock(&in->mu);
        in->stop = true;
        pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->th, NULL);
    }
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv);
    for (int b = 0; b < 2; b++) {
        md_tensor_cleanup(&in->x[b]);
        md_tensor_cleanup(&in->y[b]);
    }
    free(in->order);
    free(in);
}
