/* textformat.c: protobuf text format <-> protobuf-c messages.
 *
 * Everything is driven by protobuf-c's ProtobufCMessageDescriptor, so any
 * message of our proto files can be read and written: saved_model.pbtxt,
 * TF Serving's --model_config_file (ModelServerConfig), MonitoringConfig,
 * the `checkpoint` file (CheckpointState).
 *
 * The grammar is the one protobuf's C++ TextFormat::Parser accepts (its
 * answers were checked against `protoc --encode`):
 *   - `name: value`; `name {...}`, `name <...>` with an optional ':';
 *   - `,` or `;` after any field; `#` comments to the end of the line;
 *   - repeated fields as repeated occurrences or `name: [v, v]` lists
 *     (`name [{...}, {...}]` for messages); maps as repeated
 *     `{ key: .. value: .. }` entries;
 *   - enums by name or by number; bools true/false/True/False/t/f/0/1;
 *   - integers in decimal, hex (0x) or octal (leading 0), range-checked for
 *     the field's type; floats in decimal only, with an optional f/F suffix,
 *     plus inf/infinity/nan (any case, optionally negated);
 *   - strings in '...' or "..." with C escapes (\n \t \\ \' \" \xHH \NNN
 *     \uXXXX \UXXXXXXXX ...) and adjacent literals concatenated.
 * Like protobuf's Parse (not Merge), a non-repeated field given twice is an
 * error when it already has a value (a message, a oneof member, a proto2
 * optional that is set, a proto3 scalar that is not zero/empty), and so is a
 * second member of the same oneof. Unknown fields are errors; extension and
 * Any expansion syntax (`[type.googleapis.com/...]`) is refused. Stricter
 * than C++: an octal escape above \377 and a NUL byte in a `string` field
 * (protobuf-c strings are NUL-terminated) are errors.
 *
 * Limits: TEXT_MAX_BYTES bytes of text and TEXT_MAX_DEPTH nested messages; together
 * they bound every loop, every allocation and the recursion.
 *
 * Numbers are converted with strtof/strtod and printed with snprintf, so the
 * process must run in the "C" LC_NUMERIC locale (modeld never calls
 * setlocale).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define TEXT_MAX_DEPTH 100
#define TEXT_MAX_BYTES ((size_t)256 << 20)
#define TEXT_MAX_NAME 128 /* longest field/enum name we look up */

/* ------------------------------------------------------------ growing text */

struct sbuf {
    char *d;
    size_t n, cap;
    bool oom;
};

static void sb_put(struct sbuf *b, const void *s, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->n < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return;
            }
            cap *= 2;
        }
        char *d = realloc(b->d, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->d = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->d + b->n, s, n);
    b->n += n;
    b->d[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_putc(struct sbuf *b, char c) { sb_put(b, &c, 1); }

/* --------------------------------------------------------- field storage */

static size_t elt_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static void *member(const ProtobufCMessage *m, unsigned offset)
{
    /* protobuf-c addresses fields by byte offset; the caller knows whether
     * the message may be written. */
    return (char *)(uintptr_t)m + offset;
}

/* True when a non-repeated, non-oneof field holds a value: the same test
 * protobuf-c's packer uses to decide whether to write the field, and what
 * protobuf calls "has" (proto3 scalars: not zero/empty). */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *v = member(m, f->offset);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        const void *p = *(void *const *)v;
        return p && p != f->default_value;
    }
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(const char *const *)v;
        if (!s)
            return false;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL || f->label == PROTOBUF_C_LABEL_REQUIRED)
            return s != f->default_value;
        return s[0] != '\0';
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        return *(const protobuf_c_boolean *)member(m, f->quantifier_offset) != 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)v != 0.0f;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)v != 0.0;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)v)->len != 0;
    default:
        break;
    }
    if (elt_size(f->type) == 8)
        return *(const uint64_t *)v != 0;
    return *(const uint32_t *)v != 0;
}

/* ------------------------------------------------------------------ lexer */

enum tok_kind { T_EOF, T_IDENT, T_NUMBER, T_STRING, T_SYMBOL };
enum num_kind { N_DEC, N_HEX, N_OCT, N_FLOAT };

struct tok {
    enum tok_kind kind;
    enum num_kind num;
    const char *s; /* lexeme in the input (quotes included for strings) */
    size_t len;
    int line, col;
};

struct parser {
    const char *cur, *end;
    int line, col; /* position of cur, 1-based */
    struct tok t;  /* lookahead */
    struct md_status *st;
    bool failed;
    int depth;
    bool skip_unknown; /* md_textformat_parse_lenient */
};

static bool fail_at(struct parser *p, int line, int col, enum md_code code, const char *fmt, ...)
    MD_PRINTF(5, 6);

