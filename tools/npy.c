/* npy.c: .npy / .npz reading and .npy writing (format: numpy's
 * doc/neps/nep-0001-npy-format, zip: PKWARE APPNOTE local/central headers). */
#include "tools/npy.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------ header */
struct descr {
    enum md_dtype dt;
    char kind;     /* b i u f S U */
    size_t isize;  /* bytes per element in the file */
    bool swap;     /* big-endian data */
};

static bool parse_descr(const char *s, size_t n, struct descr *d)
{
    if (n < 3)
        return false;
    char order = s[0], kind = s[1];
    char num[16];
    if (n - 2 >= sizeof num)
        return false;
    memcpy(num, s + 2, n - 2);
    num[n - 2] = '\0';
    char *end;
    long sz = strtol(num, &end, 10);
    if (*end || sz <= 0 || sz > (1 << 20))
        return false;
    d->isize = (size_t)sz;
    d->kind = kind;
    d->swap = order == '>' && sz > 1;
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return false;
    switch (kind) {
    case 'b': d->dt = MD_DT_BOOL; return sz == 1;
    case 'i':
        d->dt = sz == 1 ? MD_DT_INT8 : sz == 2 ? MD_DT_INT16 : sz == 4 ? MD_DT_INT32 : MD_DT_INT64;
        return sz == 1 || sz == 2 || sz == 4 || sz == 8;
    case 'u':
        d->dt = sz == 1 ? MD_DT_UINT8 : sz == 2 ? MD_DT_UINT16 : sz == 4 ? MD_DT_UINT32 : MD_DT_UINT64;
        return sz == 1 || sz == 2 || sz == 4 || sz == 8;
    case 'f':
        d->dt = sz == 2 ? MD_DT_HALF : sz == 4 ? MD_DT_FLOAT : MD_DT_DOUBLE;
        return sz == 2 || sz == 4 || sz == 8;
    case 'S': d->dt = MD_DT_STRING; return true;
    case 'U': d->dt = MD_DT_STRING; d->isize = (size_t)sz * 4; return sz <= (1 << 18);
    default: return false;
    }
}

/* Finds 'key': value in the header dict; returns a pointer to the value. */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

