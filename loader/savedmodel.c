/* savedmodel.c: SavedModel directories <-> md_savedmodel.
 *
 * Reading: dir/saved_model.pb (binary, preferred, as TensorFlow's C++ loader
 * does) or dir/saved_model.pbtxt (text format) -> Tensorflow__SavedModel ->
 * the MetaGraphDef whose tag set matches -> a sorted signature table, plus
 * dir/variables/variables.* through the bundle reader when the index exists.
 *
 * protobuf-c trusts its input more than we may: it recurses once per nested
 * message without a limit and copies string fields without checking UTF-8.
 * So every binary file is walked once against the message descriptors
 * (wire_check) before protobuf-c unpacks it. That walk is also what lets a
 * corrupt file be reported with a byte offset instead of "parse failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

/* protobuf's own hard limit for a message is 2 GiB; TensorFlow inherits it. */
#define SAVEDMODEL_MAX_BYTES ((size_t)2 << 30)
/* protobuf's default recursion limit (io::CodedInputStream). */
#define PROTO_MAX_DEPTH 100
/* Tags named in the "not found" message before it says "...". */
#define TAGLIST_MAX 320

/* ---------------------------------------------------------------- helpers */

/* Escaped copy of a string from a model or a path, for messages. */
#define ESC(buf, s) md_escape((buf), sizeof(buf), (s), strlen(s))

static char *path_join(const char *a, const char *b, struct md_status *st)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 2 > PATH_MAX) {
        char e[96];
        md_status_set(st, MD_INVALID_ARGUMENT, "path too long: '%s/%s'", ESC(e, a), b);
        return NULL;
    }
    char *p = malloc(la + lb + 2);
    if (!p) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* --------------------------------------------------- wire-format pre-check */

struct wire {
    const uint8_t *start; /* of the whole buffer, for offsets in messages */
    char err[200];
};

static bool wire_fail(struct wire *w, const uint8_t *at, const char *fmt, ...) MD_PRINTF(3, 4);
static bool wire_fail(struct wire *w, const uint8_t *at, const char *fmt, ...)
{
    int n = snprintf(w->err, sizeof w->err, "byte %zu: ", (size_t)(at - w->start));
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof w->err)
        vsnprintf(w->err + n, sizeof w->err - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p == end)
            return false;
        uint8_t b = *(*p)++;
        if (shift == 63 && b > 1)
            return false;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static int wire_type_of(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    default:
        return 0;
    }
}

