/* estimator.c: train_and_evaluate (local mode), as tf.estimator runs it:
 * one training loop with a checkpoint listener; after each checkpoint save
 * (except the first) that comes at least throttle_secs after the previous
 * evaluation trigger (and start_delay_secs after the start), the latest
 * checkpoint is evaluated in a separate EVAL graph and the exporters run;
 * at the end the final step is evaluated if it was not yet.
 *
 * One training step (train_step) is two plans on the TRAIN graph:
 *   grads: (variables, batch, dropout seed) -> loss, predictions, gradients
 *   apply: gradients -> Apply* updates + global_step += 1
 * Data-parallel training would allreduce the gradient tensors between the
 * two (average them across workers, then feed the averaged ones to apply).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/log.h"
#include "ops/graph_run.h"
#include "tools/train/train.h"

#define AUC_BUCKETS 200 /* tf.metrics.auc's default num_thresholds */

void md_train_config_defaults(struct md_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->model = "cnn";
    c->data = "fashion-mnist";
    c->data_dir = "/usr/share/datasets/fashion-mnist";
    c->max_steps = 2000;
    c->batch_size = 100;
    c->learning_rate = -1.0f; /* per optimizer */
    c->optimizer = MD_OPT_ADAM;
    c->save_checkpoints_secs = 600;
    c->keep_checkpoint_max = 5;
    c->save_summary_steps = 100;
    c->log_step_count_steps = 100;
    c->eval_steps = 0;
    c->start_delay_secs = 120;
    c->throttle_secs = 600;
    c->exports_to_keep = 5;
    c->tf_random_seed = 42;
    c->auc_reset_steps = 10000;
}

static double now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Initial value of v (glorot_uniform / zeros / constant), seeded by the run
 * seed and the variable name so that a model's init does not depend on the
 * order variables were created in. */
static bool init_var(struct md_session *s, const struct md_tg_var *v, uint64_t seed,
                     struct md_status *st)
{
    struct md_tensor t = MD_TENSOR_INIT;
    if (!md_tensor_alloc(&t, v->dtype, v->rank, v->dims, 0, st))
        return false;
    int64_t n = md_tensor_num_elements(&t);
    if (v->dtype == MD_DT_FLOAT) {
        float *p = t.data;
        if (v->init == MD_TG_GLOROT_UNIFORM) {
            double fan_in = 1, fan_out = 1, rf = 1;
            for (int i = 0; i + 2 < v->rank; i++)
                rf *= (double)v->dims[i];
            if (v->rank >= 2) {
                fan_in = rf * (double)v->dims[v->rank - 2];
                fan_out = rf * (double)v->dims[v->rank - 1];
            }
            double lim = sqrt(6.0 / (fan_in + fan_out));
            uint64_t r = seed ^ hash_str(v->name);
            for (int64_t i = 0; i < n; i++) {
                r = mix(r);
                double u = (double)(r >> 11) / 9007199254740992.0;
                p[i] = (float)((2.0 * u - 1.0) * lim);
            }
        } else {
            float x = v->init == MD_TG_CONST ? v->value : 0.0f;
            for (int64_t i = 0; i < n; i++)
                p[i] = x;
        }
    }
    bool ok = md_session_var_set(s, v->name, &t, st);
    md_tensor_cleanup(&t);
    return ok;
}

static void tensor_name(char *buf, size_t cap, const struct md_tg *g, struct md_tg_t t)
{
    snprintf(buf, cap, "%s:%d", md_tg_name(g, t.node), t.index);
}

/* ------------------------------------------------------------ metrics */
struct metrics {
    double loss_sum;
    int64_t n, correct;
    double label_sum, pred_sum;
    /* AUC: counts of positives / negatives per probability bucket. */
    double pos[AUC_BUCKETS + 1], neg[AUC_BUCKETS + 1];
};

