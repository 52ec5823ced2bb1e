/* modeld-train: estimator-style train_and_evaluate on modeld's interpreter.
 *
 *   modeld-train --model cnn --data fashion-mnist --model_dir runs/cnn \
 *                --max_steps 2000 --exporter best
 *
 * Flags take TensorFlow's RunConfig / TrainSpec / EvalSpec names. Also
 *   modeld-train --convert_idx_to_tfrecord DIR  (IDX -> train/test .tfrecord)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/train/train.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: modeld-train --model cnn|dnn|linear --model_dir DIR [options]\n"
            "  --data fashion-mnist|tfrecord|synthetic   (default fashion-mnist)\n"
            "  --data_dir DIR            IDX files (default /usr/share/datasets/fashion-mnist)\n"
            "  --train_file F --eval_file F   TFRecord of tf.Example (--data tfrecord)\n"
            "  --max_steps N (2000) --batch_size N (100) --learning_rate F\n"
            "  --optimizer sgd|momentum|adam (adam)\n"
            "  --save_checkpoints_steps N | --save_checkpoints_secs S (600)\n"
            "  --keep_checkpoint_max N (5) --save_summary_steps N (100)\n"
            "  --log_step_count_steps N (100) --eval_steps N (0: whole eval set)\n"
            "  --start_delay_secs S (120) --throttle_secs S (600)\n"
            "  --exporter best|final|latest (repeatable) --exports_to_keep N (5)\n"
            "  --tf_random_seed N (42) --threads N (0: all CPUs)\n"
            "  --auc_reset_steps N (10000, dnn)\n"
            "  --convert_idx_to_tfrecord OUT_DIR   write train.tfrecord / test.tfrecord\n");
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_f(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end)
        return false;
    *out = v;
    return true;
}

static int convert(const struct md_train_config *c, const char *out)
{
    struct md_status st = MD_STATUS_INIT;
    const char *kind[2] = { "train", "t10k" }, *name[2] = { "train", "test" };
    for (int k = 0; k < 2; k++) {
        char a[4096], b[4096], o[4096];
        snprintf(a, sizeof a, "%s/%s-images-idx3-ubyte.gz", c->data_dir, kind[k]);
        snprintf(b, sizeof b, "%s/%s-labels-idx1-ubyte.gz", c->data_dir, kind[k]);
        snprintf(o, sizeof o, "%s/%s.tfrecord", out, name[k]);
        struct md_train_data *d = md_train_load_idx(a, b, &st);
        if (!d || !md_train_write_tfrecord(d, o, "x", "label", &st)) {
            fprintf(stderr, "modeld-train: %s\n", st.msg);
            md_train_data_free(d);
            return 1;
        }
        printf("wrote %s (%lld examples)\n", o, (long long)d->n);
        md_train_data_free(d);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct md_train_config c;
    md_train_config_defaults(&c);
    bool secs_given = false;
    const char *convert_dir = NULL;
    enum {
        O_MODEL = 1000, O_DATA, O_DATA_DIR, O_TRAIN_FILE, O_EVAL_FILE, O_MODEL_DIR, O_MAX_STEPS,
        O_BATCH, O_LR, O_OPT, O_CK_STEPS, O_CK_SECS, O_KEEP, O_SUM, O_LOG, O_EVAL_STEPS,
        O_DELAY, O_THROTTLE, O_EXPORTER, O_KEEP_EXP, O_SEED, O_THREADS, O_AUC, O_CONVERT,
        O_QUIET, O_HELP
    };
    static const struct option opts[] = {
        { "model", 1, 0, O_MODEL }, { "data", 1, 0, O_DATA }, { "data_dir", 1, 0, O_DATA_DIR },
        { "train_file", 1, 0, O_TRAIN_FILE }, { "eval_file", 1, 0, O_EVAL_FILE },
        { "model_dir", 1, 0, O_MODEL_DIR }, { "max_steps", 1, 0, O_MAX_STEPS },
        { "batch_size", 1, 0, O_BATCH }, { "learning_rate", 1, 0, O_LR },
        { "optimizer", 1, 0, O_OPT }, { "save_checkpoints_steps", 1, 0, O_CK_STEPS },
        { "save_checkpoints_secs", 1, 0, O_CK_SECS }, { "keep_checkpoint_max", 1, 0, O_KEEP },
        { "save_summary_steps", 1, 0, O_SUM }, { "log_step_count_steps", 1, 0, O_LOG },
        { "eval_steps", 1, 0, O_EVAL_STEPS }, { "start_delay_secs", 1, 0, O_DELAY },
        { "throttle_secs", 1, 0, O_THROTTLE }, { "exporter", 1, 0, O_EXPORTER },
        { "exports_to_keep", 1, 0, O_KEEP_EXP }, { "tf_random_seed", 1, 0, O_SEED },
        { "threads", 1, 0, O_THREADS }, { "auc_reset_steps", 1, 0, O_AUC },
        { "convert_idx_to_tfrecord", 1, 0, O_CONVERT }, { "quiet", 0, 0, O_QUIET },
        { "help", 0, 0, O_HELP }, { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int64_t i = 0;
        double f = 0;
        bool ok = true;
        switch (o) {
        case O_MODEL: c.model = optarg; break;
        case O_DATA: c.data = optarg; break;
        case O_DATA_DIR: c.data_dir = optarg; break;
        case O_TRAIN_FILE: c.train_file = optarg; break;
        case O_EVAL_FILE: c.eval_file = optarg; break;
        case O_MODEL_DIR: c.model_dir = optarg; break;
        case O_MAX_STEPS: ok = parse_i64(optarg, &c.max_steps); break;
        case O_BATCH: ok = parse_i64(optarg, &i) && i > 0 && i <= 1 << 20; c.batch_size = (int)i; break;
        case O_LR: ok = parse_f(optarg, &f) && f > 0; c.learning_rate = (float)f; break;
        case O_OPT:
            if (!strcmp(optarg, "sgd"))
                c.optimizer = MD_OPT_SGD;
            else if (!strcmp(optarg, "momentum"))
                c.optimizer = MD_OPT_MOMENTUM;
            else if (!strcmp(optarg, "adam"))
                c.optimizer = MD_OPT_ADAM;
            else
                ok = false;
            break;
        case O_CK_STEPS:
            ok = parse_i64(optarg, &c.save_checkpoints_steps) && c.save_checkpoints_steps > 0;
            break;
        case O_CK_SECS: ok = parse_f(optarg, &c.save_checkpoints_secs); secs_given = true; break;
        case O_KEEP: ok = parse_i64(optarg, &i); c.keep_checkpoint_max = (int)i; break;
        case O_SUM: ok = parse_i64(optarg, &c.save_summary_steps); break;
        case O_LOG: ok = parse_i64(optarg, &c.log_step_count_steps); break;
        case O_EVAL_STEPS: ok = parse_i64(optarg, &c.eval_steps); break;
        case O_DELAY: ok = parse_f(optarg, &c.start_delay_secs); break;
        case O_THROTTLE: ok = parse_f(optarg, &c.throttle_secs); break;
        case O_EXPORTER:
            if (!strcmp(optarg, "best"))
                c.exporters |= MD_TRAIN_EXPORT_BEST;
            else if (!strcmp(optarg, "final"))
                c.exporters |= MD_TRAIN_EXPORT_FINAL;
            else if (!strcmp(optarg, "latest"))
                c.exporters |= MD_TRAIN_EXPORT_LATEST;
            else
                ok = false;
            break;
        case O_KEEP_EXP: ok = parse_i64(optarg, &i); c.exports_to_keep = (int)i; break;
        case O_SEED: ok = parse_i64(optarg, &i); c.tf_random_seed = (uint64_t)i; break;
        case O_THREADS: ok = parse_i64(optarg, &i) && i >= 0 && i <= 256; c.threads = (int)i; break;
        case O_AUC: ok = parse_i64(optarg, &c.auc_reset_steps) && c.auc_reset_steps > 0; break;
        case O_CONVERT: convert_dir = optarg; break;
        case O_QUIET: c.quiet = true; break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (!ok) {
            fprintf(stderr, "modeld-train: bad value '%s' for --%s\n", optarg,
                    opts[o - O_MODEL].name);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "modeld-train: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (convert_dir)
        return convert(&c, convert_dir);
    /* RunConfig: steps replaces the default 600 s unless secs was given. */
    if (c.save_checkpoints_steps > 0 && !secs_given)
        c.save_checkpoints_secs = 0;
    struct md_status st = MD_STATUS_INIT;
    struct md_train_result res;
    if (!md_train_and_evaluate(&c, &res, &st)) {
        fprintf(stderr, "modeld-train: %s\n", st.msg);
        return 1;
    }
    printf("done: global_step %lld in %.1fs; loss %.4f", (long long)res.global_step,
           res.wall_secs, (double)res.loss);
    if (strcmp(c.model, "linear"))
        printf(", accuracy %.4f", (double)res.accuracy);
    if (!strcmp(c.model, "dnn"))
        printf(", auc %.4f", (double)res.auc);
    printf("%s%s\n", res.n_exports ? "; last export " : "", res.n_exports ? res.last_export : "");
    return 0;
}
