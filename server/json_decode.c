/* json_decode.c: TF Serving's REST request bodies -> tensors, without a DOM.
 *
 * A predict body is read twice: pass 1 checks the JSON grammar of the whole
 * body (so syntax errors come first, with rapidjson's messages and offsets,
 * as TF Serving reports them) and notes where "instances"/"inputs" are;
 * pass 2 walks just that value and writes each number straight into the
 * input tensor's storage in the request arena. Numbers go through Clinger's
 * exact fast path and fall back to strtod, then are narrowed as rapidjson's
 * GetFloat does, so values match TF Serving bit for bit.
 *
 * Every loop is bounded by the body length and nesting by MAX_DEPTH. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.pb-c.h"
#include "server/server_impl.h"

#define MAX_DEPTH 256

struct lex {
    const char *b, *p, *e;
    struct md_status *st;
};

static bool perr(struct lex *l, const char *msg)
{
    return md_status_set(l->st, MD_INVALID_ARGUMENT, "JSON Parse error: %s at offset: %zu", msg,
                         (size_t)(l->p - l->b));
}

static char peek(const struct lex *l)
{
    return l->p < l->e ? *l->p : '\0';
}

static void ws(struct lex *l)
{
    while (l->p < l->e && (*l->p == ' ' || *l->p == '\n' || *l->p == '\r' || *l->p == '\t'))
        l->p++;
}

static bool lit(struct lex *l, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(l->e - l->p) < n || memcmp(l->p, word, n) != 0)
        return false;
    l->p += n;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(struct lex *l, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (l->p >= l->e || hexval(*l->p) < 0)
            return perr(l, "Incorrect hex digit after \\u escape in string.");
        v = v * 16 + (unsigned)hexval(*l->p++);
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Reads a string at l->p ('"'). With out != NULL, decodes it into out
 * (capacity >= raw length) and sets *olen. */
static bool string_tok(struct lex *l, char *out, size_t *olen)
{
    size_t o = 0;
    l->p++;
    for (;;) {
        const char *s = l->p;
        while (l->p < l->e && *l->p != '"' && *l->p != '\\' && (unsigned char)*l->p >= 0x20)
            l->p++;
        if (out) {
            memcpy(out + o, s, (size_t)(l->p - s));
            o += (size_t)(l->p - s);
        }
        if (l->p >= l->e)
            return perr(l, "Missing a closing quotation mark in string.");
        char c = *l->p;
        if (c == '"') {
            l->p++;
            if (olen)
                *olen = o;
            return true;
        }
        if (c != '\\')
            return perr(l, "Invalid encoding in string.");
        l->p++;
        if (l->p >= l->e)
            return perr(l, "Missing a closing quotation mark in string.");
        char esc = *l->p++;
        char ch;
        switch (esc) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!hex4(l, &cp))
                return false;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (l->e - l->p < 2 || l->p[0] != '\\' || l->p[1] != 'u')
                    return perr(l, "The surrogate pair in string is invalid.");
                l->p += 2;
                if (!hex4(l, &lo))
                    return false;
                if (lo < 0xdc00 || lo > 0xdfff)
                    return perr(l, "The surrogate pair in string is invalid.");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (out)
                o += put_utf8(out + o, cp);
            continue;
        }
        default:
            l->p--;
            return perr(l, "Invalid escape character in string.");
        }
        if (out)
            out[o++] = ch;
    }
}

/* Number token per rapidjson's grammar plus NaN/Inf/Infinity (its
 * kParseNanAndInfFlag). Sets *is_int when there is no fraction/exponent. */
static bool number_tok(struct lex *l, bool *is_int, bool *special)
{
    *is_int = true;
    *special = false;
    const char *p = l->p;
    if (p < l->e && *p == '-')
        p++;
    if (p < l->e && (*p == 'N' || *p == 'I')) {
        l->p = p;
        if (lit(l, "NaN") || lit(l, "Infinity") || lit(l, "Inf")) {
            *special = true;
            *is_int = false;
            return true;
        }
        return perr(l, "Invalid value.");
    }
    if (p >= l->e || *p < '0' || *p > '9')
        return perr(l, "Invalid value.");
    if (*p == '0')
        p++;
    else
        while (p < l->e && *p >= '0' && *p <= '9')
            p++;
    if (p < l->e && *p == '.') {
        *is_int = false;
        p++;
        if (p >= l->e || *p < '0' || *p > '9') {
            l->p = p;
            return perr(l, "Miss fraction part in number.");
        }
        while (p < l->e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < l->e && (*p == 'e' || *p == 'E')) {
        *is_int = false;
        p++;
        if (p < l->e && (*p == '+' || *p == '-'))
            p++;
        if (p >= l->e || *p < '0' || *p > '9') {
            l->p = p;
            return perr(l, "Miss exponent in number.");
        }
        while (p < l->e && *p >= '0' && *p <= '9')
            p++;
    }
    l->p = p;
    return true;
}

static bool skip_value(struct lex *l, int depth)
{
    if (depth > MAX_DEPTH)
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "JSON Parse error: nesting deeper than %d levels at offset: %zu",
                             MAX_DEPTH, (size_t)(l->p - l->b));
    ws(l);
    if (l->p >= l->e)
        return perr(l, "Invalid value.");
    bool is_int, special;
    switch (*l->p) {
    case '{':
        l->p++;
        ws(l);
        if (l->p < l->e && *l->p == '}') {
            l->p++;
            return true;
        }
        for (;;) {
            ws(l);
            if (l->p >= l->e || *l->p != '"')
                return perr(l, "Missing a name for object member.");
            if (!string_tok(l, NULL, NULL))
                return false;
            ws(l);
            if (l->p >= l->e || *l->p != ':')
                return perr(l, "Missing a colon after a name of object member.");
            l->p++;
            if (!skip_value(l, depth + 1))
                return false;
            ws(l);
            if (l->p < l->e && *l->p == ',') {
                l->p++;
                continue;
            }
            if (l->p < l->e && *l->p == '}') {
                l->p++;
                return true;
            }
            return perr(l, "Missing a comma or '}' after an object member.");
        }
    case '[':
        l->p++;
        ws(l);
        if (l->p < l->e && *l->p == ']') {
            l->p++;
            return true;
        }
        for (;;) {
            if (!skip_value(l, depth + 1))
                return false;
            ws(l);
            if (l->p < l->e && *l->p == ',') {
                l->p++;
                continue;
            }
            if (l->p < l->e && *l->p == ']') {
                l->p++;
                return true;
            }
            return perr(l, "Missing a comma or ']' after an array element.");
        }
    case '"':
        return string_tok(l, NULL, NULL);
    case 't':
        return lit(l, "true") || perr(l, "Invalid value.");
    case 'f':
        return lit(l, "false") || perr(l, "Invalid value.");
    case 'n':
        return lit(l, "null") || perr(l, "Invalid value.");
    default:
        return number_tok(l, &is_int, &special);
    }
}

