/* bundle.c: TensorFlow's TensorBundle (checkpoint / SavedModel variables)
 * format: <prefix>.index is an SSTable mapping "" to a BundleHeaderProto and
 * every variable name to a BundleEntryProto (dtype, shape, shard, offset,
 * size, masked crc32c); the bytes live in <prefix>.data-NNNNN-of-NNNNN.
 *
 * Shards are mmapped read-only and wrapped in refcounted md_bufs, so a
 * numeric tensor can be handed out as a view that outlives the bundle.
 *
 * DT_STRING data is stored as: a varint64 length per element, a uint32
 * masked crc32c of those lengths (each taken as a little-endian uint32, or
 * uint64 when it does not fit), then the bytes of every element. The entry
 * crc32c covers the lengths (in that uint32/uint64 form), the four checksum
 * bytes as stored, and the string bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"
#include "tensor_bundle.pb-c.h"

/* TensorFlow's kTensorBundleVersion: what we write and the newest format we read. */
#define BUNDLE_VERSION 1

struct shard {
    struct md_buf *buf; /* one reference held by the bundle */
    uint8_t *data;
    size_t size;
};

struct md_bundle {
    char *index_name;  /* "variables.index" (basename) for messages */
    char *shard_base;  /* "variables" (basename of the prefix) for shard names */
    struct md_bundle_entry *entries; /* sorted by key (SSTable order) */
    size_t n, cap;
    int num_shards;
    int n_shard_files; /* shards[] filled so far */
    struct shard *shards;
    size_t mapped;
};

/* ----------------------------------------------------------- small helpers */

static char *str_dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static enum md_code errno_code(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return MD_NOT_FOUND;
    case EACCES:
    case EPERM:
        return MD_PERMISSION_DENIED;
    case ENOMEM:
    case ENOSPC:
    case EDQUOT:
        return MD_RESOURCE_EXHAUSTED;
    default:
        return MD_INTERNAL;
    }
}

/* "variables.data-00001-of-00002" */
static void shard_name(const struct md_bundle *b, int i, char *out, size_t cap)
{
    snprintf(out, cap, "%s.data-%05d-of-%05d", b->shard_base, i, b->num_shards);
}

/* Key escaped for messages (keys come from the file). */
static const char *esc_key(char *buf, size_t cap, const char *key)
{
    return md_escape(buf, cap, key, strlen(key));
}

/* Element sizes on disk for the dtypes whose size we can check at open.
 * 0: variable-length (string, variant) or unknown. */
static size_t disk_elem_size(enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_STRING:
    case MD_DT_VARIANT:
    case MD_DT_RESOURCE:
        return 0;
    default:
        return md_dtype_info(dt)->size;
    }
}

