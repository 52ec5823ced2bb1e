/* featcol_model.c: writes a feature-column SavedModel laid out the way a TF1
 * tf.estimator export lays out
 *   categorical_column_with_vocabulary_file("color", "vocab.txt") ->
 *   embedding_column(dimension=2, combiner="mean")
 *   categorical_column_with_hash_bucket("city", 10) (as dense ids)
 * with a parsing serving input receiver: Placeholder(string) ->
 * ParseExample (sparse features) -> LookupTableFindV2 on a HashTableV2
 * initialised by InitializeTableFromTextFileV2 from the registered asset
 * (legacy_init_op) -> safe_embedding_lookup_sparse's subgraph (SparseReshape,
 * GreaterEqual/Where/GatherV2 pruning of OOV ids, SparseFillEmptyRows,
 * StridedSlice/Cast segment ids, Unique, ResourceGather on the embedding
 * variable, SparseSegmentMean, Select of zeros for empty rows). Same op
 * names, attrs and wiring as TensorFlow's, written by hand (no TensorFlow
 * here), as text format parsed by our own parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "saved_model.pb-c.h"
#include "tests/ops/kernels/featcol_model.h"

#define TYPE(k, t) "attr { key: \"" k "\" value { type: " t " } } "
#define INT(k, v) "attr { key: \"" k "\" value { i: " #v " } } "
#define STR(k, v) "attr { key: \"" k "\" value { s: \"" v "\" } } "
#define BOOL(k, v) "attr { key: \"" k "\" value { b: " v " } } "
#define NODE(name, op, ...) "node { name: \"" name "\" op: \"" op "\" " __VA_ARGS__ " } "
#define IN(x) "input: \"" x "\" "
#define CONST_I64(name, shape, vals)                                                          \
    NODE(name, "Const", TYPE("dtype", "DT_INT64")                                            \
         "attr { key: \"value\" value { tensor { dtype: DT_INT64 tensor_shape { " shape       \
         " } " vals " } } } ")
#define CONST_I32(name, shape, vals)                                                          \
    NODE(name, "Const", TYPE("dtype", "DT_INT32")                                            \
         "attr { key: \"value\" value { tensor { dtype: DT_INT32 tensor_shape { " shape       \
         " } " vals " } } } ")
#define CONST_STR(name, v)                                                                    \
    NODE(name, "Const", TYPE("dtype", "DT_STRING")                                           \
         "attr { key: \"value\" value { tensor { dtype: DT_STRING tensor_shape { } "          \
         "string_val: \"" v "\" } } } ")
#define DIM(n) "dim { size: " #n " } "

static const char *graph_text =
    NODE("input_example_tensor", "Placeholder", TYPE("dtype", "DT_STRING")
         "attr { key: \"shape\" value { shape { " DIM(-1) " } } } ")
    NODE("ParseExample/Const", "Const", TYPE("dtype", "DT_STRING")
         "attr { key: \"value\" value { tensor { dtype: DT_STRING tensor_shape { " DIM(0)
         " } } } } ")
    CONST_STR("ParseExample/ParseExample/names", "")
    CONST_STR("ParseExample/ParseExample/sparse_keys_0", "city")
    CONST_STR("ParseExample/ParseExample/sparse_keys_1", "color")
    NODE("ParseExample/ParseExample", "ParseExample",
         IN("input_example_tensor") IN("ParseExample/Const")
         IN("ParseExample/ParseExample/sparse_keys_0") IN("ParseExample/ParseExample/sparse_keys_1")
         INT("Nsparse", 2) INT("Ndense", 0)
         "attr { key: \"sparse_types\" value { list { type: DT_STRING type: DT_STRING } } } "
         "attr { key: \"dense_shapes\" value { list { } } } "
         "attr { key: \"Tdense\" value { list { } } } ")
    /* ---- vocabulary table (color) */
    CONST_STR("color_lookup/Const", "vocab.txt")
    NODE("color_lookup/hash_table", "HashTableV2", TYPE("key_dtype", "DT_STRING")
         TYPE("value_dtype", "DT_INT64") STR("shared_name", "hash_table_vocab.txt_-2_-1")
         STR("container", "") BOOL("use_node_name_sharing", "false"))
    NODE("color_lookup/hash_table/table_init", "InitializeTableFromTextFileV2",
         IN("color_lookup/hash_table") IN("color_lookup/Const") INT("key_index", -2)
         INT("value_index", -1) INT("vocab_size", 3) STR("delimiter", "\\t"))
    NODE("init_all_tables", "NoOp", IN("^color_lookup/hash_table/table_init"))
    CONST_I64("color_lookup/hash_table_Lookup/default", "", "int64_val: -1")
    NODE("color_lookup/hash_table_Lookup", "LookupTableFindV2",
         IN("color_lookup/hash_table") IN("ParseExample/ParseExample:3")
         IN("color_lookup/hash_table_Lookup/default") TYPE("Tin", "DT_STRING")
         TYPE("Tout", "DT_INT64"))
    NODE("color_lookup/table_size", "LookupTableSizeV2", IN("color_lookup/hash_table"))
    /* ---- embedding_column: safe_embedding_lookup_sparse */
    NODE("color_embedding/embedding_weights", "VarHandleOp", TYPE("dtype", "DT_FLOAT")
         "attr { key: \"shape\" value { shape { " DIM(3) DIM(2) " } } } "
         STR("shared_name", "color_embedding/embedding_weights") STR("container", ""))
    CONST_I32("color_embedding/Slice/begin", DIM(1), "int_val: 0")
    CONST_I32("color_embedding/Slice/size", DIM(1), "int_val: 1")
    NODE("color_embedding/Slice", "Slice", IN("ParseExample/ParseExample:5")
         IN("color_embedding/Slice/begin") IN("color_embedding/Slice/size") TYPE("T", "DT_INT64")
         TYPE("Index", "DT_INT32"))
    CONST_I32("color_embedding/Const", DIM(1), "int_val: 0")
    NODE("color_embedding/Prod", "Prod", IN("color_embedding/Slice") IN("color_embedding/Const")
         TYPE("T", "DT_INT64") TYPE("Tidx", "DT_INT32") BOOL("keep_dims", "false"))
    CONST_I32("color_embedding/Gather/indices", "", "int_val: 1")
    CONST_I32("color_embedding/Gather/axis", "", "int_val: 0")
    NODE("color_embedding/Gather", "GatherV2", IN("ParseExample/ParseExample:5")
         IN("color_embedding/Gather/indices") IN("color_embedding/Gather/axis")
         TYPE("Tparams", "DT_INT64") TYPE("Tindices", "DT_INT32") TYPE("Taxis", "DT_INT32")
         INT("batch_dims", 0))
    NODE("color_embedding/stack", "Pack", IN("color_embedding/Prod") IN("color_embedding/Gather")
         INT("N", 2) TYPE("T", "DT_INT64") INT("axis", 0))
    NODE("color_embedding/SparseReshape", "SparseReshape", IN("ParseExample/ParseExample:1")
         IN("ParseExample/ParseExample:5") IN("color_embedding/stack"))
    CONST_I64("color_embedding/GreaterEqual/y", "", "int64_val: 0")
    NODE("color_embedding/GreaterEqual", "GreaterEqual", IN("color_lookup/hash_table_Lookup")
         IN("color_embedding/GreaterEqual/y") TYPE("T", "DT_INT64"))
    NODE("color_embedding/Where", "Where", IN("color_embedding/GreaterEqual") TYPE("T", "DT_BOOL"))
    CONST_I32("color_embedding/Reshape/shape", DIM(1), "int_val: -1")
    NODE("color_embedding/Reshape", "Reshape", IN("color_embedding/Where")
         IN("color_embedding/Reshape/shape") TYPE("T", "DT_INT64") TYPE("Tshape", "DT_INT32"))
    NODE("color_embedding/GatherV2_1", "GatherV2", IN("color_embedding/SparseReshape")
         IN("color_embedding/Reshape") IN("color_embedding/Gather/axis")
         TYPE("Tparams", "DT_INT64") TYPE("Tindices", "DT_INT64") TYPE("Taxis", "DT_INT32")
         INT("batch_dims", 0))
    NODE("color_embedding/GatherV2_2", "GatherV2", IN("color_lookup/hash_table_Lookup")
         IN("color_embedding/Reshape") IN("color_embedding/Gather/axis")
         TYPE("Tparams", "DT_INT64") TYPE("Tindices", "DT_INT64") TYPE("Taxis", "DT_INT32")
         INT("batch_dims", 0))
    CONST_I64("color_embedding/SparseFillEmptyRows/default", "", "int64_val: 0")
    NODE("color_embedding/SparseFillEmptyRows/SparseFillEmptyRows", "SparseFillEmptyRows",
         IN("color_embedding/GatherV2_1") IN("color_embedding/GatherV2_2")
         IN("color_embedding/SparseReshape:1") IN("color_embedding/SparseFillEmptyRows/default")
         TYPE("T", "DT_INT64"))
    CONST_I32("color_embedding/strided_slice/begin", DIM(2), "int_val: 0 int_val: 0")
    CONST_I32("color_embedding/strided_slice/end", DIM(2), "int_val: 0 int_val: 1")
    CONST_I32("color_embedding/strided_slice/strides", DIM(2), "int_val: 1 int_val: 1")
    NODE("color_embedding/strided_slice", "StridedSlice",
         IN("color_embedding/SparseFillEmptyRows/SparseFillEmptyRows")
         IN("color_embedding/strided_slice/begin") IN("color_embedding/strided_slice/end")
         IN("color_embedding/strided_slice/strides") TYPE("T", "DT_INT64")
         TYPE("Index", "DT_INT32") INT("begin_mask", 1) INT("end_mask", 1)
         INT("ellipsis_mask", 0) INT("new_axis_mask", 0) INT("shrink_axis_mask", 2))
    NODE("color_embedding/embedding_lookup_sparse/Cast", "Cast", IN("color_embedding/strided_slice")
         TYPE("SrcT", "DT_INT64") TYPE("DstT", "DT_INT32") BOOL("Truncate", "false"))
    NODE("color_embedding/embedding_lookup_sparse/Unique", "Unique",
         IN("color_embedding/SparseFillEmptyRows/SparseFillEmptyRows:1") TYPE("T", "DT_INT64")
         TYPE("out_idx", "DT_INT32"))
    NODE("color_embedding/embedding_lookup_sparse/embedding_lookup", "ResourceGather",
         IN("color_embedding/embedding_weights")
         IN("color_embedding/embedding_lookup_sparse/Unique") TYPE("dtype", "DT_FLOAT")
         TYPE("Tindices", "DT_INT64") INT("batch_dims", 0) BOOL("validate_indices", "true"))
    NODE("color_embedding/embedding_lookup_sparse", "SparseSegmentMean",
         IN("color_embedding/embedding_lookup_sparse/embedding_lookup")
         IN("color_embedding/embedding_lookup_sparse/Unique:1")
         IN("color_embedding/embedding_lookup_sparse/Cast") TYPE("T", "DT_FLOAT")
         TYPE("Tidx", "DT_INT32") TYPE("Tsegmentids", "DT_INT32"))
    CONST_I32("color_embedding/Reshape_1/shape", DIM(2), "int_val: -1 int_val: 1")
    NODE("color_embedding/Reshape_1", "Reshape",
         IN("color_embedding/SparseFillEmptyRows/SparseFillEmptyRows:2")
         IN("color_embedding/Reshape_1/shape") TYPE("T", "DT_BOOL") TYPE("Tshape", "DT_INT32"))
    CONST_I32("color_embedding/Tile/multiples", DIM(2), "int_val: 1 int_val: 2")
    NODE("color_embedding/Tile", "Tile", IN("color_embedding/Reshape_1")
         IN("color_embedding/Tile/multiples") TYPE("T", "DT_BOOL") TYPE("Tmultiples", "DT_INT32"))
    NODE("color_embedding/zeros_like", "ZerosLike", IN("color_embedding/embedding_lookup_sparse")
         TYPE("T", "DT_FLOAT"))
    NODE("color_embedding/color_embedding_weights", "Select", IN("color_embedding/Tile")
         IN("color_embedding/zeros_like") IN("color_embedding/embedding_lookup_sparse")
         TYPE("T", "DT_FLOAT"))
    /* ---- categorical_column_with_hash_bucket (city), as dense ids */
    NODE("city_lookup/StringToHashBucketFast", "StringToHashBucketFast",
         IN("ParseExample/ParseExample:2") INT("num_buckets", 10))
    CONST_I64("city_lookup/default", "", "int64_val: -1")
    NODE("city_lookup/SparseToDense", "SparseToDense", IN("ParseExample/ParseExample")
         IN("ParseExample/ParseExample:4") IN("city_lookup/StringToHashBucketFast")
         IN("city_lookup/default") TYPE("T", "DT_INT64") TYPE("Tindices", "DT_INT64")
         BOOL("validate_indices", "true"));