bool md_npy_parse(const void *data, size_t len, struct md_tensor *out, struct md_status *st)
{
    const uint8_t *p = data;
    if (len < 10 || memcmp(p, "\x93NUMPY", 6))
        return md_status_set(st, MD_INVALID_ARGUMENT, "not a .npy file (bad magic)");
    int major = p[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)p[8] | (size_t)p[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return md_status_set(st, MD_INVALID_ARGUMENT, ".npy header is truncated");
        hlen = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
        off = 12;
    } else {
        return md_status_set(st, MD_INVALID_ARGUMENT, ".npy format version %d is not supported",
                             major);
    }
    if (hlen > 1 << 20 || off + hlen > len)
        return md_status_set(st, MD_INVALID_ARGUMENT, ".npy header is truncated");
    char *h = malloc(hlen + 1);
    if (!h)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    memcpy(h, p + off, hlen);
    h[hlen] = '\0';
    struct descr d;
    const char *v = dict_value(h, "descr");
    bool ok = v && (*v == '\'' || *v == '"');
    if (ok) {
        char q = *v++;
        const char *e = strchr(v, q);
        ok = e && parse_descr(v, (size_t)(e - v), &d);
    }
    if (!ok) {
        bool object = v && (v[0] == 'O' || (v[0] && v[1] == 'O'));
        free(h);
        return md_status_set(st, MD_INVALID_ARGUMENT, "%s",
                             object ? ".npy holds Python objects (pickles), which are not read"
                                    : ".npy header has an unsupported or missing 'descr'");
    }
    v = dict_value(h, "fortran_order");
    bool fortran = v && !strncmp(v, "True", 4);
    v = dict_value(h, "shape");
    int rank = 0;
    int64_t dims[MD_MAX_RANK];
    if (!v || *v != '(') {
        free(h);
        return md_status_set(st, MD_INVALID_ARGUMENT, ".npy header has no 'shape'");
    }
    v++;
    for (;;) {
        while (*v == ' ' || *v == ',')
            v++;
        if (*v == ')')
            break;
        char *e;
        errno = 0;
        long long x = strtoll(v, &e, 10);
        if (e == v || errno || x < 0 || rank >= MD_MAX_RANK) {
            free(h);
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 ".npy shape is malformed or has more than %d dims", MD_MAX_RANK);
        }
        dims[rank++] = x;
        v = e;
        while (*v == 'L' || *v == ' ')
            v++;
    }
    free(h);
    int64_t n = md_shape_num_elements(rank, dims);
    if (n < 0 || (d.isize && (uint64_t)n > MD_NPY_MAX_BYTES / d.isize))
        return md_status_set(st, MD_INVALID_ARGUMENT, ".npy array is too large");
    size_t body = (size_t)n * d.isize;
    off += hlen;
    if (len - off < body)
        return md_status_set(st, MD_INVALID_ARGUMENT, ".npy data is truncated (%zu of %zu bytes)",
                             len - off, body);
    const uint8_t *src = p + off;
    struct md_tensor t = MD_TENSOR_INIT;
    size_t extra = d.dt == MD_DT_STRING ? (d.kind == 'U' ? (size_t)n * (d.isize / 4) * 4 : body) : 0;
    if (!md_tensor_alloc(&t, d.dt, rank, dims, extra, st))
        return false;
    size_t esz = md_dtype_size(d.dt);
    /* Element i of the file in C order: Fortran order maps the index. */
    int64_t strides[MD_MAX_RANK];
    int64_t s = 1;
    for (int k = 0; k < rank; k++) {
        strides[k] = s;
        s *= dims[k];
    }
    char *bytes = (char *)t.data + (d.dt == MD_DT_STRING ? (size_t)n * sizeof(struct md_str) : 0);
    for (int64_t i = 0; i < n; i++) {
        int64_t fi = i;
        if (fortran && rank > 1) {
            int64_t rem = i;
            fi = 0;
            for (int k = rank - 1; k >= 0; k--) {
                fi += (rem % dims[k]) * strides[k];
                rem /= dims[k];
            }
        }
        const uint8_t *e = src + (size_t)fi * d.isize;
        if (d.dt == MD_DT_STRING) {
            struct md_str *str = (struct md_str *)t.data + i;
            size_t l = 0;
            if (d.kind == 'S') {
                while (l < d.isize && e[l])
                    l++;
                memcpy(bytes, e, l);
            } else {
                for (size_t c = 0; c < d.isize / 4; c++) {
                    uint32_t cp = d.swap ? (uint32_t)e[4 * c] << 24 | (uint32_t)e[4 * c + 1] << 16 |
                                               (uint32_t)e[4 * c + 2] << 8 | e[4 * c + 3]
                                         : (uint32_t)e[4 * c] | (uint32_t)e[4 * c + 1] << 8 |
                                               (uint32_t)e[4 * c + 2] << 16 |
                                               (uint32_t)e[4 * c + 3] << 24;
                    if (!cp)
                        break;
                    if (cp > 0x10ffff) {
                        md_tensor_cleanup(&t);
                        return md_status_set(st, MD_INVALID_ARGUMENT,
                                             ".npy unicode string holds an invalid code point");
                    }
                    l += utf8_put(bytes + l, cp);
                }
            }
            *str = (struct md_str){ bytes, l };
            bytes += l;
            continue;
        }
        uint8_t *dst = (uint8_t *)t.data + (size_t)i * esz;
        for (size_t b = 0; b < esz; b++)
            dst[b] = d.swap ? e[esz - 1 - b] : e[b];
        if (d.dt == MD_DT_BOOL)
            *dst = *dst != 0;
    }
    *out = t;
    return true;
}

/* --------------------------------------------------------------- zip */
static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

/* Finds member `name` (or the only member when name is NULL) of the zip
 * image and returns its uncompressed bytes (malloc'd). */