/* Skims an array or object by its brackets only, for the instances/inputs
 * value that pass 2 parses (and checks) anyway: 5x faster than skip_value
 * on big numeric bodies. Strings are skipped by their quotes. Falls back to
 * skip_value (for its exact message) when the brackets do not balance. */
static bool skip_fast(struct lex *l)
{
    char c = peek(l);
    if (c != '[' && c != '{')
        return skip_value(l, 1);
    const char *start = l->p, *p = l->p, *e = l->e;
    char open[MAX_DEPTH + 1];
    int depth = 0;
    while (p < e) {
        char ch = *p++;
        if (ch == '[' || ch == '{') {
            if (depth >= MAX_DEPTH)
                break;
            open[depth++] = ch;
        } else if (ch == ']' || ch == '}') {
            if (open[depth - 1] != (ch == ']' ? '[' : '{'))
                break;
            if (--depth == 0) {
                l->p = p;
                return true;
            }
        } else if (ch == '"') {
            while (p < e && *p != '"')
                p += *p == '\\' ? 2 : 1;
            if (p >= e)
                break;
            p++;
        }
    }
    l->p = start;
    return skip_value(l, 1);
}

/* Validates a whole document; leaves l->p at its first value. */
static bool check_document(const char *body, size_t len, struct lex *l, struct md_status *st)
{
    l->b = l->p = body;
    l->e = body + len;
    l->st = st;
    if (len == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "JSON Parse error: The document is empty");
    ws(l);
    if (l->p >= l->e)
        return perr(l, "The document is empty.");
    const char *root = l->p;
    if (!skip_value(l, 0))
        return false;
    ws(l);
    if (l->p < l->e)
        return perr(l, "The document root must not be followed by other values.");
    l->p = root;
    return true;
}

/* "JSON Value: <first bytes of the value>" for messages: JSON text is
 * printable ASCII and stays readable (quotes included; the error body's
 * encoder escapes them); control and non-ASCII bytes become \xNN. */
static const char *snippet(const char *s, size_t len, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = len > 96 ? 96 : len, o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    buf[o] = '\0';
    if (n < len)
        strcat(buf, "...");
    return buf;
}

static const char *value_snippet(const struct lex *l0, char *buf, size_t cap)
{
    struct lex l = *l0;
    struct md_status ignore = MD_STATUS_INIT;
    l.st = &ignore;
    ws(&l);
    const char *s = l.p;
    if (!skip_value(&l, 0))
        l.p = s + 1 <= l.e ? s + 1 : s;
    return snippet(s, (size_t)(l.p - s), buf, cap);
}

static const char *json_type(char c)
{
    switch (c) {
    case '{': return "Object";
    case '[': return "Array";
    case '"': return "String";
    case 't': return "True";
    case 'f': return "False";
    case 'n': return "Null";
    default: return "Number";
    }
}

/* Decodes the string at l->p into the arena. */
static bool arena_string(struct lex *l, struct md_arena *a, const char **out, size_t *len)
{
    struct lex probe = *l;
    if (!string_tok(&probe, NULL, NULL))
        return false;
    size_t raw = (size_t)(probe.p - l->p);
    char *buf = md_arena_alloc(a, raw + 1, l->st);
    if (!buf)
        return false;
    if (!string_tok(l, buf, len))
        return false;
    buf[*len] = '\0';
    *out = buf;
    return true;
}

/* True if l->p starts {"b64": "<string>"} with exactly that one member. */
static bool is_b64_object(const struct lex *l0)
{
    struct lex l = *l0;
    struct md_status ignore = MD_STATUS_INIT;
    l.st = &ignore;
    if (l.p >= l.e || *l.p != '{')
        return false;
    l.p++;
    ws(&l);
    if (!lit(&l, "\"b64\""))
        return false;
    ws(&l);
    if (l.p >= l.e || *l.p != ':')
        return false;
    l.p++;
    ws(&l);
    if (l.p >= l.e || *l.p != '"' || !string_tok(&l, NULL, NULL))
        return false;
    ws(&l);
    return l.p < l.e && *l.p == '}';
}

/* Reads {"b64": "..."} and base64-decodes it into the arena. */
static bool read_b64(struct lex *l, struct md_arena *a, struct md_str *out)
{
    char buf[160];
    struct lex probe = *l;
    if (!skip_value(&probe, 1))
        return false;
    if (!is_b64_object(l))
        return md_status_set(l->st, MD_INVALID_ARGUMENT,
                             "JSON Value: %s not formatted correctly for base64 data",
                             value_snippet(l, buf, sizeof buf));
    l->p++;
    ws(l);
    l->p += 5; /* "b64" */
    ws(l);
    l->p++; /* : */
    ws(l);
    const char *s;
    size_t n;
    if (!arena_string(l, a, &s, &n))
        return false;
    ws(l);
    l->p++; /* } */
    unsigned char *d = md_arena_alloc(a, 3 * (n / 4) + 4, l->st);
    if (!d)
        return false;
    long dl = md_base64_decode(s, n, d);
    if (dl < 0)
        return md_status_set(l->st, MD_INVALID_ARGUMENT, "Unable to base64 decode");
    out->data = (const char *)d;
    out->len = (size_t)dl;
    return true;
}

/* ------------------------------------------------------------ numbers */

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Optional exponent part at *pp: [eE][+-]?digits, the magnitude saturating
 * once it reaches cap (callers only care whether it is large). */
static inline int scan_exp(const char **pp, const char *e, int cap)
{
    const char *p = *pp;
    if (!(p < e && (*p == 'e' || *p == 'E')))
        return 0;
    p++;
    bool eneg = false;
    if (p < e && (*p == '+' || *p == '-'))
        eneg = *p++ == '-';
    int x = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++)
        if (x < cap)
            x = x * 10 + (*p - '0');
    *pp = p;
    return eneg ? -x : x;
}

/* NUL-terminated copy of the token [s, s+len) for strtod/strtof: in tmp
 * when it fits, else malloc'd (free it when != tmp); NULL on OOM. */