static bool fail_at(struct parser *p, int line, int col, enum md_code code, const char *fmt, ...)
{
    if (p->failed)
        return false;
    char msg[MD_STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->failed = true;
    p->t.kind = T_EOF; /* stop every loop */
    return md_status_set(p->st, code, "line %d col %d: %s", line, col, msg);
}

#define FAIL(p, tk, ...) fail_at((p), (tk)->line, (tk)->col, MD_INVALID_ARGUMENT, __VA_ARGS__)

/* The token as text for a message: escaped, at most ~40 bytes. */
static const char *tok_text(const struct tok *t, char *buf, size_t cap)
{
    if (t->kind == T_EOF)
        return "end of input";
    size_t n = t->len > 40 ? 40 : t->len;
    md_escape(buf, cap, t->s, n);
    if (n < t->len && strlen(buf) + 4 < cap)
        strcat(buf, "...");
    return buf;
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

static void advance(struct parser *p, size_t n)
{
    for (size_t i = 0; i < n; i++, p->cur++) {
        if (*p->cur == '\n') {
            p->line++;
            p->col = 1;
        } else {
            p->col++;
        }
    }
}

static bool classify_number(struct parser *p, struct tok *t)
{
    const char *s = t->s;
    size_t n = t->len, i = 0;
    char buf[64];
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < n && is_hex(s[i]); i++)
            ;
        if (n == 2 || i != n)
            return FAIL(p, t, "invalid hex number '%s'", tok_text(t, buf, sizeof buf));
        t->num = N_HEX;
        return true;
    }
    while (i < n && is_digit(s[i]))
        i++;
    if (i == n) {
        if (n > 1 && s[0] == '0') {
            for (i = 1; i < n && s[i] >= '0' && s[i] <= '7'; i++)
                ;
            if (i != n)
                return FAIL(p, t, "number '%s' starts with 0 but is not octal",
                            tok_text(t, buf, sizeof buf));
            t->num = N_OCT;
        } else {
            t->num = N_DEC;
        }
        return true;
    }
    /* digits* ['.' digits*] [e [+-] digits+] [f|F], at least one digit. */
    size_t digits = i;
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++)
            digits++;
    }
    bool ok = digits > 0;
    if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < n && is_digit(s[i]))
            i++;
        ok = i > e0;
    }
    if (ok && i < n && (s[i] == 'f' || s[i] == 'F'))
        i++;
    if (!ok || i != n)
        return FAIL(p, t, "invalid number '%s'", tok_text(t, buf, sizeof buf));
    t->num = N_FLOAT;
    return true;
}

/* Reads the next token into p->t. On a lexical error p->failed is set and
 * the token is T_EOF. */
static void lex(struct parser *p)
{
    struct tok *t = &p->t;
    if (p->failed) {
        t->kind = T_EOF;
        return;
    }
    for (;;) {
        while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\t' || *p->cur == '\n' ||
                                   *p->cur == '\r' || *p->cur == '\v' || *p->cur == '\f'))
            advance(p, 1);
        if (p->cur < p->end && *p->cur == '#') {
            const char *nl = memchr(p->cur, '\n', (size_t)(p->end - p->cur));
            advance(p, nl ? (size_t)(nl - p->cur) : (size_t)(p->end - p->cur));
            continue;
        }
        break;
    }
    t->s = p->cur;
    t->line = p->line;
    t->col = p->col;
    t->len = 0;
    if (p->cur >= p->end) {
        t->kind = T_EOF;
        return;
    }
    const char *s = p->cur;
    size_t avail = (size_t)(p->end - p->cur), n = 1;
    char c = s[0];
    if (is_alpha(c)) {
        while (n < avail && is_alnum(s[n]))
            n++;
        t->kind = T_IDENT;
    } else if (is_digit(c) || (c == '.' && avail > 1 && is_digit(s[1]))) {
        bool hex = avail > 1 && c == '0' && (s[1] == 'x' || s[1] == 'X');
        while (n < avail && (is_alnum(s[n]) || s[n] == '.' ||
                             (!hex && (s[n] == '+' || s[n] == '-') &&
                              (s[n - 1] == 'e' || s[n - 1] == 'E'))))
            n++;
        t->kind = T_NUMBER;
    } else if (c == '"' || c == '\'') {
        t->kind = T_STRING;
        for (;;) {
            if (n >= avail) {
                FAIL(p, t, "unterminated string literal");
                return;
            }
            if (s[n] == '\n') {
                FAIL(p, t, "string literal not terminated before the end of the line");
                return;
            }
            if (s[n] == '\\') {
                if (n + 1 >= avail) {
                    FAIL(p, t, "unterminated string literal");
                    return;
                }
                if (s[n + 1] == '\n') {
                    FAIL(p, t, "string literal not terminated before the end of the line");
                    return;
                }
                n += 2;
                continue;
            }
            if (s[n++] == c)
                break;
        }
    } else {
        t->kind = T_SYMBOL;
    }
    t->len = n;
    advance(p, n);
    if (t->kind == T_NUMBER && !classify_number(p, t))
        t->kind = T_EOF;
}

static bool at_sym(const struct parser *p, char c)
{
    return p->t.kind == T_SYMBOL && p->t.s[0] == c;
}

static bool accept_sym(struct parser *p, char c)
{
    if (!at_sym(p, c))
        return false;
    lex(p);
    return true;
}

