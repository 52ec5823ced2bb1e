/* InitializeTableFromTextFileV2: fills a table from a text file, one entry
 * per line (trailing "\r" dropped; an empty line is an error, as
 * TensorFlow). key_index / value_index pick what each line gives: -2 the
 * whole line, -1 the line number (+ offset), N >= 0 the N-th field split on
 * the one-byte delimiter; fields are parsed to the table's dtypes.
 * vocab_size > 0 reads that many lines and refuses shorter files.
 *
 * The file must lie inside the model version's directory: the init op feeds
 * the loader's asset paths (<dir>/assets/<name>); a relative name is taken
 * relative to <dir>/assets; ".." components and absolute paths outside the
 * directory (symlinks resolved) are refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/kernels/lookup_common.h"

#define VOCAB_MAX_BYTES ((size_t)1 << 30)

struct text_init_state {
    int64_t key_index, value_index, vocab_size, offset;
    char delim;
};

static bool text_init_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct text_init_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_attr_int(ki->node, "key_index", &s->key_index) ||
        !md_attr_int(ki->node, "value_index", &s->value_index))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "missing key_index or value_index attr");
    if (s->key_index < -2 || s->value_index < -2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "key_index and value_index must be >= -2, got %lld and %lld",
                              (long long)s->key_index, (long long)s->value_index);
    if (!md_attr_int(ki->node, "vocab_size", &s->vocab_size))
        s->vocab_size = -1;
    if (s->vocab_size < -1 || s->vocab_size == 0)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "vocab_size must be positive or -1, got %lld",
                              (long long)s->vocab_size);
    if (!md_attr_int(ki->node, "offset", &s->offset))
        s->offset = 0;
    struct md_str d = { "\t", 1 };
    md_attr_str(ki->node, "delimiter", &d);
    if (d.len != 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "delimiter should be only 1 char");
    s->delim = d.data[0];
    ki->state = s;
    ki->n_outputs = 0;
    return true;
}

static bool has_dotdot(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/') &&
            (i + 2 == len || p[i + 2] == '/'))
            return true;
    return false;
}

/* Resolves and confines the file name into real (PATH_MAX bytes). */
static bool confine(struct md_kernel_ctx *k, const struct md_str *f, char *real,
                    struct md_status *st)
{
    char esc[256];
    md_escape(esc, sizeof esc, f->data, f->len);
    const char *dir = k->env ? k->env->model_dir : NULL;
    if (!dir)
        return md_kernel_fail(k->node, st, MD_FAILED_PRECONDITION,
                              "cannot read '%s': no model directory to read assets from", esc);
    if (f->len == 0 || memchr(f->data, '\0', f->len) || f->len > PATH_MAX)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "invalid vocabulary file name '%s'",
                              esc);
    if (has_dotdot(f->data, f->len))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "vocabulary file '%s' refused: '..' is not allowed in asset paths",
                              esc);
    char root[PATH_MAX], want[PATH_MAX * 2 + 16];
    if (!realpath(dir, root))
        return md_kernel_fail(k->node, st, MD_NOT_FOUND, "model directory not found");
    if (f->data[0] == '/')
        snprintf(want, sizeof want, "%.*s", (int)f->len, f->data);
    else
        snprintf(want, sizeof want, "%s/assets/%.*s", root, (int)f->len, f->data);
    if (!realpath(want, real))
        return md_kernel_fail(k->node, st, MD_NOT_FOUND, "vocabulary file '%s' not found: %s", esc,
                              strerror(errno));
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')
        return md_kernel_fail(k->node, st, MD_PERMISSION_DENIED,
                              "vocabulary file '%s' refused: it is outside the model directory",
                              esc);
    return true;
}

static bool read_file(struct md_kernel_ctx *k, const char *path, const char *name, char **data,
                      size_t *len, struct md_status *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return md_kernel_fail(k->node, st, MD_NOT_FOUND, "cannot read vocabulary file '%s': %s",
                              name, fd >= 0 ? "not a regular file" : strerror(e));
    }
    if ((size_t)sb.st_size > VOCAB_MAX_BYTES) {
        close(fd);
        return md_kernel_fail(k->node, st, MD_RESOURCE_EXHAUSTED,
                              "vocabulary file '%s' is larger than %zu bytes", name,
                              VOCAB_MAX_BYTES);
    }
    size_t n = (size_t)sb.st_size;
    char *p = md_kernel_scratch(k, n + 1, st);
    size_t got = 0;
    while (p && got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!p)
        return false;
    if (got != n)
        return md_kernel_fail(k->node, st, MD_DATA_LOSS, "short read of vocabulary file '%s'",
                              name);
    *data = p;
    *len = n;
    return true;
}

/* Field `index` of line (-2 whole line); false when there are too few. */
static bool field(const char *line, size_t len, int64_t index, char delim, struct md_str *out,
                  int64_t *n_fields)
{
    if (index == -2) {
        *out = (struct md_str){ line, len };
        return true;
    }
    int64_t f = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != delim)
            continue;
        if (f == index) {
            *out = (struct md_str){ line + start, i - start };
            return true;
        }
        f++;
        start = i + 1;
    }
    *n_fields = f;
    return false;
}

