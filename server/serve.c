/* serve.c: predict / classify / regress on an acquired servable, taking and
 * returning tensors. Both front ends (REST, gRPC) call these; the checks and
 * messages follow TF Serving's predict_util / classifier / regressor. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/serve.h"

#define DEFAULT_SIGNATURE "serving_default"

/* The calling thread's run timeout (md_serve_set_run_timeout). Request
 * state of the thread that serves the request, like its arena, so both
 * front ends and every endpoint get it without a parameter on each core
 * call. */
static _Thread_local int64_t run_timeout_ms;
static _Thread_local const char *run_timeout_what;

void md_serve_set_run_timeout(int64_t timeout_ms, const char *what)
{
    run_timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
    run_timeout_what = what;
}

/* md_model_run under the thread's run timeout: the deadline starts with
 * the run, as TensorFlow's RunOptions.timeout_in_ms does for Session::Run. */
static bool model_run(struct md_servable *s, const char *key, const struct md_feed *feeds,
                      size_t n_feeds, const char *const *outs, size_t n_out,
                      struct md_tensor *res, struct md_arena *arena, struct md_status *st)
{
    struct md_model *m = md_servable_model(s);
    if (!run_timeout_ms)
        return md_model_run(m, key, feeds, n_feeds, outs, n_out, res, arena, st);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct md_run_options ro = MD_RUN_OPTIONS_INIT;
    ro.deadline_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + run_timeout_ms * 1000000;
    if (md_model_run_opts(m, key, feeds, n_feeds, outs, n_out, res, arena, &ro, st))
        return true;
    if (st->code == MD_DEADLINE_EXCEEDED)
        md_status_prefix(st, "request exceeded its %lld ms deadline%s%s", (long long)run_timeout_ms,
                         run_timeout_what ? " " : "", run_timeout_what ? run_timeout_what : "");
    return false;
}

const struct md_signature *md_serve_signature(const struct md_servable *s, const char *key,
                                              struct md_status *st)
{
    const char *k = (key && key[0]) ? key : DEFAULT_SIGNATURE;
    const struct md_savedmodel *sm = md_model_savedmodel(md_servable_model(s));
    const struct md_signature *sig = sm ? md_savedmodel_signature(sm, k) : NULL;
    if (!sig) {
        char esc[256];
        md_status_set(st, MD_INVALID_ARGUMENT,
                      "Serving signature name: \"%s\" not found in signature def",
                      md_escape(esc, sizeof esc, k, strlen(k)));
    }
    return sig;
}

/* Appends "a,b,c" of the names for which pick(i) is true. */
struct namebuf {
    char buf[200];
    size_t len;
};

static void nb_add(struct namebuf *b, const char *name)
{
    char esc[64];
    md_escape(esc, sizeof esc, name, strlen(name));
    int n = snprintf(b->buf + b->len, sizeof b->buf - b->len, "%s%s", b->len ? "," : "", esc);
    if (n > 0)
        b->len = (b->len + (size_t)n < sizeof b->buf) ? b->len + (size_t)n : sizeof b->buf - 1;
}

static const struct md_tensor_info *sig_input(const struct md_signature *sig, const char *alias)
{
    for (size_t i = 0; i < sig->n_inputs; i++)
        if (!strcmp(sig->inputs[i].alias, alias))
            return &sig->inputs[i];
    return NULL;
}

static const struct md_tensor_info *sig_output(const struct md_signature *sig, const char *alias)
{
    for (size_t i = 0; i < sig->n_outputs; i++)
        if (!strcmp(sig->outputs[i].alias, alias))
            return &sig->outputs[i];
    return NULL;
}

static bool check_feeds(const struct md_signature *sig, const struct md_feed *feeds, size_t n,
                        struct md_status *st)
{
    bool bad = n != sig->n_inputs;
    for (size_t i = 0; i < n && !bad; i++) {
        if (!sig_input(sig, feeds[i].alias))
            bad = true;
        for (size_t k = 0; k < i && !bad; k++)
            if (!strcmp(feeds[k].alias, feeds[i].alias))
                bad = true;
    }
    if (bad) {
        struct namebuf sent = {{0}, 0}, want = {{0}, 0}, extra = {{0}, 0}, missing = {{0}, 0};
        for (size_t i = 0; i < n; i++) {
            nb_add(&sent, feeds[i].alias);
            if (!sig_input(sig, feeds[i].alias))
                nb_add(&extra, feeds[i].alias);
        }
        for (size_t i = 0; i < sig->n_inputs; i++) {
            nb_add(&want, sig->inputs[i].alias);
            size_t k;
            for (k = 0; k < n && strcmp(feeds[k].alias, sig->inputs[i].alias); k++)
                ;
            if (k == n)
                nb_add(&missing, sig->inputs[i].alias);
        }
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input size does not match signature: %zu!=%zu len({%s}) != len({%s}). "
                             "Sent extra: {%s}. Missing but required: {%s}.",
                             n, sig->n_inputs, sent.buf, want.buf, extra.buf, missing.buf);
    }
    for (size_t i = 0; i < n; i++) {
        const struct md_tensor_info *ti = sig_input(sig, feeds[i].alias);
        if (feeds[i].tensor->dtype != ti->dtype)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Expects arg[%zu] to be %s but %s is provided", i,
                                 md_dtype_info(ti->dtype)->tf_name,
                                 md_dtype_info(feeds[i].tensor->dtype)->tf_name);
    }
    return true;
}