static bool is_ident(const struct tok *t, const char *word)
{
    return t->kind == T_IDENT && t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

static bool is_ident_nocase(const struct tok *t, const char *word)
{
    if (t->kind != T_IDENT || t->len != strlen(word))
        return false;
    for (size_t i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- values */

union value {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    protobuf_c_boolean b;
    char *str;
    ProtobufCBinaryData bytes;
};

static bool unexpected(struct parser *p, const char *what, const ProtobufCFieldDescriptor *f)
{
    char buf[64];
    return FAIL(p, &p->t, "expected %s for field '%s', got '%s'", what, f->name,
                tok_text(&p->t, buf, sizeof buf));
}

/* Magnitude of an integer token (decimal/hex/octal); false on overflow. */
static bool token_u64(const struct tok *t, uint64_t *out)
{
    unsigned base = t->num == N_HEX ? 16 : t->num == N_OCT ? 8 : 10;
    size_t i = t->num == N_HEX ? 2 : 0;
    uint64_t v = 0;
    for (; i < t->len; i++) {
        char c = t->s[i];
        unsigned d = is_digit(c) ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                                                : (unsigned)(c - 'A' + 10);
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* [-] integer, in [-(neg_max), pos_max]. */
static bool parse_integer(struct parser *p, const ProtobufCFieldDescriptor *f, uint64_t pos_max,
                          uint64_t neg_max, bool *neg, uint64_t *mag)
{
    struct tok start = p->t;
    char buf[64];
    *neg = false;
    if (at_sym(p, '-')) {
        if (neg_max == 0)
            return unexpected(p, "a non-negative integer", f);
        *neg = true;
        lex(p);
    }
    if (p->t.kind != T_NUMBER || p->t.num == N_FLOAT)
        return unexpected(p, "an integer", f);
    bool ok = token_u64(&p->t, mag);
    if (!ok || *mag > (*neg ? neg_max : pos_max))
        return FAIL(p, &start, "integer %s%s out of range for field '%s'", *neg ? "-" : "",
                    tok_text(&p->t, buf, sizeof buf), f->name);
    lex(p);
    return true;
}

static bool parse_floating(struct parser *p, const ProtobufCFieldDescriptor *f, bool is_float,
                           double *d, float *fl)
{
    bool neg = accept_sym(p, '-');
    const struct tok *t = &p->t;
    if (is_ident_nocase(t, "inf") || is_ident_nocase(t, "infinity")) {
        *d = neg ? -HUGE_VAL : HUGE_VAL;
        *fl = neg ? -HUGE_VALF : HUGE_VALF;
    } else if (is_ident_nocase(t, "nan")) {
        *d = neg ? -(double)NAN : (double)NAN;
        *fl = neg ? -NAN : NAN;
    } else if (t->kind == T_NUMBER && (t->num == N_DEC || t->num == N_FLOAT)) {
        /* strtod needs a terminated copy: the input buffer need not be. */
        char small[128], *s = small;
        size_t n = t->len;
        if (n >= sizeof small) {
            s = malloc(n + 1);
            if (!s)
                return fail_at(p, t->line, t->col, MD_RESOURCE_EXHAUSTED, "out of memory");
        }
        memcpy(s, t->s, n);
        if (s[n - 1] == 'f' || s[n - 1] == 'F')
            n--;
        s[n] = '\0';
        /* Overflow gives +-inf as in protobuf; underflow gives 0 or a
         * denormal; both are fine, so errno is not looked at. */
        if (is_float)
            *fl = strtof(s, NULL);
        else
            *d = strtod(s, NULL);
        if (s != small)
            free(s);
        if (neg) {
            *fl = -*fl;
            *d = -*d;
        }
    } else {
        return unexpected(p, "a decimal number", f);
    }
    lex(p);
    return true;
}

static bool put_utf8(struct sbuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    sb_put(b, u, n);
    return !b->oom;
}

static unsigned hexval(char c)
{
    return is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Reads exactly `digits` hex digits at s[*i]; false if they are not there. */
static bool read_hex(const char *s, size_t end, size_t *i, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < digits; k++) {
        if (*i >= end || !is_hex(s[*i]))
            return false;
        v = v * 16 + hexval(s[(*i)++]);
    }
    *out = v;
    return true;
}

/* Appends the decoded body of string token t to b. Escapes as in C and
 * protobuf's tokenizer. */
static bool unescape(struct parser *p, const struct tok *t, struct sbuf *b)
{
    const char *s = t->s;
    size_t end = t->len - 1; /* closing quote */
    size_t i = 1;
    while (i < end) {
        size_t run = i;
        while (run < end && s[run] != '\\')
            run++;
        sb_put(b, s + i, run - i);
        i = run;
        if (i >= end)
            break;
        size_t esc = i++; /* s[esc] is the backslash; lexing guarantees i < end */
        int col = t->col + (int)esc;
        char c = s[i++];
        uint32_t v;
        switch (c) {
        case 'a': sb_putc(b, '\a'); break;
        case 'b': sb_putc(b, '\b'); break;
        case 'f': sb_putc(b, '\f'); break;
        case 'n': sb_putc(b, '\n'); break;
        case 'r': sb_putc(b, '\r'); break;
        case 't': sb_putc(b, '\t'); break;
        case 'v': sb_putc(b, '\v'); break;
        case '\\': case '\'': case '"': case '?': sb_putc(b, c); break;
        case 'x': case 'X':
            if (i >= end || !is_hex(s[i]))
                return fail_at(p, t->line, col, MD_INVALID_ARGUMENT,
                               "invalid escape: \\x must be followed by hex digits");
            v = hexval(s[i++]);
            if (i < end && is_hex(s[i]))
                v = v * 16 + hexval(s[i++]);
            sb_putc(b, (char)v);
            break;
        case 'u': case 'U': {
            if (!read_hex(s, end, &i, c == 'u' ? 4 : 8, &v))
                return fail_at(p, t->line, col, MD_INVALID_ARGUMENT,
                               "invalid escape: \\%c must be followed by %d hex digits", c,
                               c == 'u' ? 4 : 8);
            if (v >= 0xd800 && v < 0xdc00 && c == 'u' && i + 1 < end && s[i] == '\\' &&
                s[i + 1] == 'u') {
                size_t j = i + 2;
                uint32_t lo;
                if (read_hex(s, end, &j, 4, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                    i = j;
                }
            }
            if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
                return fail_at(p, t->line, col, MD_INVALID_ARGUMENT,
                               "invalid escape: \\%c%0*" PRIX32 " is not a Unicode code point", c,
                               c == 'u' ? 4 : 8, v);
            put_utf8(b, v);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                v = (uint32_t)(c - '0');
                for (int k = 0; k < 2 && i < end && s[i] >= '0' && s[i] <= '7'; k++)
                    v = v * 8 + (uint32_t)(s[i++] - '0');
                if (v > 0xff)
                    return fail_at(p, t->line, col, MD_INVALID_ARGUMENT,
                                   "invalid escape: octal \\%03" PRIo32 " is above \\377", v);
                sb_putc(b, (char)v);
                break;
            }
            {
                char shown[16];
                md_escape(shown, sizeof shown, &c, 1);
                return fail_at(p, t->line, col, MD_INVALID_ARGUMENT,
                               "invalid escape sequence '\\%s' in string", shown);
            }
        }
    }
    if (b->oom)
        return fail_at(p, t->line, t->col, MD_RESOURCE_EXHAUSTED, "out of memory");
    return true;
}

/* One or more adjacent string literals. */
static bool parse_string(struct parser *p, const ProtobufCFieldDescriptor *f, union value *v)
{
    if (p->t.kind != T_STRING)
        return unexpected(p, "a quoted string", f);
    struct tok start = p->t;
    struct sbuf b = { 0 };
    sb_put(&b, "", 0);
    while (p->t.kind == T_STRING) {
        if (!unescape(p, &p->t, &b)) {
            free(b.d);
            return false;
        }
        lex(p);
    }
    if (b.oom) {
        free(b.d);
        return fail_at(p, start.line, start.col, MD_RESOURCE_EXHAUSTED, "out of memory");
    }
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        if (memchr(b.d, '\0', b.n)) {
            free(b.d);
            return FAIL(p, &start, "string field '%s' contains a NUL byte", f->name);
        }
        v->str = b.d;
    } else if (b.n == 0) {
        free(b.d);
        v->bytes.len = 0;
        v->bytes.data = NULL;
    } else {
        v->bytes.len = b.n;
        v->bytes.data = (uint8_t *)b.d;
    }
    return true;
}

static bool parse_enum(struct parser *p, const ProtobufCFieldDescriptor *f, union value *v)
{
    const ProtobufCEnumDescriptor *ed = f->descriptor;
    char buf[64];
    if (p->t.kind == T_IDENT) {
        char name[TEXT_MAX_NAME + 1];
        const ProtobufCEnumValue *ev = NULL;
        if (p->t.len <= TEXT_MAX_NAME) {
            memcpy(name, p->t.s, p->t.len);
            name[p->t.len] = '\0';
            ev = protobuf_c_enum_descriptor_get_value_by_name(ed, name);
        }
        if (!ev)
            return FAIL(p, &p->t, "unknown enum value '%s' for field '%s' (enum %s)",
                        tok_text(&p->t, buf, sizeof buf), f->name, ed->name);
        v->i32 = ev->value;
        lex(p);
        return true;
    }
    /* proto3 enums are open: any int32 number is kept as it is. */
    bool neg;
    uint64_t mag;
    if (p->t.kind != T_NUMBER && !at_sym(p, '-'))
        return unexpected(p, "an enum name or number", f);
    if (!parse_integer(p, f, INT32_MAX, (uint64_t)INT32_MAX + 1, &neg, &mag))
        return false;
    v->i32 = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return true;
}

/* A scalar (non-message) value for field f. Strings and bytes come back
 * malloc'd. */
static bool parse_scalar(struct parser *p, const ProtobufCFieldDescriptor *f, union value *v)
{
    bool neg;
    uint64_t mag;
    double d = 0;
    float fl = 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!parse_integer(p, f, INT32_MAX, (uint64_t)INT32_MAX + 1, &neg, &mag))
            return false;
        v->i32 = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!parse_integer(p, f, UINT32_MAX, 0, &neg, &mag))
            return false;
        v->u32 = (uint32_t)mag;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!parse_integer(p, f, INT64_MAX, (uint64_t)INT64_MAX + 1, &neg, &mag))
            return false;
        /* -(2^63) has no positive int64 twin: negate in unsigned arithmetic. */
        v->i64 = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!parse_integer(p, f, UINT64_MAX, 0, &neg, &mag))
            return false;
        v->u64 = mag;
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        if (!parse_floating(p, f, true, &d, &fl))
            return false;
        v->f = fl;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!parse_floating(p, f, false, &d, &fl))
            return false;
        v->d = d;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (is_ident(&p->t, "true") || is_ident(&p->t, "True") || is_ident(&p->t, "t")) {
            v->b = 1;
        } else if (is_ident(&p->t, "false") || is_ident(&p->t, "False") || is_ident(&p->t, "f")) {
            v->b = 0;
        } else if (p->t.kind == T_NUMBER && p->t.num != N_FLOAT) {
            if (!parse_integer(p, f, 1, 0, &neg, &mag))
                return false;
            v->b = (protobuf_c_boolean)mag;
            return true;
        } else {
            return unexpected(p, "true or false", f);
        }
        lex(p);
        return true;
    case PROTOBUF_C_TYPE_ENUM:
        return parse_enum(p, f, v);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
        return parse_string(p, f, v);
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    return unexpected(p, "a value", f);
}