/* Walks one message of type desc spanning [p, end). */
static bool wire_check(struct wire *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                       const uint8_t *end, int depth)
{
    if (depth > PROTO_MAX_DEPTH)
        return wire_fail(w, p, "messages nested deeper than %d levels", PROTO_MAX_DEPTH);
    while (p < end) {
        const uint8_t *field_start = p;
        uint64_t tag;
        if (!read_varint(&p, end, &tag))
            return wire_fail(w, field_start, "truncated or overlong field tag");
        if (tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
            return wire_fail(w, field_start, "invalid field number %llu",
                             (unsigned long long)(tag >> 3));
        unsigned num = (unsigned)(tag >> 3);
        int wt = (int)(tag & 7);
        if (wt == 3 || wt == 4)
            return wire_fail(w, field_start, "field %u uses groups, which no TensorFlow "
                                             "message does", num);
        if (wt > 5)
            return wire_fail(w, field_start, "invalid wire type %d in field %u", wt, num);
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, num);
        if (f) {
            int want = wire_type_of(f);
            bool packed_ok = f->label == PROTOBUF_C_LABEL_REPEATED && wt == 2;
            if (wt != want && !packed_ok)
                return wire_fail(w, field_start, "%s.%s (field %u) has wire type %d, expected %d",
                                 desc->short_name, f->name, num, wt, want);
        }
        uint64_t v;
        switch (wt) {
        case 0:
            if (!read_varint(&p, end, &v))
                return wire_fail(w, field_start, "truncated varint in field %u", num);
            break;
        case 1:
            if (end - p < 8)
                return wire_fail(w, field_start, "truncated 64-bit value in field %u", num);
            p += 8;
            break;
        case 5:
            if (end - p < 4)
                return wire_fail(w, field_start, "truncated 32-bit value in field %u", num);
            p += 4;
            break;
        case 2: {
            if (!read_varint(&p, end, &v))
                return wire_fail(w, field_start, "truncated length of field %u", num);
            if (v > (uint64_t)(end - p))
                return wire_fail(w, field_start,
                                 "field %u claims %llu bytes but only %zu remain", num,
                                 (unsigned long long)v, (size_t)(end - p));
            const uint8_t *sub = p;
            p += v;
            if (f && wire_type_of(f) != 2) { /* packed repeated scalars */
                int wt_el = wire_type_of(f);
                size_t el = wt_el == 5 ? 4 : wt_el == 1 ? 8 : 0;
                if (el && v % el)
                    return wire_fail(w, sub, "packed %s.%s: %llu bytes is not a multiple of %zu",
                                     desc->short_name, f->name, (unsigned long long)v, el);
                for (const uint8_t *q = sub; !el && q < p;) {
                    uint64_t x;
                    if (!read_varint(&q, p, &x))
                        return wire_fail(w, q, "packed %s.%s: truncated varint",
                                         desc->short_name, f->name);
                }
            } else if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (!wire_check(w, f->descriptor, sub, p, depth + 1))
                    return false;
            } else if (f && f->type == PROTOBUF_C_TYPE_STRING) {
                if (!utf8_valid(sub, (size_t)v))
                    return wire_fail(w, sub, "%s.%s is a string field holding invalid UTF-8",
                                     desc->short_name, f->name);
            }
            break;
        }
        default: /* 3, 4, 6, 7 were refused above */
            break;
        }
    }
    return true;
}

Tensorflow__SavedModel *md_savedmodel_parse(const void *data, size_t len, const char *what,
                                            struct md_status *st)
{
    char ew[160];
    md_escape(ew, sizeof ew, what ? what : "saved_model.pb", strlen(what ? what : "saved_model.pb"));
    if (len > SAVEDMODEL_MAX_BYTES)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: %zu bytes exceeds the 2 GiB limit",
                             ew, len),
               NULL;
    struct wire w = { .start = data, .err = "" };
    const uint8_t *p = data;
    if (len && !wire_check(&w, &tensorflow__saved_model__descriptor, p, p + len, 0)) {
        md_status_set(st, MD_DATA_LOSS, "%s: corrupt or truncated SavedModel protobuf: %s", ew,
                      w.err);
        return NULL;
    }
    Tensorflow__SavedModel *sm = tensorflow__saved_model__unpack(NULL, len, p);
    if (!sm) /* the walk accepted it, so this is an allocation failure or a protobuf-c limit */
        md_status_set(st, MD_DATA_LOSS, "%s: protobuf-c could not decode the SavedModel (%zu bytes)",
                      ew, len);
    return sm;
}

/* ------------------------------------------------------------ reading */