static uint8_t *zip_member(const uint8_t *z, size_t len, const char *name, const char *path,
                           size_t *out_len, struct md_status *st)
{
    if (len < 22)
        return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is not a zip (.npz) file", path),
               NULL;
    size_t eocd = len - 22;
    size_t stop = len > 22 + 65535 ? len - 22 - 65535 : 0;
    while (le32(z + eocd) != 0x06054b50) {
        if (eocd == stop)
            return (void)md_status_set(st, MD_INVALID_ARGUMENT,
                                       "'%s' is not a zip (.npz) file", path),
                   NULL;
        eocd--;
    }
    size_t count = le16(z + eocd + 10);
    size_t cd = le32(z + eocd + 16);
    size_t found = SIZE_MAX, n_members = 0;
    char only[256] = "";
    for (size_t i = 0, q = cd; i < count; i++) {
        if (q + 46 > len || le32(z + q) != 0x02014b50)
            return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s': zip directory is corrupt",
                                       path),
                   NULL;
        size_t nl = le16(z + q + 28), xl = le16(z + q + 30), cl = le16(z + q + 32);
        if (q + 46 + nl > len)
            return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s': zip directory is corrupt",
                                       path),
                   NULL;
        const char *nm = (const char *)z + q + 46;
        n_members++;
        bool match;
        if (name) {
            size_t kl = strlen(name);
            match = (nl == kl + 4 && !memcmp(nm, name, kl) && !memcmp(nm + kl, ".npy", 4)) ||
                    (nl == kl && !memcmp(nm, name, kl));
        } else {
            match = true;
            snprintf(only, sizeof only, "%.*s", (int)(nl < 200 ? nl : 200), nm);
        }
        if (match && found == SIZE_MAX)
            found = q;
        q += 46 + nl + xl + cl;
    }
    if (!name && n_members != 1)
        return (void)md_status_set(st, MD_INVALID_ARGUMENT,
                                   "'%s' holds %zu arrays: name one as %s[key]", path, n_members,
                                   path),
               NULL;
    if (found == SIZE_MAX)
        return (void)md_status_set(st, MD_NOT_FOUND, "'%s' has no array '%s'", path, name), NULL;
    (void)only;
    size_t method = le16(z + found + 10);
    size_t csize = le32(z + found + 20), usize = le32(z + found + 24);
    size_t lho = le32(z + found + 42);
    if (lho + 30 > len || le32(z + lho) != 0x04034b50)
        return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s': zip member is corrupt", path),
               NULL;
    size_t data = lho + 30 + le16(z + lho + 26) + le16(z + lho + 28);
    if (data > len || csize > len - data || usize > MD_NPY_MAX_BYTES)
        return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s': zip member is corrupt or too big",
                                   path),
               NULL;
    uint8_t *out = malloc(usize ? usize : 1);
    if (!out)
        return (void)md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    if (method == 0) {
        if (csize != usize) {
            free(out);
            return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s': zip member is corrupt",
                                       path),
                   NULL;
        }
        memcpy(out, z + data, usize);
    } else if (method == 8) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, -15) != Z_OK) {
            free(out);
            return (void)md_status_set(st, MD_INTERNAL, "zlib init failed"), NULL;
        }
        zs.next_in = (Bytef *)(uintptr_t)(z + data);
        zs.avail_in = (uInt)csize;
        zs.next_out = out;
        zs.avail_out = (uInt)usize;
        int r = inflate(&zs, Z_FINISH);
        size_t got = zs.total_out;
        inflateEnd(&zs);
        if (r != Z_STREAM_END || got != usize) {
            free(out);
            return (void)md_status_set(st, MD_INVALID_ARGUMENT,
                                       "'%s': deflated zip member is corrupt", path),
                   NULL;
        }
    } else {
        free(out);
        return (void)md_status_set(st, MD_UNIMPLEMENTED,
                                   "'%s': zip compression method %zu is not supported", path,
                                   method),
               NULL;
    }
    *out_len = usize;
    return out;
}

