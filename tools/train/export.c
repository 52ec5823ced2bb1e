/* export.c: Estimator.export_saved_model for the built-in models. The
 * PREDICT graph is model_fn(PREDICT) behind
 * build_parsing_serving_input_receiver_fn: a DT_STRING placeholder
 * `input_example_tensor` [-1] of serialized tf.Examples, parsed by
 * ParseExample. Signatures follow the canned heads:
 *   classifier  serving_default + classification (tensorflow/serving/classify,
 *               input `inputs`, outputs `classes` (string) and `scores`),
 *               predict (tensorflow/serving/predict, input `examples`,
 *               outputs `classes` (int64 argmax), `probabilities`, `logits`)
 *   regressor   serving_default + regression (tensorflow/serving/regress,
 *               input `inputs`, output `outputs`), predict (`predictions`).
 * A TF1 Saver (save/Const, SaveV2, RestoreV2, Assign, restore_all) makes the
 * variables restorable by TensorFlow too. The directory is built as
 * temp-<ts> and renamed to <ts> so a watching server never sees half. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loader/loader.h"
#include "tools/train/train.h"

struct sig_io {
    const char *key;
    struct md_tg_t t;
    enum md_dtype dt;
    int rank;       /* -1 unknown */
    int64_t dims[2];
};

struct sig {
    const char *key, *method;
    struct sig_io in[1];
    struct sig_io out[4];
    int n_out;
};

/* A string Const of rank 0 (n == 1) or 1 (n entries). */
static struct md_tg_t string_const(struct md_tg *g, const char *name, int rank, size_t n,
                                   const char *const *v)
{
    struct md_str *s = calloc(n + 1, sizeof *s);
    struct md_tensor t = { .dtype = MD_DT_STRING, .rank = rank, .dims = { (int64_t)n },
                           .data = s };
    for (size_t i = 0; s && i < n; i++)
        s[i] = (struct md_str){ v[i], strlen(v[i]) };
    struct md_tg_t c = s ? md_tg_const(g, name, &t) : md_tg_out(-1, 0);
    free(s);
    return c;
}

/* [batch, n] string tensor of class names "0".."n-1" (TF's canned head). */
static struct md_tg_t class_strings(struct md_tg *g, struct md_tg_t scores, int n)
{
    static const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };
    struct md_tg_t c = string_const(g, "head/Tile/input/values", 1, (size_t)n, names);
    int32_t row[2] = { 1, n };
    struct md_tg_t rs = md_tg_vec_i32(g, "head/Tile/input/shape", 2, row);
    struct md_tg_t rin[2] = { c, rs };
    int r = md_tg_node(g, "Reshape", "head/Tile/input", rin, 2);
    md_tg_attr_type(g, r, "T", MD_DT_STRING);
    md_tg_attr_type(g, r, "Tshape", MD_DT_INT32);
    c = md_tg_out(r, 0);
    struct md_tg_t sh = md_tg_shape(g, "head/Shape", scores);
    int32_t b0 = 0, b1 = 1;
    struct md_tg_t beg = md_tg_vec_i32(g, "head/strided_slice/stack", 1, &b0);
    struct md_tg_t end = md_tg_vec_i32(g, "head/strided_slice/stack_1", 1, &b1);
    struct md_tg_t str = md_tg_vec_i32(g, "head/strided_slice/stack_2", 1, &b1);
    struct md_tg_t ssi[4] = { sh, beg, end, str };
    int ss = md_tg_node(g, "StridedSlice", "head/strided_slice", ssi, 4);
    md_tg_attr_type(g, ss, "T", MD_DT_INT32);
    md_tg_attr_type(g, ss, "Index", MD_DT_INT32);
    md_tg_attr_int(g, ss, "begin_mask", 0);
    md_tg_attr_int(g, ss, "end_mask", 0);
    md_tg_attr_int(g, ss, "ellipsis_mask", 0);
    md_tg_attr_int(g, ss, "new_axis_mask", 0);
    md_tg_attr_int(g, ss, "shrink_axis_mask", 1);
    struct md_tensor one = { .dtype = MD_DT_INT32, .rank = 0, .data = &b1 };
    struct md_tg_t c1 = md_tg_const(g, "head/Tile/multiples/1", &one);
    struct md_tg_t pk[2] = { md_tg_out(ss, 0), c1 };
    int p = md_tg_node(g, "Pack", "head/Tile/multiples", pk, 2);
    md_tg_attr_type(g, p, "T", MD_DT_INT32);
    md_tg_attr_int(g, p, "N", 2);
    md_tg_attr_int(g, p, "axis", 0);
    struct md_tg_t ti[2] = { c, md_tg_out(p, 0) };
    int t = md_tg_node(g, "Tile", "head/Tile", ti, 2);
    md_tg_attr_type(g, t, "T", MD_DT_STRING);
    md_tg_attr_type(g, t, "Tmultiples", MD_DT_INT32);
    return md_tg_out(t, 0);
}