static void metrics_add(struct metrics *m, enum md_train_head head, int n_classes,
                        const struct md_tensor *pred, const struct md_tensor *labels,
                        const struct md_tensor *loss_vec)
{
    int64_t b = pred->dims[0];
    const float *p = pred->data;
    for (int64_t i = 0; i < b; i++) {
        if (loss_vec)
            m->loss_sum += (double)((const float *)loss_vec->data)[i];
        if (head == MD_HEAD_MULTICLASS) {
            int64_t lab = ((const int64_t *)labels->data)[i];
            int best = 0;
            for (int c = 1; c < n_classes; c++)
                if (p[i * n_classes + c] > p[i * n_classes + best])
                    best = c;
            m->correct += best == lab;
            m->label_sum += (double)lab;
        } else {
            float lab = ((const float *)labels->data)[i];
            m->label_sum += (double)lab;
            m->pred_sum += (double)p[i];
            if (head == MD_HEAD_BINARY) {
                m->correct += (p[i] >= 0.5f) == (lab >= 0.5f);
                int k = (int)floorf(p[i] * AUC_BUCKETS);
                k = k < 0 ? 0 : k > AUC_BUCKETS ? AUC_BUCKETS : k;
                if (lab >= 0.5f)
                    m->pos[k] += 1.0;
                else
                    m->neg[k] += 1.0;
            }
        }
    }
    m->n += b;
}

/* Trapezoidal ROC AUC over the buckets (tf.metrics.auc's approximation). */
static double metrics_auc(const struct metrics *m)
{
    double tp = 0, fp = 0, P = 0, N = 0, area = 0;
    for (int k = 0; k <= AUC_BUCKETS; k++) {
        P += m->pos[k];
        N += m->neg[k];
    }
    if (P == 0 || N == 0)
        return 0.0;
    for (int k = AUC_BUCKETS; k >= 0; k--) {
        double tp2 = tp + m->pos[k], fp2 = fp + m->neg[k];
        area += (fp2 - fp) / N * (tp + tp2) / 2.0 / P;
        tp = tp2;
        fp = fp2;
    }
    return area;
}

/* ------------------------------------------------------------- runner */
struct runner {
    const struct md_train_config *c;
    const struct md_train_model *model;
    struct md_train_data *train, *eval;
    struct md_tg *tg, *eg;
    struct md_session *ts, *es;
    struct md_session_plan *grads_plan, *apply_plan, *eval_plan;
    size_t n_grads;
    struct md_tensor *outs;      /* loss, predictions, grads... */
    struct md_arena *arena, *arena2;
    size_t arena_chunk; /* arena's chunk size (see arena_fit) */
    struct md_train_events *ev_train, *ev_eval;
    int64_t step;
    float best_loss;
    bool have_best;
    int64_t last_eval_step;
    struct md_train_result *res;
};