static uint8_t *read_file(const char *path, size_t *len, struct md_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return (void)md_status_set(st, MD_NOT_FOUND, "cannot open '%s': %s", path, strerror(errno)),
               NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *d = malloc(cap);
    while (d) {
        if (n == cap) {
            if (cap >= MD_NPY_MAX_BYTES) {
                free(d);
                fclose(f);
                return (void)md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is too large", path),
                       NULL;
            }
            uint8_t *nd = realloc(d, cap * 2);
            if (!nd) {
                free(d);
                d = NULL;
                break;
            }
            d = nd;
            cap *= 2;
        }
        size_t r = fread(d + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (!d || err) {
        free(d);
        return (void)md_status_set(st, d ? MD_UNAVAILABLE : MD_RESOURCE_EXHAUSTED,
                                   "cannot read '%s'", path),
               NULL;
    }
    *len = n;
    return d;
}

bool md_npy_load(const char *path, const char *key, struct md_tensor *out, struct md_status *st)
{
    size_t len;
    uint8_t *d = read_file(path, &len, st);
    if (!d)
        return false;
    bool ok;
    if (len >= 4 && !memcmp(d, "PK\x03\x04", 4)) {
        size_t ml;
        uint8_t *m = zip_member(d, len, key, path, &ml, st);
        ok = m && md_npy_parse(m, ml, out, st);
        free(m);
    } else if (key) {
        ok = md_status_set(st, MD_INVALID_ARGUMENT, "'%s' is not an .npz archive, so [%s] is "
                           "meaningless", path, key);
    } else {
        ok = md_npy_parse(d, len, out, st);
    }
    if (!ok)
        md_status_prefix(st, "%s%s%s%s", path, key ? "[" : "", key ? key : "", key ? "]" : "");
    free(d);
    return ok;
}

/* -------------------------------------------------------------- write */
static const char *descr_of(enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_FLOAT: return "<f4";
    case MD_DT_DOUBLE: return "<f8";
    case MD_DT_HALF: return "<f2";
    case MD_DT_INT8: return "|i1";
    case MD_DT_INT16: return "<i2";
    case MD_DT_INT32: return "<i4";
    case MD_DT_INT64: return "<i8";
    case MD_DT_UINT8: return "|u1";
    case MD_DT_UINT16: return "<u2";
    case MD_DT_UINT32: return "<u4";
    case MD_DT_UINT64: return "<u8";
    case MD_DT_BOOL: return "|b1";
    default: return NULL;
    }
}

bool md_npy_save(const char *path, const struct md_tensor *t, struct md_status *st)
{
    char descr[32];
    int64_t n = md_tensor_num_elements(t);
    size_t width = 0;
    if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = t->data;
        for (int64_t i = 0; i < n; i++)
            if (s[i].len > width)
                width = s[i].len;
        snprintf(descr, sizeof descr, "|S%zu", width ? width : 1);
        if (!width)
            width = 1;
    } else {
        const char *d = descr_of(t->dtype);
        if (!d)
            return md_status_set(st, MD_UNIMPLEMENTED, "cannot write %s tensors as .npy",
                                 md_dtype_name(t->dtype));
        snprintf(descr, sizeof descr, "%s", d);
    }
    char shape[256] = "(";
    for (int i = 0; i < t->rank; i++) {
        size_t l = strlen(shape);
        snprintf(shape + l, sizeof shape - l, "%lld,%s", (long long)t->dims[i],
                 i + 1 < t->rank ? " " : "");
    }
    if (t->rank > 1) /* "(2, 3)" without the trailing comma; "(2,)" keeps it */
        shape[strlen(shape) - 1] = '\0';
    strcat(shape, ")");
    char hdr[512];
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                      descr, shape);
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f)
        return md_status_set(st, MD_UNAVAILABLE, "cannot write '%s': %s", path, strerror(errno));
    uint16_t hlen = (uint16_t)((size_t)hl + pad + 1);
    uint8_t pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(hlen & 0xff),
                        (uint8_t)(hlen >> 8) };
    bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)hl, f) == (size_t)hl;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = t->data;
        for (int64_t i = 0; ok && i < n; i++) {
            ok = fwrite(s[i].data, 1, s[i].len, f) == s[i].len;
            for (size_t k = s[i].len; ok && k < width; k++)
                ok = fputc(0, f) != EOF;
        }
    } else {
        size_t nb = md_tensor_nbytes(t);
        ok = ok && fwrite(t->data, 1, nb, f) == nb;
    }
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        return md_status_set(st, MD_UNAVAILABLE, "cannot write '%s'", path);
    return true;
}

/* ------------------------------------------------------- numpy str() */
struct wbuf {
    uint8_t *d;
    size_t n, cap;
    bool oom;
};