static char *token_cstr(const char *s, size_t len, char tmp[static 128])
{
    char *copy = len < 128 ? tmp : malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

/* Correctly rounded decimal -> double for the token [s, s+len). */
static bool to_double(const char *s, size_t len, double *out)
{
    const char *p = s, *e = s + len;
    bool neg = false;
    if (p < e && *p == '-') {
        neg = true;
        p++;
    }
    uint64_t m = 0;
    int sig = 0, exp10 = 0;
    bool fast = true;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (m == 0 && *p == '0')
            continue;
        if (sig < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            sig++;
        } else {
            fast = false;
            exp10++;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            if (m == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (sig < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                sig++;
                exp10--;
            } else {
                fast = false;
            }
        }
    }
    exp10 += scan_exp(&p, e, 100000);
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (fast && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)m;
        d = exp10 >= 0 ? d * pow10_tab[exp10] : d / pow10_tab[-exp10];
        *out = neg ? -d : d;
        return true;
    }
    char tmp[128];
    char *copy = token_cstr(s, len, tmp);
    if (!copy)
        return false;
    errno = 0;
    *out = strtod(copy, NULL);
    bool ok = !(errno == ERANGE && isinf(*out));
    if (copy != tmp)
        free(copy);
    return ok;
}

/* Decimal token -> float as (float)correctly_rounded_double(token), the
 * way rapidjson's GetFloat gives it, without strtod for the usual case: up
 * to 19 significant digits and |exponent| <= 22 give a double within 1.5
 * ulp of the exact value; unless that double lies within 4 ulp of a point
 * halfway between two floats, every double in that range (the correctly
 * rounded one included) narrows to the same float. false: use the slow path. */
static bool to_float_fast(const char *s, size_t len, float *out)
{
    const char *p = s, *e = s + len;
    bool neg = p < e && *p == '-';
    if (neg)
        p++;
    uint64_t m = 0;
    int sig = 0, exp10 = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (m == 0 && *p == '0')
            continue;
        if (++sig > 19)
            return false;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.')
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            exp10--;
            if (m == 0 && *p == '0')
                continue;
            if (++sig > 19)
                return false;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    exp10 += scan_exp(&p, e, 1000);
    if (m == 0) {
        *out = neg ? -0.0f : 0.0f;
        return true;
    }
    if (exp10 < -22 || exp10 > 22)
        return false;
    double d = (double)m;
    d = exp10 >= 0 ? d * pow10_tab[exp10] : d / pow10_tab[-exp10];
    if (d > (double)FLT_MAX)
        return false;
    float f = (float)d;
    double fd = (double)f;
    if (d != fd) {
        float g = nextafterf(f, d > fd ? INFINITY : -INFINITY);
        double mid = (fd + (double)g) / 2;
        if (fabs(d - mid) <= d * 0x1p-50)
            return false;
    }
    *out = neg ? -f : f;
    return true;
}

/* Shared with the KServe v2 decoder (server/v2_json.c): one float parser. */
bool md_json_number_to_double(const char *s, size_t len, double *out)
{
    return to_double(s, len, out);
}

bool md_json_number_to_float(const char *s, size_t len, float *out)
{
    /* to_float_fast answers only where the exact value and the correctly
     * rounded double round to the same float, so it serves both. */
    if (to_float_fast(s, len, out))
        return true;
    char tmp[128];
    char *copy = token_cstr(s, len, tmp);
    if (!copy)
        return false;
    *out = strtof(copy, NULL);
    if (copy != tmp)
        free(copy);
    return true;
}

/* Integer token -> magnitude; false on uint64 overflow. */
static bool to_u64(const char *s, size_t len, bool *neg, uint64_t *mag)
{
    const char *p = s, *e = s + len;
    *neg = p < e && *p == '-';
    if (*neg)
        p++;
    uint64_t v = 0;
    for (; p < e; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *mag = v;
    return true;
}

/* ----------------------------------------------------- accumulators */

/* Elements of one input tensor, growing by doubling in the arena. */
struct acc {
    const char *alias;
    enum md_dtype dtype;
    size_t esize;
    void *data;
    size_t n, cap;
    bool have_shape; /* item shape of the first row (row format, named) */
    int rank;
    int64_t dims[MD_MAX_RANK];
    size_t items;
};

/* Appends one esize-byte slot to the arena vector (*data, *n, *cap),
 * doubling from first_cap when full; NULL on arena exhaustion. Inlined, so
 * the common not-full case stays one compare. */
static inline void *arena_vec_push(void **data, size_t *n, size_t *cap, size_t esize,
                                   size_t first_cap, struct md_arena *ar, struct md_status *st)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : first_cap;
        void *nd = md_arena_alloc(ar, nc * esize, st);
        if (!nd)
            return NULL;
        if (*n)
            memcpy(nd, *data, *n * esize);
        *data = nd;
        *cap = nc;
    }
    return (char *)*data + esize * (*n)++;
}

static void *acc_push(struct acc *a, struct md_arena *ar, struct md_status *st)
{
    return arena_vec_push(&a->data, &a->n, &a->cap, a->esize, 16, ar, st);
}

static bool type_error(struct lex *l, enum md_dtype dt)
{
    struct lex probe = *l;
    if (!skip_value(&probe, 1)) /* a syntax error wins over the type */
        return false;
    char buf[160];
    return md_status_set(l->st, MD_INVALID_ARGUMENT,
                         "JSON Value: %s Type: %s is not of expected type: %s",
                         value_snippet(l, buf, sizeof buf), json_type(*l->p),
                         md_dtype_info(dt)->tf_name);
}

static bool lossy_error(struct lex *l, const char *target)
{
    char buf[160];
    return md_status_set(l->st, MD_INVALID_ARGUMENT,
                         "Cannot convert JSON value: %s to %s without loss of precision.",
                         value_snippet(l, buf, sizeof buf), target);
}

/* Stores the low `bits` bits of u (two's complement, so the same bytes for
 * the signed and unsigned element types) into an 8/16/32/64-bit slot. */
static inline void store_bits(void *slot, int bits, uint64_t u)
{
    if (bits == 8)
        *(uint8_t *)slot = (uint8_t)u;
    else if (bits == 16)
        *(uint16_t *)slot = (uint16_t)u;
    else if (bits == 32)
        *(uint32_t *)slot = (uint32_t)u;
    else
        *(uint64_t *)slot = u;
}