static bool build_train(struct runner *r, struct md_status *st)
{
    const struct md_train_model *m = r->model;
    struct md_tg *g = r->tg = md_tg_new();
    if (!g)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    int64_t xd[2] = { -1, m->n_features }, yd[2] = { -1, 1 }, sd[1] = { 2 };
    struct md_tg_t x = md_tg_placeholder(g, "features", MD_DT_FLOAT, 2, xd);
    struct md_tg_t y = m->head == MD_HEAD_MULTICLASS
                           ? md_tg_placeholder(g, "labels", MD_DT_INT64, 1, yd)
                           : md_tg_placeholder(g, "labels", MD_DT_FLOAT, 2, yd);
    struct md_tg_t seed = md_tg_placeholder(g, "dropout_seed", MD_DT_INT64, 1, sd);
    struct md_train_model_spec spec;
    memset(&spec, 0, sizeof spec);
    if (!m->model_fn(g, MD_MODE_TRAIN, x, y, seed, &spec, st))
        return false;
    size_t nv = md_tg_var_count(g);
    const struct md_tg_var **vars = calloc(nv + 1, sizeof *vars);
    struct md_tg_t *xs = calloc(nv + 1, sizeof *xs), *gr = calloc(nv + 1, sizeof *gr);
    bool ok = vars && xs && gr;
    size_t n = 0;
    for (size_t i = 0; ok && i < nv; i++)
        if (md_tg_var_at(g, i)->trainable) {
            vars[n] = md_tg_var_at(g, i);
            xs[n++] = md_tg_var_at(g, i)->read;
        }
    ok = ok && md_tg_gradients(g, spec.loss, xs, n, gr, st);
    /* Gradients are computed on the variables' reads; re-fetch pointers
     * (the table may have moved while the backward graph was added). */
    for (size_t i = 0, k = 0; ok && i < md_tg_var_count(g) && k < n; i++)
        if (md_tg_var_at(g, i)->trainable)
            vars[k++] = md_tg_var_at(g, i);
    struct md_train_opt_spec o = { r->c->optimizer, r->c->learning_rate, 0.9f, 0.9f, 0.999f,
                                   1e-8f };
    if (o.learning_rate <= 0)
        o.learning_rate = o.kind == MD_OPT_ADAM ? 1e-3f : o.kind == MD_OPT_MOMENTUM ? 0.01f : 0.05f;
    int train_op = ok ? md_train_optimizer_build(g, &o, vars, gr, n) : -1;
    const Tensorflow__GraphDef *gd = ok ? md_tg_graphdef(g, st) : NULL;
    if (ok && (!gd || train_op < 0))
        ok = st->code != MD_OK ? false : md_status_set(st, MD_INTERNAL, "optimizer build failed");
    int threads = r->c->threads > 0 ? r->c->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ok)
        ok = (r->ts = md_session_new(gd, threads, st)) != NULL;
    /* Plans. */
    char (*names)[600] = ok ? calloc(n + 4, sizeof *names) : NULL;
    const char **fetch = ok ? calloc(n + 4, sizeof *fetch) : NULL;
    if (ok && (!names || !fetch))
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    if (ok) {
        const char *feeds[3] = { "features:0", "labels:0", "dropout_seed:0" };
        bool uses_seed = !strcmp(m->name, "cnn");
        tensor_name(names[0], sizeof names[0], g, spec.loss);
        tensor_name(names[1], sizeof names[1], g, spec.predictions);
        for (size_t i = 0; i < n; i++)
            tensor_name(names[2 + i], sizeof names[0], g, gr[i]);
        for (size_t i = 0; i < n + 2; i++)
            fetch[i] = names[i];
        r->grads_plan = md_session_plan(r->ts, feeds, uses_seed ? 3 : 2, fetch, n + 2, st);
        ok = r->grads_plan != NULL;
        const char *targets[1] = { md_tg_name(g, train_op) };
        if (ok)
            ok = (r->apply_plan = md_session_plan(r->ts, fetch + 2, n, targets, 1, st)) != NULL;
    }
    r->n_grads = n;
    r->outs = ok ? calloc(n + 2, sizeof *r->outs) : NULL;
    if (ok && !r->outs)
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    free(names);
    free(fetch);
    free(vars);
    free(xs);
    free(gr);
    if (!ok)
        md_status_prefix(st, "building the training graph");
    return ok;
}

static bool build_eval(struct runner *r, struct md_status *st)
{
    const struct md_train_model *m = r->model;
    struct md_tg *g = r->eg = md_tg_new();
    if (!g)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    int64_t xd[2] = { -1, m->n_features }, yd[2] = { -1, 1 };
    struct md_tg_t x = md_tg_placeholder(g, "features", MD_DT_FLOAT, 2, xd);
    struct md_tg_t y = m->head == MD_HEAD_MULTICLASS
                           ? md_tg_placeholder(g, "labels", MD_DT_INT64, 1, yd)
                           : md_tg_placeholder(g, "labels", MD_DT_FLOAT, 2, yd);
    struct md_train_model_spec spec;
    memset(&spec, 0, sizeof spec);
    struct md_tg_t none = { -1, 0 };
    if (!m->model_fn(g, MD_MODE_EVAL, x, y, none, &spec, st))
        return false;
    const Tensorflow__GraphDef *gd = md_tg_graphdef(g, st);
    if (!gd)
        return false;
    int threads = r->c->threads > 0 ? r->c->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (!(r->es = md_session_new(gd, threads, st)))
        return false;
    char a[600], b[600];
    tensor_name(a, sizeof a, g, spec.loss_vec);
    tensor_name(b, sizeof b, g, spec.predictions);
    const char *feeds[2] = { "features:0", "labels:0" }, *fetch[2] = { a, b };
    r->eval_plan = md_session_plan(r->es, feeds, 2, fetch, 2, st);
    return r->eval_plan != NULL;
}