static void wb_put(struct wbuf *b, const void *p, size_t len)
{
    if (b->oom || !len)
        return;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len)
            cap *= 2;
        uint8_t *nd = realloc(b->d, cap);
        if (!nd) {
            b->oom = true;
            return;
        }
        b->d = nd;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, len);
    b->n += len;
}

struct ffmt {
    bool exp;
    int precision; /* exp mode: digits after the point */
    int pad_left, pad_right, exp_size;
};

/* Shortest round-trip digits of |v| (v finite, non-zero): digits without a
 * point, value = d.ddd x 10^e10. */
static int shortest_digits(double v, bool f32, char *dig, int *e10)
{
    char buf[64];
    v = fabs(v);
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        double back = strtod(buf, NULL);
        if (f32 ? (float)back == (float)v : back == v)
            break;
    }
    char *e = strchr(buf, 'e');
    *e10 = atoi(e + 1);
    int n = 0;
    for (char *q = buf; q < e; q++)
        if (*q >= '0' && *q <= '9')
            dig[n++] = *q;
    while (n > 1 && dig[n - 1] == '0')
        n--;
    dig[n] = '\0';
    return n;
}

/* dragon4_positional(unique, fractional, precision=P, trim='.'): int and
 * fraction parts of |v| (without sign). */
static void positional(double v, bool f32, int prec, char *ip, char *fp)
{
    v = fabs(v);
    if (v == 0) {
        strcpy(ip, "0");
        fp[0] = '\0';
        return;
    }
    char dig[32];
    int e;
    int n = shortest_digits(v, f32, dig, &e);
    int frac = n - 1 - e;
    if (frac > prec) {
        char buf[400];
        snprintf(buf, sizeof buf, "%.*f", prec, v);
        char *dot = strchr(buf, '.');
        if (dot) {
            *dot = '\0';
            strcpy(fp, dot + 1);
        } else {
            fp[0] = '\0';
        }
        strcpy(ip, buf);
        size_t l = strlen(fp);
        while (l && fp[l - 1] == '0')
            fp[--l] = '\0';
        return;
    }
    /* integer part */
    if (e < 0) {
        strcpy(ip, "0");
    } else {
        int k = 0;
        for (int i = 0; i <= e; i++)
            ip[k++] = i < n ? dig[i] : '0';
        ip[k] = '\0';
    }
    int k = 0;
    for (int i = e + 1; i < n; i++)
        fp[k++] = i < 0 ? '0' : dig[i];
    /* leading zeros for e < -1 */
    if (e < -1) {
        k = 0;
        for (int i = 0; i < -e - 1; i++)
            fp[k++] = '0';
        for (int i = 0; i < n; i++)
            fp[k++] = dig[i];
    }
    fp[k] = '\0';
}

/* dragon4_scientific(unique, precision=P): mantissa digits after the point
 * and the exponent, for |v|. */
static void scientific(double v, bool f32, int prec, char *lead, char *frac, int *ex)
{
    v = fabs(v);
    if (v == 0) {
        strcpy(lead, "0");
        frac[0] = '\0';
        *ex = 0;
        return;
    }
    char dig[32];
    int e;
    int n = shortest_digits(v, f32, dig, &e);
    if (n - 1 > prec) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*e", prec, v);
        char *ep = strchr(buf, 'e');
        e = atoi(ep + 1);
        n = 0;
        for (char *q = buf; q < ep; q++)
            if (*q >= '0' && *q <= '9')
                dig[n++] = *q;
        while (n > 1 && dig[n - 1] == '0')
            n--;
        dig[n] = '\0';
    }
    lead[0] = dig[0];
    lead[1] = '\0';
    strcpy(frac, dig + 1);
    *ex = e;
}

static double elem_f(const struct md_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case MD_DT_FLOAT: return ((const float *)t->data)[i];
    case MD_DT_DOUBLE: return ((const double *)t->data)[i];
    default: return 0;
    }
}