#define TI(alias, tensor, dt)                                                                 \
    "  " alias " { key: \"" alias "\" value { name: \"" tensor "\" dtype: " dt " } }\n"

static char *model_text(const char *vocab_const, bool register_asset)
{
#define MODEL_FMT \
        "meta_graphs {\n"\
        "  meta_info_def { tags: \"serve\" }\n"\
        "  graph_def { %s }\n"\
        "  signature_def { key: \"serving_default\" value {\n"\
        "    inputs { key: \"examples\" value { name: \"input_example_tensor:0\" dtype: DT_STRING "\
        "tensor_shape { dim { size: -1 } } } }\n"\
        "    outputs { key: \"embedding\" value { name: "\
        "\"color_embedding/color_embedding_weights:0\" dtype: DT_FLOAT } }\n"\
        "    outputs { key: \"city_ids\" value { name: \"city_lookup/SparseToDense:0\" dtype: "\
        "DT_INT64 } }\n"\
        "    outputs { key: \"vocab_size\" value { name: \"color_lookup/table_size:0\" dtype: "\
        "DT_INT64 } }\n"\
        "    method_name: \"tensorflow/serving/predict\" } }\n"\
        "  collection_def { key: \"legacy_init_op\" value { node_list { value: "\
        "\"init_all_tables\" } } }\n"\
        "%s"\
        "}\n"
    const char *asset = register_asset
                            ? "  asset_file_def { tensor_info { name: \"color_lookup/Const:0\" "
                              "dtype: DT_STRING } filename: \"vocab.txt\" }\n"
                            : "";
    /* The vocabulary Const holds the export-time path; rewrite it when asked. */
    size_t cap = strlen(graph_text) + sizeof MODEL_FMT + strlen(asset) + 1024;
    char *g = malloc(strlen(graph_text) + 1024), *out = malloc(cap);
    if (!g || !out) {
        free(g);
        free(out);
        return NULL;
    }
    const char *needle = "string_val: \"vocab.txt\"";
    const char *p = strstr(graph_text, needle);
    snprintf(g, strlen(graph_text) + 1024, "%.*sstring_val: \"%s\"%s", (int)(p - graph_text),
             graph_text, vocab_const, p + strlen(needle));
    snprintf(out, cap, MODEL_FMT, g, asset);
    free(g);
    return out;
}