/* The dtypes md_bundle_read can produce. */
static bool readable_dtype(enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_FLOAT: case MD_DT_DOUBLE: case MD_DT_INT8: case MD_DT_INT16: case MD_DT_INT32:
    case MD_DT_INT64: case MD_DT_UINT8: case MD_DT_UINT16: case MD_DT_UINT32:
    case MD_DT_UINT64: case MD_DT_BOOL: case MD_DT_HALF: case MD_DT_STRING:
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------- reading index */

struct parse_ctx {
    struct md_bundle *b;
    const char *name; /* index name for messages */
    size_t seen;      /* entries visited, header included */
    size_t skipped_slices;
};

static bool parse_header(struct parse_ctx *pc, const uint8_t *val, size_t vlen,
                         struct md_status *st)
{
    Tensorflow__BundleHeaderProto *h = tensorflow__bundle_header_proto__unpack(NULL, vlen, val);
    if (!h)
        return md_status_set(st, MD_DATA_LOSS, "%s: corrupt BundleHeaderProto", pc->name);
    bool ok = false;
    if (h->endianness == TENSORFLOW__BUNDLE_HEADER_PROTO__ENDIANNESS__BIG)
        md_status_set(st, MD_UNIMPLEMENTED,
                      "%s: bundle was written on a big-endian machine; only little-endian "
                      "bundles are supported",
                      pc->name);
    else if (h->endianness != TENSORFLOW__BUNDLE_HEADER_PROTO__ENDIANNESS__LITTLE)
        md_status_set(st, MD_DATA_LOSS, "%s: unknown endianness %d in header", pc->name,
                      (int)h->endianness);
    else if (h->num_shards < 0 || h->num_shards > MD_BUNDLE_MAX_SHARDS)
        md_status_set(st, MD_DATA_LOSS, "%s: num_shards %d out of range [0, %d]", pc->name,
                      h->num_shards, MD_BUNDLE_MAX_SHARDS);
    else if (h->version && h->version->min_consumer > BUNDLE_VERSION)
        md_status_set(st, MD_UNIMPLEMENTED,
                      "%s: bundle format needs a reader of version %d or newer (we are %d)",
                      pc->name, h->version->min_consumer, BUNDLE_VERSION);
    else
        ok = true;
    if (ok && h->version) {
        for (size_t i = 0; i < h->version->n_bad_consumers; i++)
            if (h->version->bad_consumers[i] == BUNDLE_VERSION)
                ok = md_status_set(st, MD_UNIMPLEMENTED,
                                   "%s: bundle format version %d is explicitly disallowed",
                                   pc->name, BUNDLE_VERSION);
    }
    if (ok)
        pc->b->num_shards = h->num_shards;
    tensorflow__bundle_header_proto__free_unpacked(h, NULL);
    return ok;
}

/* Fills e from the proto, checking everything that needs no shard. */
static bool check_entry(const char *name, const char *key, const Tensorflow__BundleEntryProto *p,
                        struct md_bundle_entry *e, struct md_status *st)
{
    char k[160], s[160];
    esc_key(k, sizeof k, key);
    int dt = (int)p->dtype;
    if (dt <= MD_DT_INVALID || dt >= MD_DT_COUNT || !md_dtype_info(dt)->name ||
        md_dtype_info(dt)->size == 0)
        return md_status_set(st, MD_DATA_LOSS, "%s: variable '%s' has unknown dtype %d", name, k,
                             dt);
    if (p->n_slices)
        return md_status_set(st, MD_UNIMPLEMENTED,
                             "%s: variable '%s' is saved as %zu slices (partitioned variable); "
                             "sliced variables are not supported",
                             name, k, p->n_slices);
    e->dtype = (enum md_dtype)dt;
    e->rank = 0;
    if (p->shape) {
        if (p->shape->unknown_rank)
            return md_status_set(st, MD_DATA_LOSS, "%s: variable '%s' has an unknown rank", name,
                                 k);
        if (p->shape->n_dim > MD_MAX_RANK)
            return md_status_set(st, MD_UNIMPLEMENTED,
                                 "%s: variable '%s' has rank %zu, more than the supported %d",
                                 name, k, p->shape->n_dim, MD_MAX_RANK);
        e->rank = (int)p->shape->n_dim;
        for (int i = 0; i < e->rank; i++)
            e->dims[i] = p->shape->dim[i]->size;
    }
    for (int i = e->rank; i < MD_MAX_RANK; i++)
        e->dims[i] = 0;
    int64_t nelem = md_shape_num_elements(e->rank, e->dims);
    if (nelem < 0)
        return md_status_set(st, MD_DATA_LOSS, "%s: variable '%s' has an invalid shape %s", name,
                             k, md_shape_str(s, sizeof s, e->rank, e->dims));
    if (p->shard_id < 0 || p->offset < 0 || p->size < 0)
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: variable '%s' has a negative shard_id, offset or size "
                             "(%d, %" PRId64 ", %" PRId64 ")",
                             name, k, p->shard_id, p->offset, p->size);
    e->shard_id = p->shard_id;
    e->offset = p->offset;
    e->size = p->size;
    e->crc32c = p->crc32c;
    size_t es = disk_elem_size(e->dtype);
    if (es) {
        if ((uint64_t)nelem * es != (uint64_t)p->size)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: variable '%s': size %" PRId64
                                 " bytes does not match shape %s of %s (%" PRIu64 " bytes)",
                                 name, k, p->size, md_shape_str(s, sizeof s, e->rank, e->dims),
                                 md_dtype_name(dt), (uint64_t)nelem * es);
    } else if (e->dtype == MD_DT_STRING && p->size != 0 && p->size - 4 < nelem) {
        /* At least one length byte per element plus the 4-byte checksum. */
        return md_status_set(st, MD_DATA_LOSS,
                             "%s: variable '%s': %" PRId64 " bytes cannot hold %" PRId64
                             " strings",
                             name, k, p->size, nelem);
    }
    return true;
}

static bool index_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
                        size_t vlen, struct md_status *st)
{
    struct parse_ctx *pc = ctx;
    struct md_bundle *b = pc->b;
    char k[160];
    if (pc->seen++ == 0) {
        if (klen != 0)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: first key is '%s', expected the empty header key",
                                 pc->name, md_escape(k, sizeof k, (const char *)key, klen));
        return parse_header(pc, val, vlen, st);
    }
    /* The SSTable walk gives keys in file order; TensorFlow's lookups rely
     * on them being sorted, and so does md_bundle_find. */
    if (klen == 0)
        return md_status_set(st, MD_DATA_LOSS, "%s: duplicate header entry", pc->name);
    if (memchr(key, '\0', klen)) {
        /* Slices of a partitioned variable are stored under keys encoded
         * with OrderedCode, which start with a 0 byte; their full variable
         * is rejected below with a clear message. Nothing else has NULs. */
        if (key[0] == 0) {
            pc->skipped_slices++;
            return true;
        }
        return md_status_set(st, MD_DATA_LOSS, "%s: key '%s' contains a NUL byte", pc->name,
                             md_escape(k, sizeof k, (const char *)key, klen));
    }
    if (b->n) {
        const char *prev = b->entries[b->n - 1].key;
        size_t pl = strlen(prev), m = pl < klen ? pl : klen;
        int c = memcmp(prev, key, m);
        if (c > 0 || (c == 0 && pl >= klen))
            return md_status_set(st, MD_DATA_LOSS, "%s: keys out of order at '%s'", pc->name,
                                 md_escape(k, sizeof k, (const char *)key, klen));
    }
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        struct md_bundle_entry *ne = realloc(b->entries, nc * sizeof *ne);
        if (!ne)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: out of memory", pc->name);
        b->entries = ne;
        b->cap = nc;
    }
    char *kcopy = str_dup_n((const char *)key, klen);
    if (!kcopy)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: out of memory", pc->name);
    Tensorflow__BundleEntryProto *p = tensorflow__bundle_entry_proto__unpack(NULL, vlen, val);
    if (!p) {
        md_status_set(st, MD_DATA_LOSS, "%s: corrupt BundleEntryProto for '%s'", pc->name,
                      esc_key(k, sizeof k, kcopy));
        free(kcopy);
        return false;
    }
    struct md_bundle_entry *e = &b->entries[b->n];
    memset(e, 0, sizeof *e);
    bool ok = check_entry(pc->name, kcopy, p, e, st);
    tensorflow__bundle_entry_proto__free_unpacked(p, NULL);
    if (!ok) {
        free(kcopy);
        return false;
    }
    e->key = kcopy;
    b->n++;
    return true;
}