static void seed_best(void *arg, int64_t step, const char *tag, float value)
{
    (void)step;
    struct runner *r = arg;
    if (!strcmp(tag, "loss") && (!r->have_best || value < r->best_loss)) {
        r->best_loss = value;
        r->have_best = true;
    }
}

static bool run_exporters(struct runner *r, const char *ckpt, float loss, bool final,
                          char *note, size_t cap, struct md_status *st)
{
    const struct md_train_config *c = r->c;
    char base[4096], dir[4096];
    size_t o = 0;
    note[0] = '\0';
    struct {
        unsigned bit;
        const char *name;
    } ex[3] = { { MD_TRAIN_EXPORT_BEST, "best_exporter" },
                { MD_TRAIN_EXPORT_LATEST, "latest_exporter" },
                { MD_TRAIN_EXPORT_FINAL, "final_exporter" } };
    for (int i = 0; i < 3; i++) {
        if (!(c->exporters & ex[i].bit))
            continue;
        bool go = true;
        if (ex[i].bit == MD_TRAIN_EXPORT_BEST)
            go = !r->have_best || loss < r->best_loss;
        else if (ex[i].bit == MD_TRAIN_EXPORT_FINAL)
            go = final;
        if (!go)
            continue;
        snprintf(base, sizeof base, "%s/export/%s", c->model_dir, ex[i].name);
        if (!md_train_export(r->model, ckpt, base, dir, sizeof dir, st))
            return false;
        if (ex[i].bit == MD_TRAIN_EXPORT_BEST) {
            r->best_loss = loss;
            r->have_best = true;
        }
        if (ex[i].bit != MD_TRAIN_EXPORT_FINAL)
            md_train_export_gc(base, c->exports_to_keep);
        r->res->n_exports++;
        snprintf(r->res->last_export, sizeof r->res->last_export, "%s", dir);
        const char *leaf = strrchr(dir, '/');
        o += (size_t)snprintf(note + o, o < cap ? cap - o : 0, "%s%s%s", o ? ", " : "",
                              ex[i].name, leaf ? leaf : "");
    }
    return true;
}

static bool evaluate(struct runner *r, bool final, struct md_status *st)
{
    const struct md_train_config *c = r->c;
    char *ckpt = md_train_latest_checkpoint(c->model_dir, st);
    if (!ckpt)
        return st->code == MD_OK ? md_status_set(st, MD_NOT_FOUND, "no checkpoint to evaluate")
                                 : false;
    int64_t step = 0;
    double t0 = now();
    bool ok = md_train_restore(ckpt, r->eg, r->es, false, &step, st);
    struct md_train_input *in =
        ok ? md_train_input_new(r->eval, c->batch_size, false, false, 0, st) : NULL;
    ok = in != NULL;
    struct metrics *m = calloc(1, sizeof *m);
    if (ok && !m)
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    const struct md_tensor *bx, *by;
    for (int64_t k = 0; ok && (c->eval_steps <= 0 || k < c->eval_steps) &&
                        md_train_input_next(in, &bx, &by);
         k++) {
        const struct md_tensor *feeds[2] = { bx, by };
        struct md_tensor out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
        ok = md_session_run(r->es, r->eval_plan, feeds, out, r->arena, st);
        if (ok)
            metrics_add(m, r->model->head, r->model->n_classes, &out[1], by, &out[0]);
        md_tensor_cleanup(&out[0]);
        md_tensor_cleanup(&out[1]);
        md_arena_reset(r->arena);
    }
    md_train_input_free(in);
    if (ok && m->n == 0)
        ok = md_status_set(st, MD_INVALID_ARGUMENT, "the evaluation data is empty");
    if (ok) {
        const char *tags[6];
        float vals[6];
        size_t nt = 0;
        float loss = (float)(m->loss_sum / (double)m->n);
        tags[nt] = "loss";
        vals[nt++] = loss;
        tags[nt] = "average_loss";
        vals[nt++] = loss;
        r->res->loss = loss;
        char line[512];
        int o = snprintf(line, sizeof line, "eval step %lld: loss = %.4f", (long long)step,
                         (double)loss);
        if (r->model->head != MD_HEAD_REGRESSION) {
            float acc = (float)((double)m->correct / (double)m->n);
            tags[nt] = "accuracy";
            vals[nt++] = acc;
            r->res->accuracy = acc;
            o += snprintf(line + o, sizeof line - (size_t)o, ", accuracy = %.4f", (double)acc);
        }
        if (r->model->head == MD_HEAD_BINARY) {
            float auc = (float)metrics_auc(m);
            tags[nt] = "auc";
            vals[nt++] = auc;
            r->res->auc = auc;
            o += snprintf(line + o, sizeof line - (size_t)o, ", auc = %.4f", (double)auc);
        }
        if (r->model->head != MD_HEAD_MULTICLASS) {
            tags[nt] = "label/mean";
            vals[nt++] = (float)(m->label_sum / (double)m->n);
            tags[nt] = "prediction/mean";
            vals[nt++] = (float)(m->pred_sum / (double)m->n);
        }
        o += snprintf(line + o, sizeof line - (size_t)o, " (%lld examples, %.1fs)",
                      (long long)m->n, now() - t0);
        /* The exporters decide before this evaluation's event is written,
         * so BestExporter compares with earlier evaluations only. */
        char note[1024];
        ok = run_exporters(r, ckpt, loss, final, note, sizeof note, st);
        if (ok)
            ok = md_train_events_scalars(r->ev_eval, step, nt, tags, vals, st);
        if (ok && !c->quiet)
            printf("%s%s%s\n", line, note[0] ? "; exported " : "; not exported",
                   note[0] ? note : "");
        fflush(stdout);
        r->last_eval_step = step;
    }
    free(m);
    free(ckpt);
    return ok;
}

