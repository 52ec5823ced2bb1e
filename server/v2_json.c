/* v2_json.c: KServe v2 infer bodies <-> tensors, with the binary tensor
 * data extension.
 *
 * The request is read by a small grammar-checking scanner, not a DOM: a
 * batch of images is ~100k numbers, and building a jansson value for each
 * would cost more than the model. An input's leaves go straight into the
 * tensor's arena buffer. When "shape" and "datatype" come before "data"
 * (the usual order) the data is decoded where it stands, in one
 * non-recursive walk (data_single_pass); otherwise -- keys may come in any
 * order, and nesting may be ragged -- "data" is skipped (which checks its
 * grammar) and decoded once the rest of the input is known. Both give the
 * same tensors and errors (tests and fuzz_v2 check it). Floats go through
 * json_decode.c's number parser (md_json_number_to_float/_double). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/v2.h"

#define MAX_DEPTH 64        /* nesting of any JSON value */
#define MAX_V2_TENSORS 4096 /* inputs or outputs in one request */

struct lx {
    const char *s;
    size_t n, i;
    struct md_arena *a;
    struct md_status *st;
};

static bool perr(struct lx *l, const char *fmt, ...) MD_PRINTF(2, 3);

static bool perr(struct lx *l, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return md_status_set(l->st, MD_INVALID_ARGUMENT, "JSON parse error at offset %zu: %s", l->i,
                         msg);
}