/* The TF1 Saver over every variable of g. */
static void add_saver(struct md_tg *g)
{
    size_t n = md_tg_var_count(g);
    const char **names = calloc(n + 1, sizeof *names), **empty = calloc(n + 1, sizeof *empty);
    enum md_dtype *dts = calloc(n + 1, sizeof *dts);
    struct md_tg_t *save_in = calloc(n + 4, sizeof *save_in);
    if (!names || !empty || !dts || !save_in)
        goto out;
    for (size_t i = 0; i < n; i++) {
        names[i] = md_tg_var_at(g, i)->name;
        empty[i] = "";
        dts[i] = md_tg_var_at(g, i)->dtype;
    }
    const char *model = "model";
    struct md_tg_t prefix = string_const(g, "save/Const", 0, 1, &model);
    struct md_tg_t tn = string_const(g, "save/SaveV2/tensor_names", 1, n, names);
    struct md_tg_t sl = string_const(g, "save/SaveV2/shape_and_slices", 1, n, empty);
    save_in[0] = prefix;
    save_in[1] = tn;
    save_in[2] = sl;
    for (size_t i = 0; i < n; i++)
        save_in[3 + i] = md_tg_out(md_tg_var_at(g, i)->node, 0);
    int sv = md_tg_node(g, "SaveV2", "save/SaveV2", save_in, (int)n + 3);
    md_tg_attr_list_type(g, sv, "dtypes", n, dts);
    int cd = md_tg_node(g, "Identity", "save/control_dependency", &prefix, 1);
    md_tg_attr_type(g, cd, "T", MD_DT_STRING);
    md_tg_attr_list_str(g, cd, "_class", 0, NULL);
    md_tg_ctrl(g, cd, sv);
    struct md_tg_t rtn = string_const(g, "save/RestoreV2/tensor_names", 1, n, names);
    struct md_tg_t rsl = string_const(g, "save/RestoreV2/shape_and_slices", 1, n, empty);
    struct md_tg_t rin[3] = { prefix, rtn, rsl };
    int rv = md_tg_node(g, "RestoreV2", "save/RestoreV2", rin, 3);
    md_tg_attr_list_type(g, rv, "dtypes", n, dts);
    int all = -1;
    int *assigns = calloc(n + 1, sizeof *assigns);
    for (size_t i = 0; assigns && i < n; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, i ? "save/Assign_%zu" : "save/Assign", i);
        struct md_tg_t ain[2] = { md_tg_out(md_tg_var_at(g, i)->node, 0),
                                  md_tg_out(rv, (int)i) };
        assigns[i] = md_tg_node(g, "Assign", nm, ain, 2);
        md_tg_attr_type(g, assigns[i], "T", dts[i]);
        md_tg_attr_bool(g, assigns[i], "use_locking", true);
        md_tg_attr_bool(g, assigns[i], "validate_shape", true);
    }
    all = md_tg_node(g, "NoOp", "save/restore_all", NULL, 0);
    for (size_t i = 0; assigns && i < n; i++)
        md_tg_ctrl(g, all, assigns[i]);
    free(assigns);
out:
    free(names);
    free(empty);
    free(dts);
    free(save_in);
}

static Tensorflow__TensorInfo *tensor_info(struct md_arena *a, const struct md_tg *g,
                                           const struct sig_io *io, struct md_status *st)
{
    Tensorflow__TensorInfo *ti = md_arena_alloc(a, sizeof *ti, st);
    Tensorflow__TensorShapeProto *sh = md_arena_alloc(a, sizeof *sh, st);
    Tensorflow__TensorShapeProto__Dim **dims = md_arena_alloc(a, 2 * sizeof *dims, st);
    Tensorflow__TensorShapeProto__Dim *dd = md_arena_alloc(a, 2 * sizeof *dd, st);
    char *name = md_arena_alloc(a, 600, st);
    if (!ti || !sh || !dims || !dd || !name)
        return NULL;
    tensorflow__tensor_info__init(ti);
    tensorflow__tensor_shape_proto__init(sh);
    snprintf(name, 600, "%s:%d", md_tg_name(g, io->t.node), io->t.index);
    ti->encoding_case = TENSORFLOW__TENSOR_INFO__ENCODING_NAME;
    ti->name = name;
    ti->dtype = (Tensorflow__DataType)io->dt;
    for (int i = 0; i < io->rank; i++) {
        tensorflow__tensor_shape_proto__dim__init(&dd[i]);
        dd[i].size = io->dims[i];
        dims[i] = &dd[i];
    }
    sh->n_dim = (size_t)(io->rank < 0 ? 0 : io->rank);
    sh->dim = dims;
    sh->unknown_rank = io->rank < 0;
    ti->tensor_shape = sh;
    return ti;
}

