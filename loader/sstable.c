/* sstable.c: the LevelDB table format that TensorFlow uses for
 * variables.index (tensorflow/core/lib/io/{format,block,table}*).
 *
 * Reading walks the index block, then every data block in order; nothing is
 * cached because the bundle copies out what it needs while walking. Writing
 * produces the bytes TensorFlow's TableBuilder would for the same input.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

/* ------------------------------------------------------------- md_bytes */

bool md_bytes_reserve(struct md_bytes *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra <= b->cap - b->len)
        return true;
    size_t want = b->len + extra;
    if (want < b->len) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want) {
        if (cap > SIZE_MAX / 2) {
            cap = want;
            break;
        }
        cap *= 2;
    }
    uint8_t *nd = realloc(b->data, cap);
    if (!nd) {
        b->oom = true;
        return false;
    }
    b->data = nd;
    b->cap = cap;
    return true;
}

bool md_bytes_append(struct md_bytes *b, const void *p, size_t n)
{
    if (!md_bytes_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

bool md_bytes_append_varint(struct md_bytes *b, uint64_t v)
{
    uint8_t tmp[10];
    return md_bytes_append(b, tmp, md_varint64_put(tmp, v));
}

bool md_bytes_append_le32(struct md_bytes *b, uint32_t v)
{
    uint8_t tmp[4];
    md_put_le32(tmp, v);
    return md_bytes_append(b, tmp, 4);
}

void md_bytes_cleanup(struct md_bytes *b)
{
    free(b->data);
    *b = (struct md_bytes)MD_BYTES_INIT;
}

/* --------------------------------------------------------------- reading */

struct handle {
    uint64_t offset, size;
};

static bool handle_get(const uint8_t **p, const uint8_t *end, struct handle *h)
{
    return md_varint64_get(p, end, &h->offset) && md_varint64_get(p, end, &h->size);
}

/* A block's contents, either pointing into the file or into `owned`. */
struct block {
    const uint8_t *data;
    size_t size;
    uint8_t *owned;
};

/* Reads the block at h from file[0, limit): bounds, checksum, decompression. */
static bool block_read(const uint8_t *file, size_t limit, struct handle h, const char *name,
                       const char *what, struct block *out, struct md_status *st)
{
    out->owned = NULL;
    if (h.offset > limit || h.size > limit - h.offset ||
        MD_SST_TRAILER_SIZE > limit - h.offset - h.size)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: %s at offset %" PRIu64 " (%" PRIu64
                             " bytes) extends past the end of the table (%zu bytes)",
                             name, what, h.offset, h.size, limit);
    const uint8_t *data = file + h.offset;
    size_t n = (size_t)h.size;
    uint8_t type = data[n];
    uint32_t stored = md_crc32c_unmask(md_le32(data + n + 1));
    uint32_t actual = md_crc32c(data, n + 1); /* contents + type byte */
    if (stored != actual)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: %s at offset %" PRIu64
                             ": block checksum mismatch (stored 0x%08x, computed 0x%08x)",
                             name, what, h.offset, stored, actual);
    switch (type) {
    case MD_SST_NO_COMPRESSION:
        out->data = data;
        out->size = n;
        return true;
    case MD_SST_SNAPPY: {
        size_t ulen = 0;
        if (snappy_uncompressed_length((const char *)data, n, &ulen) != SNAPPY_OK)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: %s at offset %" PRIu64
                                 ": bad snappy data (bad length header)",
                                 name, what, h.offset);
        /* Snappy expands at most ~22x (a 3-byte copy op emits 64 bytes), so a
         * larger claim is corrupt; refusing it also keeps a tiny file from
         * asking for a huge allocation. */
        if (ulen > (size_t)n * 24 + 64 || ulen > MD_BUNDLE_INDEX_MAX)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: %s at offset %" PRIu64
                                 ": bad snappy data (claims %zu bytes from %zu)",
                                 name, what, h.offset, ulen, n);
        uint8_t *buf = malloc(ulen ? ulen : 1);
        if (!buf)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED,
                                 "%s: out of memory decompressing %zu bytes", name, ulen);
        size_t got = ulen;
        if (snappy_uncompress((const char *)data, n, (char *)buf, &got) != SNAPPY_OK ||
            got != ulen) {
            free(buf);
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: %s at offset %" PRIu64 ": bad snappy data", name, what,
                                 h.offset);
        }
        out->data = buf;
        out->size = ulen;
        out->owned = buf;
        return true;
    }
    default:
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: %s at offset %" PRIu64 ": unknown compression type %u", name,
                             what, h.offset, type);
    }
}

