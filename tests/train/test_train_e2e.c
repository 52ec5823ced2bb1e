/* End to end on Fashion-MNIST (skipped when the dataset is absent): a short
 * cnn train_and_evaluate with BestExporter and LatestExporter, then the
 * export is loaded with md_model_load and its predict / classify signatures
 * run on serialized tf.Examples of the evaluated test images: the served
 * accuracy must equal the trainer's evaluation. A second run resumes from
 * the latest checkpoint. Data: $MD_TRAIN_DATA_DIR or Debian's
 * dataset-fashion-mnist. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "example.pb-c.h"
#include "ops/ops.h"
#include "tools/train/train.h"

static const char *data_dir;
static char model_dir[256];

#define N_EVAL 200

static int count_versions(const char *base, char *newest, size_t cap)
{
    DIR *d = opendir(base);
    int n = 0;
    struct dirent *de;
    if (newest)
        newest[0] = '\0';
    while (d && (de = readdir(d))) {
        if (strlen(de->d_name) != 10 || strspn(de->d_name, "0123456789") != 10)
            continue;
        n++;
        if (newest && strcmp(de->d_name, newest) > 0)
            snprintf(newest, cap, "%s", de->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

/* n serialized tf.Examples {x: float[784]} as a DT_STRING tensor. */
static struct md_tensor examples(const struct md_train_data *d, int n)
{
    size_t one = 0;
    uint8_t *bufs[N_EVAL];
    size_t lens[N_EVAL];
    for (int i = 0; i < n; i++) {
        Tensorflow__FloatList fl;
        tensorflow__float_list__init(&fl);
        fl.n_value = 784;
        fl.value = d->x + (size_t)i * 784;
        Tensorflow__Feature f;
        tensorflow__feature__init(&f);
        f.kind_case = TENSORFLOW__FEATURE__KIND_FLOAT_LIST;
        f.float_list = &fl;
        Tensorflow__Features__FeatureEntry e;
        tensorflow__features__feature_entry__init(&e);
        e.key = (char *)(uintptr_t)"x";
        e.value = &f;
        Tensorflow__Features__FeatureEntry *ep = &e;
        Tensorflow__Features fs;
        tensorflow__features__init(&fs);
        fs.n_feature = 1;
        fs.feature = &ep;
        Tensorflow__Example ex;
        tensorflow__example__init(&ex);
        ex.features = &fs;
        lens[i] = tensorflow__example__get_packed_size(&ex);
        bufs[i] = malloc(lens[i]);
        tensorflow__example__pack(&ex, bufs[i]);
        one += lens[i];
    }
    struct md_tensor t = MD_TENSOR_INIT;
    struct md_status st = MD_STATUS_INIT;
    int64_t dims[1] = { n };
    assert_true(md_tensor_alloc(&t, MD_DT_STRING, 1, dims, one, &st));
    char *bytes = (char *)t.data + md_tensor_nbytes(&t);
    for (int i = 0; i < n; i++) {
        memcpy(bytes, bufs[i], lens[i]);
        ((struct md_str *)t.data)[i] = (struct md_str){ bytes, lens[i] };
        bytes += lens[i];
        free(bufs[i]);
    }
    return t;
}

static void config(struct md_train_config *c, int64_t steps)
{
    md_train_config_defaults(c);
    c->model = "cnn";
    c->data = "fashion-mnist";
    c->data_dir = data_dir;
    c->model_dir = model_dir;
    c->max_steps = steps;
    c->batch_size = 50;
    c->save_checkpoints_steps = 10;
    c->save_checkpoints_secs = 0;
    c->start_delay_secs = 0;
    c->throttle_secs = 0;
    c->eval_steps = N_EVAL / 50;
    c->exporters = MD_TRAIN_EXPORT_BEST | MD_TRAIN_EXPORT_LATEST;
    c->exports_to_keep = 2;
    c->threads = 2;
    c->quiet = true;
}

