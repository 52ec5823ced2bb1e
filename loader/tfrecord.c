/* tfrecord.c: TensorFlow's TFRecord framing (event files, warmup requests,
 * training data). Each record is
 *   uint64 length | uint32 masked crc32c(length bytes) | data | uint32 masked crc32c(data)
 * all little-endian. Compressed (GZIP/ZLIB) record files are not supported.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

#define HEADER 12
#define FOOTER 4

struct md_tfrecord_reader {
    char *name;          /* basename for messages */
    int fd;              /* -1 for memory readers */
    const uint8_t *mem;  /* memory reader: the whole input */
    size_t mem_len, mem_pos;
    uint64_t file_size;  /* regular files: known size, to refuse impossible lengths early */
    bool sized;
    uint64_t offset;     /* of the next record */
    uint8_t *buf;
    size_t cap;
    bool failed;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static struct md_tfrecord_reader *reader_new(const char *name, struct md_status *st)
{
    struct md_tfrecord_reader *r = calloc(1, sizeof *r);
    size_t n = strlen(name);
    if (r)
        r->name = malloc(n + 1);
    if (!r || !r->name) {
        free(r);
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory opening a TFRecord file");
        return NULL;
    }
    memcpy(r->name, name, n + 1);
    r->fd = -1;
    return r;
}

struct md_tfrecord_reader *md_tfrecord_open(const char *path, struct md_status *st)
{
    if (!path || !*path) {
        md_status_set(st, MD_INVALID_ARGUMENT, "TFRecord path is empty");
        return NULL;
    }
    const char *name = base_name(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        md_status_set(st, e == ENOENT || e == ENOTDIR ? MD_NOT_FOUND
                          : e == EACCES           ? MD_PERMISSION_DENIED
                                                  : MD_INTERNAL,
                      "%s: cannot open: %s", name, strerror(e));
        return NULL;
    }
    struct md_tfrecord_reader *r = reader_new(name, st);
    if (!r) {
        close(fd);
        return NULL;
    }
    r->fd = fd;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        r->sized = true;
        r->file_size = (uint64_t)sb.st_size;
    }
    return r;
}

struct md_tfrecord_reader *md_tfrecord_open_mem(const void *data, size_t len, const char *name,
                                                struct md_status *st)
{
    struct md_tfrecord_reader *r = reader_new(name ? name : "tfrecord", st);
    if (!r)
        return NULL;
    r->mem = data;
    r->mem_len = len;
    r->sized = true;
    r->file_size = len;
    return r;
}

void md_tfrecord_close(struct md_tfrecord_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    free(r->name);
    free(r);
}

