/* loader.h: bytes on disk <-> in-memory descriptions of a SavedModel.
 *
 *   struct md_status st = MD_STATUS_INIT;
 *   struct md_savedmodel *sm = md_savedmodel_open("/models/half/123", "serve", &st);
 *   if (!sm) { fprintf(stderr, "%s\n", st.msg); return 1; }
 *   const struct md_signature *sig = md_savedmodel_signature(sm, "serving_default");
 *   struct md_tensor a = MD_TENSOR_INIT;
 *   if (sm->vars && md_bundle_read(sm->vars, "a", &a, &st)) ...  // zero-copy view
 *   md_tensor_cleanup(&a);
 *   md_savedmodel_free(sm);
 *
 * No graph semantics here: ops/ turns the MetaGraphDef into something that runs.
 * Everything returned is immutable after open and may be read from many
 * threads; the open/free calls are single-owner.
 */
#ifndef MD_LOADER_H
#define MD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "base/status.h"
#include "base/tensor.h"
#include "meta_graph.pb-c.h"
#include "saved_model.pb-c.h"

/* ------------------------------------------------------------------ crc32c */
/* CRC-32C (Castagnoli), as TensorFlow's formats use it. Hardware (SSE4.2)
 * when the CPU has it, else a table. thread-safe */
uint32_t md_crc32c_extend(uint32_t crc, const void *data, size_t n);
static inline uint32_t md_crc32c(const void *data, size_t n) { return md_crc32c_extend(0, data, n); }
/* TFRecord/LevelDB masking: ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
static inline uint32_t md_crc32c_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
static inline uint32_t md_crc32c_unmask(uint32_t m)
{
    uint32_t r = m - 0xa282ead8u;
    return (r >> 17) | (r << 15);
}

/* ------------------------------------------------------------ TensorBundle */
/* A checkpoint/variables bundle: <prefix>.index (an SSTable) plus
 * <prefix>.data-NNNNN-of-NNNNN shards, mmapped. */
struct md_bundle;

struct md_bundle_entry {
    const char *key;         /* NUL-terminated, owned by the bundle */
    enum md_dtype dtype;
    int rank;
    int64_t dims[MD_MAX_RANK];
    int shard_id;
    int64_t offset, size;
    uint32_t crc32c;
};

/* Opens "<dir>/variables/variables" style prefixes. Reads and checks the
 * whole index (magic, block checksums/compression, header proto, every entry
 * proto) and maps every shard. NULL + status on any problem. */
struct md_bundle *md_bundle_open(const char *prefix, struct md_status *st);
void md_bundle_free(struct md_bundle *b); /* NULL-safe; views stay valid (refcounted mapping) */

size_t md_bundle_count(const struct md_bundle *b);             /* entries, header excluded */
const struct md_bundle_entry *md_bundle_entry_at(const struct md_bundle *b, size_t i); /* key order */
const struct md_bundle_entry *md_bundle_find(const struct md_bundle *b, const char *key);
/* Reads a tensor, verifying its crc32c. Numeric tensors are zero-copy views
 * of the mapping when aligned (out->buf holds a reference to the mapping, so
 * the view outlives md_bundle_free); strings are copied. NOT_FOUND if absent,
 * DATA_LOSS on crc mismatch (naming variable and file), UNIMPLEMENTED for
 * dtypes modeld does not handle (bfloat16, complex, variant, ...).
 * A view points into a READ-ONLY mapping: anything that mutates a variable
 * (Assign, training) must md_tensor_copy it first. out is overwritten, not
 * cleaned up first. thread-safe */
MD_MUST_CHECK bool md_bundle_read(const struct md_bundle *b, const char *key, struct md_tensor *out,
                                  struct md_status *st);
size_t md_bundle_mapped_bytes(const struct md_bundle *b);