static bool save(struct runner *r, struct md_status *st)
{
    if (!md_train_save(r->c->model_dir, r->step, r->c->keep_checkpoint_max, r->tg, r->ts, st))
        return false;
    /* Histograms of the trainable variables with each checkpoint. */
    for (size_t i = 0; i < md_tg_var_count(r->tg); i++) {
        const struct md_tg_var *v = md_tg_var_at(r->tg, i);
        if (!v->trainable)
            continue;
        struct md_tensor t = MD_TENSOR_INIT;
        bool ok = md_session_var_get(r->ts, v->name, &t, st) &&
                  md_train_events_histogram(r->ev_train, r->step, v->name, t.data,
                                            md_tensor_num_elements(&t), st);
        md_tensor_cleanup(&t);
        if (!ok)
            return false;
    }
    return true;
}

/* After a reset: when the last run outgrew the arena's chunk size (it then
 * took extra chunks, each a fresh malloc that the reset frees again, so big
 * steps paid page faults every time), recreate the arena with one chunk
 * that holds the peak, so later steps reuse the same faulted-in memory. */
static void arena_fit(struct md_arena **a, size_t *chunk)
{
    size_t peak = md_arena_peak(*a);
    if (peak <= *chunk)
        return;
    size_t want = peak + peak / 8 + ((size_t)1 << 20);
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *n = md_arena_new(want, 0, &st);
    if (!n)
        return; /* keep the old one: slower, not wrong */
    md_arena_free(*a);
    *a = n;
    *chunk = want;
}

/* One step: grads plan, (allreduce would go here), apply plan. */
static bool train_step(struct runner *r, const struct md_tensor *bx, const struct md_tensor *by,
                       float *loss, struct metrics *tm, struct md_status *st)
{
    int64_t seed_v[2] = { (int64_t)r->c->tf_random_seed, r->step };
    struct md_tensor seed = { .dtype = MD_DT_INT64, .rank = 1, .dims = { 2 }, .data = seed_v };
    const struct md_tensor *feeds[3] = { bx, by, &seed };
    size_t n = r->n_grads + 2;
    for (size_t i = 0; i < n; i++)
        r->outs[i] = (struct md_tensor)MD_TENSOR_INIT;
    bool ok = md_session_run(r->ts, r->grads_plan, feeds, r->outs, r->arena, st);
    if (ok) {
        *loss = *(const float *)r->outs[0].data;
        metrics_add(tm, r->model->head, r->model->n_classes, &r->outs[1], by, NULL);
        const struct md_tensor **gf = md_arena_alloc(r->arena2, n * sizeof *gf, st);
        ok = gf != NULL;
        for (size_t i = 0; ok && i < r->n_grads; i++)
            gf[i] = &r->outs[2 + i];
        struct md_tensor target = MD_TENSOR_INIT;
        if (ok)
            ok = md_session_run(r->ts, r->apply_plan, gf, &target, r->arena2, st);
        md_tensor_cleanup(&target);
    }
    for (size_t i = 0; i < n; i++)
        md_tensor_cleanup(&r->outs[i]);
    md_arena_reset(r->arena);
    md_arena_reset(r->arena2);
    arena_fit(&r->arena, &r->arena_chunk);
    return ok;
}