static void free_value(const ProtobufCFieldDescriptor *f, union value *v)
{
    if (f->type == PROTOBUF_C_TYPE_STRING)
        free(v->str);
    else if (f->type == PROTOBUF_C_TYPE_BYTES)
        free(v->bytes.data);
}

/* ------------------------------------------------------------- messages */

/* A free slot at the end of repeated field f, or NULL (status set) when out
 * of memory. The array grows by doubling: its capacity is implied by the
 * count (0, then 4, 8, 16, ...), so nothing else has to be stored and
 * protobuf_c_message_free_unpacked still sees a plain array. */
static void *append_slot(struct parser *p, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                         const struct tok *at)
{
    size_t *n = member(m, f->quantifier_offset);
    void **arr = member(m, f->offset);
    size_t es = elt_size(f->type);
    if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
        size_t cap = *n ? *n * 2 : 4;
        void *na = realloc(*arr, cap * es);
        if (!na) {
            fail_at(p, at->line, at->col, MD_RESOURCE_EXHAUSTED, "out of memory");
            return NULL;
        }
        *arr = na;
    }
    return (char *)*arr + *n * es;
}

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = malloc(d->sizeof_message);
    if (m)
        d->message_init(m);
    return m;
}

static bool parse_fields(struct parser *p, ProtobufCMessage *m, char close, const struct tok *open);