/* One scalar (or b64 object) at l->p into a. */
static bool parse_leaf(struct lex *l, struct acc *a, struct md_arena *ar)
{
    struct md_status *st = l->st;
    char c = peek(l);
    if (c == 't' || c == 'f' || c == 'n') {
        struct lex probe = *l;
        if (!(lit(&probe, "true") || lit(&probe, "false") || lit(&probe, "null")))
            return perr(l, "Invalid value.");
    } else if (c != '"' && c != '{' && c != '-' && !(c >= '0' && c <= '9') && c != 'N' &&
               c != 'I') {
        return perr(l, "Invalid value.");
    }
    enum md_dtype dt = a->dtype;
    if (dt == MD_DT_STRING) {
        struct md_str s;
        if (c == '"') {
            if (!arena_string(l, ar, &s.data, &s.len))
                return false;
        } else if (c == '{') {
            if (!read_b64(l, ar, &s))
                return false;
        } else {
            return type_error(l, dt);
        }
        struct md_str *slot = acc_push(a, ar, st);
        if (!slot)
            return false;
        *slot = s;
        return true;
    }
    if (dt == MD_DT_BOOL) {
        if (c != 't' && c != 'f')
            return type_error(l, dt);
        bool v = c == 't';
        l->p += v ? 4 : 5;
        bool *slot = acc_push(a, ar, st);
        if (!slot)
            return false;
        *slot = v;
        return true;
    }
    if (!(c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I'))
        return type_error(l, dt);
    struct lex start = *l;
    bool is_int, special;
    if (!number_tok(l, &is_int, &special))
        return false;
    const char *s = start.p;
    size_t len = (size_t)(l->p - s);
    bool neg = false;
    uint64_t mag = 0;
    bool int_ok = is_int && to_u64(s, len, &neg, &mag);
    switch (dt) {
    case MD_DT_FLOAT:
    case MD_DT_DOUBLE: {
        bool isf = dt == MD_DT_FLOAT;
        double d;
        if (special) {
            d = s[len - 1] == 'N' ? (double)NAN : (s[0] == '-' ? -(double)INFINITY : (double)INFINITY);
        } else if (int_ok) {
            uint64_t max = isf ? (1ull << 24) - 1 : (1ull << 53) - 1;
            if (mag > max)
                return lossy_error(&start, isf ? "float" : "double");
            d = (double)mag;
            if (neg)
                d = -d;
        } else {
            float fv;
            if (isf && to_float_fast(s, len, &fv)) {
                float *slot = acc_push(a, ar, st);
                if (!slot)
                    return false;
                *slot = fv;
                return true;
            }
            if (!to_double(s, len, &d)) {
                *l = start;
                return perr(l, "Number too big to be stored in double.");
            }
            if (isf && (d > (double)FLT_MAX || d < -(double)FLT_MAX))
                return lossy_error(&start, "float");
        }
        if (isf) {
            float *slot = acc_push(a, ar, st);
            if (!slot)
                return false;
            *slot = (float)d;
        } else {
            double *slot = acc_push(a, ar, st);
            if (!slot)
                return false;
            *slot = d;
        }
        return true;
    }
    case MD_DT_INT8:
    case MD_DT_INT16:
    case MD_DT_INT32:
    case MD_DT_INT64: {
        int bits = dt == MD_DT_INT8 ? 8 : dt == MD_DT_INT16 ? 16 : dt == MD_DT_INT32 ? 32 : 64;
        uint64_t lim = 1ull << (bits - 1); /* |min|; max is lim - 1 */
        if (!int_ok || (neg ? mag > lim : mag > lim - 1)) {
            *l = start;
            return type_error(l, dt);
        }
        int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        void *slot = acc_push(a, ar, st);
        if (!slot)
            return false;
        store_bits(slot, bits, (uint64_t)v);
        return true;
    }
    case MD_DT_UINT8:
    case MD_DT_UINT16:
    case MD_DT_UINT32:
    case MD_DT_UINT64: {
        int bits = dt == MD_DT_UINT8 ? 8 : dt == MD_DT_UINT16 ? 16 : dt == MD_DT_UINT32 ? 32 : 64;
        uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
        if (!int_ok || (neg && mag) || mag > max) {
            *l = start;
            return type_error(l, dt);
        }
        void *slot = acc_push(a, ar, st);
        if (!slot)
            return false;
        store_bits(slot, bits, mag);
        return true;
    }
    default: {
        char buf[160];
        *l = start;
        return md_status_set(st, MD_UNIMPLEMENTED, "Conversion of JSON Value: %s to type: %s",
                             value_snippet(l, buf, sizeof buf), md_dtype_info(dt)->tf_name);
    }
    }
}

/* Decodes one value (scalar, b64 object or nested lists) into a, returning
 * its shape. rows: the value is the 'instances' list of a single input, so
 * an element that is a plain object is refused as TF Serving does, and
 * errors name the element. */
static bool decode_nd(struct lex *l, struct acc *a, struct md_arena *ar, bool rows, int *rank_out,
                      int64_t *dims)
{
    int64_t count[MD_MAX_RANK + 1];
    int depth = 0, rank = -1;
    for (int i = 0; i < MD_MAX_RANK; i++)
        dims[i] = -1;
    char buf[160];
    for (;;) {
        ws(l);
        if (l->p >= l->e)
            return perr(l, "Invalid value.");
        if (*l->p == '[') {
            if (rank >= 0 && depth >= rank) {
                md_status_set(l->st, MD_INVALID_ARGUMENT,
                              "Encountered list at unexpected level: %d expected < %d", depth, rank);
                goto fail;
            }
            if (depth >= MD_MAX_RANK) {
                md_status_set(l->st, MD_INVALID_ARGUMENT,
                              "JSON list nested deeper than %d levels (the largest rank)",
                              MD_MAX_RANK);
                goto fail;
            }
            count[depth++] = 0;
            l->p++;
            ws(l);
            if (l->p < l->e && *l->p == ']')
                goto close_list;
            continue;
        }
        if (rows && depth == 1 && *l->p == '{' && !is_b64_object(l)) {
            md_status_set(l->st, MD_INVALID_ARGUMENT,
                          "Expecting value/list but got object at item %lld of input list",
                          (long long)count[0]);
            return false;
        }
        if (rank < 0) {
            rank = depth;
        } else if (depth != rank) {
            md_status_set(l->st, MD_INVALID_ARGUMENT,
                          "JSON Value: %s found at incorrect level: %d in the JSON DOM. Expected "
                          "at level: %d",
                          value_snippet(l, buf, sizeof buf), depth + 1, rank + 1);
            goto fail;
        }
        if (!parse_leaf(l, a, ar))
            goto fail;
    after_value:
        if (depth == 0)
            break;
        count[depth - 1]++;
        ws(l);
        if (l->p < l->e && *l->p == ',') {
            l->p++;
            ws(l);
            if (l->p < l->e && *l->p == ']') /* [1,] is not JSON */
                return perr(l, "Invalid value.");
            continue;
        }
        if (l->p >= l->e || *l->p != ']')
            return perr(l, "Missing a comma or ']' after an array element.");
    close_list:
        l->p++;
        {
            int lvl = depth - 1;
            int64_t n = count[lvl];
            if (dims[lvl] < 0) {
                dims[lvl] = n;
                if (n == 0 && rank < 0)
                    rank = depth;
            } else if (n != dims[lvl]) {
                md_status_set(l->st, MD_INVALID_ARGUMENT,
                              "Encountered list at unexpected size: %lld at level: %d expected "
                              "size: %lld",
                              (long long)n, lvl, (long long)dims[lvl]);
                goto fail;
            }
            depth--;
        }
        goto after_value;
    }
    *rank_out = rank < 0 ? 0 : rank;
    return true;
fail:
    if (rows && depth >= 1 && strncmp(l->st->msg, "JSON Parse error", 16) != 0)
        md_status_prefix(l->st, "Failed to process element: %lld of 'instances' list. Error",
                         (long long)count[0]);
    return false;
}

static bool same_shape(int ra, const int64_t *a, int rb, const int64_t *b)
{
    if (ra != rb)
        return false;
    for (int i = 0; i < ra; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static int64_t shape_size(int r, const int64_t *d)
{
    int64_t n = 1;
    for (int i = 0; i < r; i++)
        n *= d[i];
    return n;
}

/* ------------------------------------------------------------ predict */

bool md_json_predict_scan(const char *body, size_t len, struct md_arena *a,
                          struct md_json_predict *req, struct md_status *st)
{
    memset(req, 0, sizeof *req);
    req->signature_name = "";
    struct lex l = {body, body, body + len, st};
    char buf[160];
    if (len == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "JSON Parse error: The document is empty");
    ws(&l);
    if (l.p >= l.e)
        return perr(&l, "The document is empty.");
    if (*l.p != '{') {
        /* Not an object: report a syntax error first if there is one. */
        struct lex chk;
        if (!check_document(body, len, &chk, st))
            return false;
        return md_status_set(st, MD_INVALID_ARGUMENT, "JSON Value: %s Is not object",
                             value_snippet(&l, buf, sizeof buf));
    }
    /* The grammar of everything but the tensor values is checked here; the
     * tensor values are checked while pass 2 decodes them. */
    struct lex doc = l;
    bool have_sig = false;
    bool bad_sig = false;
    l.p++;
    ws(&l);
    if (peek(&l) == '}') {
        l.p++;
        goto done;
    }
    for (;;) {
        ws(&l);
        if (peek(&l) != '"')
            return perr(&l, "Missing a name for object member.");
        const char *ks = l.p + 1;
        if (!string_tok(&l, NULL, NULL))
            return false;
        size_t kl = (size_t)(l.p - 1 - ks);
        ws(&l);
        if (peek(&l) != ':')
            return perr(&l, "Missing a colon after a name of object member.");
        l.p++;
        ws(&l);
        const char *vs = l.p;
        if (kl == 14 && !memcmp(ks, "signature_name", 14) && !have_sig) {
            have_sig = true;
            if (peek(&l) == '"') {
                size_t sl;
                if (!arena_string(&l, a, &req->signature_name, &sl))
                    return false;
                goto next;
            }
            bad_sig = true; /* reported once the whole body parsed */
        }
        bool tensor = (kl == 9 && !memcmp(ks, "instances", 9)) || (kl == 6 && !memcmp(ks, "inputs", 6));
        if (!(tensor ? skip_fast(&l) : skip_value(&l, 1)))
            return false;
        if (kl == 9 && !memcmp(ks, "instances", 9) && !req->has_instances) {
            req->has_instances = true;
            req->instances_off = (size_t)(vs - body);
            req->instances_len = (size_t)(l.p - vs);
        } else if (kl == 6 && !memcmp(ks, "inputs", 6) && !req->has_inputs) {
            req->has_inputs = true;
            req->inputs_off = (size_t)(vs - body);
            req->inputs_len = (size_t)(l.p - vs);
        }
    next:
        ws(&l);
        if (peek(&l) == ',') {
            l.p++;
            continue;
        }
        if (peek(&l) == '}') {
            l.p++;
            break;
        }
        return perr(&l, "Missing a comma or '}' after an object member.");
    }
done:
    ws(&l);
    if (l.p < l.e)
        return perr(&l, "The document root must not be followed by other values.");
    if (bad_sig)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "JSON Value: %s not formatted correctly. 'signature_name' key must be "
                             "a string value.",
                             value_snippet(&doc, buf, sizeof buf));
    return true;
}

static bool finish_feeds(struct acc *accs, size_t n, bool row, size_t rows,
                         const int64_t *whole_dims, int whole_rank, struct md_arena *ar,
                         struct md_feed **feeds, struct md_status *st)
{
    struct md_feed *f = md_arena_alloc(ar, n * sizeof *f, st);
    struct md_tensor *t = md_arena_alloc(ar, n * sizeof *t, st);
    if (!f || !t)
        return false;
    for (size_t i = 0; i < n; i++) {
        struct acc *a = &accs[i];
        struct md_tensor init = MD_TENSOR_INIT;
        t[i] = init;
        t[i].dtype = a->dtype;
        if (whole_dims) {
            t[i].rank = whole_rank;
            memcpy(t[i].dims, whole_dims, sizeof t[i].dims);
        } else if (row) {
            if (a->rank + 1 > MD_MAX_RANK)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "input '%s' has more than %d dimensions", a->alias,
                                     MD_MAX_RANK);
            t[i].rank = a->rank + 1;
            t[i].dims[0] = (int64_t)rows;
            memcpy(t[i].dims + 1, a->dims, (size_t)a->rank * sizeof *a->dims);
        } else {
            t[i].rank = a->rank;
            memcpy(t[i].dims, a->dims, (size_t)a->rank * sizeof *a->dims);
        }
        /* Tensors of zero elements still get a valid pointer. */
        t[i].data = a->data ? a->data : md_arena_alloc(ar, 1, st);
        if (!t[i].data)
            return false;
        f[i].alias = a->alias;
        f[i].tensor = &t[i];
    }
    *feeds = f;
    return true;
}

static int input_index(const struct md_signature *sig, const char *key, size_t kl)
{
    for (size_t i = 0; i < sig->n_inputs; i++)
        if (strlen(sig->inputs[i].alias) == kl && !memcmp(sig->inputs[i].alias, key, kl))
            return (int)i;
    return -1;
}

static void join_inputs(const struct md_signature *sig, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sig->n_inputs && o + 1 < cap; i++) {
        int n = snprintf(buf + o, cap - o, "%s%s", i ? "," : "", sig->inputs[i].alias);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* Reads the member key at l->p into the arena. */
static bool read_key(struct lex *l, struct md_arena *ar, const char **k, size_t *kl)
{
    ws(l);
    if (peek(l) != '"')
        return perr(l, "Missing a name for object member.");
    if (!arena_string(l, ar, k, kl))
        return false;
    ws(l);
    if (peek(l) != ':')
        return perr(l, "Missing a colon after a name of object member.");
    l->p++;
    ws(l);
    return true;
}

/* After a member value: ',' (true, more follow) or '}' (false, *done). */
static bool member_sep(struct lex *l, bool *done)
{
    ws(l);
    char c = peek(l);
    if (c == ',' || c == '}') {
        l->p++;
        *done = c == '}';
        return true;
    }
    return perr(l, "Missing a comma or '}' after an object member.");
}

/* Starts an object at '{': false on error; *empty when it is "{}". */
static bool object_open(struct lex *l, bool *empty)
{
    l->p++;
    ws(l);
    *empty = peek(l) == '}';
    if (*empty)
        l->p++;
    return true;
}

static bool decode_rows_named(struct lex *l, const struct md_signature *sig, struct acc *accs,
                              struct md_arena *ar, size_t *rows, struct md_status *st)
{
    size_t n_in = sig->n_inputs;
    bool *seen = md_arena_alloc(ar, n_in, st);
    if (!seen)
        return false;
    char buf[160], esc[128], shp1[96], shp2[96];
    size_t row = 0;
    l->p++; /* '[' */
    for (;; row++) {
        ws(l);
        if (peek(l) != '{' || is_b64_object(l)) {
            struct lex probe = *l;
            if (!skip_value(&probe, 1))
                return false;
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Expecting object but got list at item %zu of input list", row);
        }
        struct lex obj = *l;
        memset(seen, 0, n_in);
        bool dup = false, done;
        if (!object_open(l, &done))
            return false;
        while (!done) {
            const char *k;
            size_t kl;
            if (!read_key(l, ar, &k, &kl))
                return false;
            int idx = input_index(sig, k, kl);
            md_escape(esc, sizeof esc, k, kl);
            if (idx < 0)
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Failed to process element: %zu key: %s of 'instances' list. "
                                     "Error: JSON object: does not have named input: %s",
                                     row, esc, esc);
            if (seen[idx])
                dup = true;
            seen[idx] = true;
            struct acc *a = &accs[idx];
            int rank;
            int64_t dims[MD_MAX_RANK];
            if (!decode_nd(l, a, ar, false, &rank, dims)) {
                if (strncmp(st->msg, "JSON Parse error", 16) != 0)
                    md_status_prefix(st, "Failed to process element: %zu key: %s of 'instances' "
                                         "list. Error", row, esc);
                return false;
            }
            if (!a->have_shape) {
                a->have_shape = true;
                a->rank = rank;
                memcpy(a->dims, dims, sizeof dims);
            } else if (shape_size(rank, dims) != shape_size(a->rank, a->dims)) {
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Failed to process element: %zu key: %s of 'instances' list. "
                                     "Error: Expecting tensor size: %lld but got: %lld",
                                     row, esc, (long long)shape_size(a->rank, a->dims),
                                     (long long)shape_size(rank, dims));
            } else if (!same_shape(rank, dims, a->rank, a->dims)) {
                md_shape_str(shp1, sizeof shp1, a->rank, a->dims);
                md_shape_str(shp2, sizeof shp2, rank, dims);
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Failed to process element: %zu key: %s of 'instances' list. "
                                     "Error: Expecting shape %s but got: %s",
                                     row, esc, shp1, shp2);
            }
            a->items++;
            if (!member_sep(l, &done))
                return false;
        }
        bool all = !dup;
        for (size_t i = 0; i < n_in; i++)
            all = all && seen[i];
        if (!all) {
            char names[200];
            join_inputs(sig, names, sizeof names);
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Failed to process element: %zu of 'instances' list. JSON object: "
                                 "%s keys must be equal to: %s",
                                 row, value_snippet(&obj, buf, sizeof buf), names);
        }
        ws(l);
        if (peek(l) == ',') {
            l->p++;
            continue;
        }
        if (peek(l) == ']') {
            l->p++;
            break;
        }
        return perr(l, "Missing a comma or ']' after an array element.");
    }
    *rows = row + 1;
    return true;
}