/* Walks the entries of one block, rebuilding prefix-compressed keys in *key. */
static bool block_foreach(const struct block *blk, const char *name, const char *what,
                          uint64_t offset, struct md_bytes *key, md_sst_visit_fn fn, void *ctx,
                          struct md_status *st)
{
    const uint8_t *d = blk->data;
    size_t n = blk->size;
    if (n < 4)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: %s at offset %" PRIu64 ": block too short (%zu bytes)", name,
                             what, offset, n);
    uint32_t nrestarts = md_le32(d + n - 4);
    if (nrestarts > (n - 4) / 4)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: %s at offset %" PRIu64 ": restart count %u too large for a "
                             "%zu-byte block",
                             name, what, offset, nrestarts, n);
    /* TensorFlow treats a block without restart points as empty; so do we. */
    if (nrestarts == 0)
        return true;
    const uint8_t *p = d, *end = d + (n - 4 - 4 * (size_t)nrestarts);
    key->len = 0;
    while (p < end) {
        size_t at = (size_t)(p - d);
        uint32_t shared, nonshared, vlen;
        if (!md_varint32_get(&p, end, &shared) || !md_varint32_get(&p, end, &nonshared) ||
            !md_varint32_get(&p, end, &vlen) || shared > key->len ||
            nonshared > (size_t)(end - p) || vlen > (size_t)(end - p) - nonshared)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: %s at offset %" PRIu64 ": corrupt entry at byte %zu", name,
                                 what, offset, at);
        key->len = shared;
        if (!md_bytes_append(key, p, nonshared))
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: out of memory", name);
        p += nonshared;
        if (!fn(ctx, key->data, key->len, p, vlen, st))
            return false;
        p += vlen;
    }
    return true;
}

struct index_walk {
    const uint8_t *file;
    size_t limit;
    const char *name;
    md_sst_visit_fn fn;
    void *ctx;
    struct md_bytes key;
    uint64_t next_free; /* data blocks must start at or after this */
    size_t nblocks;
};

static bool index_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
                        size_t vlen, struct md_status *st)
{
    (void)key;
    (void)klen;
    struct index_walk *w = ctx;
    struct handle h;
    const uint8_t *p = val;
    if (!handle_get(&p, val + vlen, &h))
        return md_status_set(st, MD_DATA_LOSS, "%s: index entry %zu: corrupt block handle",
                             w->name, w->nblocks);
    /* Real tables list data blocks in file order without overlap; insisting
     * on it bounds the total work by the file size. */
    if (h.offset < w->next_free)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: index entry %zu: data block at offset %" PRIu64
                             " overlaps the previous block",
                             w->name, w->nblocks, h.offset);
    struct block blk;
    char what[48];
    snprintf(what, sizeof what, "data block %zu", w->nblocks);
    if (!block_read(w->file, w->limit, h, w->name, what, &blk, st))
        return false;
    w->next_free = h.offset + h.size + MD_SST_TRAILER_SIZE;
    w->nblocks++;
    bool ok = block_foreach(&blk, w->name, what, h.offset, &w->key, w->fn, w->ctx, st);
    free(blk.owned);
    return ok;
}

bool md_sst_foreach(const uint8_t *file, size_t size, const char *name, md_sst_visit_fn fn,
                    void *ctx, struct md_status *st)
{
    if (size < MD_SST_FOOTER_SIZE)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: file too short (%zu bytes; an SSTable has a %d-byte footer)",
                             name, size, MD_SST_FOOTER_SIZE);
    const uint8_t *footer = file + size - MD_SST_FOOTER_SIZE;
    uint64_t magic = md_le64(footer + MD_SST_FOOTER_SIZE - 8);
    if (magic != MD_SST_MAGIC)
        return md_status_set(st, MD_DATA_LOSS, "%s: bad magic 0x%016" PRIx64 " (not an SSTable)",
                             name, magic);
    struct handle meta, index;
    const uint8_t *p = footer;
    if (!handle_get(&p, footer + 40, &meta) || !handle_get(&p, footer + 40, &index))
        return md_status_set(st, MD_DATA_LOSS, "%s: corrupt footer", name);
    size_t limit = size - MD_SST_FOOTER_SIZE;
    /* The metaindex block is not used (TensorFlow writes no filters), but a
     * handle that points outside the file still means corruption. */
    if (meta.offset > limit || meta.size > limit - meta.offset)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: metaindex block handle points outside the file", name);
    struct block iblk;
    if (!block_read(file, limit, index, name, "index block", &iblk, st))
        return false;
    struct index_walk w = { file, limit, name, fn, ctx, MD_BYTES_INIT, 0, 0 };
    struct md_bytes ikey = MD_BYTES_INIT;
    bool ok = block_foreach(&iblk, name, "index block", index.offset, &ikey, index_visit, &w, st);
    md_bytes_cleanup(&ikey);
    md_bytes_cleanup(&w.key);
    free(iblk.owned);
    return ok;
}