static bool parse_index(struct md_bundle *b, const uint8_t *data, size_t size,
                        struct md_status *st)
{
    struct parse_ctx pc = { b, b->index_name, 0, 0 };
    if (!md_sst_foreach(data, size, b->index_name, index_visit, &pc, st))
        return false;
    if (pc.seen == 0)
        return md_status_set(st, MD_DATA_LOSS, "%s: no header entry (empty table)",
                             b->index_name);
    if (pc.skipped_slices)
        return md_status_set(st, MD_UNIMPLEMENTED,
                             "%s: bundle holds %zu slice entries of partitioned variables; "
                             "sliced variables are not supported",
                             b->index_name, pc.skipped_slices);
    return true;
}

/* After the shards are known: every entry must lie inside its shard. */
static bool check_extents(const struct md_bundle *b, struct md_status *st)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct md_bundle_entry *e = &b->entries[i];
        char k[160], sn[64];
        if (e->shard_id >= b->num_shards)
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: variable '%s' is in shard %d but the bundle has %d shards",
                                 b->index_name, esc_key(k, sizeof k, e->key), e->shard_id,
                                 b->num_shards);
        const struct shard *s = &b->shards[e->shard_id];
        if ((uint64_t)e->offset > s->size || (uint64_t)e->size > s->size - (uint64_t)e->offset) {
            shard_name(b, e->shard_id, sn, sizeof sn);
            return md_status_set(st, MD_DATA_LOSS,
                                 "%s: variable '%s' (offset %" PRId64 ", size %" PRId64
                                 ") extends past the end of %s (%zu bytes)",
                                 b->index_name, esc_key(k, sizeof k, e->key), e->offset, e->size,
                                 sn, s->size);
        }
    }
    return true;
}

/* -------------------------------------------------------------- shards */

static void release_mmap(struct md_buf *buf)
{
    if (buf->data)
        munmap(buf->data, buf->size);
    free(buf);
}

static void release_borrowed(struct md_buf *buf)
{
    free(buf);
}

static struct md_buf *wrap_buf(void *data, size_t size, void (*release)(struct md_buf *))
{
    struct md_buf *buf = malloc(sizeof *buf);
    if (!buf)
        return NULL;
    atomic_init(&buf->refs, 1);
    buf->size = size;
    buf->data = data;
    buf->release = release;
    buf->owner = NULL;
    return buf;
}