static void ws(struct lx *l)
{
    while (l->i < l->n) {
        char c = l->s[l->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        l->i++;
    }
}

static char peek(struct lx *l)
{
    ws(l);
    return l->i < l->n ? l->s[l->i] : '\0';
}

static bool eat(struct lx *l, char c)
{
    if (peek(l) != c)
        return false;
    l->i++;
    return true;
}

static bool expect(struct lx *l, char c)
{
    if (eat(l, c))
        return true;
    if (l->i >= l->n)
        return perr(l, "expected '%c' but the body ended", c);
    return perr(l, "expected '%c'", c);
}

static bool word(struct lx *l, const char *w)
{
    size_t k = strlen(w);
    if (l->n - l->i >= k && !memcmp(l->s + l->i, w, k)) {
        l->i += k;
        return true;
    }
    return false;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(struct lx *l, unsigned *out)
{
    if (l->n - l->i < 4)
        return perr(l, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexv(l->s[l->i + (size_t)k]);
        if (h < 0)
            return perr(l, "bad \\u escape");
        v = v * 16 + (unsigned)h;
    }
    l->i += 4;
    *out = v;
    return true;
}

/* A string (at '"'). out (may be NULL: only checked) gets a NUL-terminated
 * arena copy with escapes decoded; *olen its length. */
static bool str(struct lx *l, const char **out, size_t *olen)
{
    if (!expect(l, '"'))
        return false;
    size_t start = l->i;
    bool esc = false;
    while (l->i < l->n && l->s[l->i] != '"') {
        unsigned char c = (unsigned char)l->s[l->i];
        if (c < 0x20)
            return perr(l, "control character in a string");
        if (c == '\\') {
            esc = true;
            l->i++;
        }
        l->i++;
    }
    if (l->i >= l->n)
        return perr(l, "unterminated string");
    size_t end = l->i;
    l->i++;
    if (!out)
        return true;
    char *o = md_arena_alloc(l->a, end - start + 1, l->st);
    if (!o)
        return false;
    size_t k = 0;
    if (!esc) {
        memcpy(o, l->s + start, end - start);
        k = end - start;
    } else {
        struct lx sub = *l;
        sub.i = start;
        while (sub.i < end) {
            char c = sub.s[sub.i++];
            if (c != '\\') {
                o[k++] = c;
                continue;
            }
            char e = sub.s[sub.i++];
            switch (e) {
            case '"': o[k++] = '"'; break;
            case '\\': o[k++] = '\\'; break;
            case '/': o[k++] = '/'; break;
            case 'b': o[k++] = '\b'; break;
            case 'f': o[k++] = '\f'; break;
            case 'n': o[k++] = '\n'; break;
            case 'r': o[k++] = '\r'; break;
            case 't': o[k++] = '\t'; break;
            case 'u': {
                unsigned cp;
                if (!hex4(&sub, &cp))
                    return false;
                if (cp >= 0xd800 && cp < 0xdc00) {
                    unsigned lo;
                    if (sub.i + 2 > end || sub.s[sub.i] != '\\' || sub.s[sub.i + 1] != 'u')
                        return perr(l, "lone surrogate in a \\u escape");
                    sub.i += 2;
                    if (!hex4(&sub, &lo))
                        return false;
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return perr(l, "bad surrogate pair in a \\u escape");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return perr(l, "lone surrogate in a \\u escape");
                }
                /* UTF-8 is never longer than the 6+ escape bytes it replaces. */
                if (cp < 0x80) {
                    o[k++] = (char)cp;
                } else if (cp < 0x800) {
                    o[k++] = (char)(0xc0 | (cp >> 6));
                    o[k++] = (char)(0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    o[k++] = (char)(0xe0 | (cp >> 12));
                    o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    o[k++] = (char)(0x80 | (cp & 0x3f));
                } else {
                    o[k++] = (char)(0xf0 | (cp >> 18));
                    o[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                    o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    o[k++] = (char)(0x80 | (cp & 0x3f));
                }
                break;
            }
            default: return perr(l, "bad escape '\\%c' in a string", e >= 0x20 ? e : '?');
            }
        }
    }
    o[k] = '\0';
    *out = o;
    if (olen)
        *olen = k;
    return true;
}

/* A number token per JSON's grammar; [*tok, *tok + *tlen). */
static bool number(struct lx *l, const char **tok, size_t *tlen, bool *is_int)
{
    ws(l);
    size_t s = l->i;
    bool integral = true;
    if (l->i < l->n && l->s[l->i] == '-')
        l->i++;
    if (l->i >= l->n || l->s[l->i] < '0' || l->s[l->i] > '9')
        return perr(l, "expected a value");
    if (l->s[l->i] == '0')
        l->i++;
    else
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
    if (l->i < l->n && l->s[l->i] == '.') {
        integral = false;
        l->i++;
        size_t d = l->i;
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
        if (l->i == d)
            return perr(l, "expected digits after '.'");
    }
    if (l->i < l->n && (l->s[l->i] == 'e' || l->s[l->i] == 'E')) {
        integral = false;
        l->i++;
        if (l->i < l->n && (l->s[l->i] == '+' || l->s[l->i] == '-'))
            l->i++;
        size_t d = l->i;
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
        if (l->i == d)
            return perr(l, "expected digits in the exponent");
    }
    *tok = l->s + s;
    *tlen = l->i - s;
    if (is_int)
        *is_int = integral;
    return true;
}

/* At the end of the body, records a parse error. Always false, so callers
 * write `return ended(l) || md_status_set(...)`: the first error set wins. */
static bool ended(struct lx *l)
{
    if (peek(l) != '\0' || l->i < l->n)
        return false;
    perr(l, "the body ended early");
    return false;
}

static bool skip(struct lx *l, int depth)
{
    if (depth > MAX_DEPTH)
        return perr(l, "nesting deeper than %d", MAX_DEPTH);
    char c = peek(l);
    if (c == '"')
        return str(l, NULL, NULL);
    if (c == '{') {
        l->i++;
        if (eat(l, '}'))
            return true;
        do {
            if (peek(l) != '"')
                return perr(l, "expected a key string");
            if (!str(l, NULL, NULL) || !expect(l, ':') || !skip(l, depth + 1))
                return false;
        } while (eat(l, ','));
        return expect(l, '}');
    }
    if (c == '[') {
        l->i++;
        if (eat(l, ']'))
            return true;
        do {
            if (!skip(l, depth + 1))
                return false;
        } while (eat(l, ','));
        return expect(l, ']');
    }
    if (word(l, "true") || word(l, "false") || word(l, "null"))
        return true;
    const char *t;
    size_t tl;
    return number(l, &t, &tl, NULL);
}

/* Iterates an object's members: call with *first true; returns false at
 * the end ('}' eaten) or on error (st set), else *key is the next key
 * (arena) with the ':' eaten. */
static bool member(struct lx *l, bool *first, const char **key, bool *err)
{
    *err = false;
    if (*first) {
        *first = false;
        if (!expect(l, '{')) {
            *err = true;
            return false;
        }
        if (eat(l, '}'))
            return false;
    } else {
        if (eat(l, '}'))
            return false;
        if (!expect(l, ',')) {
            *err = true;
            return false;
        }
    }
    if (peek(l) != '"') {
        *err = true;
        perr(l, "expected a key string");
        return false;
    }
    if (!str(l, key, NULL) || !expect(l, ':')) {
        *err = true;
        return false;
    }
    return true;
}

static bool bool_value(struct lx *l, bool *out)
{
    ws(l);
    if (word(l, "true"))
        *out = true;
    else if (word(l, "false"))
        *out = false;
    else
        return false;
    return true;
}

static bool int_value(struct lx *l, int64_t *out)
{
    const char *t;
    size_t tl;
    bool integral;
    if (!number(l, &t, &tl, &integral))
        return false;
    char buf[32];
    if (!integral || tl >= sizeof buf)
        return false;
    memcpy(buf, t, tl);
    buf[tl] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno)
        return false;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------- inputs */
struct in_tmp {
    const char *name;
    bool has_shape, has_dtype, has_data, has_bin;
    int rank;
    int64_t dims[MD_MAX_RANK];
    enum md_dtype dtype;
    const char *dtype_name;
    size_t data_off, data_end;
    int64_t bin_size;
    /* Set when "data" was decoded where it stood (see data_single_pass),
     * for this dtype and shape; build_input then only checks they held. */
    void *pre;
    enum md_dtype pre_dtype;
    int pre_rank;
    int64_t pre_dims[MD_MAX_RANK];
};

static bool shape_value(struct lx *l, struct in_tmp *in)
{
    if (!expect(l, '['))
        return false;
    in->rank = 0;
    if (eat(l, ']'))
        return true;
    do {
        int64_t d;
        if (in->rank >= MD_MAX_RANK)
            return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                 "input '%s': shape has more than %d dims", in->name,
                                 MD_MAX_RANK);
        size_t at = l->i;
        if (!int_value(l, &d) || d < 0) {
            l->i = at;
            return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                 "input '%s': shape must be an array of non-negative integers",
                                 in->name);
        }
        in->dims[in->rank++] = d;
    } while (eat(l, ','));
    return expect(l, ']');
}

static bool input_params(struct lx *l, struct in_tmp *in)
{
    bool first = true, err;
    const char *k;
    while (member(l, &first, &k, &err)) {
        if (!strcmp(k, "binary_data_size")) {
            if (!int_value(l, &in->bin_size) || in->bin_size < 0)
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "input '%s': binary_data_size must be a non-negative "
                                     "integer",
                                     in->name);
            in->has_bin = true;
        } else if (!skip(l, 1)) {
            return false;
        }
    }
    return !err;
}

/* Single pass. The usual body gives "shape" and "datatype" before "data",
 * so the first walk over an input object can decode its data straight into
 * the tensor instead of skipping it to decode it in a second walk. These
 * read shape/datatype tentatively: a bad one is skipped here (grammar
 * checked as before) and reported by the second walk, as it always was. */
static bool leaf(struct lx *l, const struct in_tmp *in, void *slot);

static bool single_pass = true;

void md_v2_json_set_single_pass(bool on)
{
    single_pass = on;
}

/* Both return false only on a grammar error (l->st set), like skip. */
static bool early_shape(struct lx *l, struct in_tmp *e)
{
    struct md_status quiet = MD_STATUS_INIT;
    struct lx t = *l;
    t.st = &quiet;
    e->has_shape = false;
    if (shape_value(&t, e)) {
        l->i = t.i;
        e->has_shape = true;
        return true;
    }
    return skip(l, 1);
}

static bool early_dtype(struct lx *l, struct in_tmp *e)
{
    struct md_status quiet = MD_STATUS_INIT;
    struct lx t = *l;
    t.st = &quiet;
    const char *dn;
    size_t dl;
    e->has_dtype = false;
    if (peek(&t) == '"' && str(&t, &dn, &dl)) {
        l->i = t.i;
        e->dtype = md_v2_datatype_from_name(dn, dl);
        e->dtype_name = dn;
        e->has_dtype = e->dtype != MD_DT_INVALID;
        return true;
    }
    return skip(l, 1);
}

/* Decodes the "data" value at l->i into a new arena buffer for e's dtype
 * and shape, in one non-recursive walk that checks the layout as it goes:
 * either flat (exactly count leaves) or nested exactly as the shape (every
 * level's length its dim). True with l->i past the value and in->pre set;
 * false (l->i, l->st untouched) for anything else -- an error, or a layout
 * the general decoder still accepts (ragged, partly nested, a bare scalar)
 * -- and the caller skips and decodes it later exactly as before, so
 * results and error messages do not change. */
static bool data_single_pass(struct lx *l, const struct in_tmp *e, struct in_tmp *in)
{
    int64_t count = md_shape_num_elements(e->rank, e->dims);
    size_t start = l->i;
    if (count < 0 || count > (int64_t)(l->n - start) || l->s[start] != '[')
        return false;
    size_t esz = md_dtype_size(e->dtype);
    struct md_status quiet = MD_STATUS_INIT;
    struct lx t = *l;
    t.st = &quiet;
    char *dst = md_arena_alloc(l->a, count ? (size_t)count * esz : 1, &quiet);
    if (!dst)
        return false;
    t.i++;
    int64_t k = 0;
    if (peek(&t) != '[') { /* flat */
        if (!eat(&t, ']')) {
            do {
                if (k >= count || !leaf(&t, e, dst + (size_t)k * esz))
                    goto fallback;
                k++;
            } while (eat(&t, ','));
            if (!eat(&t, ']'))
                goto fallback;
        }
        if (k != count)
            goto fallback;
    } else { /* nested: depth == rank, lengths == dims */
        int r = e->rank, lvl = 0;
        int64_t seen[MD_MAX_RANK];
        if (r < 2)
            goto fallback;
        seen[0] = 0;
        for (;;) {
            if (lvl == r - 1) { /* a row of leaves */
                for (int64_t j = 0; j < e->dims[lvl]; j++) {
                    if ((j && !eat(&t, ',')) || peek(&t) == '[' ||
                        !leaf(&t, e, dst + (size_t)k * esz))
                        goto fallback;
                    k++;
                }
                if (!eat(&t, ']'))
                    goto fallback;
            } else if (seen[lvl] < e->dims[lvl]) {
                if ((seen[lvl] && !eat(&t, ',')) || !eat(&t, '['))
                    goto fallback;
                seen[++lvl] = 0;
                continue;
            } else if (!eat(&t, ']')) {
                goto fallback;
            }
            if (lvl == 0)
                break;
            seen[--lvl]++;
        }
    }
    l->i = t.i;
    in->pre = dst;
    in->pre_dtype = e->dtype;
    in->pre_rank = e->rank;
    memcpy(in->pre_dims, e->dims, sizeof in->pre_dims);
    return true;
fallback:
    /* A request that errs pays for the arena bytes twice; fine. */
    return false;
}

static bool input_object(struct lx *l, size_t idx, struct in_tmp *in)
{
    memset(in, 0, sizeof *in);
    in->name = "";
    bool first = true, err, has_name = false;
    const char *k;
    struct in_tmp early; /* shape and datatype seen before "data" */
    memset(&early, 0, sizeof early);
    early.name = "";
    /* A name may come after the keys that need it in messages. */
    size_t obj = l->i;
    while (member(l, &first, &k, &err)) {
        if (!strcmp(k, "name")) {
            if (peek(l) != '"')
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "inputs[%zu]: 'name' must be a string", idx);
            if (!str(l, &in->name, NULL))
                return false;
            has_name = true;
        } else if (!strcmp(k, "data")) {
            if (in->has_data)
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "inputs[%zu]: 'data' appears twice", idx);
            ws(l);
            in->data_off = l->i;
            if (!(single_pass && early.has_shape && early.has_dtype &&
                  data_single_pass(l, &early, in)) &&
                !skip(l, 1))
                return false;
            in->data_end = l->i;
            in->has_data = true;
        } else if (!strcmp(k, "shape")) {
            if (!early_shape(l, &early))
                return false;
        } else if (!strcmp(k, "datatype")) {
            if (!early_dtype(l, &early))
                return false;
        } else if (!skip(l, 1)) {
            return false;
        }
    }
    if (err)
        return false;
    if (!has_name)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "inputs[%zu]: missing 'name'", idx);
    l->i = obj;
    first = true;
    while (member(l, &first, &k, &err)) {
        if (!strcmp(k, "shape")) {
            if (!shape_value(l, in))
                return false;
            in->has_shape = true;
        } else if (!strcmp(k, "datatype")) {
            const char *dn;
            size_t dl;
            if (peek(l) != '"' || !str(l, &dn, &dl))
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "input '%s': 'datatype' must be a string", in->name);
            in->dtype = md_v2_datatype_from_name(dn, dl);
            in->dtype_name = dn;
            if (in->dtype == MD_DT_INVALID) {
                char esc[64];
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "input '%s': unknown datatype '%s' (expected BOOL, UINT8, "
                                     "UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, "
                                     "FP32, FP64 or BYTES)",
                                     in->name, md_escape(esc, sizeof esc, dn, dl));
            }
            in->has_dtype = true;
        } else if (!strcmp(k, "data")) {
            ws(l);
            l->i = in->data_end; /* checked by the first pass */
        } else if (!strcmp(k, "parameters")) {
            if (peek(l) != '{')
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "input '%s': 'parameters' must be an object", in->name);
            if (!input_params(l, in))
                return false;
        } else if (!skip(l, 1)) {
            return false;
        }
    }
    if (err)
        return false;
    if (!in->has_shape)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "input '%s': missing 'shape'", in->name);
    if (!in->has_dtype)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "input '%s': missing 'datatype'",
                             in->name);
    if (in->has_data && in->has_bin)
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "input '%s': has both 'data' and binary_data_size", in->name);
    if (!in->has_data && !in->has_bin)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "input '%s': missing 'data'", in->name);
    return true;
}