/* After pass 2 consumed a tensor value, only whitespace may be left of its
 * span (pass 1 cut the span by brackets). */
static bool span_end(struct lex *l)
{
    ws(l);
    return l->p >= l->e || perr(l, "Missing a comma or '}' after an object member.");
}

bool md_json_predict_decode(const char *body, size_t len, const struct md_json_predict *req,
                            const struct md_signature *sig, struct md_arena *ar,
                            struct md_feed **feeds, size_t *n_feeds, enum md_json_format *format,
                            struct md_status *st)
{
    *feeds = NULL;
    *n_feeds = 0;
    char buf[160];
    struct lex doc = {body, body, body + len, st};
    ws(&doc);
    if (sig->n_inputs == 0 && req->has_inputs && !req->has_instances) {
        /* Ours: a signature without inputs (e.g. a counter's get_counter)
         * runs with "inputs": {}; TF Serving's REST API cannot call it. */
        struct lex l = {body, body + req->inputs_off, body + req->inputs_off + req->inputs_len,
                        st};
        l.p++;
        ws(&l);
        if (body[req->inputs_off] == '{' && peek(&l) == '}') {
            *format = MD_JSON_COLUMNAR;
            *feeds = md_arena_alloc(ar, 1, st);
            return *feeds != NULL;
        }
    }
    if (sig->n_inputs == 0) {
        const char *k = req->signature_name[0] ? req->signature_name : "DEFAULT";
        return md_status_set(st, MD_INVALID_ARGUMENT, "Failed to get input map for signature: %s",
                             md_escape(buf, sizeof buf, k, strlen(k)));
    }
    if (req->has_instances && req->has_inputs)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "JSON Value: %s Not formatted correctly expecting only one of "
                             "'inputs' or 'instances' keys to exist ",
                             value_snippet(&doc, buf, sizeof buf));
    if (!req->has_instances && !req->has_inputs)
        return md_status_set(st, MD_INVALID_ARGUMENT, "Missing 'inputs' or 'instances' key");
    size_t n_in = sig->n_inputs;
    struct acc *accs = md_arena_alloc(ar, n_in * sizeof *accs, st);
    if (!accs)
        return false;
    memset(accs, 0, n_in * sizeof *accs);
    for (size_t i = 0; i < n_in; i++) {
        accs[i].alias = sig->inputs[i].alias;
        accs[i].dtype = sig->inputs[i].dtype;
        accs[i].esize = md_dtype_size(accs[i].dtype);
        if (!accs[i].esize)
            accs[i].esize = 1;
    }
    if (req->has_instances) {
        *format = MD_JSON_ROW;
        struct lex l = {body, body + req->instances_off,
                        body + req->instances_off + req->instances_len, st};
        if (peek(&l) != '[')
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "JSON Value: %s Excepting 'instances' to be an list/array",
                                 value_snippet(&doc, buf, sizeof buf));
        struct lex first = l;
        first.p++;
        ws(&first);
        if (peek(&first) == ']')
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "JSON Value: %s No values in 'instances' array",
                                 value_snippet(&doc, buf, sizeof buf));
        bool named = peek(&first) == '{' && !is_b64_object(&first);
        if (!named && n_in > 1) {
            struct lex probe = l;
            if (!skip_value(&probe, 1))
                return false;
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "instances is a plain list, but expecting list of objects as "
                                 "multiple input tensors required as per tensorinfo_map");
        }
        if (named) {
            size_t rows = 0;
            if (!decode_rows_named(&l, sig, accs, ar, &rows, st) || !span_end(&l))
                return false;
            if (!finish_feeds(accs, n_in, true, rows, NULL, 0, ar, feeds, st))
                return false;
        } else {
            int rank;
            int64_t dims[MD_MAX_RANK];
            if (!decode_nd(&l, &accs[0], ar, true, &rank, dims) || !span_end(&l))
                return false;
            if (!finish_feeds(accs, 1, true, 0, dims, rank, ar, feeds, st))
                return false;
        }
        *n_feeds = n_in;
        return true;
    }
    *format = MD_JSON_COLUMNAR;
    struct lex l = {body, body + req->inputs_off, body + req->inputs_off + req->inputs_len, st};
    if (peek(&l) != '{' || is_b64_object(&l)) {
        if (n_in > 1) {
            struct lex probe = l;
            if (!skip_value(&probe, 1))
                return false;
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "inputs is a plain value/list, but expecting an object as multiple "
                                 "input tensors required as per tensorinfo_map");
        }
        if (!decode_nd(&l, &accs[0], ar, false, &accs[0].rank, accs[0].dims) || !span_end(&l))
            return false;
    } else {
        bool *seen = md_arena_alloc(ar, n_in, st);
        if (!seen)
            return false;
        memset(seen, 0, n_in);
        bool done;
        if (!object_open(&l, &done))
            return false;
        while (!done) {
            const char *k;
            size_t kl;
            if (!read_key(&l, ar, &k, &kl))
                return false;
            int idx = input_index(sig, k, kl);
            if (idx < 0 || seen[idx]) { /* extra keys are ignored, as TF Serving does */
                if (!skip_value(&l, 2))
                    return false;
            } else {
                seen[idx] = true;
                if (!decode_nd(&l, &accs[idx], ar, false, &accs[idx].rank, accs[idx].dims)) {
                    if (strncmp(st->msg, "JSON Parse error", 16) != 0)
                        md_status_prefix(st, "input '%s'", accs[idx].alias);
                    return false;
                }
            }
            if (!member_sep(&l, &done))
                return false;
        }
        if (!span_end(&l))
            return false;
        for (size_t i = 0; i < n_in; i++)
            if (!seen[i])
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "Missing named input: %s in 'inputs' object.",
                                     md_escape(buf, sizeof buf, accs[i].alias,
                                               strlen(accs[i].alias)));
    }
    if (!finish_feeds(accs, n_in, false, 0, NULL, 0, ar, feeds, st))
        return false;
    *n_feeds = n_in;
    return true;
}