bool md_serve_predict(struct md_servable *s, const struct md_signature *sig,
                      const struct md_feed *feeds, size_t n_feeds,
                      const char *const *output_filter, size_t n_filter, struct md_arena *arena,
                      struct md_serve_output **outs, size_t *n_outs, struct md_status *st)
{
    *outs = NULL;
    *n_outs = 0;
    if (!check_feeds(sig, feeds, n_feeds, st))
        return false;
    char esc[128];
    size_t n = n_filter ? n_filter : sig->n_outputs;
    const char **aliases = md_arena_alloc(arena, (n ? n : 1) * sizeof *aliases, st);
    struct md_serve_output *o = md_arena_alloc(arena, (n ? n : 1) * sizeof *o, st);
    if (!aliases || !o)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (n_filter) {
            const char *a = output_filter[i];
            if (!sig_output(sig, a)) {
                struct namebuf all = {{0}, 0};
                for (size_t k = 0; k < sig->n_outputs; k++)
                    nb_add(&all, sig->outputs[k].alias);
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "output tensor alias not found in signature: %s Outputs "
                                     "expected to be in the set {%s}.",
                                     md_escape(esc, sizeof esc, a, strlen(a)), all.buf);
            }
            for (size_t k = 0; k < i; k++)
                if (!strcmp(output_filter[k], a))
                    return md_status_set(st, MD_INVALID_ARGUMENT,
                                         "duplicate output tensor alias: %s",
                                         md_escape(esc, sizeof esc, a, strlen(a)));
            aliases[i] = sig_output(sig, a)->alias;
        } else {
            aliases[i] = sig->outputs[i].alias;
        }
        o[i].alias = aliases[i];
        struct md_tensor init = MD_TENSOR_INIT;
        o[i].tensor = init;
    }
    struct md_tensor *tensors = md_arena_alloc(arena, (n ? n : 1) * sizeof *tensors, st);
    if (!tensors)
        return false;
    for (size_t i = 0; i < n; i++) {
        struct md_tensor init = MD_TENSOR_INIT;
        tensors[i] = init;
    }
    if (!model_run(s, sig->key, feeds, n_feeds, aliases, n, tensors, arena, st))
        return false;
    for (size_t i = 0; i < n; i++)
        o[i].tensor = tensors[i];
    *outs = o;
    *n_outs = n;
    return true;
}