/* Reads a whole regular file of at most SAVEDMODEL_MAX_BYTES. */
static bool read_file(const char *path, uint8_t **data, size_t *len, struct md_status *st)
{
    char e[200];
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO swapped in after the stat() must not hang the loader. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return md_status_set(st, errno == ENOENT ? MD_NOT_FOUND : MD_FAILED_PRECONDITION,
                             "cannot open %s: %s", ESC(e, path), strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return md_status_set(st, MD_FAILED_PRECONDITION, "%s is not a regular file", ESC(e, path));
    }
    if ((uint64_t)sb.st_size > SAVEDMODEL_MAX_BYTES) {
        close(fd);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "%s: %lld bytes exceeds the 2 GiB limit",
                             ESC(e, path), (long long)sb.st_size);
    }
    size_t want = (size_t)sb.st_size;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        close(fd);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory reading %s (%zu bytes)",
                             ESC(e, path), want);
    }
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int err = r < 0 ? errno : 0;
            free(buf);
            close(fd);
            return md_status_set(st, MD_DATA_LOSS, "%s: read failed after %zu of %zu bytes%s%s",
                                 ESC(e, path), got, want, err ? ": " : "",
                                 err ? strerror(err) : "");
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = want;
    return true;
}

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Reads dir's saved_model.pb, else saved_model.pbtxt. */
static Tensorflow__SavedModel *read_proto(const char *dir, size_t *file_bytes, struct md_status *st)
{
    char e[200];
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return md_status_set(st, errno == ENOENT ? MD_NOT_FOUND : MD_FAILED_PRECONDITION,
                             "SavedModel directory %s: %s", ESC(e, dir), strerror(errno)),
               NULL;
    if (!S_ISDIR(sb.st_mode))
        return md_status_set(st, MD_FAILED_PRECONDITION, "%s is not a directory", ESC(e, dir)),
               NULL;

    Tensorflow__SavedModel *sm = NULL;
    char *pb = path_join(dir, "saved_model.pb", st);
    if (!pb)
        return NULL;
    bool text = false;
    if (!is_file(pb)) {
        free(pb);
        pb = path_join(dir, "saved_model.pbtxt", st);
        if (!pb)
            return NULL;
        if (!is_file(pb)) {
            free(pb);
            return md_status_set(st, MD_NOT_FOUND,
                                 "Could not find SavedModel .pb or .pbtxt at supplied export "
                                 "directory path: %s",
                                 ESC(e, dir)),
                   NULL;
        }
        text = true;
    }
    uint8_t *data;
    size_t len;
    if (read_file(pb, &data, &len, st)) {
        if (text) {
            ProtobufCMessage *m =
                md_textformat_parse_lenient(&tensorflow__saved_model__descriptor, (const char *)data, len, st);
            if (!m)
                md_status_prefix(st, "%s", ESC(e, pb));
            sm = (Tensorflow__SavedModel *)m;
        } else {
            sm = md_savedmodel_parse(data, len, pb, st);
        }
        free(data);
        if (sm && file_bytes)
            *file_bytes = len;
    }
    free(pb);
    return sm;
}

Tensorflow__SavedModel *md_savedmodel_read_proto(const char *dir, struct md_status *st)
{
    return read_proto(dir, NULL, st);
}

/* ------------------------------------------------------------- tag sets */

/* Is `tag` one of the comma-separated names in list? Empty names never match. */
static bool list_has(const char *list, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = list;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && n && !memcmp(p, tag, n))
            return true;
        if (!c)
            return false;
        p = c + 1;
    }
}

static bool tags_equal(const Tensorflow__MetaGraphDef *m, const char *tags)
{
    size_t nt = m->meta_info_def ? m->meta_info_def->n_tags : 0;
    char **t = nt ? m->meta_info_def->tags : NULL;
    /* Every stored tag is requested... */
    for (size_t i = 0; i < nt; i++)
        if (!list_has(tags, t[i]))
            return false;
    /* ... and every requested tag is stored. */
    for (const char *p = tags;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len) {
            bool found = false;
            for (size_t i = 0; i < nt && !found; i++)
                found = strlen(t[i]) == len && !memcmp(t[i], p, len);
            if (!found)
                return false;
        }
        if (!c)
            return true;
        p = c + 1;
    }
}

/* Appends s to buf (capacity cap) at *o, truncating with "..." once full. */
static void append(char *buf, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n + 4 >= cap) {
        if (*o + 4 < cap && (*o < 3 || strcmp(buf + *o - 3, "...") != 0)) {
            memcpy(buf + *o, "...", 4);
            *o += 3;
        }
        return;
    }
    memcpy(buf + *o, s, n + 1);
    *o += n;
}

const Tensorflow__MetaGraphDef *md_savedmodel_find_meta_graph(const Tensorflow__SavedModel *p,
                                                              const char *tags,
                                                              struct md_status *st)
{
    if (!tags)
        tags = "";
    for (size_t i = 0; i < p->n_meta_graphs; i++)
        if (p->meta_graphs[i] && tags_equal(p->meta_graphs[i], tags))
            return p->meta_graphs[i];