/* `{ ... }` or `< ... >` into the fresh message sub, which the caller has
 * already linked into its parent (so an error frees it with the root). */
static bool parse_message_body(struct parser *p, ProtobufCMessage *sub,
                               const ProtobufCFieldDescriptor *f)
{
    char buf[64];
    struct tok open = p->t;
    char close;
    if (at_sym(p, '{'))
        close = '}';
    else if (at_sym(p, '<'))
        close = '>';
    else
        return FAIL(p, &p->t, "expected '{' or '<' to open message field '%s', got '%s'", f->name,
                    tok_text(&p->t, buf, sizeof buf));
    if (p->depth >= TEXT_MAX_DEPTH)
        return FAIL(p, &open, "messages nested deeper than %d levels", TEXT_MAX_DEPTH);
    lex(p);
    p->depth++;
    bool ok = parse_fields(p, sub, close, &open);
    p->depth--;
    return ok;
}

static bool parse_one(struct parser *p, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                      const struct tok *name)
{
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *sub = new_message(f->descriptor);
        if (!sub)
            return fail_at(p, name->line, name->col, MD_RESOURCE_EXHAUSTED, "out of memory");
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            ProtobufCMessage **slot = append_slot(p, m, f, name);
            if (!slot) {
                free(sub);
                return false;
            }
            *slot = sub;
            (*(size_t *)member(m, f->quantifier_offset))++;
        } else {
            *(ProtobufCMessage **)member(m, f->offset) = sub;
            if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                *(uint32_t *)member(m, f->quantifier_offset) = f->id;
        }
        return parse_message_body(p, sub, f);
    }

    union value v;
    memset(&v, 0, sizeof v);
    if (!parse_scalar(p, f, &v))
        return false;
    size_t es = elt_size(f->type);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        void *slot = append_slot(p, m, f, name);
        if (!slot) {
            free_value(f, &v);
            return false;
        }
        memcpy(slot, &v, es);
        (*(size_t *)member(m, f->quantifier_offset))++;
        return true;
    }
    void *dst = member(m, f->offset);
    /* An earlier value that did not count as "set" (e.g. `name: ""`) is
     * overwritten, as protobuf does; free it unless it is the default. */
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *old = *(char **)dst;
        if (old && old != f->default_value)
            free(old);
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        const ProtobufCBinaryData *def = f->default_value;
        uint8_t *old = ((ProtobufCBinaryData *)dst)->data;
        if (old && (!def || def->data != old))
            free(old);
    }
    memcpy(dst, &v, es);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)member(m, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)member(m, f->quantifier_offset) = 1;
    return true;
}