static Tensorflow__SignatureDef *signature(struct md_arena *a, const struct md_tg *g,
                                           const struct sig *s, struct md_status *st)
{
    Tensorflow__SignatureDef *sd = md_arena_alloc(a, sizeof *sd, st);
    Tensorflow__SignatureDef__InputsEntry *ie = md_arena_alloc(a, sizeof *ie, st);
    Tensorflow__SignatureDef__InputsEntry **iep = md_arena_alloc(a, sizeof *iep, st);
    Tensorflow__SignatureDef__OutputsEntry *oe = md_arena_alloc(a, 4 * sizeof *oe, st);
    Tensorflow__SignatureDef__OutputsEntry **oep = md_arena_alloc(a, 4 * sizeof *oep, st);
    if (!sd || !ie || !iep || !oe || !oep)
        return NULL;
    tensorflow__signature_def__init(sd);
    sd->method_name = (char *)(uintptr_t)s->method;
    tensorflow__signature_def__inputs_entry__init(ie);
    ie->key = (char *)(uintptr_t)s->in[0].key;
    ie->value = tensor_info(a, g, &s->in[0], st);
    iep[0] = ie;
    sd->n_inputs = 1;
    sd->inputs = iep;
    for (int i = 0; i < s->n_out; i++) {
        tensorflow__signature_def__outputs_entry__init(&oe[i]);
        oe[i].key = (char *)(uintptr_t)s->out[i].key;
        oe[i].value = tensor_info(a, g, &s->out[i], st);
        oep[i] = &oe[i];
    }
    sd->n_outputs = (size_t)s->n_out;
    sd->outputs = oep;
    return st->code == MD_OK ? sd : NULL;
}