static bool run_examples(struct md_servable *s, const struct md_signature *sig,
                         const struct md_tensor *examples, const char *const *outs, size_t n_out,
                         struct md_tensor *res, struct md_arena *arena, struct md_status *st)
{
    if (sig->n_inputs != 1)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Expected one input Tensor.");
    if (examples->rank != 1 || examples->dims[0] == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Input is empty.");
    struct md_feed feed = {sig->inputs[0].alias, examples};
    if (!check_feeds(sig, &feed, 1, st))
        return false;
    return model_run(s, sig->key, &feed, 1, outs, n_out, res, arena, st);
}

static void shape_of(const struct md_tensor *t, char *buf, size_t cap)
{
    md_shape_str(buf, cap, t->rank, t->dims);
}

bool md_serve_classify(struct md_servable *s, const struct md_signature *sig,
                       const struct md_tensor *examples, struct md_arena *arena,
                       struct md_classify_result *res, struct md_status *st)
{
    memset(res, 0, sizeof *res);
    const char *outs[2];
    size_t n_out = 0;
    int ci = -1, si = -1;
    if (sig_output(sig, "classes")) {
        ci = (int)n_out;
        outs[n_out++] = "classes";
    }
    if (sig_output(sig, "scores")) {
        si = (int)n_out;
        outs[n_out++] = "scores";
    }
    if (!n_out)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Expected classification signature outputs to contain at least one "
                             "of: classes, scores");
    struct md_tensor t[2] = {MD_TENSOR_INIT, MD_TENSOR_INIT};
    if (!run_examples(s, sig, examples, outs, n_out, t, arena, st))
        return false;
    int64_t batch = examples->dims[0];
    int64_t n_classes = -1;
    char shp[96];
    for (size_t i = 0; i < n_out; i++) {
        const struct md_tensor *x = &t[i];
        shape_of(x, shp, sizeof shp);
        if (x->rank != 2)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Expected Tensor shape: [batch_size num_classes] but got %s", shp);
        if (x->dims[0] != batch)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Input batch size did not match output batch size: %lld vs. %lld",
                                 (long long)batch, (long long)x->dims[0]);
        if (n_classes >= 0 && x->dims[1] != n_classes)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Tensors class and score should match in shape, but had %lld vs. "
                                 "%lld classes",
                                 (long long)n_classes, (long long)x->dims[1]);
        n_classes = x->dims[1];
    }
    if (ci >= 0 && t[ci].dtype != MD_DT_STRING)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Expected classes Tensor of DT_STRING. Got: %s",
                             md_dtype_name(t[ci].dtype));
    if (si >= 0 && t[si].dtype != MD_DT_FLOAT)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Expected scores Tensor of DT_FLOAT. Got: %s",
                             md_dtype_name(t[si].dtype));
    res->n_examples = (size_t)batch;
    res->n_classes = (size_t)n_classes;
    res->labels = ci >= 0 ? t[ci].data : NULL;
    res->scores = si >= 0 ? t[si].data : NULL;
    /* Outputs borrow from the arena or the model (both outlive the caller's
     * use); drop any buffer references they hold only after copying. */
    for (size_t i = 0; i < n_out; i++) {
        if (!t[i].buf)
            continue;
        size_t bytes = md_tensor_nbytes(&t[i]);
        void *copy = md_arena_alloc(arena, bytes ? bytes : 1, st);
        if (!copy) {
            md_tensor_cleanup(&t[0]);
            md_tensor_cleanup(&t[1]);
            return false;
        }
        memcpy(copy, t[i].data, bytes);
        if ((int)i == ci) {
            /* String bytes may live in the same buffer: copy them too. */
            struct md_str *ls = copy;
            for (size_t k = 0; k < (size_t)(batch * n_classes); k++) {
                char *b = md_arena_alloc(arena, ls[k].len ? ls[k].len : 1, st);
                if (!b) {
                    md_tensor_cleanup(&t[0]);
                    md_tensor_cleanup(&t[1]);
                    return false;
                }
                memcpy(b, ls[k].data, ls[k].len);
                ls[k].data = b;
            }
            res->labels = copy;
        } else {
            res->scores = copy;
        }
        md_tensor_cleanup(&t[i]);
    }
    return true;
}

bool md_serve_regress(struct md_servable *s, const struct md_signature *sig,
                      const struct md_tensor *examples, struct md_arena *arena,
                      const float **values, size_t *n_values, struct md_status *st)
{
    *values = NULL;
    *n_values = 0;
    if (!sig_output(sig, "outputs"))
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "No regression outputs found in signature: expected output 'outputs'");
    const char *outs[1] = {"outputs"};
    struct md_tensor t = MD_TENSOR_INIT;
    if (!run_examples(s, sig, examples, outs, 1, &t, arena, st))
        return false;
    int64_t batch = examples->dims[0];
    char shp[96];
    shape_of(&t, shp, sizeof shp);
    bool ok = true;
    if (!((t.rank == 1 && t.dims[0] == batch) || (t.rank == 2 && t.dims[0] == batch && t.dims[1] == 1)))
        ok = md_status_set(st, MD_INVALID_ARGUMENT,
                           "Expected output Tensor shape to be either [batch_size] or [batch_size, "
                           "1] but got %s",
                           shp);
    else if (t.dtype != MD_DT_FLOAT)
        ok = md_status_set(st, MD_INVALID_ARGUMENT, "Expected output Tensor of DT_FLOAT. Got: %s",
                           md_dtype_name(t.dtype));
    if (ok) {
        float *v = md_arena_alloc(arena, (size_t)batch * sizeof *v, st);
        if (!v)
            ok = false;
        else {
            memcpy(v, t.data, (size_t)batch * sizeof *v);
            *values = v;
            *n_values = (size_t)batch;
        }
    }
    md_tensor_cleanup(&t);
    return ok;
}