/* Refuses a second value for a non-repeated field, as protobuf's Parse. */
static bool check_singular(struct parser *p, const ProtobufCMessage *m,
                           const ProtobufCFieldDescriptor *f, const struct tok *name)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t c = *(const uint32_t *)member(m, f->quantifier_offset);
        if (c == f->id)
            return FAIL(p, name, "non-repeated field '%s' is specified multiple times in message %s",
                        f->name, d->name);
        if (c != 0) {
            const ProtobufCFieldDescriptor *o = protobuf_c_message_descriptor_get_field(d, c);
            return FAIL(p, name,
                        "field '%s' is specified along with field '%s', another member of the "
                        "same oneof in message %s",
                        f->name, o ? o->name : "?", d->name);
        }
        return true;
    }
    if (field_present(m, f))
        return FAIL(p, name, "non-repeated field '%s' is specified multiple times in message %s",
                    f->name, d->name);
    return true;
}

/* Lenient mode: a field our minimal .proto files lack is skipped whole, as
 * protobuf-c skips unknown fields of binary input. The skipped text must
 * still be well-formed: a scalar, a '{...}'/'<...>' block of fields, or a
 * '[...]' list of either. */
static bool skip_value(struct parser *p, const struct tok *name, bool colon);

static bool skip_scalar(struct parser *p, const struct tok *name)
{
    char buf[64];
    if (p->t.kind == T_STRING) {
        while (p->t.kind == T_STRING)
            lex(p);
        return !p->failed;
    }
    if (at_sym(p, '-'))
        lex(p);
    if (p->t.kind == T_IDENT || p->t.kind == T_NUMBER) {
        lex(p);
        return !p->failed;
    }
    return FAIL(p, &p->t, "expected a value for unknown field '%s', got '%s'",
                tok_text(name, buf, sizeof buf), tok_text(&p->t, buf, sizeof buf));
}

/* An extension or Any name '[a.b/c]': skipped token by token. */
static bool skip_bracket_name(struct parser *p)
{
    struct tok open = p->t;
    lex(p);
    while (!at_sym(p, ']')) {
        if (p->t.kind == T_EOF)
            return FAIL(p, &open, "unterminated '[' in a field name");
        lex(p);
    }
    lex(p);
    return !p->failed;
}

static bool skip_block(struct parser *p)
{
    struct tok open = p->t;
    char close = at_sym(p, '{') ? '}' : '>';
    if (++p->depth > TEXT_MAX_DEPTH)
        return FAIL(p, &open, "nesting deeper than %d levels", TEXT_MAX_DEPTH);
    lex(p);
    for (;;) {
        if (p->failed)
            return false;
        if (p->t.kind == T_EOF)
            return FAIL(p, &p->t, "unexpected end of input: missing '%c' for the '%c' at line %d col %d",
                        close, open.s[0], open.line, open.col);
        if (at_sym(p, close)) {
            lex(p);
            p->depth--;
            return !p->failed;
        }
        struct tok name = p->t;
        if (at_sym(p, '[')) {
            if (!skip_bracket_name(p))
                return false;
        } else if (p->t.kind == T_IDENT) {
            lex(p);
        } else {
            char buf[64];
            return FAIL(p, &p->t, "expected a field name, got '%s'", tok_text(&p->t, buf, sizeof buf));
        }
        if (!skip_value(p, &name, accept_sym(p, ':')))
            return false;
        if (!accept_sym(p, ';'))
            accept_sym(p, ',');
    }
}

static bool skip_value(struct parser *p, const struct tok *name, bool colon)
{
    char buf[64];
    if (at_sym(p, '{') || at_sym(p, '<'))
        return skip_block(p);
    if (!colon)
        return FAIL(p, &p->t, "expected ':' after field '%s', got '%s'",
                    tok_text(name, buf, sizeof buf), tok_text(&p->t, buf, sizeof buf));
    if (!at_sym(p, '['))
        return skip_scalar(p, name);
    lex(p);
    if (accept_sym(p, ']'))
        return !p->failed;
    do {
        if (at_sym(p, '{') || at_sym(p, '<') ? !skip_block(p) : !skip_scalar(p, name))
            return false;
    } while (accept_sym(p, ','));
    if (!accept_sym(p, ']'))
        return FAIL(p, &p->t, "expected ',' or ']' in the list for field '%s', got '%s'",
                    tok_text(name, buf, sizeof buf), tok_text(&p->t, buf, sizeof buf));
    return !p->failed;
}