/* Builds the PREDICT graph and its signatures into g / sigs. */
static bool build_predict(struct md_tg *g, const struct md_train_model *model, struct sig *sigs,
                          int *n_sigs, struct md_status *st)
{
    int64_t unk[1] = { -1 };
    struct md_tg_t ser = md_tg_placeholder(g, "input_example_tensor", MD_DT_STRING, 1, unk);
    const char *key = model->feature_key;
    struct md_tg_t names = string_const(g, "ParseExample/Const", 1, 0, NULL);
    struct md_tg_t dkey = string_const(g, "ParseExample/ParseExample/dense_keys_0", 0, 1, &key);
    struct md_tensor emp = { .dtype = MD_DT_FLOAT, .rank = 1, .dims = { 0 } };
    float dummy = 0.0f;
    emp.data = &dummy;
    struct md_tg_t ddef = md_tg_const(g, "ParseExample/Const_1", &emp);
    struct md_tg_t pin[4] = { ser, names, dkey, ddef };
    int pe = md_tg_node(g, "ParseExample", "ParseExample/ParseExample", pin, 4);
    md_tg_attr_int(g, pe, "Nsparse", 0);
    md_tg_attr_int(g, pe, "Ndense", 1);
    md_tg_attr_list_type(g, pe, "sparse_types", 0, NULL);
    enum md_dtype fl = MD_DT_FLOAT;
    md_tg_attr_list_type(g, pe, "Tdense", 1, &fl);
    int64_t fd[1] = { model->n_features };
    md_tg_attr_list_shape(g, pe, "dense_shapes", 1, 1, fd);
    struct md_train_model_spec spec;
    memset(&spec, 0, sizeof spec);
    struct md_tg_t none = { -1, 0 };
    if (!model->model_fn(g, MD_MODE_PREDICT, md_tg_out(pe, 0), none, none, &spec, st))
        return false;
    int64_t none0[1] = { 0 };
    md_tg_variable(g, "global_step", MD_DT_INT64, 0, none0, MD_TG_ZEROS, 0, false);
    struct sig_io in_inputs = { "inputs", ser, MD_DT_STRING, 1, { -1 } };
    struct sig_io in_examples = { "examples", ser, MD_DT_STRING, 1, { -1 } };
    int n = 0;
    if (spec.head == MD_HEAD_REGRESSION) {
        struct sig_io out = { "outputs", spec.predictions, MD_DT_FLOAT, 2, { -1, 1 } };
        sigs[n++] = (struct sig){ "serving_default", "tensorflow/serving/regress",
                                  { in_inputs }, { out }, 1 };
        sigs[n++] = (struct sig){ "regression", "tensorflow/serving/regress",
                                  { in_inputs }, { out }, 1 };
        struct sig_io p = { "predictions", spec.predictions, MD_DT_FLOAT, 2, { -1, 1 } };
        sigs[n++] = (struct sig){ "predict", "tensorflow/serving/predict",
                                  { in_examples }, { p }, 1 };
    } else {
        struct md_tg_t scores = spec.predictions;
        int nc = spec.n_classes;
        if (spec.head == MD_HEAD_BINARY) {
            struct md_tg_t one = md_tg_scalar_f(g, "head/one", 1.0f);
            struct md_tg_t neg = md_tg_op2(g, "Sub", "head/sub", one, spec.predictions);
            int32_t ax = 1;
            struct md_tensor axt = { .dtype = MD_DT_INT32, .rank = 0, .data = &ax };
            struct md_tg_t axis = md_tg_const(g, "head/concat/axis", &axt);
            struct md_tg_t cin[3] = { neg, spec.predictions, axis };
            int cc = md_tg_node(g, "ConcatV2", "head/concat", cin, 3);
            md_tg_attr_type(g, cc, "T", MD_DT_FLOAT);
            md_tg_attr_type(g, cc, "Tidx", MD_DT_INT32);
            md_tg_attr_int(g, cc, "N", 2);
            scores = md_tg_out(cc, 0);
        }
        int32_t ax = 1;
        struct md_tensor axt = { .dtype = MD_DT_INT32, .rank = 0, .data = &ax };
        struct md_tg_t dim = md_tg_const(g, "ArgMax/dimension", &axt);
        struct md_tg_t ain[2] = { scores, dim };
        int am = md_tg_node(g, "ArgMax", "ArgMax", ain, 2);
        md_tg_attr_type(g, am, "T", MD_DT_FLOAT);
        md_tg_attr_type(g, am, "Tidx", MD_DT_INT32);
        md_tg_attr_type(g, am, "output_type", MD_DT_INT64);
        struct md_tg_t cls = class_strings(g, scores, nc);
        struct sig_io oc = { "classes", cls, MD_DT_STRING, 2, { -1, nc } };
        struct sig_io os = { "scores", scores, MD_DT_FLOAT, 2, { -1, nc } };
        sigs[n++] = (struct sig){ "serving_default", "tensorflow/serving/classify",
                                  { in_inputs }, { oc, os }, 2 };
        sigs[n++] = (struct sig){ "classification", "tensorflow/serving/classify",
                                  { in_inputs }, { oc, os }, 2 };
        struct sig_io pc = { "classes", md_tg_out(am, 0), MD_DT_INT64, 1, { -1 } };
        struct sig_io pp = { "probabilities", scores, MD_DT_FLOAT, 2, { -1, nc } };
        struct sig_io pl = { "logits", spec.logits, MD_DT_FLOAT, 2,
                             { -1, spec.head == MD_HEAD_BINARY ? 1 : nc } };
        sigs[n++] = (struct sig){ "predict", "tensorflow/serving/predict",
                                  { in_examples }, { pc, pl, pp }, 3 };
    }
    add_saver(g);
    *n_sigs = n;
    return !md_tg_failed(g, st);
}