/* Decodes one JSON leaf of dtype dt into slot. */
static bool leaf(struct lx *l, const struct in_tmp *in, void *slot)
{
    char c = peek(l);
    enum md_dtype dt = in->dtype;
    if (dt == MD_DT_BOOL) {
        bool b;
        if (!bool_value(l, &b))
            return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                 "input '%s': BOOL data must be true or false (offset %zu)",
                                 in->name, l->i);
        *(uint8_t *)slot = b;
        return true;
    }
    if (dt == MD_DT_STRING) {
        struct md_str *s = slot;
        if (c != '"')
            return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                 "input '%s': BYTES data must be strings (offset %zu)", in->name,
                                 l->i);
        const char *p;
        size_t pl;
        if (!str(l, &p, &pl))
            return false;
        s->data = p;
        s->len = pl;
        return true;
    }
    size_t at = l->i;
    const char *t;
    size_t tl;
    bool integral;
    if ((c != '-' && (c < '0' || c > '9')) || !number(l, &t, &tl, &integral)) {
        md_status_set(l->st, MD_INVALID_ARGUMENT,
                      "input '%s': %s data must be numbers (offset %zu)", in->name,
                      in->dtype_name, at);
        return false;
    }
    char buf[400];
    if (tl >= sizeof buf)
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "input '%s': number too long at offset %zu", in->name, at);
    if (dt == MD_DT_FLOAT || dt == MD_DT_HALF || dt == MD_DT_DOUBLE) {
        /* json_decode.c's parser, so both REST APIs read numbers alike.
         * Overflow gives +-inf (as strtod did); false otherwise is OOM. */
        float f = 0;
        double d = 0;
        bool ok = dt == MD_DT_DOUBLE ? md_json_number_to_double(t, tl, &d)
                                     : md_json_number_to_float(t, tl, &f);
        if (!ok && !isinf(dt == MD_DT_DOUBLE ? d : (double)f))
            return md_status_set(l->st, MD_RESOURCE_EXHAUSTED,
                                 "input '%s': out of memory reading a number", in->name);
        if (dt == MD_DT_DOUBLE)
            *(double *)slot = d;
        else if (dt == MD_DT_FLOAT)
            *(float *)slot = f;
        else
            *(uint16_t *)slot = md_v2_half_from_float(f);
        return true;
    }
    memcpy(buf, t, tl);
    buf[tl] = '\0';
    if (!integral)
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "input '%s': %s data must be integers, got %s", in->name,
                             in->dtype_name, buf);
    bool neg = buf[0] == '-';
    errno = 0;
    unsigned long long u = 0;
    long long v = 0;
    if (neg)
        v = strtoll(buf, NULL, 10);
    else
        u = strtoull(buf, NULL, 10);
    bool range = errno == 0;
    switch (dt) {
    case MD_DT_INT8: range = range && (neg ? v >= INT8_MIN : u <= INT8_MAX); break;
    case MD_DT_INT16: range = range && (neg ? v >= INT16_MIN : u <= INT16_MAX); break;
    case MD_DT_INT32: range = range && (neg ? v >= INT32_MIN : u <= INT32_MAX); break;
    case MD_DT_INT64: range = range && (neg || u <= INT64_MAX); break;
    case MD_DT_UINT8: range = range && !neg && u <= UINT8_MAX; break;
    case MD_DT_UINT16: range = range && !neg && u <= UINT16_MAX; break;
    case MD_DT_UINT32: range = range && !neg && u <= UINT32_MAX; break;
    case MD_DT_UINT64: range = range && !neg; break;
    default: range = false; break;
    }
    if (!range)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "input '%s': %s is out of range for %s",
                             in->name, buf, in->dtype_name);
    if (!neg)
        v = (long long)u;
    switch (dt) {
    case MD_DT_INT8: *(int8_t *)slot = (int8_t)v; break;
    case MD_DT_INT16: *(int16_t *)slot = (int16_t)v; break;
    case MD_DT_INT32: *(int32_t *)slot = (int32_t)v; break;
    case MD_DT_INT64: *(int64_t *)slot = (int64_t)v; break;
    case MD_DT_UINT8: *(uint8_t *)slot = (uint8_t)u; break;
    case MD_DT_UINT16: *(uint16_t *)slot = (uint16_t)u; break;
    case MD_DT_UINT32: *(uint32_t *)slot = (uint32_t)u; break;
    default: *(uint64_t *)slot = (uint64_t)u; break;
    }
    return true;
}