/* Writer: one shard, entries sorted by key as TensorFlow writes them. Each
 * tensor starts 64-byte aligned in the data file (TensorFlow's data_alignment
 * option; its readers ignore the padding), so readers get zero-copy views.
 * Files are written under temporary names and renamed by finish (data, then
 * index); a writer freed without finish leaves nothing behind. The prefix's
 * parent directory is created if missing (one level). single-owner */
struct md_bundle_writer;
struct md_bundle_writer *md_bundle_writer_new(const char *prefix, struct md_status *st);
/* Copies what it needs; keys must be unique. */
MD_MUST_CHECK bool md_bundle_writer_add(struct md_bundle_writer *w, const char *key,
                                        const struct md_tensor *t, struct md_status *st);
/* Writes <prefix>.data-00000-of-00001 and <prefix>.index. */
MD_MUST_CHECK bool md_bundle_writer_finish(struct md_bundle_writer *w, struct md_status *st);
void md_bundle_writer_free(struct md_bundle_writer *w); /* NULL-safe */

/* ------------------------------------------------------------- text format */
/* Parses protobuf text format into a new message of type desc (allocated with
 * malloc; free with protobuf_c_message_free_unpacked(msg, NULL)). Errors carry
 * "line L col C: ...". Unknown field names are errors (as in TensorFlow). */
ProtobufCMessage *md_textformat_parse(const ProtobufCMessageDescriptor *desc, const char *text,
                                      size_t len, struct md_status *st);
/* Like md_textformat_parse, but fields (and '[...]' extension/Any entries)
 * the message type does not define are skipped instead of refused — as
 * protobuf-c skips them in binary input. For TensorFlow's saved_model.pbtxt,
 * which carries fields our minimal .proto files leave out. */
ProtobufCMessage *md_textformat_parse_lenient(const ProtobufCMessageDescriptor *desc,
                                              const char *text, size_t len, struct md_status *st);
/* Prints msg in text format (two-space indent, fields in number order).
 * malloc'd NUL-terminated string; caller frees. NULL on OOM. */
char *md_textformat_print(const ProtobufCMessage *msg);

/* ---------------------------------------------------------------- TFRecord */
/* Framing: uint64 len, uint32 masked_crc(len), data, uint32 masked_crc(data). */
struct md_tfrecord_reader;
struct md_tfrecord_reader *md_tfrecord_open(const char *path, struct md_status *st);
/* Next record into *data and *len (valid until the next call). Returns false at
 * the end (st OK) or on a framing/crc error (st set, DATA_LOSS). */
bool md_tfrecord_next(struct md_tfrecord_reader *r, const uint8_t **data, size_t *len,
                      struct md_status *st);
void md_tfrecord_close(struct md_tfrecord_reader *r);
/* Appends one framed record to an open FILE*-like fd. */
MD_MUST_CHECK bool md_tfrecord_write(int fd, const void *data, size_t len, struct md_status *st);

/* -------------------------------------------------------------- SavedModel */
struct md_tensor_info {
    const char *alias;    /* signature key of this input/output */
    const char *name;     /* "node:0" (NULL for sparse/composite encodings) */
    int dtype_raw;        /* as declared (may be a _REF type) */
    enum md_dtype dtype;  /* base type */
    bool unknown_rank;
    int rank;
    int64_t dims[MD_MAX_RANK]; /* -1 unknown */
};

struct md_signature {
    const char *key;
    const char *method_name;
    size_t n_inputs, n_outputs;
    struct md_tensor_info *inputs;  /* sorted by alias */
    struct md_tensor_info *outputs; /* sorted by alias */
    const Tensorflow__SignatureDef *proto;
};

struct md_savedmodel {
    char *dir;
    Tensorflow__SavedModel *proto;        /* the whole file */
    const Tensorflow__MetaGraphDef *meta; /* the MetaGraphDef chosen by tag set */
    struct md_bundle *vars;               /* NULL when there is no variables/ directory */
    size_t n_signatures;
    struct md_signature *signatures;      /* sorted by key */
    size_t file_bytes;                    /* saved_model.pb(txt) size */
};