    /* ['serve', 'serve,gpu']: like saved_model_cli's list of valid tag sets. */
    char list[TAGLIST_MAX], e[96];
    size_t o = 0;
    list[0] = '\0';
    append(list, sizeof list, &o, "[");
    for (size_t i = 0; i < p->n_meta_graphs; i++) {
        const Tensorflow__MetaGraphDef *m = p->meta_graphs[i];
        size_t nt = m && m->meta_info_def ? m->meta_info_def->n_tags : 0;
        append(list, sizeof list, &o, i ? ", '" : "'");
        for (size_t k = 0; k < nt; k++) {
            if (k)
                append(list, sizeof list, &o, ",");
            append(list, sizeof list, &o, ESC(e, m->meta_info_def->tags[k]));
        }
        append(list, sizeof list, &o, "'");
    }
    append(list, sizeof list, &o, "]");
    md_status_set(st, MD_NOT_FOUND,
                  "MetaGraphDef associated with tags '%s' could not be found in SavedModel; "
                  "available tag sets: %s",
                  ESC(e, tags), p->n_meta_graphs ? list : "none (the file holds no MetaGraphDef)");
    return NULL;
}

/* ----------------------------------------------------------- signatures */

struct keyed {
    const char *key;
    size_t index; /* position in the map, so the last duplicate wins */
    const void *value;
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Sorts by key and keeps the last entry of each key; returns the new count. */
static size_t sort_dedupe(struct keyed *k, size_t n)
{
    if (n < 2)
        return n;
    qsort(k, n, sizeof *k, keyed_cmp);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && !strcmp(k[i].key, k[i + 1].key))
            continue;
        k[o++] = k[i];
    }
    return o;
}

static const Tensorflow__TensorInfo default_tensor_info = TENSORFLOW__TENSOR_INFO__INIT;
/* What an entry without a value means in protobuf: the empty message. */
static const Tensorflow__SignatureDef default_signature = {
    PROTOBUF_C_MESSAGE_INIT(&tensorflow__signature_def__descriptor), 0, NULL, 0, NULL, NULL, 0, NULL
};

static bool str_ok(const char *s, const char *what, const char *sig, struct md_status *st)
{
    if (utf8_valid((const uint8_t *)s, strlen(s)))
        return true;
    char e1[96], e2[96];
    return md_status_set(st, MD_INVALID_ARGUMENT, "signature '%s': %s \"%s\" is not valid UTF-8",
                         ESC(e1, sig), what, ESC(e2, s));
}

/* A DataType number TensorFlow defines: a base type or its _REF twin. */
static bool dtype_known(int d)
{
    return (d >= 0 && d < MD_DT_COUNT) || (d > MD_DT_REF_OFFSET && d < MD_DT_REF_OFFSET + MD_DT_COUNT);
}

static bool fill_info(struct md_tensor_info *out, const char *alias, const Tensorflow__TensorInfo *ti,
                      const char *sig, const char *kind, struct md_status *st)
{
    char e1[96], e2[96];
    if (!ti)
        ti = &default_tensor_info;
    if (!str_ok(alias, kind, sig, st))
        return false;
    out->alias = alias;
    out->name = ti->encoding_case == TENSORFLOW__TENSOR_INFO__ENCODING_NAME ? ti->name : NULL;
    if (out->name && !str_ok(out->name, "tensor name", sig, st))
        return false;
    out->dtype_raw = (int)ti->dtype;
    if (!dtype_known(out->dtype_raw))
        return md_status_set(st, MD_INVALID_ARGUMENT, "signature '%s': %s '%s' has unknown dtype %d",
                             ESC(e1, sig), kind, ESC(e2, alias), out->dtype_raw);
    out->dtype = md_dtype_base(out->dtype_raw);
    const Tensorflow__TensorShapeProto *sh = ti->tensor_shape;
    out->unknown_rank = sh && sh->unknown_rank;
    out->rank = 0;
    for (int i = 0; i < MD_MAX_RANK; i++)
        out->dims[i] = -1;
    if (sh && !sh->unknown_rank) {
        if (sh->n_dim > MD_MAX_RANK)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "signature '%s': %s '%s' has rank %zu, more than the %d supported",
                                 ESC(e1, sig), kind, ESC(e2, alias), sh->n_dim, MD_MAX_RANK);
        out->rank = (int)sh->n_dim;
        for (size_t i = 0; i < sh->n_dim; i++) {
            int64_t d = sh->dim[i] ? sh->dim[i]->size : 0;
            if (d < -1)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "signature '%s': %s '%s' dim %zu has size %lld",
                                     ESC(e1, sig), kind, ESC(e2, alias), i, (long long)d);
            out->dims[i] = d;
        }
    }
    return true;
}