/* Flattens nested arrays row-major into t (count elements). */
static bool data_values(struct lx *l, const struct in_tmp *in, struct md_tensor *t, int64_t count,
                        int64_t *k, int depth)
{
    if (depth > MAX_DEPTH)
        return perr(l, "nesting deeper than %d", MAX_DEPTH);
    size_t esz = md_dtype_size(t->dtype);
    if (peek(l) != '[') {
        if (*k >= count)
            goto too_many;
        if (!leaf(l, in, (char *)t->data + (size_t)*k * esz))
            return false;
        (*k)++;
        return true;
    }
    l->i++;
    if (eat(l, ']'))
        return true;
    do {
        if (peek(l) == '[') {
            if (!data_values(l, in, t, count, k, depth + 1))
                return false;
            continue;
        }
        if (*k >= count)
            goto too_many;
        if (!leaf(l, in, (char *)t->data + (size_t)*k * esz))
            return false;
        (*k)++;
    } while (eat(l, ','));
    return expect(l, ']');
too_many: {
    char sh[128];
    return md_status_set(l->st, MD_INVALID_ARGUMENT,
                         "input '%s': data has more than the %lld elements of shape %s",
                         in->name, (long long)count, md_shape_str(sh, sizeof sh, in->rank, in->dims));
}
}