static bool parse_field(struct parser *p, ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    char buf[64];
    if (at_sym(p, '[')) {
        if (!p->skip_unknown)
            return FAIL(p, &p->t,
                        "extension and Any syntax '[...]' is not supported (in message %s)",
                        d->name);
        struct tok open = p->t;
        if (!skip_bracket_name(p) || !skip_value(p, &open, accept_sym(p, ':')))
            return false;
        if (!accept_sym(p, ';'))
            accept_sym(p, ',');
        return !p->failed;
    }
    if (p->t.kind != T_IDENT)
        return FAIL(p, &p->t, "expected a field name in message %s, got '%s'", d->name,
                    tok_text(&p->t, buf, sizeof buf));
    struct tok name = p->t;
    const ProtobufCFieldDescriptor *f = NULL;
    if (name.len <= TEXT_MAX_NAME) {
        char s[TEXT_MAX_NAME + 1];
        memcpy(s, name.s, name.len);
        s[name.len] = '\0';
        f = protobuf_c_message_descriptor_get_field_by_name(d, s);
    }
    if (!f && p->skip_unknown) {
        lex(p);
        if (!skip_value(p, &name, accept_sym(p, ':')))
            return false;
        if (!accept_sym(p, ';'))
            accept_sym(p, ',');
        return !p->failed;
    }
    if (!f)
        return FAIL(p, &name, "unknown field '%s' in message %s", tok_text(&name, buf, sizeof buf),
                    d->name);
    lex(p);

    bool is_msg = f->type == PROTOBUF_C_TYPE_MESSAGE;
    bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
    if (!accept_sym(p, ':') && !is_msg)
        return FAIL(p, &p->t, "expected ':' after field '%s', got '%s'", f->name,
                    tok_text(&p->t, buf, sizeof buf));
    if (at_sym(p, '[')) {
        if (!repeated)
            return FAIL(p, &p->t, "list syntax '[...]' used for non-repeated field '%s'", f->name);
        lex(p);
        if (!accept_sym(p, ']')) {
            do {
                if (!parse_one(p, m, f, &name))
                    return false;
            } while (accept_sym(p, ','));
            if (!accept_sym(p, ']'))
                return FAIL(p, &p->t, "expected ',' or ']' in the list for field '%s', got '%s'",
                            f->name, tok_text(&p->t, buf, sizeof buf));
        }
    } else {
        if (!repeated && !check_singular(p, m, f, &name))
            return false;
        if (!parse_one(p, m, f, &name))
            return false;
    }
    if (!accept_sym(p, ';'))
        accept_sym(p, ',');
    return !p->failed;
}

/* Fields up to `close` ('}' or '>'), or to the end of input when close is 0. */
static bool parse_fields(struct parser *p, ProtobufCMessage *m, char close, const struct tok *open)
{
    char buf[64];
    for (;;) {
        if (p->failed)
            return false;
        if (p->t.kind == T_EOF) {
            if (!close)
                return true;
            return FAIL(p, &p->t, "unexpected end of input: missing '%c' for the '%c' at line %d col %d",
                        close, open->s[0], open->line, open->col);
        }
        if (close && at_sym(p, close)) {
            lex(p);
            return !p->failed;
        }
        if (at_sym(p, '}') || at_sym(p, '>'))
            return FAIL(p, &p->t, "unexpected '%s'%s", tok_text(&p->t, buf, sizeof buf),
                        close ? " (mismatched closing bracket)" : "");
        if (!parse_field(p, m))
            return false;
    }
}

static ProtobufCMessage *parse_text(const ProtobufCMessageDescriptor *desc, const char *text,
                                    size_t len, bool skip_unknown, struct md_status *st);

ProtobufCMessage *md_textformat_parse(const ProtobufCMessageDescriptor *desc, const char *text,
                                      size_t len, struct md_status *st)
{
    return parse_text(desc, text, len, false, st);
}

ProtobufCMessage *md_textformat_parse_lenient(const ProtobufCMessageDescriptor *desc,
                                              const char *text, size_t len, struct md_status *st)
{
    return parse_text(desc, text, len, true, st);
}

static ProtobufCMessage *parse_text(const ProtobufCMessageDescriptor *desc, const char *text,
                                    size_t len, bool skip_unknown, struct md_status *st)
{
    if (!desc || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC || (!text && len)) {
        md_status_set(st, MD_INVALID_ARGUMENT, "text format: invalid arguments");
        return NULL;
    }
    if (len > TEXT_MAX_BYTES) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED,
                      "text format %s: input of %zu bytes is over the %zu byte limit", desc->name,
                      len, TEXT_MAX_BYTES);
        return NULL;
    }
    ProtobufCMessage *root = new_message(desc);
    if (!root) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "text format %s: out of memory", desc->name);
        return NULL;
    }
    struct md_status local = MD_STATUS_INIT;
    struct parser p = {
        .cur = text ? text : "",
        .line = 1,
        .col = 1,
        .st = st ? st : &local,
        .skip_unknown = skip_unknown,
    };
    p.end = p.cur + len;
    lex(&p);
    if (!parse_fields(&p, root, 0, NULL) || p.failed) {
        protobuf_c_message_free_unpacked(root, NULL);
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------- printer */

/* C-style escaping as protobuf's CEscape: the named escapes, everything else
 * outside printable ASCII as three octal digits (so a following digit can
 * never be taken into the escape). */
static void print_quoted(struct sbuf *b, const uint8_t *s, size_t n)
{
    sb_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char e[5];
        switch (c) {
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        case '"': sb_put(b, "\\\"", 2); break;
        case '\'': sb_put(b, "\\'", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                e[0] = '\\';
                e[1] = (char)('0' + (c >> 6));
                e[2] = (char)('0' + ((c >> 3) & 7));
                e[3] = (char)('0' + (c & 7));
                sb_put(b, e, 4);
            } else {
                sb_putc(b, (char)c);
            }
        }
    }
    sb_putc(b, '"');
}