static int64_t elem_i(const struct md_tensor *t, int64_t i)
{
    const void *p = (const char *)t->data + (size_t)i * md_dtype_size(t->dtype);
    switch (t->dtype) {
    case MD_DT_INT8: return *(const int8_t *)p;
    case MD_DT_INT16: return *(const int16_t *)p;
    case MD_DT_INT32: return *(const int32_t *)p;
    case MD_DT_INT64: return *(const int64_t *)p;
    case MD_DT_UINT8: return *(const uint8_t *)p;
    case MD_DT_UINT16: return *(const uint16_t *)p;
    case MD_DT_UINT32: return *(const uint32_t *)p;
    case MD_DT_UINT64: return (int64_t) * (const uint64_t *)p;
    case MD_DT_BOOL: return *(const uint8_t *)p;
    default: return 0;
    }
}

static bool is_float_dt(enum md_dtype dt)
{
    return dt == MD_DT_FLOAT || dt == MD_DT_DOUBLE;
}

/* The elements numpy formats: all, or the edge items of each axis when
 * summarising (size > 1000). */
static bool shown(const struct md_tensor *t, int64_t flat, bool summary)
{
    if (!summary)
        return true;
    for (int d = t->rank - 1; d >= 0; d--) {
        int64_t idx = flat % t->dims[d];
        flat /= t->dims[d];
        if (t->dims[d] > 6 && idx >= 3 && idx < t->dims[d] - 3)
            return false;
    }
    return true;
}

static void float_format(const struct md_tensor *t, bool summary, struct ffmt *f)
{
    bool f32 = t->dtype == MD_DT_FLOAT;
    int64_t n = md_tensor_num_elements(t);
    double mx = 0, mn = INFINITY;
    bool any_finite = false, any_nonfinite = false, neg_inf = false;
    memset(f, 0, sizeof *f);
    for (int64_t i = 0; i < n; i++) {
        if (!shown(t, i, summary))
            continue;
        double v = elem_f(t, i);
        if (!isfinite(v)) {
            any_nonfinite = true;
            neg_inf |= isinf(v) && v < 0;
            continue;
        }
        any_finite = true;
        double a = fabs(v);
        if (a != 0) {
            mx = a > mx ? a : mx;
            mn = a < mn ? a : mn;
        }
    }
    if (mx != 0 && (mx >= 1e8 || mn < 1e-4 || mx / mn > 1000))
        f->exp = true;
    f->exp_size = -1;
    if (any_finite && f->exp) {
        int prec = 0, esz = 0, pl = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = elem_f(t, i);
            if (!shown(t, i, summary) || !isfinite(v))
                continue;
            char lead[4], frac[32];
            int e;
            scientific(v, f32, 8, lead, frac, &e);
            int fl = (int)strlen(frac);
            prec = fl > prec ? fl : prec;
            char eb[16];
            int el = snprintf(eb, sizeof eb, "%02d", abs(e));
            esz = el > esz ? el : esz;
            int l = 1 + (signbit(v) ? 1 : 0);
            pl = l > pl ? l : pl;
        }
        f->precision = prec;
        f->exp_size = esz;
        f->pad_left = pl;
        f->pad_right = esz + 2 + prec;
    } else if (any_finite) {
        int pl = 0, pr = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = elem_f(t, i);
            if (!shown(t, i, summary) || !isfinite(v))
                continue;
            char ip[400], fp[400];
            positional(v, f32, 8, ip, fp);
            int l = (int)strlen(ip) + (signbit(v) ? 1 : 0);
            pl = l > pl ? l : pl;
            int r = (int)strlen(fp);
            pr = r > pr ? r : pr;
        }
        f->pad_left = pl;
        f->pad_right = pr;
    }
    if (any_nonfinite) {
        int offset = f->pad_right + 1;
        int inflen = 3 + (neg_inf ? 1 : 0);
        if (3 - offset > f->pad_left)
            f->pad_left = 3 - offset;
        if (inflen - offset > f->pad_left)
            f->pad_left = inflen - offset;
    }
}