/* Opens dir/saved_model.pb (or .pbtxt), picks the MetaGraphDef whose tag set
 * equals `tags` (comma-separated, order-insensitive, e.g. "serve" or
 * "serve,gpu"), parses signatures, opens variables/ when present. Errors:
 * NOT_FOUND (missing files; tag set absent, listing those present),
 * DATA_LOSS (corrupt protobuf), INVALID_ARGUMENT (bad shapes/dtypes). */
struct md_savedmodel *md_savedmodel_open(const char *dir, const char *tags, struct md_status *st);
void md_savedmodel_free(struct md_savedmodel *sm); /* NULL-safe */
const struct md_signature *md_savedmodel_signature(const struct md_savedmodel *sm, const char *key);
/* The op to run once after variables are restored, as TensorFlow's loader
 * picks it: the `__saved_model_init_op` signature's output, else the single
 * node of the `saved_model_main_op`, else of the `legacy_init_op`
 * collection. Borrowed from sm; NULL when there is none. */
const char *md_savedmodel_init_op(const struct md_savedmodel *sm);
/* Reads only the protobuf (no variables, no tag choice): for `show`. Free with
 * tensorflow__saved_model__free_unpacked(p, NULL). */
Tensorflow__SavedModel *md_savedmodel_read_proto(const char *dir, struct md_status *st);
/* Absolute path of an asset file (dir/assets/<filename>); malloc'd. Refuses
 * names that are absolute or climb out with "..". */
char *md_savedmodel_asset_path(const struct md_savedmodel *sm, const char *filename,
                               struct md_status *st);

/* The pieces md_savedmodel_open is made of, for `modeld-cli show`, the
 * fuzzer and tests. All thread-safe.
 *
 * md_savedmodel_parse: binary saved_model.pb bytes -> message. The wire
 * format is checked first (framing, nesting depth <= 100, UTF-8 in string
 * fields as TensorFlow's proto3 parser demands), so corrupt input gets
 * DATA_LOSS naming `what` (e.g. the file) and the byte offset. Free with
 * tensorflow__saved_model__free_unpacked(p, NULL). */
Tensorflow__SavedModel *md_savedmodel_parse(const void *data, size_t len, const char *what,
                                            struct md_status *st);
/* The first MetaGraphDef whose tag set equals `tags` (comma-separated) as a
 * set; borrowed from p. NULL + NOT_FOUND listing the tag sets present. */
const Tensorflow__MetaGraphDef *md_savedmodel_find_meta_graph(const Tensorflow__SavedModel *p,
                                                              const char *tags,
                                                              struct md_status *st);
/* The signature table of meta: sorted by key, inputs/outputs sorted by
 * alias; a key repeated in a map keeps its last value (protobuf map rules).
 * Strings are borrowed from meta, which must outlive the table.
 * INVALID_ARGUMENT on unknown dtypes, rank > MD_MAX_RANK, dims < -1,
 * invalid UTF-8. Free with md_savedmodel_signatures_free. */
MD_MUST_CHECK bool md_savedmodel_signatures_build(const Tensorflow__MetaGraphDef *meta,
                                                  struct md_signature **out /* out */,
                                                  size_t *n_out /* out */, struct md_status *st);
void md_savedmodel_signatures_free(struct md_signature *sigs, size_t n); /* NULL-safe */

/* Writer: writes dir/saved_model.pb (sm packed as is) and, when vars has
 * entries, dir/variables/variables.{index,data-00000-of-00001} through the
 * bundle writer. dir must not exist (ALREADY_EXISTS); it is created, with
 * missing parents. On failure what was created is removed again. */
struct md_named_tensor {
    const char *name;
    const struct md_tensor *tensor;
};
MD_MUST_CHECK bool md_savedmodel_write(const char *dir, const Tensorflow__SavedModel *sm,
                                       const struct md_named_tensor *vars, size_t n_vars,
                                       struct md_status *st);

#endif