/* Shortest of %.{6,9}g (float) or %.{15,17}g (double) that reads back to
 * the same value, as protobuf's SimpleFtoa/SimpleDtoa. */
static void print_floating(struct sbuf *b, double d, bool is_float)
{
    char s[40];
    if (isnan(d)) {
        sb_puts(b, signbit(d) ? "-nan" : "nan");
        return;
    }
    if (isinf(d)) {
        sb_puts(b, d < 0 ? "-inf" : "inf");
        return;
    }
    if (is_float) {
        float f = (float)d;
        snprintf(s, sizeof s, "%.6g", d);
        if (strtof(s, NULL) != f)
            snprintf(s, sizeof s, "%.9g", d);
    } else {
        snprintf(s, sizeof s, "%.15g", d);
        if (strtod(s, NULL) != d)
            snprintf(s, sizeof s, "%.17g", d);
    }
    sb_puts(b, s);
}

static void print_message(struct sbuf *b, const ProtobufCMessage *m, int indent);

static void print_value(struct sbuf *b, const ProtobufCFieldDescriptor *f, const void *v,
                        int indent)
{
    char s[48];
    for (int i = 0; i < indent; i++)
        sb_putc(b, ' ');
    sb_puts(b, f->name);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        sb_puts(b, " {\n");
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)v;
        if (sub)
            print_message(b, sub, indent + 2);
        for (int i = 0; i < indent; i++)
            sb_putc(b, ' ');
        sb_puts(b, "}\n");
        return;
    }
    sb_puts(b, ": ");
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(s, sizeof s, "%" PRId32, *(const int32_t *)v);
        sb_puts(b, s);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        snprintf(s, sizeof s, "%" PRIu32, *(const uint32_t *)v);
        sb_puts(b, s);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(s, sizeof s, "%" PRId64, *(const int64_t *)v);
        sb_puts(b, s);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(s, sizeof s, "%" PRIu64, *(const uint64_t *)v);
        sb_puts(b, s);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        print_floating(b, (double)*(const float *)v, true);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        print_floating(b, *(const double *)v, false);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        sb_puts(b, *(const protobuf_c_boolean *)v ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int32_t e = *(const int32_t *)v;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, e);
        if (ev) {
            sb_puts(b, ev->name);
        } else {
            snprintf(s, sizeof s, "%" PRId32, e);
            sb_puts(b, s);
        }
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *str = *(const char *const *)v;
        print_quoted(b, (const uint8_t *)(str ? str : ""), str ? strlen(str) : 0);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = v;
        print_quoted(b, bd->data, bd->data ? bd->len : 0);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    sb_putc(b, '\n');
}

/* Fields in field-number order, as protobuf's printers: protobuf-c's
 * descriptors keep `fields` sorted by number (its lookup by number relies on
 * it). Repeated fields print one line per element. Map entries print in the
 * order they are stored, not sorted by key as protobuf's printer does, so
 * parse(print(m)) reproduces m exactly; protobuf's parser takes any order.
 * Unknown fields kept by protobuf-c's unpacker cannot be written in text
 * format; each becomes a comment. */
static void print_message(struct sbuf *b, const ProtobufCMessage *m, int indent)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *v = member(m, f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)member(m, f->quantifier_offset);
            const char *arr = *(const char *const *)v;
            size_t es = elt_size(f->type);
            for (size_t j = 0; arr && j < n; j++)
                print_value(b, f, arr + j * es, indent);
        } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)member(m, f->quantifier_offset) == f->id)
                print_value(b, f, v, indent);
        } else if (field_present(m, f)) {
            print_value(b, f, v, indent);
        }
    }
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        char s[96];
        for (int k = 0; k < indent; k++)
            sb_putc(b, ' ');
        snprintf(s, sizeof s, "# unknown field %" PRIu32 " (wire type %d, %zu bytes) not printed\n",
                 m->unknown_fields[i].tag, (int)m->unknown_fields[i].wire_type,
                 m->unknown_fields[i].len);
        sb_puts(b, s);
    }
}

char *md_textformat_print(const ProtobufCMessage *msg)
{
    struct sbuf b = { 0 };
    sb_put(&b, "", 0);
    if (msg)
        print_message(&b, msg, 0);
    if (b.oom) {
        free(b.d);
        return NULL;
    }
    return b.d;
}
