/* fuzz_train.c: modeld-train's parsers of outside files, one target with a
 * selector byte (first byte % 4):
 *   0  IDX image + label files (md_train_load_idx): bytes 1..4 give the
 *      image file's length (big-endian, clamped), the rest is the label file
 *   1  TensorBoard event file (md_train_events_read on a directory holding it)
 *   2  the `checkpoint` state file, a CheckpointState text proto
 *      (md_train_latest_checkpoint)
 *   3  TFRecord of tf.Example (md_train_load_tfrecord, x: 4 floats, label)
 * The parsers read paths, so the bytes go to files in a private temporary
 * directory (made once per process). Every failure must carry a message.
 * Seeds (tests/fuzz/corpus/train/) come from tests/fuzz/gen_train_corpus.py. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/train/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup_dir(void)
{
    static const char *const names[] = { "images", "labels", "events.out.tfevents.1.fuzz",
                                         "checkpoint", "data.tfrecord" };
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        __builtin_trap(); /* our own temporary directory: a harness bug */
    if (n && fwrite(p, 1, n, f) != n)
        __builtin_trap();
    fclose(f);
}

static void on_value(void *arg, int64_t step, const char *tag, float value)
{
    (void)step;
    (void)value;
    if (!tag)
        __builtin_trap();
    *(size_t *)arg += strlen(tag);
}

static void check(const struct md_status *st, bool ok)
{
    if (ok != (st->code == MD_OK) || (!ok && !st->msg[0]))
        __builtin_trap(); /* a failure without a message, or success with one */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/mdfuzz-train-XXXXXX", tmp && strlen(tmp) < 32 ? tmp
                                                                                      : "/tmp");
        if (!mkdtemp(dir))
            __builtin_trap();
        atexit(cleanup_dir);
    }
    if (size < 1)
        return 0;
    int sel = data[0] % 4;
    data++;
    size--;
    struct md_status st = MD_STATUS_INIT;
    char a[128], b[128];
    switch (sel) {
    case 0: {
        if (size < 4)
            return 0;
        size_t il = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 |
                    data[3];
        data += 4;
        size -= 4;
        if (il > size)
            il = size;
        put("images", data, il);
        put("labels", data + il, size - il);
        snprintf(a, sizeof a, "%s/images", dir);
        snprintf(b, sizeof b, "%s/labels", dir);
        struct md_train_data *d = md_train_load_idx(a, b, &st);
        check(&st, d != NULL);
        if (d) {
            for (int64_t i = 0; i < d->n; i++)
                if (d->y[i] < 0 || d->y[i] >= (float)d->n_classes)
                    __builtin_trap();
            if (d->n && (d->x[0] < 0.0f || d->x[(size_t)d->n * d->n_features - 1] > 1.0f))
                __builtin_trap();
        }
        md_train_data_free(d);
        break;
    }
    case 1: {
        put("events.out.tfevents.1.fuzz", data, size);
        size_t tags = 0;
        bool ok = md_train_events_read(dir, on_value, &tags, &st);
        check(&st, ok);
        break;
    }
    case 2: {
        put("checkpoint", data, size);
        char *p = md_train_latest_checkpoint(dir, &st);
        if (p && st.code != MD_OK)
            __builtin_trap();
        if (!p && st.code != MD_OK && !st.msg[0])
            __builtin_trap();
        free(p);
        break;
    }
    default: {
        put("data.tfrecord", data, size);
        snprintf(a, sizeof a, "%s/data.tfrecord", dir);
        struct md_train_data *d = md_train_load_tfrecord(a, "x", "label", 4, 3, &st);
        check(&st, d != NULL);
        if (d)
            for (int64_t i = 0; i < d->n; i++)
                if (d->y[i] < 0 || d->y[i] >= 3.0f)
                    __builtin_trap();
        md_train_data_free(d);
        break;
    }
    }
    /* Leave only the file of this input behind for the next one. */
    static const char *const names[] = { "images", "labels", "events.out.tfevents.1.fuzz",
                                         "checkpoint", "data.tfrecord" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(a, sizeof a, "%s/%s", dir, names[i]);
        unlink(a);
    }
    return 0;
}