static bool count_error(struct md_status *st, const struct in_tmp *in, int64_t count, int64_t got)
{
    char sh[128];
    return md_status_set(st, MD_INVALID_ARGUMENT,
                         "input '%s': shape %s needs %lld elements, data has %lld", in->name,
                         md_shape_str(sh, sizeof sh, in->rank, in->dims), (long long)count,
                         (long long)got);
}

static uint32_t rd32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool md_v2_tensor_from_raw(const char *name, enum md_dtype dt, int rank, const int64_t *dims,
                           const void *data, size_t n, struct md_arena *a, struct md_tensor *out,
                           struct md_status *st)
{
    const unsigned char *p = data;
    char sh[128], esc[128];
    md_escape(esc, sizeof esc, name, strlen(name));
    const char *dname = md_v2_datatype_name(dt) ? md_v2_datatype_name(dt) : "?";
    int64_t count = md_shape_num_elements(rank, dims);
    if (rank < 0 || rank > MD_MAX_RANK || count < 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s': bad shape", esc);
    md_shape_str(sh, sizeof sh, rank, dims);
    bool fits = dt == MD_DT_STRING ? count <= (int64_t)(n / 4)
                                   : (uint64_t)count * md_dtype_size(dt) == n;
    if (!fits)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': %zu bytes of raw data do not fit %s %s", esc, n, dname,
                             sh);
    struct md_tensor t = MD_TENSOR_INIT;
    t.dtype = dt;
    t.rank = rank;
    for (int d = 0; d < rank; d++)
        t.dims[d] = dims[d];
    size_t bytes = (size_t)count * md_dtype_size(dt);
    /* Copied even for numbers: body offsets are not aligned for kernels. */
    t.data = md_arena_alloc(a, bytes ? bytes : 1, st);
    if (!t.data)
        return false;
    if (dt != MD_DT_STRING) {
        if (n)
            memcpy(t.data, p, n);
        *out = t;
        return true;
    }
    struct md_str *s = t.data;
    size_t off = 0;
    for (int64_t k = 0; k < count; k++) {
        if (n - off < 4)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input '%s': raw data ends after %lld of the %lld BYTES "
                                 "elements of %s",
                                 esc, (long long)k, (long long)count, sh);
        uint32_t len = rd32le(p + off);
        off += 4;
        if (len > n - off)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input '%s': BYTES element %lld of %u bytes runs past the "
                                 "raw data",
                                 esc, (long long)k, len);
        s[k].data = (const char *)p + off;
        s[k].len = len;
        off += len;
    }
    if (off != n)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "input '%s': %zu bytes of raw data left after %lld BYTES elements",
                             esc, n - off, (long long)count);
    *out = t;
    return true;
}