static bool write_model(const char *dir, const char *vocab_const, bool register_asset,
                        struct md_status *st)
{
    char *text = model_text(vocab_const, register_asset);
    if (!text)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    Tensorflow__SavedModel *sm = (Tensorflow__SavedModel *)md_textformat_parse(
        &tensorflow__saved_model__descriptor, text, strlen(text), st);
    free(text);
    if (!sm)
        return false;
    struct md_tensor w = MD_TENSOR_INIT;
    bool ok = md_tensor_alloc(&w, MD_DT_FLOAT, 2, (int64_t[]){ 3, 2 }, 0, st);
    if (ok) {
        const float rows[6] = { 1, 2, 10, 20, 5, 6 };
        memcpy(w.data, rows, sizeof rows);
        struct md_named_tensor v = { "color_embedding/embedding_weights", &w };
        ok = md_savedmodel_write(dir, sm, &v, 1, st);
    }
    md_tensor_cleanup(&w);
    protobuf_c_message_free_unpacked(&sm->base, NULL);
    if (!ok)
        return false;
    char path[4096];
    snprintf(path, sizeof path, "%s/assets", dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    if (system(cmd) != 0)
        return md_status_set(st, MD_INTERNAL, "cannot create assets");
    snprintf(path, sizeof path, "%s/assets/vocab.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return md_status_set(st, MD_INTERNAL, "cannot write vocab");
    fputs("red\ngreen\nblue\n", f);
    fclose(f);
    return true;
}

bool md_featcol_write(const char *dir, struct md_status *st)
{
    return write_model(dir, "vocab.txt", true, st);
}

bool md_featcol_write_vocab_const(const char *dir, const char *vocab_const, struct md_status *st)
{
    return write_model(dir, vocab_const, false, st);
}

/* ---- tf.Example encoding (protobuf wire format by hand) */
struct wbuf {
    uint8_t *p;
    size_t n, cap;
};

static void put_varint(struct wbuf *b, uint64_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        if (b->n < b->cap)
            b->p[b->n] = c;
        b->n++;
    } while (v);
}

static void put_bytes(struct wbuf *b, int field, const void *data, size_t len)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, len);
    if (b->n + len <= b->cap)
        memcpy(b->p + b->n, data, len);
    b->n += len;
}