/* ------------------------------------------------- classify / regress */

enum feat_kind { K_NONE, K_BYTES, K_FLOAT, K_INT64 };

struct avec {
    void *data;
    size_t n, cap, esize;
};

static void *avec_push(struct avec *v, struct md_arena *ar, struct md_status *st)
{
    return arena_vec_push(&v->data, &v->n, &v->cap, v->esize, 4, ar, st);
}

static const char *kind_name(enum feat_kind k)
{
    return k == K_BYTES ? "bytes" : k == K_FLOAT ? "float" : k == K_INT64 ? "int64" : "UNKNOWN";
}

static bool feature_value(struct lex *l, const char *fname, enum feat_kind *kind,
                          struct avec *vals, struct md_arena *ar)
{
    struct md_status *st = l->st;
    char c = *l->p;
    enum feat_kind want;
    if (c == 'n' || c == '[' || (c == '{' && !is_b64_object(l)))
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Feature: %s has element with unexpected JSON type: %s", fname,
                             json_type(c));
    if (c == 't' || c == 'f')
        want = K_INT64;
    else if (c == '"' || c == '{')
        want = K_BYTES;
    else {
        struct lex probe = *l;
        bool is_int, special;
        if (!number_tok(&probe, &is_int, &special))
            return false;
        bool neg;
        uint64_t mag;
        want = K_FLOAT;
        if (is_int && to_u64(l->p, (size_t)(probe.p - l->p), &neg, &mag))
            want = K_INT64;
    }
    if (*kind != K_NONE && *kind != want)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Unexpected element type in feature: %s expecting type: %s", fname,
                             kind_name(*kind));
    if (*kind == K_NONE) {
        *kind = want;
        vals->esize = want == K_BYTES   ? sizeof(ProtobufCBinaryData)
                      : want == K_FLOAT ? sizeof(float)
                                        : sizeof(int64_t);
    }
    void *slot = avec_push(vals, ar, st);
    if (!slot)
        return false;
    if (c == 't' || c == 'f') {
        *(int64_t *)slot = c == 't';
        l->p += c == 't' ? 4 : 5;
        return true;
    }
    if (want == K_BYTES) {
        struct md_str s;
        if (c == '"') {
            if (!arena_string(l, ar, &s.data, &s.len))
                return false;
        } else if (!read_b64(l, ar, &s)) {
            return false;
        }
        ProtobufCBinaryData *b = slot;
        b->data = (uint8_t *)(uintptr_t)s.data; /* protobuf-c only reads it when packing */
        b->len = s.len;
        return true;
    }
    const char *s = l->p;
    struct lex start = *l;
    bool is_int, special;
    if (!number_tok(l, &is_int, &special))
        return false;
    size_t len = (size_t)(l->p - s);
    if (want == K_INT64) {
        bool neg;
        uint64_t mag;
        to_u64(s, len, &neg, &mag);
        if (!neg && mag > (uint64_t)INT64_MAX)
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Feature: %s has uint64 element. Only int64 is supported.", fname);
        if (neg && mag > (uint64_t)INT64_MAX + 1)
            return type_error(&start, MD_DT_INT64);
        *(int64_t *)slot = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        return true;
    }
    double d;
    if (special)
        d = s[len - 1] == 'N' ? (double)NAN : (s[0] == '-' ? -(double)INFINITY : (double)INFINITY);
    else if (!to_double(s, len, &d)) {
        *l = start;
        return perr(l, "Number too big to be stored in double.");
    }
    if (isfinite(d) && (d > (double)FLT_MAX || d < -(double)FLT_MAX))
        return lossy_error(&start, "float");
    *(float *)slot = (float)d;
    return true;
}