/* --------------------------------------------------------------- writing */

/* One block under construction (TensorFlow's BlockBuilder). */
struct blockb {
    struct md_bytes buf;
    struct md_bytes restarts; /* little-endian uint32 offsets */
    struct md_bytes last_key;
    int interval, counter;
    size_t entries;
};

static void blockb_reset(struct blockb *bb)
{
    bb->buf.len = 0;
    bb->restarts.len = 0;
    md_bytes_append_le32(&bb->restarts, 0);
    bb->last_key.len = 0;
    bb->counter = 0;
    bb->entries = 0;
}

static size_t blockb_estimate(const struct blockb *bb)
{
    return bb->buf.len + bb->restarts.len + 4;
}

static void blockb_add(struct blockb *bb, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen)
{
    size_t shared = 0;
    if (bb->counter < bb->interval) {
        size_t m = klen < bb->last_key.len ? klen : bb->last_key.len;
        while (shared < m && bb->last_key.data[shared] == key[shared])
            shared++;
    } else {
        md_bytes_append_le32(&bb->restarts, (uint32_t)bb->buf.len);
        bb->counter = 0;
    }
    md_bytes_append_varint(&bb->buf, shared);
    md_bytes_append_varint(&bb->buf, klen - shared);
    md_bytes_append_varint(&bb->buf, vlen);
    md_bytes_append(&bb->buf, key + shared, klen - shared);
    md_bytes_append(&bb->buf, val, vlen);
    bb->last_key.len = 0;
    md_bytes_append(&bb->last_key, key, klen);
    bb->counter++;
    bb->entries++;
}

/* Appends the restart array; the block's bytes are then bb->buf. */
static void blockb_finish(struct blockb *bb)
{
    md_bytes_append(&bb->buf, bb->restarts.data, bb->restarts.len);
    md_bytes_append_le32(&bb->buf, (uint32_t)(bb->restarts.len / 4));
}

static bool blockb_oom(const struct blockb *bb)
{
    return bb->buf.oom || bb->restarts.oom || bb->last_key.oom;
}

static void blockb_cleanup(struct blockb *bb)
{
    md_bytes_cleanup(&bb->buf);
    md_bytes_cleanup(&bb->restarts);
    md_bytes_cleanup(&bb->last_key);
}

struct md_sst_builder {
    struct md_sst_options o;
    struct md_bytes file;
    struct blockb data, index;
    struct md_bytes last_key; /* last key added to the table */
    bool have_key;
    bool pending; /* a flushed data block still needs its index entry */
    struct handle pending_handle;
    bool oom;
};

struct md_sst_builder *md_sst_builder_new(const struct md_sst_options *o)
{
    struct md_sst_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    const struct md_sst_options def = MD_SST_OPTIONS_DEFAULT;
    b->o = o ? *o : def;
    if (b->o.restart_interval < 1)
        b->o.restart_interval = 1;
    b->data.interval = b->o.restart_interval;
    b->index.interval = 1;
    blockb_reset(&b->data);
    blockb_reset(&b->index);
    return b;
}

void md_sst_builder_free(struct md_sst_builder *b)
{
    if (!b)
        return;
    md_bytes_cleanup(&b->file);
    blockb_cleanup(&b->data);
    blockb_cleanup(&b->index);
    md_bytes_cleanup(&b->last_key);
    free(b);
}