/* Stores token (or the line number when index == -1) as element i of t. */
static bool put(struct md_kernel_ctx *k, struct md_tensor *t, int64_t i, int64_t index,
                const struct md_str *tok, int64_t line_no, const char *name,
                struct md_status *st)
{
    char buf[64], esc[96];
    if (index == -1) {
        if (t->dtype == MD_DT_INT64)
            ((int64_t *)t->data)[i] = line_no;
        else if (t->dtype == MD_DT_INT32 && line_no <= INT32_MAX)
            ((int32_t *)t->data)[i] = (int32_t)line_no;
        else
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "line numbers (index -1) need an int64 table column, not %s",
                                  md_dtype_info(t->dtype)->tf_name);
        return true;
    }
    if (t->dtype == MD_DT_STRING) {
        ((struct md_str *)t->data)[i] = *tok;
        return true;
    }
    md_escape(esc, sizeof esc, tok->data, tok->len);
    if (tok->len == 0 || tok->len >= sizeof buf)
        goto bad;
    memcpy(buf, tok->data, tok->len);
    buf[tok->len] = '\0';
    char *end;
    errno = 0;
    if (t->dtype == MD_DT_INT64 || t->dtype == MD_DT_INT32) {
        long long v = strtoll(buf, &end, 10);
        if (*end || errno || (t->dtype == MD_DT_INT32 && (v < INT32_MIN || v > INT32_MAX)))
            goto bad;
        if (t->dtype == MD_DT_INT64)
            ((int64_t *)t->data)[i] = v;
        else
            ((int32_t *)t->data)[i] = (int32_t)v;
        return true;
    }
    if (t->dtype == MD_DT_FLOAT || t->dtype == MD_DT_DOUBLE) {
        double v = strtod(buf, &end);
        if (*end)
            goto bad;
        if (t->dtype == MD_DT_FLOAT)
            ((float *)t->data)[i] = (float)v;
        else
            ((double *)t->data)[i] = v;
        return true;
    }
    return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED,
                          "tables of %s cannot be read from a text file",
                          md_dtype_info(t->dtype)->tf_name);
bad:
    return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                          "Field %s in line %lld of '%s' is not a valid %s", esc,
                          (long long)line_no, name, md_dtype_info(t->dtype)->tf_name);
}

static bool text_init_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct text_init_state *s = k->state;
    if (k->n_inputs != 2)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "expects 2 inputs, got %d",
                              k->n_inputs);
    const struct md_tensor *fn = k->inputs[1];
    if (fn->dtype != MD_DT_STRING || md_tensor_num_elements(fn) != 1 || fn->rank != 0)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "filename should be a single string");
    enum md_dtype kt, vt;
    if (!md_lut_dtypes(k, k->inputs[0], &kt, &vt, st))
        return false;
    const struct md_str *f = fn->data;
    char name[256];
    {
        /* Messages name the file by its base name: no host paths in replies. */
        const char *b = f->data;
        size_t bl = f->len;
        for (size_t i = 0; i < f->len; i++)
            if (f->data[i] == '/') {
                b = f->data + i + 1;
                bl = f->len - i - 1;
            }
        md_escape(name, sizeof name, b, bl);
    }
    char path[PATH_MAX], *data = NULL;
    size_t len = 0;
    if (!confine(k, f, path, st) || !read_file(k, path, name, &data, &len, st))
        return false;
    int64_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (len && data[len - 1] != '\n')
        lines++;
    if (s->vocab_size > 0) {
        if (lines < s->vocab_size)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Invalid vocab_size in %s: expected %lld but got %lld", name,
                                  (long long)s->vocab_size, (long long)lines);
        lines = s->vocab_size;
    }
    struct md_tensor keys = MD_TENSOR_INIT, vals = MD_TENSOR_INIT;
    keys.dtype = kt;
    vals.dtype = vt;
    keys.rank = vals.rank = 1;
    keys.dims[0] = vals.dims[0] = lines;
    keys.data = md_kernel_scratch(k, (size_t)(lines ? lines : 1) * md_dtype_size(kt), st);
    vals.data = md_kernel_scratch(k, (size_t)(lines ? lines : 1) * md_dtype_size(vt), st);
    if (!keys.data || !vals.data)
        return false;
    size_t pos = 0;
    for (int64_t ln = 0; ln < lines; ln++) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Invalid content in %s: empty line found at line %lld", name,
                                  (long long)ln);
        struct md_str kt_tok = { NULL, 0 }, vt_tok = { NULL, 0 };
        int64_t nf = 0;
        if ((s->key_index != -1 && !field(line, ll, s->key_index, s->delim, &kt_tok, &nf)) ||
            (s->value_index != -1 && !field(line, ll, s->value_index, s->delim, &vt_tok, &nf)))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Invalid number of columns in %s line %lld: expected more than "
                                  "%lld, got %lld",
                                  name, (long long)ln,
                                  (long long)(s->key_index > s->value_index ? s->key_index
                                                                            : s->value_index),
                                  (long long)nf);
        if (!put(k, &keys, ln, s->key_index, &kt_tok, ln + s->offset, name, st) ||
            !put(k, &vals, ln, s->value_index, &vt_tok, ln + s->offset, name, st))
            return false;
    }
    return md_lut_build(k, k->inputs[0], &keys, &vals, name, st);
}

const struct md_op_def md_op_initialize_table_from_text_file_v2 = {
    .tf_name = "InitializeTableFromTextFileV2",
    .init = text_init_init,
    .compute = text_init_compute,
    .flags = MD_OP_STATEFUL,
};