/* Feature { bytes_list { value... } } as a map entry {key, value}. */
static void feature(struct wbuf *out, const char *key, const char *const *vals, int n)
{
    uint8_t bl[4096], ft[4200], ent[4400];
    struct wbuf b = { bl, 0, sizeof bl }, f = { ft, 0, sizeof ft }, e = { ent, 0, sizeof ent };
    for (int i = 0; i < n; i++)
        put_bytes(&b, 1, vals[i], strlen(vals[i]));
    put_bytes(&f, 1, bl, b.n);                 /* Feature.bytes_list */
    put_bytes(&e, 1, key, strlen(key));        /* entry.key */
    put_bytes(&e, 2, ft, f.n);                 /* entry.value */
    put_bytes(out, 1, ent, e.n);               /* Features.feature */
}

size_t md_featcol_example(const char *const *colors, int n_colors, const char *const *cities,
                          int n_cities, uint8_t *out, size_t cap)
{
    uint8_t fs[9000];
    struct wbuf f = { fs, 0, sizeof fs }, ex = { out, 0, cap };
    feature(&f, "color", colors, n_colors);
    feature(&f, "city", cities, n_cities);
    put_bytes(&ex, 1, fs, f.n); /* Example.features */
    return ex.n <= cap ? ex.n : 0;
}