static void test_train_export_serve(void **state)
{
    (void)state;
    struct md_train_config c;
    struct md_train_result res;
    struct md_status st = MD_STATUS_INIT;
    config(&c, 30);
    bool ok = md_train_and_evaluate(&c, &res, &st);
    if (!ok)
        print_error("%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(res.global_step, 30);
    assert_true(res.accuracy > 0.4f); /* 30 steps of Adam: well above chance */
    assert_true(res.n_exports >= 2);
    char base[512], newest[32], dir[600];
    snprintf(base, sizeof base, "%s/export/latest_exporter", model_dir);
    /* Evaluations at steps 10, 20 and 30; exports_to_keep 2. */
    assert_int_equal(count_versions(base, newest, sizeof newest), 2);
    snprintf(dir, sizeof dir, "%s/%s", base, newest);

    struct md_model_options mo = MD_MODEL_OPTIONS_INIT;
    mo.intra_op_threads = 2;
    struct md_model *m = md_model_load(dir, &mo, &st);
    if (!m)
        print_error("%s\n", st.msg);
    assert_non_null(m);
    char img[600], lab[600];
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", data_dir);
    snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", data_dir);
    struct md_train_data *test = md_train_load_idx(img, lab, &st);
    assert_non_null(test);
    struct md_tensor ex = examples(test, N_EVAL);
    struct md_arena *a = md_arena_new(0, 0, &st);
    struct md_feed f = { "examples", &ex };
    const char *want[2] = { "classes", "probabilities" };
    struct md_tensor out[2] = { MD_TENSOR_INIT, MD_TENSOR_INIT };
    ok = md_model_run(m, "predict", &f, 1, want, 2, out, a, &st);
    if (!ok)
        print_error("%s\n", st.msg);
    assert_true(ok);
    assert_int_equal(out[0].dtype, MD_DT_INT64);
    int correct = 0;
    for (int i = 0; i < N_EVAL; i++)
        correct += ((const int64_t *)out[0].data)[i] == (int64_t)test->y[i];
    float acc = (float)correct / N_EVAL;
    if (fabsf(acc - res.accuracy) > 1e-6f)
        print_error("served accuracy %f, trainer's evaluation %f\n", (double)acc,
                    (double)res.accuracy);
    assert_true(fabsf(acc - res.accuracy) <= 1e-6f);
    float p0 = ((const float *)out[1].data)[3];
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    md_arena_reset(a);
    /* classify: classes "0".."9", scores = probabilities */
    struct md_feed fi = { "inputs", &ex };
    const char *cw[2] = { "classes", "scores" };
    assert_true(md_model_run(m, "serving_default", &fi, 1, cw, 2, out, a, &st));
    assert_int_equal(out[0].dtype, MD_DT_STRING);
    assert_int_equal(out[0].dims[0], N_EVAL);
    assert_int_equal(out[0].dims[1], 10);
    const struct md_str *cs = out[0].data;
    assert_int_equal(cs[10 + 7].len, 1);
    assert_int_equal(cs[10 + 7].data[0], '7');
    assert_true(((const float *)out[1].data)[3] == p0);
    md_tensor_cleanup(&out[0]);
    md_tensor_cleanup(&out[1]);
    md_arena_free(a);
    md_tensor_cleanup(&ex);
    md_model_unref(m);
    md_train_data_free(test);

    /* Resume: the next run starts at step 30. */
    config(&c, 40);
    assert_true(md_train_and_evaluate(&c, &res, &st));
    assert_int_equal(res.global_step, 40);
    assert_int_equal(count_versions(base, NULL, 0), 2); /* exports_to_keep */
    snprintf(base, sizeof base, "%s/model.ckpt-40.index", model_dir);
    assert_int_equal(access(base, F_OK), 0);
    snprintf(base, sizeof base, "%s/model.ckpt-10.index", model_dir);
    assert_int_equal(access(base, F_OK), 0); /* keep_checkpoint_max 5: 10..40 remain */
}

int main(void)
{
    data_dir = getenv("MD_TRAIN_DATA_DIR");
    if (!data_dir)
        data_dir = "/usr/share/datasets/fashion-mnist";
    char probe[600];
    snprintf(probe, sizeof probe, "%s/t10k-images-idx3-ubyte.gz", data_dir);
    if (access(probe, R_OK) != 0) {
        printf("skipping: no Fashion-MNIST in %s (install dataset-fashion-mnist or set "
               "MD_TRAIN_DATA_DIR)\n",
               data_dir);
        return 77;
    }
    snprintf(model_dir, sizeof model_dir, "/tmp/md_train_e2e_XXXXXX");
    if (!mkdtemp(model_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_export_serve),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", model_dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