void md_savedmodel_signatures_free(struct md_signature *sigs, size_t n)
{
    if (!sigs)
        return;
    for (size_t i = 0; i < n; i++)
        free(sigs[i].inputs); /* outputs share the block */
    free(sigs);
}

/* inputs and outputs of one SignatureDef into one block. */
static bool build_one(struct md_signature *s, const char *key, const Tensorflow__SignatureDef *sd,
                      struct md_status *st)
{
    s->key = key;
    s->proto = sd;
    s->method_name = sd->method_name ? sd->method_name : "";
    if (!str_ok(key, "key", key, st) || !str_ok(s->method_name, "method name", key, st))
        return false;
    size_t ni = sd->n_inputs, no = sd->n_outputs;
    if (ni > SIZE_MAX / 2 - no)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "too many signature entries");
    struct keyed *k = malloc((ni + no + 1) * sizeof *k);
    struct md_tensor_info *ti = calloc(ni + no + 1, sizeof *ti);
    if (!k || !ti) {
        free(k);
        free(ti);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    for (size_t i = 0; i < ni; i++)
        k[i] = (struct keyed){ sd->inputs[i]->key, i, sd->inputs[i]->value };
    for (size_t i = 0; i < no; i++)
        k[ni + i] = (struct keyed){ sd->outputs[i]->key, i, sd->outputs[i]->value };
    ni = sort_dedupe(k, ni);
    size_t no_kept = sort_dedupe(k + sd->n_inputs, no);
    s->inputs = ti;
    s->outputs = ti + ni;
    s->n_inputs = ni;
    s->n_outputs = no_kept;
    bool ok = true;
    for (size_t i = 0; i < ni && ok; i++)
        ok = fill_info(&s->inputs[i], k[i].key, k[i].value, key, "input", st);
    for (size_t i = 0; i < no_kept && ok; i++)
        ok = fill_info(&s->outputs[i], k[sd->n_inputs + i].key, k[sd->n_inputs + i].value, key,
                       "output", st);
    free(k);
    return ok;
}

bool md_savedmodel_signatures_build(const Tensorflow__MetaGraphDef *meta, struct md_signature **out,
                                    size_t *n_out, struct md_status *st)
{
    *out = NULL;
    *n_out = 0;
    size_t n = meta->n_signature_def;
    struct keyed *k = malloc((n + 1) * sizeof *k);
    struct md_signature *sigs = calloc(n + 1, sizeof *sigs);
    if (!k || !sigs) {
        free(k);
        free(sigs);
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyed){ meta->signature_def[i]->key, i, meta->signature_def[i]->value };
    n = sort_dedupe(k, n);
    size_t built = 0;
    bool ok = true;
    for (; built < n && ok; built++) {
        const Tensorflow__SignatureDef *sd = k[built].value ? k[built].value : &default_signature;
        ok = build_one(&sigs[built], k[built].key, sd, st);
    }
    free(k);
    if (!ok) {
        md_savedmodel_signatures_free(sigs, built);
        return false;
    }
    *out = sigs;
    *n_out = n;
    return true;
}

/* ------------------------------------------------------------- open/free */

void md_savedmodel_free(struct md_savedmodel *sm)
{
    if (!sm)
        return;
    md_savedmodel_signatures_free(sm->signatures, sm->n_signatures);
    md_bundle_free(sm->vars);
    if (sm->proto)
        tensorflow__saved_model__free_unpacked(sm->proto, NULL);
    free(sm->dir);
    free(sm);
}