static bool map_shard(struct md_bundle *b, const char *prefix, int i, struct md_status *st)
{
    char sn[64];
    shard_name(b, i, sn, sizeof sn);
    size_t plen = strlen(prefix);
    char *path = malloc(plen + 32);
    if (!path)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    snprintf(path, plen + 32, "%s.data-%05d-of-%05d", prefix, i, b->num_shards);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return md_status_set(st, MD_NOT_FOUND, "%s: shard missing (%s lists %d shards)", sn,
                                 b->index_name, b->num_shards);
        return md_status_set(st, errno_code(e), "%s: cannot open: %s", sn, strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return md_status_set(st, errno_code(e), "%s: cannot stat: %s", sn, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return md_status_set(st, MD_FAILED_PRECONDITION, "%s: not a regular file", sn);
    }
    size_t size = (size_t)sb.st_size;
    void *data = NULL;
    if (size) {
        data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            int e = errno;
            close(fd);
            return md_status_set(st, errno_code(e), "%s: mmap of %zu bytes failed: %s", sn, size,
                                 strerror(e));
        }
    }
    close(fd);
    struct md_buf *buf = wrap_buf(data, size, release_mmap);
    if (!buf) {
        if (data)
            munmap(data, size);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    b->shards[i] = (struct shard){ buf, data, size };
    b->mapped += size;
    return true;
}

/* ---------------------------------------------------------------- open */

static struct md_bundle *bundle_new(const char *index_name, const char *shard_base,
                                    struct md_status *st)
{
    struct md_bundle *b = calloc(1, sizeof *b);
    if (b) {
        b->index_name = str_dup_n(index_name, strlen(index_name));
        b->shard_base = str_dup_n(shard_base, strlen(shard_base));
    }
    if (!b || !b->index_name || !b->shard_base) {
        md_bundle_free(b);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory opening a bundle");
        return NULL;
    }
    return b;
}

static bool alloc_shards(struct md_bundle *b, struct md_status *st)
{
    if (b->num_shards == 0)
        return true;
    b->shards = calloc((size_t)b->num_shards, sizeof *b->shards);
    if (!b->shards)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: out of memory", b->index_name);
    return true;
}

/* Reads a whole (index) file. */
static bool read_file(const char *path, const char *name, uint8_t **out, size_t *len,
                      struct md_status *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return md_status_set(st, errno_code(e), "%s: cannot open: %s", name, strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return md_status_set(st, MD_FAILED_PRECONDITION, "%s: not a regular file", name);
    }
    if ((uint64_t)sb.st_size > MD_BUNDLE_INDEX_MAX) {
        close(fd);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED,
                             "%s: %lld bytes exceeds the index size limit of %zu", name,
                             (long long)sb.st_size, MD_BUNDLE_INDEX_MAX);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: out of memory", name);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            free(buf);
            close(fd);
            return md_status_set(st, MD_DATA_LOSS, "%s: read failed: %s", name,
                                 e ? strerror(e) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = size;
    return true;
}

struct md_bundle *md_bundle_open(const char *prefix, struct md_status *st)
{
    if (!prefix || !*prefix) {
        md_status_set(st, MD_INVALID_ARGUMENT, "bundle prefix is empty");
        return NULL;
    }
    const char *base = base_name(prefix);
    size_t plen = strlen(prefix);
    char *index_path = malloc(plen + 7);
    char *index_name = malloc(strlen(base) + 7);
    if (!index_path || !index_name) {
        free(index_path);
        free(index_name);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory opening a bundle");
        return NULL;
    }
    snprintf(index_path, plen + 7, "%s.index", prefix);
    snprintf(index_name, strlen(base) + 7, "%s.index", base);
    struct md_bundle *b = bundle_new(index_name, base, st);
    uint8_t *bytes = NULL;
    size_t len = 0;
    bool ok = b && read_file(index_path, index_name, &bytes, &len, st) &&
              parse_index(b, bytes, len, st) && alloc_shards(b, st);
    free(bytes);
    free(index_path);
    free(index_name);
    for (int i = 0; ok && i < b->num_shards; i++) {
        ok = map_shard(b, prefix, i, st);
        if (ok)
            b->n_shard_files = i + 1;
    }
    ok = ok && check_extents(b, st);
    if (!ok) {
        md_bundle_free(b);
        return NULL;
    }
    return b;
}

struct md_bundle *md_bundle_open_mem(const void *index, size_t index_size,
                                     const void *const *shards, const size_t *shard_sizes,
                                     size_t n_shards, const char *name, struct md_status *st)
{
    struct md_bundle *b = bundle_new(name ? name : "bundle.index", "bundle", st);
    bool ok = b && parse_index(b, index, index_size, st) && alloc_shards(b, st);
    for (int i = 0; ok && i < b->num_shards; i++) {
        if ((size_t)i >= n_shards) {
            char sn[64];
            shard_name(b, i, sn, sizeof sn);
            ok = md_status_set(st, MD_NOT_FOUND, "%s: shard missing (%s lists %d shards)", sn,
                               b->index_name, b->num_shards);
            break;
        }
        /* Borrowed memory: the md_buf only keeps refcounting uniform. */
        void *d = (void *)(uintptr_t)shards[i];
        struct md_buf *buf = wrap_buf(d, shard_sizes[i], release_borrowed);
        if (!buf) {
            ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
            break;
        }
        b->shards[i] = (struct shard){ buf, d, shard_sizes[i] };
        b->n_shard_files = i + 1;
    }
    ok = ok && check_extents(b, st);
    if (!ok) {
        md_bundle_free(b);
        return NULL;
    }
    return b;
}

void md_bundle_free(struct md_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free((char *)(uintptr_t)b->entries[i].key);
    free(b->entries);
    for (int i = 0; i < b->n_shard_files; i++)
        md_buf_unref(b->shards[i].buf);
    free(b->shards);
    free(b->index_name);
    free(b->shard_base);
    free(b);
}

size_t md_bundle_count(const struct md_bundle *b)
{
    return b ? b->n : 0;
}

const struct md_bundle_entry *md_bundle_entry_at(const struct md_bundle *b, size_t i)
{
    return b && i < b->n ? &b->entries[i] : NULL;
}

const struct md_bundle_entry *md_bundle_find(const struct md_bundle *b, const char *key)
{
    if (!b || !key)
        return NULL;
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->entries[mid].key, key); /* unsigned bytes: SSTable order */
        if (c == 0)
            return &b->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t md_bundle_mapped_bytes(const struct md_bundle *b)
{
    return b ? b->mapped : 0;
}

/* ---------------------------------------------------------------- read */

static bool read_strings(const struct md_bundle *b, const struct md_bundle_entry *e,
                         const uint8_t *p, struct md_tensor *out, struct md_status *st)
{
    char k[160], sn[64];
    int64_t n = md_shape_num_elements(e->rank, e->dims);
    size_t size = (size_t)e->size;
    const uint8_t *end = p + size, *q = p;
    uint32_t crc = 0;
    uint64_t total = 0;
    if (size == 0 && n != 0)
        goto truncated;
    if (size != 0) {
        for (int64_t i = 0; i < n; i++) {
            uint64_t len;
            if (!md_varint64_get(&q, end, &len))
                goto truncated;
            uint8_t raw[8];
            if (len <= UINT32_MAX) {
                md_put_le32(raw, (uint32_t)len);
                crc = md_crc32c_extend(crc, raw, 4);
            } else {
                md_put_le64(raw, len);
                crc = md_crc32c_extend(crc, raw, 8);
            }
            if (len > size) /* keeps total from overflowing */
                goto truncated;
            total += len;
        }
        if ((size_t)(end - q) < 4)
            goto truncated;
        uint32_t lcrc = md_crc32c_unmask(md_le32(q));
        if (lcrc != crc) {
            shard_name(b, e->shard_id, sn, sizeof sn);
            return md_status_set(st, MD_DATA_LOSS,
                                 "variable '%s' in %s: string length checksum mismatch (stored "
                                 "0x%08x, computed 0x%08x)",
                                 esc_key(k, sizeof k, e->key), sn, lcrc, crc);
        }
        crc = md_crc32c_extend(crc, q, 4);
        q += 4;
        if (total != (uint64_t)(end - q)) {
            shard_name(b, e->shard_id, sn, sizeof sn);
            return md_status_set(st, MD_DATA_LOSS,
                                 "variable '%s' in %s: string lengths add up to %" PRIu64
                                 " bytes but the entry holds %zu",
                                 esc_key(k, sizeof k, e->key), sn, total, (size_t)(end - q));
        }
        crc = md_crc32c_extend(crc, q, (size_t)total);
    }
    if (crc != md_crc32c_unmask(e->crc32c)) {
        shard_name(b, e->shard_id, sn, sizeof sn);
        return md_status_set(st, MD_DATA_LOSS,
                             "variable '%s' in %s: crc32c mismatch (stored 0x%08x, computed "
                             "0x%08x)",
                             esc_key(k, sizeof k, e->key), sn, md_crc32c_unmask(e->crc32c), crc);
    }
    if (!md_tensor_alloc(out, MD_DT_STRING, e->rank, e->dims, (size_t)total, st))
        return false;
    struct md_str *s = out->data;
    char *bytes = (char *)out->data + md_tensor_nbytes(out);
    if (total)
        memcpy(bytes, q, (size_t)total);
    /* Second pass over the (already validated) lengths. */
    const uint8_t *r = p;
    for (int64_t i = 0; i < n; i++) {
        uint64_t len = 0;
        md_varint64_get(&r, end, &len);
        s[i].data = bytes;
        s[i].len = (size_t)len;
        bytes += len;
    }
    return true;

truncated:
    shard_name(b, e->shard_id, sn, sizeof sn);
    return md_status_set(st, MD_DATA_LOSS,
                         "variable '%s' in %s: string data truncated (%" PRId64
                         " elements in %zu bytes)",
                         esc_key(k, sizeof k, e->key), sn, n, size);
}

bool md_bundle_read(const struct md_bundle *b, const char *key, struct md_tensor *out,
                    struct md_status *st)
{
    char k[160], sn[64];
    if (!b || !key || !out)
        return md_status_set(st, MD_INVALID_ARGUMENT, "md_bundle_read: NULL argument");
    const struct md_bundle_entry *e = md_bundle_find(b, key);
    if (!e)
        return md_status_set(st, MD_NOT_FOUND, "%s: no variable '%s'", b->index_name,
                             esc_key(k, sizeof k, key));
    if (!readable_dtype(e->dtype))
        return md_status_set(st, MD_UNIMPLEMENTED, "%s: variable '%s' has dtype %s, which is not "
                             "supported",
                             b->index_name, esc_key(k, sizeof k, e->key), md_dtype_name(e->dtype));
    const struct shard *s = &b->shards[e->shard_id];
    /* An empty shard has no mapping: keep NULL + offset out of the picture. */
    const uint8_t *p = s->data ? s->data + e->offset : (const uint8_t *)"";
    size_t size = (size_t)e->size;
    if (e->dtype == MD_DT_STRING)
        return read_strings(b, e, p, out, st);
    uint32_t crc = md_crc32c(p, size);
    if (crc != md_crc32c_unmask(e->crc32c)) {
        shard_name(b, e->shard_id, sn, sizeof sn);
        return md_status_set(st, MD_DATA_LOSS,
                             "variable '%s' in %s: crc32c mismatch (stored 0x%08x, computed "
                             "0x%08x)",
                             esc_key(k, sizeof k, e->key), sn, md_crc32c_unmask(e->crc32c), crc);
    }
    size_t align = md_dtype_size(e->dtype);
    if (size > 0 && ((uintptr_t)p & (align - 1)) == 0) {
        /* Zero-copy: a view sharing the shard's mapping (read-only memory). */
        out->dtype = e->dtype;
        out->rank = e->rank;
        memcpy(out->dims, e->dims, sizeof out->dims);
        out->data = (void *)(uintptr_t)p; /* read-only mapping: see loader.h */
        out->buf = md_buf_ref(s->buf);
        return true;
    }
    if (!md_tensor_alloc(out, e->dtype, e->rank, e->dims, 0, st))
        return false;
    if (size)
        memcpy(out->data, p, size);
    return true;
}

/* -------------------------------------------------------------- writer */

struct wentry {
    char *key;
    enum md_dtype dtype;
    int rank;
    int64_t dims[MD_MAX_RANK];
    int64_t offset, size;
    uint32_t crc_masked;
};

struct md_bundle_writer {
    char *prefix;
    char *data_path, *data_tmp; /* final and temporary names */
    char *index_path, *index_tmp;
    int fd;
    uint64_t off;            /* bytes written to the data file */
    struct md_bytes wbuf;    /* write buffer */
    struct wentry *e;
    size_t n, cap;
    size_t *slots;           /* open-addressing set of entry index + 1 */
    size_t nslots;
    size_t block_size, alignment;
    bool failed, finished;
};

#define WBUF_FLUSH ((size_t)1 << 20)

static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static bool set_grow(struct md_bundle_writer *w)
{
    size_t nn = w->nslots ? w->nslots * 2 : 64;
    size_t *ns = calloc(nn, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < w->n; i++) {
        size_t j = (size_t)key_hash(w->e[i].key) & (nn - 1);
        while (ns[j])
            j = (j + 1) & (nn - 1);
        ns[j] = i + 1;
    }
    free(w->slots);
    w->slots = ns;
    w->nslots = nn;
    return true;
}

/* Slot for key: either holding it or the empty one where it would go. */
static size_t *set_slot(struct md_bundle_writer *w, const char *key)
{
    size_t j = (size_t)key_hash(key) & (w->nslots - 1);
    while (w->slots[j] && strcmp(w->e[w->slots[j] - 1].key, key) != 0)
        j = (j + 1) & (w->nslots - 1);
    return &w->slots[j];
}

static bool write_all(int fd, const void *p, size_t n, const char *name, struct md_status *st)
{
    const uint8_t *c = p;
    while (n) {
        ssize_t r = write(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            return md_status_set(st, errno_code(e), "%s: write failed: %s", name, strerror(e));
        }
        c += r;
        n -= (size_t)r;
    }
    return true;
}

static bool wflush(struct md_bundle_writer *w, struct md_status *st)
{
    bool ok = write_all(w->fd, w->wbuf.data, w->wbuf.len, base_name(w->data_path), st);
    w->wbuf.len = 0;
    return ok;
}

/* Appends to the data file through the buffer; big pieces go straight out. */
static bool wappend(struct md_bundle_writer *w, const void *p, size_t n, struct md_status *st)
{
    w->off += n;
    if (n >= WBUF_FLUSH)
        return wflush(w, st) && write_all(w->fd, p, n, base_name(w->data_path), st);
    if (!md_bytes_append(&w->wbuf, p, n))
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
    return w->wbuf.len < WBUF_FLUSH || wflush(w, st);
}

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* mkstemp-style temporary name next to the final one. */
static int open_tmp(char **tmp, const char *final_path)
{
    *tmp = cat3(final_path, ".tempstate", "XXXXXX");
    if (!*tmp)
        return -1;
    int fd = mkostemp(*tmp, O_CLOEXEC);
    /* mkstemp makes the file private; a bundle is meant to be shared. */
    if (fd >= 0 && fchmod(fd, 0644) != 0) {
        int e = errno;
        close(fd);
        unlink(*tmp);
        errno = e;
        return -1;
    }
    return fd;
}

struct md_bundle_writer *md_bundle_writer_new(const char *prefix, struct md_status *st)
{
    if (!prefix || !*prefix) {
        md_status_set(st, MD_INVALID_ARGUMENT, "bundle prefix is empty");
        return NULL;
    }
    struct md_bundle_writer *w = calloc(1, sizeof *w);
    if (!w) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    w->fd = -1;
    w->block_size = 262144;
    w->alignment = 64;
    w->prefix = cat3(prefix, "", "");
    w->data_path = cat3(prefix, ".data-00000-of-00001", "");
    w->index_path = cat3(prefix, ".index", "");
    if (!w->prefix || !w->data_path || !w->index_path || !set_grow(w)) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        md_bundle_writer_free(w);
        return NULL;
    }
    /* Like TensorFlow, create the prefix's directory (one level). */
    char *slash = strrchr(w->prefix, '/');
    if (slash && slash != w->prefix) {
        *slash = '\0';
        if (mkdir(w->prefix, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            md_status_set(st, errno_code(e), "cannot create directory for bundle '%s': %s",
                          base_name(prefix), strerror(e));
            *slash = '/';
            md_bundle_writer_free(w);
            return NULL;
        }
        *slash = '/';
    }
    w->fd = open_tmp(&w->data_tmp, w->data_path);
    if (w->fd < 0) {
        int e = errno;
        md_status_set(st, w->data_tmp ? errno_code(e) : MD_RESOURCE_EXHAUSTED,
                      "%s: cannot create: %s", base_name(w->data_path),
                      w->data_tmp ? strerror(e) : "out of memory");
        md_bundle_writer_free(w);
        return NULL;
    }
    return w;
}

void md_bundle_writer_set_block_size(struct md_bundle_writer *w, size_t block_size)
{
    if (w && block_size)
        w->block_size = block_size;
}

void md_bundle_writer_set_alignment(struct md_bundle_writer *w, size_t alignment)
{
    if (w && alignment && !(alignment & (alignment - 1)))
        w->alignment = alignment;
}

static bool writer_usable(const struct md_bundle_writer *w, struct md_status *st)
{
    if (!w)
        return md_status_set(st, MD_INVALID_ARGUMENT, "bundle writer is NULL");
    if (w->finished)
        return md_status_set(st, MD_FAILED_PRECONDITION, "bundle writer already finished");
    if (w->failed)
        return md_status_set(st, MD_FAILED_PRECONDITION,
                             "bundle writer failed earlier; discard it");
    return true;
}

static bool write_numeric(struct md_bundle_writer *w, const struct md_tensor *t, uint32_t *crc,
                          struct md_status *st)
{
    size_t nb = md_tensor_nbytes(t);
    *crc = md_crc32c(t->data, nb);
    return nb == 0 || wappend(w, t->data, nb, st);
}

static bool write_strings(struct md_bundle_writer *w, const struct md_tensor *t, uint32_t *crc,
                          struct md_status *st)
{
    int64_t n = md_tensor_num_elements(t);
    const struct md_str *s = t->data;
    uint32_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        uint8_t v[10], raw[8];
        size_t vl = md_varint64_put(v, s[i].len);
        if (!wappend(w, v, vl, st))
            return false;
        if ((uint64_t)s[i].len <= UINT32_MAX) {
            md_put_le32(raw, (uint32_t)s[i].len);
            c = md_crc32c_extend(c, raw, 4);
        } else {
            md_put_le64(raw, s[i].len);
            c = md_crc32c_extend(c, raw, 8);
        }
    }
    uint8_t lc[4];
    md_put_le32(lc, md_crc32c_mask(c));
    if (!wappend(w, lc, 4, st))
        return false;
    c = md_crc32c_extend(c, lc, 4);
    for (int64_t i = 0; i < n; i++) {
        if (!s[i].len)
            continue;
        if (!wappend(w, s[i].data, s[i].len, st))
            return false;
        c = md_crc32c_extend(c, s[i].data, s[i].len);
    }
    *crc = c;
    return true;
}

bool md_bundle_writer_add(struct md_bundle_writer *w, const char *key, const struct md_tensor *t,
                          struct md_status *st)
{
    char k[160];
    if (!writer_usable(w, st))
        return false;
    if (!key || !t)
        return md_status_set(st, MD_INVALID_ARGUMENT, "md_bundle_writer_add: NULL argument");
    if (!*key)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "bundle writer: the empty key is reserved for the header");
    esc_key(k, sizeof k, key);
    if (!readable_dtype(t->dtype))
        return md_status_set(st, MD_UNIMPLEMENTED, "bundle writer: '%s' has dtype %s, which is "
                             "not supported",
                             k, md_dtype_name(t->dtype));
    int64_t nelem = md_tensor_num_elements(t);
    if (nelem < 0) {
        char s[160];
        return md_status_set(st, MD_INVALID_ARGUMENT, "bundle writer: '%s' has an invalid shape %s",
                             k, md_shape_str(s, sizeof s, t->rank, t->dims));
    }
    if (nelem > 0 && !t->data)
        return md_status_set(st, MD_INVALID_ARGUMENT, "bundle writer: '%s' has no data", k);
    if (w->n * 2 >= w->nslots && !set_grow(w))
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
    size_t *slot = set_slot(w, key);
    if (*slot)
        return md_status_set(st, MD_INVALID_ARGUMENT, "bundle writer: duplicate key '%s'", k);
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        struct wentry *ne = realloc(w->e, nc * sizeof *ne);
        if (!ne)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
        w->e = ne;
        w->cap = nc;
    }
    struct wentry *e = &w->e[w->n];
    memset(e, 0, sizeof *e);
    e->key = str_dup_n(key, strlen(key));
    if (!e->key)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
    /* Pad so every tensor starts aligned; readers then get zero-copy views.
     * TensorFlow's writer does the same with its data_alignment option. */
    static const uint8_t zeros[64];
    size_t pad = (size_t)((w->alignment - (w->off & (w->alignment - 1))) & (w->alignment - 1));
    bool ok = true;
    while (ok && pad) {
        size_t c = pad < sizeof zeros ? pad : sizeof zeros;
        ok = wappend(w, zeros, c, st);
        pad -= c;
    }
    e->offset = (int64_t)w->off;
    uint32_t crc = 0;
    ok = ok && (t->dtype == MD_DT_STRING ? write_strings(w, t, &crc, st)
                                         : write_numeric(w, t, &crc, st));
    if (!ok) {
        free(e->key);
        w->failed = true;
        return false;
    }
    e->dtype = t->dtype;
    e->rank = t->rank;
    for (int i = 0; i < t->rank; i++)
        e->dims[i] = t->dims[i];
    e->size = (int64_t)w->off - e->offset;
    e->crc_masked = md_crc32c_mask(crc);
    *slot = ++w->n;
    return true;
}