/* One JSON object of features -> a packed tf.Example in the arena. */
static bool example_from_object(struct lex *l, struct md_arena *ar, struct md_str *out)
{
    struct md_status *st = l->st;
    if (*l->p != '{')
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "Example must be JSON object but got JSON %s", json_type(*l->p));
    struct avec entries = {NULL, 0, 0, sizeof(Tensorflow__Features__FeatureEntry *)};
    char esc[128];
    l->p++;
    for (;;) {
        ws(l);
        if (*l->p == '}') {
            l->p++;
            break;
        }
        if (*l->p == ',')
            l->p++;
        const char *k;
        size_t kl;
        if (!read_key(l, ar, &k, &kl))
            return false;
        md_escape(esc, sizeof esc, k, kl);
        enum feat_kind kind = K_NONE;
        struct avec vals = {NULL, 0, 0, 1};
        if (*l->p == '[') {
            l->p++;
            for (;;) {
                ws(l);
                if (*l->p == ']') {
                    l->p++;
                    break;
                }
                if (*l->p == ',') {
                    l->p++;
                    ws(l);
                }
                if (!feature_value(l, esc, &kind, &vals, ar))
                    return false;
            }
        } else if (!feature_value(l, esc, &kind, &vals, ar)) {
            return false;
        }
        Tensorflow__Feature *f = md_arena_alloc(ar, sizeof *f, st);
        Tensorflow__Features__FeatureEntry *e = md_arena_alloc(ar, sizeof *e, st);
        Tensorflow__Features__FeatureEntry **slot = avec_push(&entries, ar, st);
        if (!f || !e || !slot)
            return false;
        *f = (Tensorflow__Feature)TENSORFLOW__FEATURE__INIT;
        /* Not the _INIT macro: it casts away const (-Wcast-qual). */
        protobuf_c_message_init(&tensorflow__features__feature_entry__descriptor, e);
/* One typed list per kind; the three protobuf-c list types differ only in
 * name, so a macro rather than a helper over void *. */
#define SET_LIST(Type, INIT, member, KIND)                       \
    do {                                                         \
        Type *lst = md_arena_alloc(ar, sizeof *lst, st);         \
        if (!lst)                                                \
            return false;                                        \
        *lst = (Type)INIT;                                       \
        lst->n_value = vals.n;                                   \
        lst->value = vals.data;                                  \
        f->kind_case = KIND;                                     \
        f->member = lst;                                         \
    } while (0)
        if (kind == K_BYTES)
            SET_LIST(Tensorflow__BytesList, TENSORFLOW__BYTES_LIST__INIT, bytes_list,
                     TENSORFLOW__FEATURE__KIND_BYTES_LIST);
        else if (kind == K_FLOAT)
            SET_LIST(Tensorflow__FloatList, TENSORFLOW__FLOAT_LIST__INIT, float_list,
                     TENSORFLOW__FEATURE__KIND_FLOAT_LIST);
        else if (kind == K_INT64)
            SET_LIST(Tensorflow__Int64List, TENSORFLOW__INT64_LIST__INIT, int64_list,
                     TENSORFLOW__FEATURE__KIND_INT64_LIST);
#undef SET_LIST
        e->key = (char *)(uintptr_t)k; /* read-only while packing */
        e->value = f;
        *slot = e;
    }
    Tensorflow__Features feats = TENSORFLOW__FEATURES__INIT;
    feats.n_feature = entries.n;
    feats.feature = entries.data;
    Tensorflow__Example ex = TENSORFLOW__EXAMPLE__INIT;
    ex.features = &feats;
    size_t sz = tensorflow__example__get_packed_size(&ex);
    uint8_t *buf = md_arena_alloc(ar, sz ? sz : 1, st);
    if (!buf)
        return false;
    out->len = tensorflow__example__pack(&ex, buf);
    out->data = (const char *)buf;
    return true;
}