struct md_savedmodel *md_savedmodel_open(const char *dir, const char *tags, struct md_status *st)
{
    char e[200];
    struct md_savedmodel *sm = calloc(1, sizeof *sm);
    if (!sm)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory"), NULL;
    sm->proto = read_proto(dir, &sm->file_bytes, st);
    if (!sm->proto) { /* the message already names the directory or file */
        md_savedmodel_free(sm);
        return NULL;
    }
    /* Absolute, so asset paths handed to ops do not depend on the cwd. */
    sm->dir = realpath(dir, NULL);
    if (!sm->dir) {
        md_status_set(st, MD_FAILED_PRECONDITION, "cannot resolve %s: %s", ESC(e, dir),
                      strerror(errno));
        goto fail;
    }
    sm->meta = md_savedmodel_find_meta_graph(sm->proto, tags, st);
    if (!sm->meta)
        goto fail;
    if (!md_savedmodel_signatures_build(sm->meta, &sm->signatures, &sm->n_signatures, st))
        goto fail;

    /* TensorFlow restores only when the index exists ("no variables; no
     * checkpoints were restored"), whatever else variables/ holds. */
    char *index = path_join(sm->dir, "variables/variables.index", st);
    if (!index)
        goto fail;
    bool has_vars = is_file(index);
    free(index);
    if (has_vars) {
        char *prefix = path_join(sm->dir, "variables/variables", st);
        if (!prefix)
            goto fail;
        sm->vars = md_bundle_open(prefix, st);
        free(prefix);
        if (!sm->vars)
            goto fail;
    }
    return sm;
fail:
    md_status_prefix(st, "SavedModel %s", ESC(e, dir));
    md_savedmodel_free(sm);
    return NULL;
}

const char *md_savedmodel_init_op(const struct md_savedmodel *sm)
{
    const struct md_signature *s = md_savedmodel_signature(sm, "__saved_model_init_op");
    if (s && s->n_outputs == 1 && s->outputs[0].name)
        return s->outputs[0].name;
    static const char *const colls[] = { "saved_model_main_op", "legacy_init_op" };
    for (size_t k = 0; k < sizeof colls / sizeof colls[0]; k++)
        for (size_t i = 0; i < sm->meta->n_collection_def; i++) {
            const Tensorflow__MetaGraphDef__CollectionDefEntry *e = sm->meta->collection_def[i];
            if (strcmp(e->key, colls[k]) != 0)
                continue;
            const Tensorflow__CollectionDef *c = e->value;
            if (c && c->kind_case == TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST && c->node_list &&
                c->node_list->n_value == 1)
                return c->node_list->value[0];
        }
    return NULL;
}

const struct md_signature *md_savedmodel_signature(const struct md_savedmodel *sm, const char *key)
{
    size_t lo = 0, hi = sm->n_signatures;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, sm->signatures[mid].key);
        if (!c)
            return &sm->signatures[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

char *md_savedmodel_asset_path(const struct md_savedmodel *sm, const char *filename,
                               struct md_status *st)
{
    char e[200];
    if (!sm->dir)
        return md_status_set(st, MD_FAILED_PRECONDITION, "SavedModel has no directory"), NULL;
    if (!filename || !*filename)
        return md_status_set(st, MD_INVALID_ARGUMENT, "empty asset filename"), NULL;
    if (filename[0] == '/')
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "asset filename '%s' is absolute; it must be relative to assets/",
                             ESC(e, filename)),
               NULL;
    for (const char *p = filename;;) {
        const char *c = strchr(p, '/');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return md_status_set(st, MD_PERMISSION_DENIED,
                                 "asset filename '%s' has a '..' component; assets must stay "
                                 "inside assets/",
                                 ESC(e, filename)),
                   NULL;
        if (!c)
            break;
        p = c + 1;
    }
    char *assets = path_join(sm->dir, "assets", st);
    if (!assets)
        return NULL;
    char *path = path_join(assets, filename, st);
    free(assets);
    return path;
}

/* ---------------------------------------------------------------- writer */