static int wentry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct wentry *)a)->key, ((const struct wentry *)b)->key);
}

static bool build_index(struct md_bundle_writer *w, struct md_bytes *out, struct md_status *st)
{
    struct md_sst_options o = MD_SST_OPTIONS_DEFAULT;
    o.block_size = w->block_size;
    struct md_sst_builder *sb = md_sst_builder_new(&o);
    if (!sb)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
    bool ok = true;
    uint8_t *buf = NULL;
    size_t cap = 0;

    Tensorflow__VersionDef ver = TENSORFLOW__VERSION_DEF__INIT;
    ver.producer = BUNDLE_VERSION;
    Tensorflow__BundleHeaderProto hdr = TENSORFLOW__BUNDLE_HEADER_PROTO__INIT;
    hdr.num_shards = 1;
    hdr.endianness = TENSORFLOW__BUNDLE_HEADER_PROTO__ENDIANNESS__LITTLE;
    hdr.version = &ver;
    size_t len = tensorflow__bundle_header_proto__get_packed_size(&hdr);
    buf = malloc(len ? len : 1);
    cap = len;
    if (!buf)
        ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
    if (ok) {
        tensorflow__bundle_header_proto__pack(&hdr, buf);
        ok = md_sst_builder_add(sb, "", 0, buf, len, st);
    }

    if (w->n)
        qsort(w->e, w->n, sizeof *w->e, wentry_cmp);
    for (size_t i = 0; ok && i < w->n; i++) {
        const struct wentry *e = &w->e[i];
        Tensorflow__TensorShapeProto__Dim dimv[MD_MAX_RANK], *dimp[MD_MAX_RANK];
        for (int d = 0; d < e->rank; d++) {
            tensorflow__tensor_shape_proto__dim__init(&dimv[d]);
            dimv[d].size = e->dims[d];
            dimp[d] = &dimv[d];
        }
        Tensorflow__TensorShapeProto shape = TENSORFLOW__TENSOR_SHAPE_PROTO__INIT;
        shape.n_dim = (size_t)e->rank;
        shape.dim = e->rank ? dimp : NULL;
        Tensorflow__BundleEntryProto ep = TENSORFLOW__BUNDLE_ENTRY_PROTO__INIT;
        ep.dtype = (Tensorflow__DataType)e->dtype;
        ep.shape = &shape; /* always present, as TensorFlow writes it */
        ep.shard_id = 0;
        ep.offset = e->offset;
        ep.size = e->size;
        ep.crc32c = e->crc_masked;
        len = tensorflow__bundle_entry_proto__get_packed_size(&ep);
        if (len > cap) {
            uint8_t *nb = realloc(buf, len);
            if (!nb) {
                ok = md_status_set(st, MD_RESOURCE_EXHAUSTED, "bundle writer: out of memory");
                break;
            }
            buf = nb;
            cap = len;
        }
        tensorflow__bundle_entry_proto__pack(&ep, buf);
        ok = md_sst_builder_add(sb, e->key, strlen(e->key), buf, len, st);
    }
    free(buf);
    ok = ok && md_sst_builder_finish(sb, out, st);
    md_sst_builder_free(sb);
    return ok;
}