static int fmt_float(char *o, size_t cap, double v, bool f32, const struct ffmt *f)
{
    if (!isfinite(v)) {
        const char *s = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
        int w = f->pad_left + f->pad_right + 1;
        return snprintf(o, cap, "%*s", w, s);
    }
    const char *sign = signbit(v) ? "-" : "";
    if (f->exp) {
        /* numpy asks Dragon4 for exactly `precision` digits here: the
         * shortest digits, continued with the exact value's digits. */
        char buf[64], left[80];
        snprintf(buf, sizeof buf, "%.*e", f->precision, fabs(v));
        char *ep = strchr(buf, 'e');
        int e = atoi(ep + 1);
        *ep = '\0';
        char *dot = strchr(buf, '.');
        const char *frac = dot ? dot + 1 : "";
        if (dot)
            *dot = '\0';
        snprintf(left, sizeof left, "%s%s", sign, buf);
        return snprintf(o, cap, "%*s.%se%c%0*d", f->pad_left, left, frac, e < 0 ? '-' : '+',
                        f->exp_size, abs(e));
    }
    char ip[400], fp[400], left[420];
    positional(v, f32, 8, ip, fp);
    snprintf(left, sizeof left, "%s%s", sign, ip);
    return snprintf(o, cap, "%*s.%-*s", f->pad_left, left, f->pad_right, fp);
}

/* Python's repr of a bytes object. */
static void bytes_repr(struct wbuf *o, const char *s, size_t n)
{
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    char t[8];
    wb_put(o, "b", 1);
    wb_put(o, &q, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) {
            t[0] = '\\';
            t[1] = (char)c;
            wb_put(o, t, 2);
        } else if (c == '\n') {
            wb_put(o, "\\n", 2);
        } else if (c == '\r') {
            wb_put(o, "\\r", 2);
        } else if (c == '\t') {
            wb_put(o, "\\t", 2);
        } else if (c < 0x20 || c >= 0x7f) {
            snprintf(t, sizeof t, "\\x%02x", c);
            wb_put(o, t, 4);
        } else {
            wb_put(o, &c, 1);
        }
    }
    wb_put(o, &q, 1);
}

struct printer {
    const struct md_tensor *t;
    struct ffmt ff;
    int int_width;
    bool summary;
};

static void format_elem(const struct printer *pr, int64_t i, struct wbuf *o)
{
    char b[512];
    const struct md_tensor *t = pr->t;
    int n;
    if (is_float_dt(t->dtype)) {
        n = fmt_float(b, sizeof b, elem_f(t, i), t->dtype == MD_DT_FLOAT, &pr->ff);
    } else if (t->dtype == MD_DT_BOOL) {
        n = snprintf(b, sizeof b, "%s", elem_i(t, i) ? " True" : "False");
    } else if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = (const struct md_str *)t->data + i;
        bytes_repr(o, s->data, s->len);
        return;
    } else if (t->dtype == MD_DT_UINT64) {
        n = snprintf(b, sizeof b, "%*llu", pr->int_width,
                     (unsigned long long)((const uint64_t *)t->data)[i]);
    } else {
        n = snprintf(b, sizeof b, "%*lld", pr->int_width, (long long)elem_i(t, i));
    }
    wb_put(o, b, (size_t)(n < 0 ? 0 : n));
}

