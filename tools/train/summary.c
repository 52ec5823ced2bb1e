/* summary.c: TensorBoard event files. A file is a TFRecord of Event protos
 * whose first record carries file_version "brain.Event:2"; each later record
 * is a Summary of scalars (simple_value) or histograms at a step. Records
 * are flushed as written so TensorBoard (and BestExporter after a restart)
 * sees them at once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "event.pb-c.h"
#include "loader/loader.h"
#include "tools/train/train.h"

struct md_train_events {
    int fd;
};

static double wall(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static bool write_event(struct md_train_events *e, const Tensorflow__Event *ev,
                        struct md_status *st)
{
    size_t n = tensorflow__event__get_packed_size(ev);
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing an event");
    tensorflow__event__pack(ev, buf);
    bool ok = md_tfrecord_write(e->fd, buf, n, st);
    free(buf);
    return ok;
}

struct md_train_events *md_train_events_open(const char *dir, struct md_status *st)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return md_status_set(st, MD_INTERNAL, "cannot create '%s': %s", dir, strerror(errno)),
               NULL;
    char host[256] = "localhost", path[4096];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    double t = wall();
    /* TF names files by the second; a second writer in the same second
     * gets a distinct name through the pid suffix TF also allows. */
    snprintf(path, sizeof path, "%s/events.out.tfevents.%010lld.%s", dir, (long long)t, host);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
        snprintf(path, sizeof path, "%s/events.out.tfevents.%010lld.%s.%ld", dir, (long long)t,
                 host, (long)getpid());
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0)
        return md_status_set(st, MD_INTERNAL, "cannot create '%s': %s", path, strerror(errno)),
               NULL;
    struct md_train_events *e = calloc(1, sizeof *e);
    if (!e) {
        close(fd);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    }
    e->fd = fd;
    Tensorflow__Event ev;
    tensorflow__event__init(&ev);
    ev.wall_time = t;
    ev.what_case = TENSORFLOW__EVENT__WHAT_FILE_VERSION;
    ev.file_version = (char *)(uintptr_t)"brain.Event:2";
    if (!write_event(e, &ev, st)) {
        md_train_events_close(e);
        return NULL;
    }
    return e;
}

bool md_train_events_scalars(struct md_train_events *e, int64_t step, size_t n,
                             const char *const *tags, const float *values, struct md_status *st)
{
    Tensorflow__Summary__Value *vals = calloc(n + 1, sizeof *vals);
    Tensorflow__Summary__Value **pv = calloc(n + 1, sizeof *pv);
    bool ok = vals && pv;
    if (!ok)
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; ok && i < n; i++) {
        tensorflow__summary__value__init(&vals[i]);
        vals[i].tag = (char *)(uintptr_t)tags[i];
        vals[i].value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
        vals[i].simple_value = values[i];
        pv[i] = &vals[i];
    }
    if (ok) {
        Tensorflow__Summary sum;
        tensorflow__summary__init(&sum);
        sum.n_value = n;
        sum.value = pv;
        Tensorflow__Event ev;
        tensorflow__event__init(&ev);
        ev.wall_time = wall();
        ev.step = step;
        ev.what_case = TENSORFLOW__EVENT__WHAT_SUMMARY;
        ev.summary = &sum;
        ok = write_event(e, &ev, st);
    }
    free(vals);
    free(pv);
    return ok;
}

/* TensorBoard's default bucket limits: +-1e-12 * 1.1^k up to 1e20. */
#define MAX_BUCKETS 1600

bool md_train_events_histogram(struct md_train_events *e, int64_t step, const char *tag,
                               const float *v, int64_t n, struct md_status *st)
{
    double *limits = malloc(MAX_BUCKETS * sizeof *limits);
    double *counts = calloc(MAX_BUCKETS, sizeof *counts);
    if (!limits || !counts) {
        free(limits);
        free(counts);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    double pos[800];
    int np = 0;
    for (double x = 1e-12; x < 1e20 && np < 800; x *= 1.1)
        pos[np++] = x;
    int nl = 0;
    for (int i = np - 1; i >= 0; i--)
        limits[nl++] = -pos[i];
    limits[nl++] = 0.0;
    for (int i = 0; i < np && nl < MAX_BUCKETS - 1; i++)
        limits[nl++] = pos[i];
    limits[nl++] = 1.7976931348623157e308;
    Tensorflow__HistogramProto h;
    tensorflow__histogram_proto__init(&h);
    h.min = n ? (double)v[0] : 0.0;
    h.max = h.min;
    for (int64_t i = 0; i < n; i++) {
        double x = (double)v[i];
        h.min = x < h.min ? x : h.min;
        h.max = x > h.max ? x : h.max;
        h.sum += x;
        h.sum_squares += x * x;
        int lo = 0, hi = nl - 1; /* first limit >= x */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (limits[mid] >= x)
                hi = mid;
            else
                lo = mid + 1;
        }
        counts[lo] += 1.0;
    }
    h.num = (double)n;
    /* Drop empty buckets at both ends as TensorBoard's writer does. */
    int first = 0, last = nl - 1;
    while (first < last && counts[first] == 0.0)
        first++;
    while (last > first && counts[last] == 0.0)
        last--;
    h.n_bucket_limit = h.n_bucket = (size_t)(last - first + 1);
    h.bucket_limit = limits + first;
    h.bucket = counts + first;
    Tensorflow__Summary__Value val;
    tensorflow__summary__value__init(&val);
    val.tag = (char *)(uintptr_t)tag;
    val.value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_HISTO;
    val.histo = &h;
    Tensorflow__Summary__Value *pv = &val;
    Tensorflow__Summary sum;
    tensorflow__summary__init(&sum);
    sum.n_value = 1;
    sum.value = &pv;
    Tensorflow__Event ev;
    tensorflow__event__init(&ev);
    ev.wall_time = wall();
    ev.step = step;
    ev.what_case = TENSORFLOW__EVENT__WHAT_SUMMARY;
    ev.summary = &sum;
    bool ok = write_event(e, &ev, st);
    free(limits);
    free(counts);
    return ok;
}

void md_train_events_close(struct md_train_events *e)
{
    if (!e)
        return;
    close(e->fd);
    free(e);
}

bool md_train_events_read(const char *dir,
                          void (*fn)(void *arg, int64_t step, const char *tag, float value),
                          void *arg, struct md_status *st)
{
    DIR *d = opendir(dir);
    if (!d)
        return true; /* no eval directory yet: nothing to read */
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        if (!strstr(de->d_name, ".tfevents."))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct md_tfrecord_reader *r = md_tfrecord_open(path, st);
        if (!r) {
            ok = false;
            break;
        }
        const uint8_t *rec;
        size_t len;
        int64_t k = 0;
        while (md_tfrecord_next(r, &rec, &len, st)) {
            Tensorflow__Event *ev = tensorflow__event__unpack(NULL, len, rec);
            if (!ev) {
                ok = md_status_set(st, MD_DATA_LOSS, "'%s': record %lld is not an Event", path,
                                   (long long)k);
                break;
            }
            if (ev->what_case == TENSORFLOW__EVENT__WHAT_SUMMARY && ev->summary)
                for (size_t i = 0; i < ev->summary->n_value; i++) {
                    const Tensorflow__Summary__Value *v = ev->summary->value[i];
                    if (v->value_case == TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE)
                        fn(arg, ev->step, v->tag, v->simple_value);
                }
            tensorflow__event__free_unpacked(ev, NULL);
            k++;
        }
        if (st->code != MD_OK)
            ok = false;
        md_tfrecord_close(r);
    }
    closedir(d);
    return ok;
}