size_t md_v2_raw_size(const struct md_tensor *t)
{
    int64_t count = md_tensor_num_elements(t);
    if (count <= 0)
        return 0;
    if (t->dtype != MD_DT_STRING)
        return (size_t)count * md_dtype_size(t->dtype);
    size_t n = 0;
    const struct md_str *s = t->data;
    for (int64_t k = 0; k < count; k++)
        n += 4 + s[k].len;
    return n;
}

void md_v2_raw_write(const struct md_tensor *t, uint8_t *dst)
{
    int64_t count = md_tensor_num_elements(t);
    if (count <= 0)
        return;
    if (t->dtype != MD_DT_STRING) {
        memcpy(dst, t->data, (size_t)count * md_dtype_size(t->dtype));
        return;
    }
    const struct md_str *s = t->data;
    for (int64_t k = 0; k < count; k++) {
        uint32_t len = (uint32_t)s[k].len;
        dst[0] = (uint8_t)len;
        dst[1] = (uint8_t)(len >> 8);
        dst[2] = (uint8_t)(len >> 16);
        dst[3] = (uint8_t)(len >> 24);
        if (len)
            memcpy(dst + 4, s[k].data, len);
        dst += 4 + len;
    }
}

static bool build_input(struct lx *l, const struct in_tmp *in, const unsigned char *bin,
                        size_t bin_len, size_t *bin_off, struct md_v2_input *out)
{
    struct md_tensor t = MD_TENSOR_INIT;
    t.dtype = in->dtype;
    t.rank = in->rank;
    memcpy(t.dims, in->dims, sizeof t.dims);
    int64_t count = md_shape_num_elements(in->rank, in->dims);
    char sh[128];
    if (count < 0)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "input '%s': shape %s is too large",
                             in->name, md_shape_str(sh, sizeof sh, in->rank, in->dims));
    /* Cheap bounds before allocating: a JSON leaf takes at least one byte,
     * a binary BYTES element at least four. */
    if (in->has_data && count > (int64_t)(in->data_end - in->data_off))
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "input '%s': shape %s needs %lld elements, data has fewer", in->name,
                             md_shape_str(sh, sizeof sh, in->rank, in->dims), (long long)count);
    if (in->has_bin) {
        if ((uint64_t)in->bin_size > bin_len - *bin_off)
            return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                 "input '%s': binary_data_size %lld runs past the %zu bytes of "
                                 "binary data after the JSON header",
                                 in->name, (long long)in->bin_size, bin_len - *bin_off);
        const unsigned char *p = bin + *bin_off;
        *bin_off += (size_t)in->bin_size;
        if (!md_v2_tensor_from_raw(in->name, in->dtype, in->rank, in->dims, p,
                                   (size_t)in->bin_size, l->a, &t, l->st)) {
            md_status_prefix(l->st, "binary_data_size");
            return false;
        }
    } else if (in->pre && in->pre_dtype == in->dtype && in->pre_rank == in->rank &&
               !memcmp(in->pre_dims, in->dims, sizeof in->dims)) {
        t.data = in->pre; /* decoded in the first pass, checked against this shape */
    } else {
        size_t bytes = (size_t)count * md_dtype_size(in->dtype);
        t.data = md_arena_alloc(l->a, bytes ? bytes : 1, l->st);
        if (!t.data)
            return false;
        struct lx d = *l;
        d.i = in->data_off;
        d.n = in->data_end;
        int64_t k = 0;
        if (!data_values(&d, in, &t, count, &k, 0))
            return false;
        if (k != count)
            return count_error(l->st, in, count, k);
    }
    out->name = in->name;
    out->tensor = t;
    return true;
}

static bool output_object(struct lx *l, size_t idx, struct md_v2_output_req *o)
{
    memset(o, 0, sizeof *o);
    bool first = true, err;
    const char *k;
    while (member(l, &first, &k, &err)) {
        if (!strcmp(k, "name")) {
            if (peek(l) != '"')
                return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                     "outputs[%zu]: 'name' must be a string", idx);
            if (!str(l, &o->name, NULL))
                return false;
        } else if (!strcmp(k, "parameters")) {
            bool pf = true, perr2;
            const char *pk;
            while (member(l, &pf, &pk, &perr2)) {
                if (!strcmp(pk, "binary_data")) {
                    if (!bool_value(l, &o->binary))
                        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                                             "outputs[%zu]: binary_data must be true or false",
                                             idx);
                } else if (!skip(l, 1)) {
                    return false;
                }
            }
            if (perr2)
                return false;
        } else if (!skip(l, 1)) {
            return false;
        }
    }
    if (err)
        return false;
    if (!o->name)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "outputs[%zu]: missing 'name'", idx);
    return true;
}

