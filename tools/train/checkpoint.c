/* checkpoint.c: tf.train.Saver's files. model.ckpt-<step> TensorBundles
 * (loader/'s writer) and the `checkpoint` CheckpointState text proto, kept
 * to keep_checkpoint_max entries (oldest deleted first). The state file is
 * written to a temporary name and renamed, so a reader never sees half. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "checkpoint_state.pb-c.h"
#include "loader/loader.h"
#include "ops/graph_run.h"
#include "tools/train/train.h"

#define MAX_STATE_BYTES (1 << 20)

static double now_secs(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static char *read_text(const char *path, size_t *len, struct md_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT)
            md_status_set(st, MD_INTERNAL, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_STATE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_STATE_BYTES + 1, f) : 0;
    fclose(f);
    if (!buf) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    if (n > MAX_STATE_BYTES) {
        free(buf);
        md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is larger than %d bytes", path,
                      MAX_STATE_BYTES);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The state file, or NULL (st OK) when there is none. */
static Tensorflow__CheckpointState *read_state(const char *model_dir, struct md_status *st)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint", model_dir);
    size_t len = 0;
    char *text = read_text(path, &len, st);
    if (!text)
        return NULL;
    Tensorflow__CheckpointState *cs = (Tensorflow__CheckpointState *)md_textformat_parse(
        &tensorflow__checkpoint_state__descriptor, text, len, st);
    free(text);
    if (!cs)
        md_status_prefix(st, "'%s'", path);
    return cs;
}

static void resolve(char *out, size_t cap, const char *model_dir, const char *p)
{
    if (p[0] == '/')
        snprintf(out, cap, "%s", p);
    else
        snprintf(out, cap, "%s/%s", model_dir, p);
}