static bool is_version_name(const char *s)
{
    size_t n = strlen(s);
    if (n != 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return -1;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void md_train_export_gc(const char *base, int keep)
{
    if (keep <= 0)
        return;
    DIR *d = opendir(base);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_version_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str); /* 10 digits: string order = number order */
    for (size_t i = 0; i + (size_t)keep < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", base, names[i]);
        rm_rf(p);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
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

bool md_train_export(const struct md_train_model *model, const char *ckpt, const char *base,
                     char *out_dir, size_t cap, struct md_status *st)
{
    struct md_tg *g = md_tg_new();
    struct md_arena *a = md_arena_new(1 << 14, 0, st);
    struct md_bundle *b = NULL;
    struct md_named_tensor *vars = NULL;
    struct md_tensor *vals = NULL;
    size_t nv = 0;
    bool ok = false;
    struct sig sigs[4];
    int n_sigs = 0;
    if (!g || !a) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory exporting");
        goto out;
    }
    if (!build_predict(g, model, sigs, &n_sigs, st))
        goto out;
    const Tensorflow__GraphDef *gd = md_tg_graphdef(g, st);
    if (!gd || !(b = md_bundle_open(ckpt, st)))
        goto out;
    nv = md_tg_var_count(g);
    vars = calloc(nv + 1, sizeof *vars);
    vals = calloc(nv + 1, sizeof *vals);
    if (!vars || !vals) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory exporting");
        goto out;
    }
    for (size_t i = 0; i < nv; i++) {
        const struct md_tg_var *v = md_tg_var_at(g, i);
        if (!md_bundle_read(b, v->name, &vals[i], st)) {
            md_status_prefix(st, "export from '%s'", ckpt);
            goto out;
        }
        vars[i] = (struct md_named_tensor){ v->name, &vals[i] };
    }
    /* SavedModel { meta_graphs: [ MetaGraphDef tagged serve ] } */
    Tensorflow__MetaGraphDef__MetaInfoDef mi;
    tensorflow__meta_graph_def__meta_info_def__init(&mi);
    char *tags[1] = { (char *)(uintptr_t)"serve" };
    mi.n_tags = 1;
    mi.tags = tags;
    mi.meta_graph_version = (char *)(uintptr_t)"v1";
    mi.tensorflow_version = (char *)(uintptr_t)"2.15.0";
    mi.tensorflow_git_version = (char *)(uintptr_t)"modeld-train";
    Tensorflow__SaverDef sv;
    tensorflow__saver_def__init(&sv);
    sv.filename_tensor_name = (char *)(uintptr_t)"save/Const:0";
    sv.save_tensor_name = (char *)(uintptr_t)"save/control_dependency:0";
    sv.restore_op_name = (char *)(uintptr_t)"save/restore_all";
    sv.max_to_keep = 5;
    sv.keep_checkpoint_every_n_hours = 10000.0f;
    sv.version = TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2;
    Tensorflow__MetaGraphDef mg;
    tensorflow__meta_graph_def__init(&mg);
    mg.meta_info_def = &mi;
    mg.graph_def = (Tensorflow__GraphDef *)(uintptr_t)gd; /* only packed */
    mg.saver_def = &sv;
    Tensorflow__MetaGraphDef__SignatureDefEntry se[4], *sep[4];
    for (int i = 0; i < n_sigs; i++) {
        tensorflow__meta_graph_def__signature_def_entry__init(&se[i]);
        se[i].key = (char *)(uintptr_t)sigs[i].key;
        if (!(se[i].value = signature(a, g, &sigs[i], st)))
            goto out;
        sep[i] = &se[i];
    }
    mg.n_signature_def = (size_t)n_sigs;
    mg.signature_def = sep;
    Tensorflow__MetaGraphDef *mgp = &mg;
    Tensorflow__SavedModel sm;
    tensorflow__saved_model__init(&sm);
    sm.saved_model_schema_version = 1;
    sm.n_meta_graphs = 1;
    sm.meta_graphs = &mgp;
    if (mkdir_p(base) != 0) {
        md_status_set(st, MD_INTERNAL, "cannot create '%s': %s", base, strerror(errno));
        goto out;
    }
    /* export_dir_base/<int(time.time())>, retried a second later if taken
     * (up to 10 times, as TF's MAX_DIRECTORY_CREATION_ATTEMPTS). */
    for (int attempt = 0; attempt < 10; attempt++) {
        long long ts = (long long)time(NULL);
        char tmp[4096], fin[4096];
        snprintf(tmp, sizeof tmp, "%s/temp-%010lld", base, ts);
        snprintf(fin, sizeof fin, "%s/%010lld", base, ts);
        struct stat sb;
        if (stat(fin, &sb) == 0 || stat(tmp, &sb) == 0) {
            sleep(1);
            continue;
        }
        if (!md_savedmodel_write(tmp, &sm, vars, nv, st))
            goto out;
        if (rename(tmp, fin) != 0) {
            md_status_set(st, MD_INTERNAL, "cannot rename '%s' to '%s': %s", tmp, fin,
                          strerror(errno));
            rm_rf(tmp);
            goto out;
        }
        snprintf(out_dir, cap, "%s", fin);
        ok = true;
        goto out;
    }
    md_status_set(st, MD_INTERNAL, "cannot create a new export directory under '%s'", base);
out:
    for (size_t i = 0; vals && i < nv; i++)
        md_tensor_cleanup(&vals[i]);
    free(vals);
    free(vars);
    md_bundle_free(b);
    md_arena_free(a);
    md_tg_free(g);
    return ok;
}