/* Writes contents (maybe compressed) plus trailer; returns its handle. */
static struct handle write_block(struct md_sst_builder *b, const uint8_t *raw, size_t n)
{
    struct handle h = { b->file.len, n };
    uint8_t type = MD_SST_NO_COMPRESSION;
    const uint8_t *contents = raw;
    char *comp = NULL;
    if (b->o.compression == MD_SST_SNAPPY) {
        size_t clen = snappy_max_compressed_length(n);
        comp = malloc(clen);
        if (!comp) {
            b->oom = true;
        } else if (snappy_compress((const char *)raw, n, comp, &clen) == SNAPPY_OK &&
                   clen < n - n / 8) {
            /* TensorFlow keeps the compressed form only if it saves 1/8. */
            contents = (const uint8_t *)comp;
            h.size = clen;
            type = MD_SST_SNAPPY;
        }
    }
    uint8_t trailer[MD_SST_TRAILER_SIZE];
    trailer[0] = type;
    uint32_t crc = md_crc32c_extend(md_crc32c(contents, (size_t)h.size), trailer, 1);
    md_put_le32(trailer + 1, md_crc32c_mask(crc));
    md_bytes_append(&b->file, contents, (size_t)h.size);
    md_bytes_append(&b->file, trailer, sizeof trailer);
    free(comp);
    return h;
}

static void flush_data(struct md_sst_builder *b)
{
    if (b->data.entries == 0)
        return;
    blockb_finish(&b->data);
    b->pending_handle = write_block(b, b->data.buf.data, b->data.buf.len);
    b->oom |= blockb_oom(&b->data);
    b->pending = true;
    blockb_reset(&b->data);
}

static void add_index_entry(struct md_sst_builder *b, const uint8_t *key, size_t klen)
{
    uint8_t enc[20];
    size_t n = md_varint64_put(enc, b->pending_handle.offset);
    n += md_varint64_put(enc + n, b->pending_handle.size);
    blockb_add(&b->index, key, klen, enc, n);
    b->pending = false;
}

bool md_sst_builder_add(struct md_sst_builder *b, const void *key, size_t klen, const void *val,
                        size_t vlen, struct md_status *st)
{
    const uint8_t *k = key;
    if (b->have_key) {
        size_t m = klen < b->last_key.len ? klen : b->last_key.len;
        int c = m ? memcmp(b->last_key.data, k, m) : 0;
        if (c > 0 || (c == 0 && b->last_key.len >= klen))
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "sstable: keys must be added in strictly increasing order");
    }
    if (b->pending) {
        /* Index key: the shortest string in [last key of the flushed block,
         * this key) -- TensorFlow's FindShortestSeparator. */
        struct md_bytes *s = &b->last_key;
        size_t m = klen < s->len ? klen : s->len, i = 0;
        while (i < m && s->data[i] == k[i])
            i++;
        if (i < m && s->data[i] < 0xff && s->data[i] + 1 < k[i]) {
            s->data[i]++;
            s->len = i + 1;
        }
        add_index_entry(b, s->data, s->len);
    }
    b->last_key.len = 0;
    md_bytes_append(&b->last_key, k, klen);
    b->have_key = true;
    blockb_add(&b->data, k, klen, val, vlen);
    if (blockb_estimate(&b->data) >= b->o.block_size)
        flush_data(b);
    if (b->oom || b->last_key.oom || blockb_oom(&b->data) || blockb_oom(&b->index) ||
        b->file.oom)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "sstable: out of memory");
    return true;
}

bool md_sst_builder_finish(struct md_sst_builder *b, struct md_bytes *out, struct md_status *st)
{
    flush_data(b);
    struct blockb meta = { MD_BYTES_INIT, MD_BYTES_INIT, MD_BYTES_INIT, 1, 0, 0 };
    blockb_reset(&meta);
    blockb_finish(&meta);
    struct handle mh = write_block(b, meta.buf.data, meta.buf.len);
    b->oom |= blockb_oom(&meta);
    blockb_cleanup(&meta);
    if (b->pending) {
        /* Last index key: the shortest successor of the last key. */
        struct md_bytes *s = &b->last_key;
        for (size_t i = 0; i < s->len; i++) {
            if (s->data[i] != 0xff) {
                s->data[i]++;
                s->len = i + 1;
                break;
            }
        }
        add_index_entry(b, s->data, s->len);
    }
    blockb_finish(&b->index);
    struct handle ih = write_block(b, b->index.buf.data, b->index.buf.len);
    uint8_t footer[MD_SST_FOOTER_SIZE] = { 0 };
    size_t n = md_varint64_put(footer, mh.offset);
    n += md_varint64_put(footer + n, mh.size);
    n += md_varint64_put(footer + n, ih.offset);
    md_varint64_put(footer + n, ih.size);
    md_put_le64(footer + 40, MD_SST_MAGIC);
    md_bytes_append(&b->file, footer, sizeof footer);
    if (b->oom || b->file.oom || blockb_oom(&b->index) || blockb_oom(&b->data))
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "sstable: out of memory");
    *out = b->file;
    b->file = (struct md_bytes)MD_BYTES_INIT;
    return true;
}