static bool sync_close(int *fd, const char *name, struct md_status *st)
{
    bool ok = true;
    if (fsync(*fd) != 0) {
        int e = errno;
        ok = md_status_set(st, errno_code(e), "%s: fsync failed: %s", name, strerror(e));
    }
    if (close(*fd) != 0 && ok) {
        int e = errno;
        ok = md_status_set(st, errno_code(e), "%s: close failed: %s", name, strerror(e));
    }
    *fd = -1;
    return ok;
}

bool md_bundle_writer_finish(struct md_bundle_writer *w, struct md_status *st)
{
    if (!writer_usable(w, st))
        return false;
    const char *dname = base_name(w->data_path), *iname = base_name(w->index_path);
    struct md_bytes index = MD_BYTES_INIT;
    bool ok = wflush(w, st) && sync_close(&w->fd, dname, st) && build_index(w, &index, st);
    if (ok) {
        w->fd = open_tmp(&w->index_tmp, w->index_path);
        if (w->fd < 0) {
            int e = errno;
            ok = md_status_set(st, w->index_tmp ? errno_code(e) : MD_RESOURCE_EXHAUSTED,
                               "%s: cannot create: %s", iname,
                               w->index_tmp ? strerror(e) : "out of memory");
        }
    }
    ok = ok && write_all(w->fd, index.data, index.len, iname, st) &&
         sync_close(&w->fd, iname, st);
    md_bytes_cleanup(&index);
    /* Data first, index last: a reader never sees an index whose data is
     * missing (TensorFlow renames in the same order). */
    if (ok && rename(w->data_tmp, w->data_path) != 0) {
        int e = errno;
        ok = md_status_set(st, errno_code(e), "%s: rename failed: %s", dname, strerror(e));
    }
    if (ok && rename(w->index_tmp, w->index_path) != 0) {
        int e = errno;
        ok = md_status_set(st, errno_code(e), "%s: rename failed: %s", iname, strerror(e));
    }
    if (!ok) {
        w->failed = true;
        return false;
    }
    w->finished = true;
    return true;
}

void md_bundle_writer_free(struct md_bundle_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (!w->finished) {
        if (w->data_tmp)
            unlink(w->data_tmp);
        if (w->index_tmp)
            unlink(w->index_tmp);
    }
    for (size_t i = 0; i < w->n; i++)
        free(w->e[i].key);
    free(w->e);
    free(w->slots);
    md_bytes_cleanup(&w->wbuf);
    free(w->prefix);
    free(w->data_path);
    free(w->data_tmp);
    free(w->index_path);
    free(w->index_tmp);
    free(w);
}