static bool load_data(struct runner *r, struct md_status *st)
{
    const struct md_train_config *c = r->c;
    char a[4096], b[4096];
    if (!strcmp(c->data, "fashion-mnist") || !strcmp(c->data, "mnist")) {
        if (strcmp(r->model->name, "cnn"))
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "--data %s needs --model cnn (it has 784 pixel features)",
                                 c->data);
        const char *sfx[2] = { "", ".gz" };
        for (int k = 0; k < 2 && !r->train; k++) {
            snprintf(a, sizeof a, "%s/train-images-idx3-ubyte%s", c->data_dir, sfx[k]);
            snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte%s", c->data_dir, sfx[k]);
            if (access(a, R_OK) != 0 && k == 0)
                continue;
            r->train = md_train_load_idx(a, b, st);
            if (!r->train)
                return false;
            snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte%s", c->data_dir, sfx[k]);
            snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte%s", c->data_dir, sfx[k]);
            r->eval = md_train_load_idx(a, b, st);
            return r->eval != NULL;
        }
        return md_status_set(st, MD_NOT_FOUND,
                             "no Fashion-MNIST IDX files in '%s' (install dataset-fashion-mnist "
                             "or pass --data_dir)",
                             c->data_dir);
    }
    if (!strcmp(c->data, "tfrecord")) {
        if (!c->train_file || !c->eval_file)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "--data tfrecord needs --train_file and --eval_file");
        int nc = r->model->head == MD_HEAD_MULTICLASS ? r->model->n_classes
                 : r->model->head == MD_HEAD_BINARY   ? 2
                                                      : 0;
        r->train = md_train_load_tfrecord(c->train_file, r->model->feature_key, "label",
                                          r->model->n_features, nc, st);
        if (r->train)
            r->eval = md_train_load_tfrecord(c->eval_file, r->model->feature_key, "label",
                                             r->model->n_features, nc, st);
        return r->eval != NULL;
    }
    if (!strcmp(c->data, "synthetic")) {
        r->train = md_train_synthetic(r->model->name, 50000, c->tf_random_seed, st);
        if (r->train)
            r->eval = md_train_synthetic(r->model->name, 10000, c->tf_random_seed + 1, st);
        return r->eval != NULL;
    }
    return md_status_set(st, MD_INVALID_ARGUMENT,
                         "unknown --data '%s' (fashion-mnist, tfrecord, synthetic)", c->data);
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void fmt_eta(char *buf, size_t cap, double secs)
{
    if (secs < 0 || !isfinite(secs))
        secs = 0;
    long s = (long)secs;
    snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

bool md_train_and_evaluate(const struct md_train_config *c, struct md_train_result *res,
                           struct md_status *st)
{
    struct md_train_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (!c->model_dir || !*c->model_dir)
        return md_status_set(st, MD_INVALID_ARGUMENT, "--model_dir is required");
    if (c->batch_size < 1 || c->max_steps < 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "batch_size must be >= 1, max_steps >= 0");
    if (c->save_checkpoints_steps > 0 && c->save_checkpoints_secs > 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "`save_checkpoints_steps` and `save_checkpoints_secs` cannot be "
                             "both set");
    struct runner r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.res = res;
    r.model = md_train_model_find(c->model);
    if (!r.model)
        return md_status_set(st, MD_INVALID_ARGUMENT, "unknown --model '%s' (cnn, dnn, linear)",
                             c->model);
    double t_start = now();
    char evdir[4096];
    snprintf(evdir, sizeof evdir, "%s/eval", c->model_dir);
    bool ok = mkdir_p(c->model_dir) == 0;
    if (!ok)
        md_status_set(st, MD_INTERNAL, "cannot create '%s': %s", c->model_dir, strerror(errno));
    ok = ok && load_data(&r, st) && build_train(&r, st) && build_eval(&r, st);
    if (ok) {
        r.arena_chunk = (size_t)1 << 20;
        r.arena = md_arena_new(r.arena_chunk, 0, st);
        r.arena2 = md_arena_new(1 << 16, 0, st);
        ok = r.arena && r.arena2;
    }
    /* BestExporter: the best loss so far comes from the eval event files
     * (a restarted run does not re-export a worse model). */
    ok = ok && md_train_events_read(evdir, seed_best, &r, st);
    /* Resume from the latest checkpoint, else initialise. */
    char *latest = ok ? md_train_latest_checkpoint(c->model_dir, st) : NULL;
    ok = ok && st->code == MD_OK;
    if (ok && latest) {
        ok = md_train_restore(latest, r.tg, r.ts, false, &r.step, st);
        if (ok && !c->quiet)
            printf("restored %s (global_step %lld)\n", latest, (long long)r.step);
    } else if (ok) {
        for (size_t i = 0; ok && i < md_tg_var_count(r.tg); i++)
            ok = init_var(r.ts, md_tg_var_at(r.tg, i), c->tf_random_seed, st);
    }
    free(latest);
    ok = ok && (r.ev_train = md_train_events_open(c->model_dir, st)) &&
         (r.ev_eval = md_train_events_open(evdir, st));
    struct md_train_input *in =
        ok ? md_train_input_new(r.train, c->batch_size, true, true,
                                c->tf_random_seed ^ (uint64_t)r.step, st)
           : NULL;
    ok = ok && in;
    if (ok && !c->quiet)
        printf("training %s on %s: %lld train / %lld eval examples, batch %d, steps %lld -> %lld\n",
               r.model->name, c->data, (long long)r.train->n, (long long)r.eval->n,
               c->batch_size, (long long)r.step, (long long)c->max_steps);
    fflush(stdout);
    double t_last_log = now(), t_last_ckpt = now(), t_last_eval = t_start, t_last_sum = now();
    int64_t step_last_log = r.step, step_last_ckpt = r.step;
    r.last_eval_step = -1;
    struct metrics *tm = calloc(1, sizeof *tm);
    if (ok && !tm)
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    double loss_acc = 0;
    int64_t loss_n = 0, auc_started = r.step;
    while (ok && r.step < c->max_steps) {
        const struct md_tensor *bx, *by;
        if (!md_train_input_next(in, &bx, &by)) {
            ok = md_status_set(st, MD_INTERNAL, "the training input ended");
            break;
        }
        float loss = 0;
        ok = train_step(&r, bx, by, &loss, tm, st);
        if (!ok)
            break;
        if (!isfinite(loss)) {
            ok = md_status_set(st, MD_INTERNAL, "NaN loss during training (step %lld)",
                               (long long)r.step);
            break;
        }
        r.step++;
        loss_acc += (double)loss;
        loss_n++;
        if (r.model->head == MD_HEAD_BINARY && r.step - auc_started >= c->auc_reset_steps) {
            memset(tm, 0, sizeof *tm); /* train AUC over the last N steps only */
            auc_started = r.step;
        }
        double t = now();
        if (c->log_step_count_steps > 0 && r.step % c->log_step_count_steps == 0) {
            double sps = (double)(r.step - step_last_log) / (t - t_last_log);
            char eta[32];
            fmt_eta(eta, sizeof eta, (double)(c->max_steps - r.step) / sps);
            if (!c->quiet)
                printf("step %lld: loss = %.4f (%.2f steps/s, %.0f examples/s, ETA %s)\n",
                       (long long)r.step, (double)loss, sps, sps * c->batch_size, eta);
            fflush(stdout);
            t_last_log = t;
            step_last_log = r.step;
        }
        if (c->save_summary_steps > 0 && r.step % c->save_summary_steps == 0) {
            const char *tags[3] = { "loss", "global_step/sec", "" };
            float vals[3] = { (float)(loss_acc / (double)loss_n), 0, 0 };
            vals[1] = (float)((double)loss_n / (t - t_last_sum + 1e-9));
            t_last_sum = t;
            size_t nt = 2;
            if (r.model->head == MD_HEAD_BINARY) {
                tags[nt] = "auc";
                vals[nt++] = (float)metrics_auc(tm);
            } else if (r.model->head == MD_HEAD_MULTICLASS && tm->n) {
                tags[nt] = "accuracy";
                vals[nt++] = (float)((double)tm->correct / (double)tm->n);
            }
            ok = md_train_events_scalars(r.ev_train, r.step, nt, tags, vals, st);
            loss_acc = 0;
            loss_n = 0;
            if (r.model->head == MD_HEAD_MULTICLASS)
                memset(tm, 0, sizeof *tm);
        }
        bool want_ckpt = c->save_checkpoints_steps > 0
                             ? r.step - step_last_ckpt >= c->save_checkpoints_steps
                             : t - t_last_ckpt >= c->save_checkpoints_secs;
        if (ok && want_ckpt && r.step < c->max_steps) {
            ok = save(&r, st);
            step_last_ckpt = r.step;
            t_last_ckpt = now();
            /* As tf.estimator's listener: evaluate after a save once
             * start_delay_secs have passed, at most every throttle_secs.
             * (Its "first save is skipped" is the save TF makes at session
             * start, which modeld-train does not make.) */
            if (ok && t_last_ckpt - t_start >= c->start_delay_secs &&
                t_last_ckpt - t_last_eval >= c->throttle_secs) {
                t_last_eval = now();
                ok = evaluate(&r, false, st);
            }
        }
    }
    if (ok && r.step > step_last_ckpt) {
        ok = save(&r, st);
        step_last_ckpt = r.step;
    }
    if (ok && r.last_eval_step != r.step && step_last_ckpt == r.step)
        ok = evaluate(&r, r.step >= c->max_steps, st);
    res->global_step = r.step;
    res->wall_secs = now() - t_start;
    free(tm);
    md_train_input_free(in);
    md_train_events_close(r.ev_train);
    md_train_events_close(r.ev_eval);
    md_arena_free(r.arena);
    md_arena_free(r.arena2);
    free(r.outs);
    md_session_free(r.ts);
    md_session_free(r.es);
    md_tg_free(r.tg);
    md_tg_free(r.eg);
    md_train_data_free(r.train);
    md_train_data_free(r.eval);
    return ok;
}

/* ------------------------------------------------------------- stepper */
struct md_train_stepper {
    struct runner r;
    struct metrics tm;
    struct md_train_result res;
};

struct md_train_stepper *md_train_stepper_new(const struct md_train_config *c,
                                              struct md_status *st)
{
    struct md_train_stepper *s = calloc(1, sizeof *s);
    if (!s)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    s->r.c = c;
    s->r.res = &s->res;
    s->r.model = md_train_model_find(c->model);
    bool ok = s->r.model != NULL;
    if (!ok)
        md_status_set(st, MD_INVALID_ARGUMENT, "unknown --model '%s'", c->model);
    ok = ok && build_train(&s->r, st);
    if (ok) {
        s->r.arena_chunk = (size_t)1 << 20;
        s->r.arena = md_arena_new(s->r.arena_chunk, 0, st);
        s->r.arena2 = md_arena_new(1 << 16, 0, st);
        ok = s->r.arena && s->r.arena2;
    }
    for (size_t i = 0; ok && i < md_tg_var_count(s->r.tg); i++)
        ok = init_var(s->r.ts, md_tg_var_at(s->r.tg, i), c->tf_random_seed, st);
    if (!ok) {
        md_train_stepper_free(s);
        return NULL;
    }
    return s;
}

bool md_train_stepper_run(struct md_train_stepper *s, const struct md_tensor *x,
                          const struct md_tensor *y, float *loss, struct md_status *st)
{
    if (!train_step(&s->r, x, y, loss, &s->tm, st))
        return false;
    s->r.step++;
    return true;
}

void md_train_stepper_free(struct md_train_stepper *s)
{
    if (!s)
        return;
    md_arena_free(s->r.arena);
    md_arena_free(s->r.arena2);
    free(s->r.outs);
    md_session_free(s->r.ts);
    md_tg_free(s->r.tg);
    free(s);
}