bool md_json_examples_decode(const char *body, size_t len, struct md_arena *ar,
                             const char **signature_name, struct md_tensor *examples,
                             struct md_status *st)
{
    *signature_name = "";
    struct md_tensor init = MD_TENSOR_INIT;
    *examples = init;
    struct lex l;
    if (!check_document(body, len, &l, st))
        return false;
    char buf[160];
    if (*l.p != '{')
        return md_status_set(st, MD_INVALID_ARGUMENT, "JSON Value: %s Is not object",
                             value_snippet(&l, buf, sizeof buf));
    struct lex doc = l;
    struct lex ctx = {0}, exs = {0};
    bool have_sig = false, have_ctx = false, have_ex = false;
    l.p++;
    for (;;) {
        ws(&l);
        if (*l.p == '}')
            break;
        if (*l.p == ',')
            l.p++;
        ws(&l);
        const char *ks = l.p + 1;
        if (!string_tok(&l, NULL, NULL))
            return false;
        size_t kl = (size_t)(l.p - 1 - ks);
        ws(&l);
        l.p++;
        ws(&l);
        if (kl == 14 && !memcmp(ks, "signature_name", 14) && !have_sig) {
            have_sig = true;
            if (*l.p != '"')
                return md_status_set(st, MD_INVALID_ARGUMENT,
                                     "JSON Value: %s not formatted correctly. 'signature_name' key "
                                     "must be a string value.",
                                     value_snippet(&doc, buf, sizeof buf));
            size_t sl;
            if (!arena_string(&l, ar, signature_name, &sl))
                return false;
            continue;
        }
        if (kl == 7 && !memcmp(ks, "context", 7) && !have_ctx) {
            have_ctx = true;
            ctx = l;
        } else if (kl == 8 && !memcmp(ks, "examples", 8) && !have_ex) {
            have_ex = true;
            exs = l;
        }
        if (!skip_value(&l, 1))
            return false;
    }
    struct md_str context = {NULL, 0};
    if (have_ctx && !example_from_object(&ctx, ar, &context))
        return false;
    if (!have_ex)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "JSON Value: %s When method is classify, key 'examples' is expected "
                             "and was not found",
                             value_snippet(&doc, buf, sizeof buf));
    if (*exs.p != '[')
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "JSON Value: %s Expecting 'examples' value to be an list/array",
                             value_snippet(&doc, buf, sizeof buf));
    struct avec list = {NULL, 0, 0, sizeof(struct md_str)};
    exs.p++;
    for (;;) {
        ws(&exs);
        if (*exs.p == ']')
            break;
        if (*exs.p == ',') {
            exs.p++;
            ws(&exs);
        }
        struct md_str one;
        if (!example_from_object(&exs, ar, &one))
            return false;
        if (context.len) {
            char *cat = md_arena_alloc(ar, context.len + one.len, st);
            if (!cat)
                return false;
            memcpy(cat, context.data, context.len);
            memcpy(cat + context.len, one.data, one.len);
            one.data = cat;
            one.len += context.len;
        }
        struct md_str *slot = avec_push(&list, ar, st);
        if (!slot)
            return false;
        *slot = one;
    }
    if (list.n == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT, "JSON Value: %s 'examples' value is an empty array",
                             value_snippet(&doc, buf, sizeof buf));
    examples->dtype = MD_DT_STRING;
    examples->rank = 1;
    examples->dims[0] = (int64_t)list.n;
    examples->data = list.data;
    return true;
}