/* numpy's _formatArray (linewidth 75, edgeitems 3, separator ' '). */
static void format_rec(const struct printer *pr, int axis, int64_t base, const char *hang,
                       int width, struct wbuf *o)
{
    const struct md_tensor *t = pr->t;
    int axes_left = t->rank - axis;
    int64_t len = t->dims[axis];
    int64_t stride = 1;
    for (int d = axis + 1; d < t->rank; d++)
        stride *= t->dims[d];
    bool summ = pr->summary && len > 6;
    size_t hl = strlen(hang);
    char next_hang[MD_MAX_RANK + 8];
    snprintf(next_hang, sizeof next_hang, "%s ", hang);
    struct wbuf s = { 0 };
    if (axes_left == 1) {
        int elem_width = width - 1;
        struct wbuf line = { 0 };
        wb_put(&line, hang, hl);
        int64_t count = summ ? 7 : len;
        for (int64_t k = 0; k < count; k++) {
            struct wbuf w = { 0 };
            if (summ && k == 3)
                wb_put(&w, "...", 3);
            else
                format_elem(pr, base + (summ && k > 3 ? len - (7 - k) : k) * stride, &w);
            if ((int)(line.n + w.n) > elem_width && line.n > hl) {
                size_t ln = line.n;
                while (ln && line.d[ln - 1] == ' ')
                    ln--;
                wb_put(&s, line.d, ln);
                wb_put(&s, "\n", 1);
                line.n = 0;
                wb_put(&line, hang, hl);
            }
            wb_put(&line, w.d, w.n);
            if (k + 1 < count)
                wb_put(&line, " ", 1);
            free(w.d);
        }
        wb_put(&s, line.d, line.n);
        free(line.d);
    } else {
        int64_t count = summ ? 7 : len;
        for (int64_t k = 0; k < count; k++) {
            bool is_summary = summ && k == 3;
            wb_put(&s, hang, hl);
            if (is_summary) {
                wb_put(&s, "...", 3);
            } else {
                int64_t i = summ ? (k < 3 ? k : len - (7 - k)) : k;
                format_rec(pr, axis + 1, base + i * stride, next_hang, width - 1, &s);
            }
            if (k + 1 < count)
                for (int nl = 0; nl < axes_left - 1; nl++)
                    wb_put(&s, "\n", 1);
        }
    }
    wb_put(o, "[", 1);
    if (s.n >= hl)
        wb_put(o, s.d + hl, s.n - hl);
    wb_put(o, "]", 1);
    free(s.d);
}

static void scalar_str(const struct md_tensor *t, struct wbuf *o)
{
    char b[512];
    int n;
    if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = t->data;
        bytes_repr(o, s->data, s->len);
        return;
    }
    if (t->dtype == MD_DT_BOOL) {
        n = snprintf(b, sizeof b, "%s", elem_i(t, 0) ? "True" : "False");
    } else if (is_float_dt(t->dtype)) {
        double v = elem_f(t, 0);
        bool f32 = t->dtype == MD_DT_FLOAT;
        double a = fabs(v);
        if (!isfinite(v)) {
            n = snprintf(b, sizeof b, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        } else if (a == 0 || (a >= 1e-4 && a < 1e16)) {
            char ip[400], fp[400];
            positional(v, f32, 400, ip, fp);
            n = snprintf(b, sizeof b, "%s%s.%s", signbit(v) ? "-" : "", ip, *fp ? fp : "0");
        } else {
            char lead[4], frac[32];
            int e;
            scientific(v, f32, 400, lead, frac, &e);
            n = snprintf(b, sizeof b, "%s%s%s%se%c%02d", signbit(v) ? "-" : "", lead,
                         *frac ? "." : "", frac, e < 0 ? '-' : '+', abs(e));
        }
    } else if (t->dtype == MD_DT_UINT64) {
        n = snprintf(b, sizeof b, "%llu", (unsigned long long)*(const uint64_t *)t->data);
    } else {
        n = snprintf(b, sizeof b, "%lld", (long long)elem_i(t, 0));
    }
    wb_put(o, b, (size_t)(n < 0 ? 0 : n));
}

char *md_numpy_str(const struct md_tensor *t)
{
    struct wbuf o = { 0 };
    int64_t n = md_tensor_num_elements(t);
    if (t->rank == 0) {
        scalar_str(t, &o);
    } else if (n == 0) {
        wb_put(&o, "[]", 2);
    } else {
        struct printer pr = { .t = t, .summary = n > 1000 };
        if (is_float_dt(t->dtype))
            float_format(t, pr.summary, &pr.ff);
        if (!is_float_dt(t->dtype) && t->dtype != MD_DT_BOOL && t->dtype != MD_DT_STRING) {
            for (int64_t i = 0; i < n; i++) {
                if (!shown(t, i, pr.summary))
                    continue;
                char b[32];
                int w = t->dtype == MD_DT_UINT64
                            ? snprintf(b, sizeof b, "%llu",
                                       (unsigned long long)((const uint64_t *)t->data)[i])
                            : snprintf(b, sizeof b, "%lld", (long long)elem_i(t, i));
                pr.int_width = w > pr.int_width ? w : pr.int_width;
            }
        }
        format_rec(&pr, 0, 0, " ", 75, &o);
    }
    wb_put(&o, "", 1);
    if (o.oom) {
        free(o.d);
        return NULL;
    }
    return (char *)o.d;
}