/* Reads up to n bytes into dst; *got < n only at end of file. */
static bool read_up_to(struct md_tfrecord_reader *r, uint8_t *dst, size_t n, size_t *got,
                       struct md_status *st)
{
    *got = 0;
    while (*got < n) {
        ssize_t k = read(r->fd, dst + *got, n - *got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            return md_status_set(st, MD_DATA_LOSS, "%s: read failed at offset %" PRIu64 ": %s",
                                 r->name, r->offset, strerror(e));
        }
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return true;
}

/* Next n bytes: a pointer into memory, or read into r->buf at `at`. */
static bool take(struct md_tfrecord_reader *r, size_t n, size_t at, const uint8_t **out,
                 size_t *got, struct md_status *st)
{
    if (r->mem) {
        size_t left = r->mem_len - r->mem_pos;
        *got = n < left ? n : left;
        *out = r->mem + r->mem_pos;
        r->mem_pos += *got;
        return true;
    }
    if (at + n > r->cap || at + n < at) {
        size_t nc = r->cap ? r->cap : 4096;
        while (nc < at + n)
            nc = nc > SIZE_MAX / 2 ? at + n : nc * 2;
        uint8_t *nb = realloc(r->buf, nc);
        if (!nb)
            return md_status_set(st, MD_RESOURCE_EXHAUSTED,
                                 "%s: out of memory for a record of %zu bytes", r->name, n);
        r->buf = nb;
        r->cap = nc;
    }
    *out = r->buf + at;
    return read_up_to(r, r->buf + at, n, got, st);
}

static bool fail(struct md_tfrecord_reader *r)
{
    r->failed = true;
    return false;
}

bool md_tfrecord_next(struct md_tfrecord_reader *r, const uint8_t **data, size_t *len,
                      struct md_status *st)
{
    if (!r)
        return md_status_set(st, MD_INVALID_ARGUMENT, "TFRecord reader is NULL");
    if (r->failed)
        return md_status_set(st, MD_FAILED_PRECONDITION,
                             "%s: reader stopped at an earlier error", r->name);
    const uint8_t *h;
    size_t got;
    if (!take(r, HEADER, 0, &h, &got, st))
        return fail(r);
    if (got == 0)
        return false; /* clean end of file */
    if (got < HEADER) {
        md_status_set(st, MD_DATA_LOSS,
                      "%s: truncated record header at offset %" PRIu64 " (%zu of %d bytes)",
                      r->name, r->offset, got, HEADER);
        return fail(r);
    }
    uint64_t n = md_le64(h);
    uint32_t stored = md_le32(h + 8), actual = md_crc32c_mask(md_crc32c(h, 8));
    if (stored != actual) {
        /* A gzip stream starts with 1f 8b: say so rather than "corrupt". */
        bool gz = r->offset == 0 && h[0] == 0x1f && h[1] == 0x8b;
        md_status_set(st, MD_DATA_LOSS,
                      "%s: record at offset %" PRIu64
                      ": length checksum mismatch (stored 0x%08x, computed 0x%08x)%s",
                      r->name, r->offset, stored, actual,
                      gz ? "; the file looks gzip-compressed, which is not supported" : "");
        return fail(r);
    }
    if (n > MD_TFRECORD_MAX) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED,
                      "%s: record at offset %" PRIu64 " has %" PRIu64
                      " bytes, more than the limit of %" PRIu64,
                      r->name, r->offset, n, MD_TFRECORD_MAX);
        return fail(r);
    }
    /* A file may still be growing (event files): look again before
     * calling a record truncated. */
    struct stat sb;
    if (r->sized && r->fd >= 0 && n + HEADER + FOOTER > r->file_size - r->offset &&
        fstat(r->fd, &sb) == 0)
        r->file_size = (uint64_t)sb.st_size;
    if (r->sized && (r->offset > r->file_size ||
                     n + HEADER + FOOTER > r->file_size - r->offset)) {
        md_status_set(st, MD_DATA_LOSS,
                      "%s: truncated record at offset %" PRIu64 ": %" PRIu64
                      " data bytes announced, %" PRIu64 " left in the file",
                      r->name, r->offset, n,
                      r->offset + HEADER <= r->file_size ? r->file_size - r->offset - HEADER : 0);
        return fail(r);
    }
    const uint8_t *d;
    if (!take(r, (size_t)n + FOOTER, 0, &d, &got, st))
        return fail(r);
    if (got < n + FOOTER) {
        md_status_set(st, MD_DATA_LOSS,
                      "%s: truncated record at offset %" PRIu64 ": %" PRIu64
                      " data bytes announced, %zu present",
                      r->name, r->offset, n, got > n ? (size_t)n : got);
        return fail(r);
    }
    stored = md_le32(d + n);
    actual = md_crc32c_mask(md_crc32c(d, (size_t)n));
    if (stored != actual) {
        md_status_set(st, MD_DATA_LOSS,
                      "%s: record at offset %" PRIu64
                      ": data checksum mismatch (stored 0x%08x, computed 0x%08x)",
                      r->name, r->offset, stored, actual);
        return fail(r);
    }
    r->offset += HEADER + n + FOOTER;
    *data = d;
    *len = (size_t)n;
    return true;
}

bool md_tfrecord_write(int fd, const void *data, size_t len, struct md_status *st)
{
    if (len && !data)
        return md_status_set(st, MD_INVALID_ARGUMENT, "TFRecord write: NULL data");
    uint8_t h[HEADER], f[FOOTER];
    md_put_le64(h, len);
    md_put_le32(h + 8, md_crc32c_mask(md_crc32c(h, 8)));
    md_put_le32(f, md_crc32c_mask(md_crc32c(data, len)));
    const uint8_t *parts[3] = { h, data, f };
    size_t sizes[3] = { HEADER, len, FOOTER };
    for (int i = 0; i < 3; i++) {
        const uint8_t *p = parts[i];
        size_t n = sizes[i];
        while (n) {
            ssize_t k = write(fd, p, n);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                int e = errno;
                return md_status_set(st, e == ENOSPC || e == EDQUOT ? MD_RESOURCE_EXHAUSTED
                                                                    : MD_INTERNAL,
                                     "TFRecord write failed: %s", strerror(e));
            }
            p += k;
            n -= (size_t)k;
        }
    }
    return true;
}