/* Grows an arena array by one slot (doubling; old copies stay in the arena). */
static void *grow(struct lx *l, void *arr, size_t n, size_t *cap, size_t esz)
{
    if (n < *cap)
        return arr;
    if (n >= MAX_V2_TENSORS) {
        md_status_set(l->st, MD_INVALID_ARGUMENT, "more than %d tensors in one request",
                      MAX_V2_TENSORS);
        return NULL;
    }
    size_t nc = *cap ? *cap * 2 : 4;
    void *na = md_arena_alloc(l->a, nc * esz, l->st);
    if (!na)
        return NULL;
    if (n)
        memcpy(na, arr, n * esz);
    *cap = nc;
    return na;
}

bool md_v2_json_decode(const char *body, size_t len, size_t json_len, struct md_arena *a,
                       struct md_v2_request *req, struct md_status *st)
{
    memset(req, 0, sizeof *req);
    req->signature_name = "";
    if (json_len > len)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Inference-Header-Content-Length %zu exceeds the body's %zu bytes",
                             json_len, len);
    struct lx l = {body, json_len, 0, a, st};
    struct in_tmp *tmp = NULL;
    size_t n_in = 0, cap_in = 0, cap_out = 0;
    bool first = true, err, has_inputs = false;
    const char *k;
    if (peek(&l) != '{')
        return perr(&l, "the request must be a JSON object");
    while (member(&l, &first, &k, &err)) {
        if (!strcmp(k, "id")) {
            if (peek(&l) != '"')
                return md_status_set(st, MD_INVALID_ARGUMENT, "'id' must be a string");
            if (!str(&l, &req->id, NULL))
                return false;
        } else if (!strcmp(k, "parameters")) {
            bool pf = true, perr2;
            const char *pk;
            if (peek(&l) != '{')
                return md_status_set(st, MD_INVALID_ARGUMENT, "'parameters' must be an object");
            while (member(&l, &pf, &pk, &perr2)) {
                if (!strcmp(pk, "signature_name")) {
                    if (peek(&l) != '"')
                        return md_status_set(st, MD_INVALID_ARGUMENT,
                                             "parameters.signature_name must be a string");
                    if (!str(&l, &req->signature_name, NULL))
                        return false;
                } else if (!strcmp(pk, "binary_data_output")) {
                    if (!bool_value(&l, &req->binary_output))
                        return md_status_set(st, MD_INVALID_ARGUMENT,
                                             "parameters.binary_data_output must be true or "
                                             "false");
                } else if (!skip(&l, 1)) {
                    return false;
                }
            }
            if (perr2)
                return false;
        } else if (!strcmp(k, "inputs")) {
            if (peek(&l) != '[')
                return md_status_set(st, MD_INVALID_ARGUMENT, "'inputs' must be an array");
            has_inputs = true;
            l.i++;
            if (!eat(&l, ']')) {
                do {
                    if (!(tmp = grow(&l, tmp, n_in, &cap_in, sizeof *tmp)))
                        return false;
                    if (peek(&l) != '{')
                        return ended(&l) || md_status_set(st, MD_INVALID_ARGUMENT,
                                                          "inputs[%zu] must be an object", n_in);
                    if (!input_object(&l, n_in, &tmp[n_in]))
                        return false;
                    n_in++;
                } while (eat(&l, ','));
                if (!expect(&l, ']'))
                    return false;
            }
        } else if (!strcmp(k, "outputs")) {
            if (peek(&l) != '[')
                return md_status_set(st, MD_INVALID_ARGUMENT, "'outputs' must be an array");
            l.i++;
            if (!eat(&l, ']')) {
                do {
                    if (!(req->outputs = grow(&l, req->outputs, req->n_outputs, &cap_out,
                                              sizeof *req->outputs)))
                        return false;
                    if (peek(&l) != '{')
                        return ended(&l) ||
                               md_status_set(st, MD_INVALID_ARGUMENT,
                                             "outputs[%zu] must be an object", req->n_outputs);
                    if (!output_object(&l, req->n_outputs, &req->outputs[req->n_outputs]))
                        return false;
                    req->n_outputs++;
                } while (eat(&l, ','));
                if (!expect(&l, ']'))
                    return false;
            }
        } else if (!skip(&l, 1)) {
            return false;
        }
    }
    if (err)
        return false;
    if (peek(&l) != '\0' || l.i != l.n)
        return perr(&l, "trailing characters after the JSON object");
    if (!has_inputs)
        return md_status_set(st, MD_INVALID_ARGUMENT, "missing 'inputs'");
    for (size_t i = 0; i < n_in; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(tmp[i].name, tmp[j].name)) {
                char esc[128];
                return md_status_set(st, MD_INVALID_ARGUMENT, "input '%s' appears twice",
                                     md_escape(esc, sizeof esc, tmp[i].name,
                                               strlen(tmp[i].name)));
            }
    req->inputs = md_arena_alloc(a, (n_in ? n_in : 1) * sizeof *req->inputs, st);
    if (!req->inputs)
        return false;
    const unsigned char *bin = (const unsigned char *)body + json_len;
    size_t bin_len = len - json_len, bin_off = 0;
    for (size_t i = 0; i < n_in; i++) {
        if (!build_input(&l, &tmp[i], bin, bin_len, &bin_off, &req->inputs[i]))
            return false;
        req->n_inputs++;
    }
    if (bin_off != bin_len)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "%zu bytes of binary data after the JSON header are not claimed by "
                             "any input's binary_data_size",
                             bin_len - bin_off);
    return true;
}

/* ----------------------------------------------------------- responses */
static void put_i64(struct md_sbuf *o, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    md_sbuf_put(o, b, (size_t)n);
}