static bool write_file(const char *path, const void *data, size_t len, struct md_status *st)
{
    char e[200];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return md_status_set(st, MD_FAILED_PRECONDITION, "cannot create %s: %s", ESC(e, path),
                             strerror(errno));
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = w < 0 ? errno : EIO;
            close(fd);
            return md_status_set(st, MD_UNAVAILABLE, "writing %s: %s", ESC(e, path), strerror(err));
        }
        done += (size_t)w;
    }
    /* Exports are renamed into place by the caller; make the bytes durable first. */
    if (fsync(fd) != 0 || close(fd) != 0)
        return md_status_set(st, MD_UNAVAILABLE, "writing %s: %s", ESC(e, path), strerror(errno));
    return true;
}

/* mkdir -p for the parents of dir (dir itself must be new). */
static bool make_parents(const char *dir, struct md_status *st)
{
    char e[200];
    char *tmp = strdup(dir);
    if (!tmp)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            md_status_set(st, MD_FAILED_PRECONDITION, "cannot create directory %s: %s",
                          ESC(e, tmp), strerror(errno));
            free(tmp);
            return false;
        }
        *p = '/';
    }
    free(tmp);
    return true;
}

/* Removes what md_savedmodel_write created, so a failed export leaves nothing. */
static void remove_export(const char *dir)
{
    static const char *const files[] = { "saved_model.pb", "variables/variables.index",
                                         "variables/variables.data-00000-of-00001" };
    struct md_status ignore = MD_STATUS_INIT;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = path_join(dir, files[i], &ignore);
        if (p)
            unlink(p);
        free(p);
    }
    char *v = path_join(dir, "variables", &ignore);
    if (v)
        rmdir(v);
    free(v);
    rmdir(dir);
}

bool md_savedmodel_write(const char *dir, const Tensorflow__SavedModel *sm,
                         const struct md_named_tensor *vars, size_t n_vars, struct md_status *st)
{
    char e[200];
    if (!dir || !*dir || !sm)
        return md_status_set(st, MD_INVALID_ARGUMENT, "md_savedmodel_write: no directory or model");
    if (n_vars && !vars)
        return md_status_set(st, MD_INVALID_ARGUMENT, "md_savedmodel_write: %zu variables but no array",
                             n_vars);
    size_t len = protobuf_c_message_get_packed_size(&sm->base);
    if (len > SAVEDMODEL_MAX_BYTES)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "SavedModel protobuf would be %zu bytes, over the 2 GiB limit", len);
    if (!make_parents(dir, st))
        return false;
    if (mkdir(dir, 0755) != 0)
        return md_status_set(st, errno == EEXIST ? MD_ALREADY_EXISTS : MD_FAILED_PRECONDITION,
                             "cannot create export directory %s: %s", ESC(e, dir), strerror(errno));

    bool ok = false;
    char *pb = NULL, *vdir = NULL, *prefix = NULL;
    struct md_bundle_writer *w = NULL;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory packing the SavedModel (%zu bytes)",
                      len);
        goto out;
    }
    protobuf_c_message_pack(&sm->base, buf);
    if (!(pb = path_join(dir, "saved_model.pb", st)) || !write_file(pb, buf, len, st))
        goto out;
    if (n_vars) {
        if (!(vdir = path_join(dir, "variables", st)))
            goto out;
        if (mkdir(vdir, 0755) != 0) {
            md_status_set(st, MD_FAILED_PRECONDITION, "cannot create %s: %s", ESC(e, vdir),
                          strerror(errno));
            goto out;
        }
        if (!(prefix = path_join(vdir, "variables", st)) || !(w = md_bundle_writer_new(prefix, st)))
            goto out;
        for (size_t i = 0; i < n_vars; i++) {
            if (!vars[i].name || !vars[i].tensor) {
                md_status_set(st, MD_INVALID_ARGUMENT, "variable %zu has no name or tensor", i);
                goto out;
            }
            if (!md_bundle_writer_add(w, vars[i].name, vars[i].tensor, st))
                goto out;
        }
        if (!md_bundle_writer_finish(w, st))
            goto out;
    }
    ok = true;
out:
    md_bundle_writer_free(w);
    free(buf);
    free(pb);
    free(vdir);
    free(prefix);
    if (!ok) {
        md_status_prefix(st, "writing SavedModel %s", ESC(e, dir));
        remove_export(dir);
    }
    return ok;
}
