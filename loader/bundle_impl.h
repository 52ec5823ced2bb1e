/* bundle_impl.h: private helpers shared by loader/crc32c.c, sstable.c,
 * bundle.c and tfrecord.c, their tests, fuzzers and the bundle benchmark.
 * Not part of the loader API: nothing outside loader/, tests/ and bench/
 * should include it.
 *
 *   // walk every key/value of an SSTable held in memory
 *   static bool visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
 *                     struct md_status *st) { ... return true; }
 *   if (!md_sst_foreach(bytes, n, "variables.index", visit, ctx, &st)) ...
 */
#ifndef MD_LOADER_BUNDLE_IMPL_H
#define MD_LOADER_BUNDLE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/status.h"
#include "loader/loader.h"

/* Every on-disk integer in these formats is little-endian and the code
 * reinterprets mapped bytes as tensors, so a big-endian host is out. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "modeld's bundle reader assumes a little-endian host"
#endif

/* ------------------------------------------------------------------ crc32c */
/* The two implementations behind md_crc32c_extend, for tests and benches. */
uint32_t md_crc32c_extend_sw(uint32_t crc, const void *data, size_t n); /* thread-safe */
bool md_crc32c_hw_available(void);                                       /* thread-safe */
/* Only call when md_crc32c_hw_available(); thread-safe. */
uint32_t md_crc32c_extend_hw(uint32_t crc, const void *data, size_t n);

/* ------------------------------------------------- little-endian + varints */
static inline uint32_t md_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t md_le64(const uint8_t *p)
{
    return (uint64_t)md_le32(p) | (uint64_t)md_le32(p + 4) << 32;
}
static inline void md_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void md_put_le64(uint8_t *p, uint64_t v)
{
    md_put_le32(p, (uint32_t)v);
    md_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Decodes a varint of at most 10 bytes (64-bit) from [*p, end); advances *p.
 * False on truncation or on a value that does not fit 64 bits. */
static inline bool md_varint64_get(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 64 && q < end; shift += 7) {
        uint8_t b = *q++;
        if (shift == 63 && b > 1)
            return false;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *out = v;
            return true;
        }
    }
    return false;
}
/* Same for 32-bit varints (at most 5 bytes). */
static inline bool md_varint32_get(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 35 && q < end; shift += 7) {
        uint8_t b = *q++;
        if (shift == 28 && b > 0x0f)
            return false;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *out = v;
            return true;
        }
    }
    return false;
}
/* Writes v as a varint into out (room for 10 bytes); returns bytes written. */
static inline size_t md_varint64_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* ------------------------------------------------------- growable buffers */
/* A byte buffer that grows by doubling. After the first failed allocation it
 * stays failed (oom), so a builder can append freely and check once. */
struct md_bytes {
    uint8_t *data;
    size_t len, cap;
    bool oom;
};
#define MD_BYTES_INIT { NULL, 0, 0, false }
bool md_bytes_reserve(struct md_bytes *b, size_t extra);
bool md_bytes_append(struct md_bytes *b, const void *p, size_t n);
bool md_bytes_append_varint(struct md_bytes *b, uint64_t v);
bool md_bytes_append_le32(struct md_bytes *b, uint32_t v);
void md_bytes_cleanup(struct md_bytes *b); /* frees data, back to MD_BYTES_INIT */

/* ----------------------------------------------------------------- SSTable */
/* LevelDB's table format as TensorFlow's tensorflow/core/lib/io/ keeps it:
 * data blocks, a (here always empty) metaindex block, an index block with one
 * entry per data block, then a 48-byte footer: two varint64 block handles
 * padded to 40 bytes and the 8-byte magic. Each block is followed by a
 * 5-byte trailer: compression type, masked crc32c of contents + type byte. */
#define MD_SST_FOOTER_SIZE 48
#define MD_SST_TRAILER_SIZE 5
#define MD_SST_MAGIC UINT64_C(0xdb4775248b80fb57)
enum md_sst_compression { MD_SST_NO_COMPRESSION = 0, MD_SST_SNAPPY = 1 };

/* Called once per key/value in key order. key and val are valid only during
 * the call. Return false (with st set) to stop. */
typedef bool (*md_sst_visit_fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
                                size_t vlen, struct md_status *st);

/* Walks every entry of the table held in file[0, size). Verifies the magic,
 * every block checksum, decompresses snappy blocks, bounds-checks every
 * handle and entry. name ("variables.index") starts every error message
 * (DATA_LOSS). Work is linear in the file size (data blocks must appear in
 * file order, without overlap). thread-safe */
MD_MUST_CHECK bool md_sst_foreach(const uint8_t *file, size_t size, const char *name,
                                  md_sst_visit_fn fn, void *ctx, struct md_status *st);

struct md_sst_options {
    size_t block_size;       /* flush a data block once it reaches this; TF: 256 KiB */
    int restart_interval;    /* keys between restart points; TF: 16 */
    enum md_sst_compression compression; /* TF's bundle writer: none */
};
#define MD_SST_OPTIONS_DEFAULT { 262144, 16, MD_SST_NO_COMPRESSION }

/* Builds a whole table in memory, byte-for-byte as TensorFlow's TableBuilder
 * (shortest separators in the index, index restart interval 1, snappy only
 * when it saves at least 1/8). single-owner */
struct md_sst_builder;
struct md_sst_builder *md_sst_builder_new(const struct md_sst_options *o); /* NULL on OOM */
/* Keys must be strictly increasing (bytewise). INVALID_ARGUMENT otherwise. */
MD_MUST_CHECK bool md_sst_builder_add(struct md_sst_builder *b, const void *key, size_t klen,
                                      const void *val, size_t vlen, struct md_status *st);
/* Hands the finished table to *out (caller cleans it up). */
MD_MUST_CHECK bool md_sst_builder_finish(struct md_sst_builder *b, struct md_bytes *out,
                                         struct md_status *st);
void md_sst_builder_free(struct md_sst_builder *b); /* NULL-safe */

/* ------------------------------------------------------------ TensorBundle */
/* Limits on what an index may claim. */
#define MD_BUNDLE_INDEX_MAX ((size_t)1 << 30) /* bytes of variables.index */
#define MD_BUNDLE_MAX_SHARDS 100000           /* names have 5-digit shard numbers */

/* Opens a bundle whose index and shards are already in memory (borrowed:
 * they must outlive the bundle and every tensor read from it). name is used
 * in messages in place of the file names. For fuzzing and tests. */
struct md_bundle *md_bundle_open_mem(const void *index, size_t index_size,
                                     const void *const *shards, const size_t *shard_sizes,
                                     size_t n_shards, const char *name, struct md_status *st);

/* Writer knobs for tests and benches (call before the first add). */
void md_bundle_writer_set_block_size(struct md_bundle_writer *w, size_t block_size);
void md_bundle_writer_set_alignment(struct md_bundle_writer *w, size_t alignment); /* power of 2 */

/* ---------------------------------------------------------------- TFRecord */
#define MD_TFRECORD_MAX ((uint64_t)1 << 30) /* largest record we accept */
/* Reads records from borrowed memory (must outlive the reader); records
 * returned by md_tfrecord_next point into it. name is used in messages. */
struct md_tfrecord_reader *md_tfrecord_open_mem(const void *data, size_t len, const char *name,
                                                struct md_status *st);

#endif