char *md_train_latest_checkpoint(const char *model_dir, struct md_status *st)
{
    Tensorflow__CheckpointState *cs = read_state(model_dir, st);
    if (!cs)
        return NULL;
    char *out = NULL;
    if (cs->model_checkpoint_path && *cs->model_checkpoint_path) {
        char buf[4096];
        resolve(buf, sizeof buf, model_dir, cs->model_checkpoint_path);
        out = strdup(buf);
        if (!out)
            md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    protobuf_c_message_free_unpacked(&cs->base, NULL);
    return out;
}

static void remove_checkpoint(const char *model_dir, const char *p)
{
    char base[4096], f[4200];
    resolve(base, sizeof base, model_dir, p);
    static const char *const sfx[] = { ".index", ".data-00000-of-00001", ".meta" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s%s", base, sfx[i]);
        unlink(f);
    }
}

static bool write_state(const char *model_dir, const char *newest, int keep_max,
                        struct md_status *st)
{
    Tensorflow__CheckpointState *old = read_state(model_dir, st);
    if (!old && st->code != MD_OK)
        md_status_reset(st); /* a bad state file is replaced, as the Saver does */
    size_t n_old = old ? old->n_all_model_checkpoint_paths : 0;
    char **paths = calloc(n_old + 2, sizeof *paths);
    double *ts = calloc(n_old + 2, sizeof *ts);
    bool ok = paths && ts;
    size_t n = 0;
    for (size_t i = 0; ok && i < n_old; i++) {
        if (!strcmp(old->all_model_checkpoint_paths[i], newest))
            continue;
        paths[n] = old->all_model_checkpoint_paths[i];
        ts[n++] = i < old->n_all_model_checkpoint_timestamps
                      ? old->all_model_checkpoint_timestamps[i]
                      : 0.0;
    }
    if (ok) {
        paths[n] = (char *)(uintptr_t)newest;
        ts[n++] = now_secs();
    }
    size_t first = 0;
    if (ok && keep_max > 0 && n > (size_t)keep_max) {
        first = n - (size_t)keep_max;
        for (size_t i = 0; i < first; i++)
            remove_checkpoint(model_dir, paths[i]);
    }
    char *text = NULL;
    if (ok) {
        Tensorflow__CheckpointState cs;
        tensorflow__checkpoint_state__init(&cs);
        cs.model_checkpoint_path = (char *)(uintptr_t)newest;
        cs.n_all_model_checkpoint_paths = n - first;
        cs.all_model_checkpoint_paths = paths + first;
        cs.n_all_model_checkpoint_timestamps = n - first;
        cs.all_model_checkpoint_timestamps = ts + first;
        cs.last_preserved_timestamp = old ? old->last_preserved_timestamp : now_secs();
        text = md_textformat_print(&cs.base);
        ok = text != NULL;
    }
    if (!ok)
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing the checkpoint state");
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/checkpoint.tmp%ld", model_dir, (long)getpid());
    snprintf(path, sizeof path, "%s/checkpoint", model_dir);
    if (ok) {
        FILE *f = fopen(tmp, "wb");
        ok = f && fputs(text, f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok || rename(tmp, path) != 0) {
            ok = md_status_set(st, MD_INTERNAL, "cannot write '%s': %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    free(text);
    free(paths);
    free(ts);
    if (old)
        protobuf_c_message_free_unpacked(&old->base, NULL);
    return ok;
}

bool md_train_save(const char *model_dir, int64_t step, int keep_max, const struct md_tg *g,
                   struct md_session *s, struct md_status *st)
{
    char name[64], prefix[4096];
    snprintf(name, sizeof name, "model.ckpt-%lld", (long long)step);
    snprintf(prefix, sizeof prefix, "%s/%s", model_dir, name);
    struct md_bundle_writer *w = md_bundle_writer_new(prefix, st);
    if (!w)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < md_tg_var_count(g); i++) {
        const struct md_tg_var *v = md_tg_var_at(g, i);
        struct md_tensor t = MD_TENSOR_INIT;
        ok = md_session_var_get(s, v->name, &t, st) && md_bundle_writer_add(w, v->name, &t, st);
        md_tensor_cleanup(&t);
    }
    ok = ok && md_bundle_writer_finish(w, st);
    md_bundle_writer_free(w);
    if (!ok) {
        md_status_prefix(st, "saving checkpoint '%s'", prefix);
        return false;
    }
    return write_state(model_dir, name, keep_max, st);
}

bool md_train_restore(const char *prefix, const struct md_tg *g, struct md_session *s,
                      bool allow_missing, int64_t *step, struct md_status *st)
{
    struct md_bundle *b = md_bundle_open(prefix, st);
    if (!b)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < md_tg_var_count(g); i++) {
        const struct md_tg_var *v = md_tg_var_at(g, i);
        const struct md_bundle_entry *e = md_bundle_find(b, v->name);
        if (!e) {
            if (!allow_missing)
                ok = md_status_set(st, MD_NOT_FOUND, "checkpoint '%s' has no variable '%s'",
                                   prefix, v->name);
            continue;
        }
        bool shape_ok = e->dtype == v->dtype && e->rank == v->rank;
        for (int d = 0; shape_ok && d < v->rank; d++)
            shape_ok = e->dims[d] == v->dims[d];
        if (!shape_ok) {
            char s1[96], s2[96];
            ok = md_status_set(st, MD_INVALID_ARGUMENT,
                               "checkpoint '%s': variable '%s' is %s %s, the model wants %s %s",
                               prefix, v->name, md_dtype_name(e->dtype),
                               md_shape_str(s1, sizeof s1, e->rank, e->dims),
                               md_dtype_name(v->dtype),
                               md_shape_str(s2, sizeof s2, v->rank, v->dims));
            break;
        }
        struct md_tensor t = MD_TENSOR_INIT;
        /* A zero-copy view: safe, variables are replaced, never written. */
        ok = md_bundle_read(b, v->name, &t, st) && md_session_var_set(s, v->name, &t, st);
        if (ok && step && !strcmp(v->name, "global_step") && t.dtype == MD_DT_INT64)
            *step = *(const int64_t *)t.data;
        md_tensor_cleanup(&t);
    }
    /* EVAL/PREDICT graphs have no global_step variable: read it directly. */
    if (ok && step && md_bundle_find(b, "global_step")) {
        struct md_tensor t = MD_TENSOR_INIT;
        if (md_bundle_read(b, "global_step", &t, st) && t.dtype == MD_DT_INT64 &&
            md_tensor_num_elements(&t) == 1)
            *step = *(const int64_t *)t.data;
        md_tensor_cleanup(&t);
        ok = st->code == MD_OK;
    }
    md_bundle_free(b);
    return ok;
}