static void put_u64(struct md_sbuf *o, unsigned long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%llu", v);
    md_sbuf_put(o, b, (size_t)n);
}

static void data_json(struct md_sbuf *o, const struct md_tensor *t, int64_t count)
{
    md_sbuf_putc(o, '[');
    for (int64_t k = 0; k < count; k++) {
        if (k)
            md_sbuf_putc(o, ',');
        const void *p = (const char *)t->data + (size_t)k * md_dtype_size(t->dtype);
        switch (t->dtype) {
        case MD_DT_BOOL: md_sbuf_puts(o, *(const uint8_t *)p ? "true" : "false"); break;
        case MD_DT_FLOAT: md_json_write_float(o, *(const float *)p); break;
        case MD_DT_DOUBLE: md_json_write_double(o, *(const double *)p); break;
        case MD_DT_HALF: md_json_write_float(o, md_v2_half_to_float(*(const uint16_t *)p)); break;
        case MD_DT_INT8: put_i64(o, *(const int8_t *)p); break;
        case MD_DT_INT16: put_i64(o, *(const int16_t *)p); break;
        case MD_DT_INT32: put_i64(o, *(const int32_t *)p); break;
        case MD_DT_INT64: put_i64(o, (long long)*(const int64_t *)p); break;
        case MD_DT_UINT8: put_u64(o, *(const uint8_t *)p); break;
        case MD_DT_UINT16: put_u64(o, *(const uint16_t *)p); break;
        case MD_DT_UINT32: put_u64(o, *(const uint32_t *)p); break;
        case MD_DT_UINT64: put_u64(o, (unsigned long long)*(const uint64_t *)p); break;
        case MD_DT_STRING: {
            const struct md_str *s = p;
            md_json_write_string(o, s->data, s->len);
            break;
        }
        default: md_sbuf_puts(o, "null"); break;
        }
    }
    md_sbuf_putc(o, ']');
}

static void binary_put(struct md_sbuf *o, const struct md_tensor *t)
{
    size_t n = md_v2_raw_size(t);
    if (!n || !md_sbuf_reserve(o, n))
        return;
    md_v2_raw_write(t, (uint8_t *)o->data + o->len);
    o->len += n;
    o->data[o->len] = '\0'; /* as md_sbuf_put leaves it */
}

static bool want_binary(const struct md_v2_request *req, const char *alias)
{
    for (size_t i = 0; i < req->n_outputs; i++)
        if (!strcmp(req->outputs[i].name, alias))
            return req->outputs[i].binary || req->binary_output;
    return req->binary_output;
}

bool md_v2_json_encode(struct md_sbuf *out, const char *model, int64_t version,
                       const struct md_v2_request *req, const struct md_serve_output *outs,
                       size_t n, size_t *json_len, struct md_status *st)
{
    for (size_t i = 0; i < n; i++) {
        if (!md_v2_datatype_name(outs[i].tensor.dtype))
            return md_status_set(st, MD_UNIMPLEMENTED,
                                 "output '%s' has dtype %s, which the v2 protocol cannot carry",
                                 outs[i].alias, md_dtype_name(outs[i].tensor.dtype));
        if (md_tensor_num_elements(&outs[i].tensor) < 0)
            return md_status_set(st, MD_INTERNAL, "output '%s' has a bad shape", outs[i].alias);
    }
    md_sbuf_puts(out, "{\"model_name\":");
    md_json_write_string(out, model, strlen(model));
    md_sbuf_puts(out, ",\"model_version\":\"");
    put_i64(out, (long long)version);
    md_sbuf_putc(out, '"');
    if (req->id) {
        md_sbuf_puts(out, ",\"id\":");
        md_json_write_string(out, req->id, strlen(req->id));
    }
    md_sbuf_puts(out, ",\"outputs\":[");
    bool any_binary = false;
    for (size_t i = 0; i < n; i++) {
        const struct md_tensor *t = &outs[i].tensor;
        int64_t count = md_tensor_num_elements(t);
        if (i)
            md_sbuf_putc(out, ',');
        md_sbuf_puts(out, "{\"name\":");
        md_json_write_string(out, outs[i].alias, strlen(outs[i].alias));
        md_sbuf_puts(out, ",\"datatype\":\"");
        md_sbuf_puts(out, md_v2_datatype_name(t->dtype));
        md_sbuf_puts(out, "\",\"shape\":[");
        for (int d = 0; d < t->rank; d++) {
            if (d)
                md_sbuf_putc(out, ',');
            put_i64(out, (long long)t->dims[d]);
        }
        md_sbuf_putc(out, ']');
        if (want_binary(req, outs[i].alias)) {
            any_binary = true;
            md_sbuf_puts(out, ",\"parameters\":{\"binary_data_size\":");
            put_u64(out, md_v2_raw_size(t));
            md_sbuf_putc(out, '}');
        } else {
            md_sbuf_puts(out, ",\"data\":");
            data_json(out, t, count);
        }
        md_sbuf_putc(out, '}');
    }
    md_sbuf_puts(out, "]}");
    *json_len = out->len;
    if (any_binary)
        for (size_t i = 0; i < n; i++)
            if (want_binary(req, outs[i].alias))
                binary_put(out, &outs[i].tensor);
    if (out->oom)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory writing the response");
    return true;
}
