/* cli_show.c: `modeld-cli show`, the text of TensorFlow's
 * `saved_model_cli show`, line for line, plus --json for scripts.
 *
 * After TensorFlow's ops line (--all, --list_ops) comes one line of modeld's
 * own, which saved_model_cli does not print, naming the ops modeld cannot run:
 *
 *   modeld can run all of these ops
 *   modeld cannot run 2 of these ops: {'Foo', 'SaveV2'}; serving needs 'Foo' (serving_default)
 *   modeld cannot run 1 of these ops: {'SaveV2'}; serving needs none of them
 *
 * An op counts when the registry lacks it or refuses it for safety; "serving
 * needs" is md_check_model's finding (the signatures, the restore op and the
 * init op, including ops inside the functions they call, which TensorFlow's
 * list leaves out for If/While/Case: such ops make the line say "these ops
 * (or the functions they call)"). --json has the same facts as
 * "unsupported_ops" (sorted names) and "unsupported_ops_needed_by".
 *
 * Output goes to stdout, errors to stderr. Strings from the model are printed
 * as they are, except that control characters and bytes that are not UTF-8
 * become \xNN, so a hostile model cannot drive the terminal.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader/loader.h"
#include "ops/check.h"
#include "ops/kernel.h"
#include "tools/cli.h"

struct show_opts {
    const char *dir, *tag_set, *signature_def;
    bool all, list_ops, json;
};

static const char show_usage[] =
    "usage: modeld-cli show --dir DIR [--all | --tag_set TAGS [--signature_def KEY]]\n"
    "                       [--list_ops] [--json]\n"
    "\n"
    "Shows what a SavedModel holds, with the same text as TensorFlow's\n"
    "`saved_model_cli show`:\n"
    "  --dir DIR             the SavedModel directory (saved_model.pb or .pbtxt)\n"
    "  (no other flag)       the tag-sets of its MetaGraphDefs\n"
    "  --tag_set TAGS        the SignatureDef keys of the MetaGraphDef whose tags are\n"
    "                        exactly TAGS (comma-separated, e.g. serve or serve,gpu)\n"
    "  --signature_def KEY   with --tag_set: inputs, outputs and method of one signature\n"
    "  --list_ops            with --tag_set: also the ops the graph and the functions\n"
    "                        it calls use, then a line naming those modeld cannot run\n"
    "                        and whether serving the model needs them\n"
    "  --all                 every tag-set, signature and op list\n"
    "  --json                the same facts as JSON\n"
    "Flags take their value as `--flag value` or `--flag=value`.\n"
    "Unlike saved_model_cli, --all does not print the \"Concrete Functions\" section\n"
    "of TF2 models (it needs Python's pickled function signatures).\n";

/* ------------------------------------------------------------- strings */

/* Length of the UTF-8 sequence at s (n bytes left) if valid, else 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
        return 0; /* C1 controls are treated like invalid bytes: escaped */
    return len;
}

/* Writes s with control bytes and non-UTF-8 bytes as \xNN. In repr mode,
 * also escapes backslashes and the quote character q (Python's repr). */
static void put_str(FILE *f, const char *str, char q)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(s + i, n - i);
        if (len == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
            if (q && (s[i] == '\\' || s[i] == (unsigned char)q))
                fputc('\\', f);
            fputc(s[i], f);
        } else if (len > 1) {
            fwrite(s + i, 1, len, f);
        } else {
            len = 1;
            if (q && s[i] == '\n')
                fputs("\\n", f);
            else if (q && s[i] == '\t')
                fputs("\\t", f);
            else if (q && s[i] == '\r')
                fputs("\\r", f);
            else
                fprintf(f, "\\x%02x", s[i]);
        }
        i += len;
    }
}

/* Python's repr() of a str: 'x', or "x" when x holds ' but no ". */
static void put_repr(FILE *f, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    fputc(q, f);
    put_str(f, s, q);
    fputc(q, f);
}

/* A JSON string; jansson refuses invalid UTF-8, which then gets \xNN escapes. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    size_t n = strlen(s);
    char *e = malloc(n * 4 + 1);
    if (!e)
        return NULL;
    md_escape(e, n * 4 + 1, s, n);
    j = json_string(e);
    free(e);
    return j;
}

/* ------------------------------------------------------------- tag sets */

static size_t n_tags(const Tensorflow__MetaGraphDef *m)
{
    return m && m->meta_info_def ? m->meta_info_def->n_tags : 0;
}

static char **tags_of(const Tensorflow__MetaGraphDef *m)
{
    return n_tags(m) ? m->meta_info_def->tags : NULL;
}

/* Python list comparison of the stored tag lists. */
static int taglist_cmp(const Tensorflow__MetaGraphDef *a, const Tensorflow__MetaGraphDef *b)
{
    size_t na = n_tags(a), nb = n_tags(b);
    for (size_t i = 0; i < na && i < nb; i++) {
        int c = strcmp(tags_of(a)[i], tags_of(b)[i]);
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct meta_pos {
    const Tensorflow__MetaGraphDef *m;
    size_t pos;
};

static int meta_pos_cmp(const void *a, const void *b)
{
    const struct meta_pos *x = a, *y = b;
    int c = taglist_cmp(x->m, y->m);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Meta graphs in the order saved_model_cli lists them (a stable sort by
 * tag list); NULL entries are skipped. Caller frees the array. */
static const Tensorflow__MetaGraphDef **sorted_metas(const Tensorflow__SavedModel *p, size_t *n)
{
    struct meta_pos *mp = malloc((p->n_meta_graphs + 1) * sizeof *mp);
    const Tensorflow__MetaGraphDef **v = malloc((p->n_meta_graphs + 1) * sizeof *v);
    if (!mp || !v) {
        free(mp);
        free(v);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < p->n_meta_graphs; i++)
        if (p->meta_graphs[i])
            mp[k++] = (struct meta_pos){ p->meta_graphs[i], i };
    qsort(mp, k, sizeof *mp, meta_pos_cmp);
    for (size_t i = 0; i < k; i++)
        v[i] = mp[i].m;
    free(mp);
    *n = k;
    return v;
}

/* A tag list sorted, for `show --dir`: caller frees. */
static char **sorted_tags(const Tensorflow__MetaGraphDef *m)
{
    size_t n = n_tags(m);
    char **t = malloc((n + 1) * sizeof *t);
    if (!t)
        return NULL;
    if (n)
        memcpy(t, tags_of(m), n * sizeof *t);
    qsort(t, n, sizeof *t, str_cmp);
    return t;
}

/* ------------------------------------------------------------------ ops */

struct strvec {
    const char **v;
    size_t n, cap;
};

static bool strvec_push(struct strvec *s, const char *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        const char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return true;
}

struct fn_ref {
    const char *name;
    const Tensorflow__FunctionDef *fn;
    bool seen;
};

static int fn_cmp(const void *a, const void *b)
{
    return strcmp(((const struct fn_ref *)a)->name, ((const struct fn_ref *)b)->name);
}

static struct fn_ref *fn_find(struct fn_ref *fns, size_t n, const char *name)
{
    struct fn_ref key = { name, NULL, false };
    return n ? bsearch(&key, fns, n, sizeof *fns, fn_cmp) : NULL;
}

struct op_walk {
    struct fn_ref *fns;
    size_t n_fns;
    struct strvec ops, todo; /* todo holds function names still to visit */
    bool oom;
};

static void mark_op(struct op_walk *w, const char *op)
{
    struct fn_ref *f = fn_find(w->fns, w->n_fns, op);
    if (f && !f->seen) {
        f->seen = true;
        w->oom |= !strvec_push(&w->todo, f->name);
    }
    w->oom |= !strvec_push(&w->ops, op);
}

static void walk_node(struct op_walk *w, const Tensorflow__NodeDef *node)
{
    if (!node)
        return;
    mark_op(w, node->op);
    /* A call through (Stateful)PartitionedCall names its function in attr f. */
    if (strcmp(node->op, "PartitionedCall") && strcmp(node->op, "StatefulPartitionedCall"))
        return;
    for (size_t i = 0; i < node->n_attr; i++) {
        const Tensorflow__NodeDef__AttrEntry *a = node->attr[i];
        if (a && !strcmp(a->key, "f") && a->value &&
            a->value->value_case == TENSORFLOW__ATTR_VALUE__VALUE_FUNC && a->value->func)
            mark_op(w, a->value->func->name);
    }
}

/* The ops a graph uses, as TensorFlow's ops_used_by_graph_def counts them:
 * its nodes' ops plus those of every library function reached through a
 * node, function names themselves left out. Sorted, unique; the strings are
 * borrowed from g. false on OOM. */
static bool graph_ops(const Tensorflow__GraphDef *g, struct strvec *out)
{
    struct op_walk w = { 0 };
    *out = (struct strvec){ 0 };
    if (!g)
        return true;
    const Tensorflow__FunctionDefLibrary *lib = g->library;
    size_t nf = lib ? lib->n_function : 0;
    w.fns = calloc(nf + 1, sizeof *w.fns);
    if (!w.fns)
        return false;
    for (size_t i = 0; i < nf; i++) {
        const Tensorflow__FunctionDef *fn = lib->function[i];
        if (fn && fn->signature)
            w.fns[w.n_fns++] = (struct fn_ref){ fn->signature->name, fn, false };
    }
    qsort(w.fns, w.n_fns, sizeof *w.fns, fn_cmp);
    for (size_t i = 0; i < g->n_node; i++)
        walk_node(&w, g->node[i]);
    while (w.todo.n && !w.oom) {
        struct fn_ref *f = fn_find(w.fns, w.n_fns, w.todo.v[--w.todo.n]);
        for (size_t i = 0; f && i < f->fn->n_node_def; i++)
            walk_node(&w, f->fn->node_def[i]);
    }
    if (!w.oom && w.ops.n) {
        qsort(w.ops.v, w.ops.n, sizeof *w.ops.v, str_cmp);
        size_t o = 0;
        for (size_t i = 0; i < w.ops.n; i++) {
            if (o && !strcmp(w.ops.v[o - 1], w.ops.v[i]))
                continue;
            if (fn_find(w.fns, w.n_fns, w.ops.v[i]))
                continue;
            w.ops.v[o++] = w.ops.v[i];
        }
        w.ops.n = o;
    }
    free(w.fns);
    free(w.todo.v);
    if (w.oom) {
        free(w.ops.v);
        return false;
    }
    *out = w.ops;
    return true;
}

/* "The MetaGraph with tag set ['serve'] contains the following ops: {...}" */
static bool print_ops_line(FILE *f, const Tensorflow__MetaGraphDef *m)
{
    struct strvec ops;
    if (!graph_ops(m->graph_def, &ops))
        return false;
    fputs("The MetaGraph with tag set [", f);
    for (size_t i = 0; i < n_tags(m); i++) {
        if (i)
            fputs(", ", f);
        put_repr(f, tags_of(m)[i]);
    }
    fputs("] contains the following ops: ", f);
    if (!ops.n)
        fputs("set()", f);
    for (size_t i = 0; i < ops.n; i++) {
        fputs(i ? ", " : "{", f);
        put_repr(f, ops.v[i]);
    }
    fputs(ops.n ? "}\n" : "\n", f);
    free(ops.v);
    return true;
}

static json_t *ops_json(const Tensorflow__MetaGraphDef *m)
{
    struct strvec ops;
    if (!graph_ops(m->graph_def, &ops))
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < ops.n; i++)
        json_array_append_new(a, jstr(ops.v[i]));
    free(ops.v);
    return a;
}

/* ------------------------------------------ the ops modeld cannot run */

struct unsupported {
    struct strvec ops;          /* sorted, unique; borrowed from the graph or from r */
    bool extra;                 /* some are inside functions TensorFlow's list omits */
    bool checked;               /* r holds md_check_model's report, else st says why not */
    struct md_check_report r;
    struct md_status st;
};

static bool op_unsupported(const char *op)
{
    const struct md_op_def *d = md_op_lookup(op);
    return !d || (d->flags & MD_OP_REFUSED);
}

static bool strvec_has(const struct strvec *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x))
            return true;
    return false;
}

static const struct md_check_missing *needed(const struct unsupported *u, const char *op)
{
    for (size_t i = 0; u->checked && i < u->r.n_missing; i++)
        if (!strcmp(u->r.missing[i].op, op))
            return &u->r.missing[i];
    return NULL;
}

/* md_check_model on meta graph m of the model in dir, whose signature table
 * is sigs: the same plans md_model_load makes (the restore op only when
 * variables/variables.index exists, as md_savedmodel_open). */
static void check_meta(const char *dir, const Tensorflow__MetaGraphDef *m,
                       struct md_signature *sigs, size_t ns, struct unsupported *u)
{
    struct md_savedmodel sm = { 0 };
    sm.meta = m;
    sm.signatures = sigs;
    sm.n_signatures = ns;
    size_t len = strlen(dir) + sizeof "/variables/variables.index";
    char *index = malloc(len);
    if (!index) {
        md_status_set(&u->st, MD_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    snprintf(index, len, "%s/variables/variables.index", dir);
    struct stat sb;
    if (stat(index, &sb) == 0 && S_ISREG(sb.st_mode)) {
        struct md_status bst = MD_STATUS_INIT;
        index[len - sizeof ".index"] = '\0'; /* the bundle prefix */
        sm.vars = md_bundle_open(index, &bst); /* unreadable: no restore plan */
    }
    free(index);
    u->checked = md_check_model(&sm, &u->r, &u->st);
    md_bundle_free(sm.vars);
}

/* The ops of m (TensorFlow's list, see graph_ops) that modeld's registry
 * lacks or refuses, plus those md_check_model finds the signatures, restore
 * or init op need (some may be inside If/While/Case functions). false on
 * OOM; else unsupported_cleanup. */
static bool unsupported_find(const char *dir, const Tensorflow__MetaGraphDef *m,
                             struct md_signature *sigs, size_t ns, struct unsupported *u)
{
    *u = (struct unsupported){ .st = MD_STATUS_INIT };
    struct strvec all;
    if (!graph_ops(m->graph_def, &all))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < all.n; i++)
        if (op_unsupported(all.v[i]))
            ok = strvec_push(&u->ops, all.v[i]);
    check_meta(dir, m, sigs, ns, u);
    for (size_t i = 0; ok && u->checked && i < u->r.n_missing; i++) {
        const char *op = u->r.missing[i].op;
        if (strvec_has(&all, op) || strvec_has(&u->ops, op))
            continue;
        u->extra = true;
        ok = strvec_push(&u->ops, op);
    }
    if (u->ops.n)
        qsort(u->ops.v, u->ops.n, sizeof *u->ops.v, str_cmp);
    free(all.v);
    if (!ok) {
        free(u->ops.v);
        if (u->checked)
            md_check_report_cleanup(&u->r);
    }
    return ok;
}

static void unsupported_cleanup(struct unsupported *u)
{
    free(u->ops.v);
    if (u->checked)
        md_check_report_cleanup(&u->r);
}

/* "modeld cannot run 2 of these ops: {'Foo', 'SaveV2'}; serving needs 'Foo' (serving_default)" */
static void print_unsupported_line(FILE *f, const struct unsupported *u)
{
    if (!u->ops.n) {
        fputs("modeld can run all of these ops", f);
    } else {
        fprintf(f, "modeld cannot run %zu of these ops%s: ", u->ops.n,
                u->extra ? " (or of the functions they call)" : "");
        for (size_t i = 0; i < u->ops.n; i++) {
            fputs(i ? ", " : "{", f);
            put_repr(f, u->ops.v[i]);
        }
        fputc('}', f);
    }
    if (!u->checked) {
        fputs("; cannot tell what serving needs: ", f);
        put_str(f, u->st.msg, 0);
    } else if (u->ops.n) {
        size_t k = 0;
        for (size_t i = 0; i < u->ops.n; i++) {
            const struct md_check_missing *mi = needed(u, u->ops.v[i]);
            if (!mi)
                continue;
            fputs(k++ ? ", " : "; serving needs ", f);
            put_repr(f, mi->op);
            fputs(" (", f);
            put_str(f, mi->needed_by ? mi->needed_by : "", 0);
            fputc(')', f);
        }
        if (!k)
            fputs("; serving needs none of them", f);
    }
    fputc('\n', f);
}

/* Adds "unsupported_ops": [names], "unsupported_ops_needed_by": {op:
 * "sig, the restore op, ..."} (or "unsupported_ops_error" when the graph
 * could not be checked) to obj. */
static void unsupported_json(json_t *obj, const struct unsupported *u)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < u->ops.n; i++)
        json_array_append_new(a, jstr(u->ops.v[i]));
    json_object_set_new(obj, "unsupported_ops", a);
    if (!u->checked) {
        json_object_set_new(obj, "unsupported_ops_error", jstr(u->st.msg));
        return;
    }
    json_t *nb = json_object();
    for (size_t i = 0; nb && i < u->r.n_missing; i++)
        json_object_set_new(nb, u->r.missing[i].op, jstr(u->r.missing[i].needed_by));
    json_object_set_new(obj, "unsupported_ops_needed_by", nb);
}

/* ----------------------------------------------------------- signatures */

static void print_tensor_info(FILE *f, const struct md_tensor_info *t, const char *ind)
{
    fprintf(f, "%s    dtype: %s\n", ind, md_dtype_name(t->dtype_raw));
    fprintf(f, "%s    shape: ", ind);
    if (t->unknown_rank) {
        fputs("unknown_rank", f);
    } else {
        fputc('(', f);
        for (int i = 0; i < t->rank; i++)
            fprintf(f, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
        fputc(')', f);
    }
    fprintf(f, "\n%s    name: ", ind);
    put_str(f, t->name ? t->name : "", 0);
    fputc('\n', f);
}

/* saved_model_cli's _show_inputs_outputs; indent counts steps of two spaces. */
static void print_signature(FILE *f, const struct md_signature *s, int indent)
{
    const char *pad = "        ";
    const char *ind = pad + 8 - 2 * indent;        /* indent */
    const char *ind1 = pad + 8 - 2 * (indent + 1); /* indent + 1 */
    fprintf(f, "%sThe given SavedModel SignatureDef contains the following input(s):\n", ind);
    for (size_t i = 0; i < s->n_inputs; i++) {
        fprintf(f, "%s  inputs['", ind);
        put_str(f, s->inputs[i].alias, 0);
        fputs("'] tensor_info:\n", f);
        print_tensor_info(f, &s->inputs[i], ind1);
    }
    fprintf(f, "%sThe given SavedModel SignatureDef contains the following output(s):\n", ind);
    for (size_t i = 0; i < s->n_outputs; i++) {
        fprintf(f, "%s  outputs['", ind);
        put_str(f, s->outputs[i].alias, 0);
        fputs("'] tensor_info:\n", f);
        print_tensor_info(f, &s->outputs[i], ind1);
    }
    fprintf(f, "%sMethod name is: ", ind);
    put_str(f, s->method_name, 0);
    fputc('\n', f);
}

static json_t *tensor_info_json(const struct md_tensor_info *t)
{
    json_t *shape = t->unknown_rank ? json_null() : json_array();
    for (int i = 0; shape && !t->unknown_rank && i < t->rank; i++)
        json_array_append_new(shape, json_integer(t->dims[i]));
    return json_pack("{s:o, s:s, s:o, s:b}", "name", t->name ? jstr(t->name) : json_null(),
                     "dtype", md_dtype_name(t->dtype_raw), "shape", shape, "unknown_rank",
                     t->unknown_rank);
}

static json_t *signature_json(const struct md_signature *s)
{
    json_t *in = json_object(), *out = json_object();
    for (size_t i = 0; in && i < s->n_inputs; i++)
        json_object_set_new(in, s->inputs[i].alias, tensor_info_json(&s->inputs[i]));
    for (size_t i = 0; out && i < s->n_outputs; i++)
        json_object_set_new(out, s->outputs[i].alias, tensor_info_json(&s->outputs[i]));
    return json_pack("{s:o, s:o, s:o, s:o}", "key", jstr(s->key), "method_name",
                     jstr(s->method_name), "inputs", in, "outputs", out);
}

static const struct md_signature *find_sig(const struct md_signature *sigs, size_t n,
                                           const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(sigs[i].key, key))
            return &sigs[i];
    return NULL;
}

/* ------------------------------------------------------------- commands */

static int fail(const char *what, const struct md_status *st)
{
    fprintf(stderr, "modeld-cli show: %s%s%s\n", what ? what : "", what ? ": " : "", st->msg);
    return 1;
}

static int oom(void)
{
    fprintf(stderr, "modeld-cli show: out of memory\n");
    return 1;
}

static int emit_json(json_t *root)
{
    if (!root) {
        fprintf(stderr, "modeld-cli show: out of memory building JSON\n");
        return 1;
    }
    json_dumpf(root, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(root);
    return 0;
}

static json_t *tags_json(char **tags, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, jstr(tags[i]));
    return a;
}

static int show_tag_sets(const Tensorflow__SavedModel *p, const struct show_opts *o)
{
    size_t n;
    const Tensorflow__MetaGraphDef **metas = sorted_metas(p, &n);
    if (!metas)
        return oom();
    json_t *arr = o->json ? json_array() : NULL;
    if (!o->json) {
        if (o->list_ops)
            puts("--list_ops must be paired with a tag-set or with --all.");
        puts("The given SavedModel contains the following tag-sets:");
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char **t = sorted_tags(metas[i]);
        if (!t) {
            rc = 1;
            break;
        }
        if (o->json) {
            json_array_append_new(arr, tags_json(t, n_tags(metas[i])));
        } else {
            /* repr(', '.join(sorted(tags))) */
            size_t len = 1;
            for (size_t k = 0; k < n_tags(metas[i]); k++)
                len += strlen(t[k]) + 2;
            char *joined = malloc(len);
            if (!joined) {
                free(t);
                rc = 1;
                break;
            }
            char *w = joined;
            for (size_t k = 0; k < n_tags(metas[i]); k++)
                w += sprintf(w, "%s%s", k ? ", " : "", t[k]);
            *w = '\0';
            put_repr(stdout, joined);
            fputc('\n', stdout);
            free(joined);
        }
        free(t);
    }
    free(metas);
    if (rc) {
        json_decref(arr);
        return oom();
    }
    return o->json ? emit_json(json_pack("{s:o}", "tag_sets", arr)) : 0;
}

static int show_all(const Tensorflow__SavedModel *p, const struct show_opts *o)
{
    size_t n;
    const Tensorflow__MetaGraphDef **metas = sorted_metas(p, &n);
    if (!metas)
        return oom();
    json_t *arr = o->json ? json_array() : NULL;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const Tensorflow__MetaGraphDef *m = metas[i];
        struct md_status st = MD_STATUS_INIT;
        struct md_signature *sigs;
        size_t ns;
        if (!md_savedmodel_signatures_build(m, &sigs, &ns, &st)) {
            rc = fail(NULL, &st);
            break;
        }
        struct unsupported u;
        if (!unsupported_find(o->dir, m, sigs, ns, &u)) {
            md_savedmodel_signatures_free(sigs, ns);
            rc = oom();
            break;
        }
        if (o->json) {
            json_t *sj = json_object();
            for (size_t k = 0; sj && k < ns; k++)
                json_object_set_new(sj, sigs[k].key, signature_json(&sigs[k]));
            json_t *mj = json_pack("{s:o, s:o, s:o}", "tags", tags_json(tags_of(m), n_tags(m)),
                                   "signature_defs", sj, "ops", ops_json(m));
            if (mj)
                unsupported_json(mj, &u);
            json_array_append_new(arr, mj);
        } else {
            fputs("\nMetaGraphDef with tag-set: '", stdout);
            for (size_t k = 0; k < n_tags(m); k++) {
                if (k)
                    fputs(", ", stdout);
                put_str(stdout, tags_of(m)[k], 0);
            }
            fputs("' contains the following SignatureDefs:\n", stdout);
            for (size_t k = 0; k < ns; k++) {
                fputs("\nsignature_def['", stdout);
                put_str(stdout, sigs[k].key, 0);
                fputs("']:\n", stdout);
                print_signature(stdout, &sigs[k], 1);
            }
            if (!print_ops_line(stdout, m))
                rc = oom();
            else
                print_unsupported_line(stdout, &u);
        }
        unsupported_cleanup(&u);
        md_savedmodel_signatures_free(sigs, ns);
    }
    free(metas);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    return o->json ? emit_json(json_pack("{s:o}", "meta_graphs", arr)) : 0;
}

static int show_meta_graph(const Tensorflow__SavedModel *p, const struct show_opts *o)
{
    struct md_status st = MD_STATUS_INIT;
    const Tensorflow__MetaGraphDef *m = md_savedmodel_find_meta_graph(p, o->tag_set, &st);
    if (!m)
        return fail(NULL, &st);
    struct md_signature *sigs;
    size_t ns;
    if (!md_savedmodel_signatures_build(m, &sigs, &ns, &st))
        return fail(NULL, &st);

    int rc = 0;
    const struct md_signature *s = NULL;
    if (o->signature_def && !(s = find_sig(sigs, ns, o->signature_def))) {
        /* ValueError: Could not find signature "K". Please choose from: a, b */
        fputs("modeld-cli show: Could not find signature \"", stderr);
        put_str(stderr, o->signature_def, 0);
        fputs("\". Please choose from: ", stderr);
        for (size_t i = 0; i < ns; i++) {
            if (i)
                fputs(", ", stderr);
            put_str(stderr, sigs[i].key, 0);
        }
        fputc('\n', stderr);
        md_savedmodel_signatures_free(sigs, ns);
        return 1;
    }
    struct unsupported u = { .st = MD_STATUS_INIT };
    if (o->list_ops && !unsupported_find(o->dir, m, sigs, ns, &u)) {
        md_savedmodel_signatures_free(sigs, ns);
        return oom();
    }
    if (o->json) {
        json_t *root = json_pack("{s:o}", "tag_set", tags_json(tags_of(m), n_tags(m)));
        if (root && o->list_ops) {
            json_object_set_new(root, "ops", ops_json(m));
            unsupported_json(root, &u);
        }
        if (root && s) {
            json_object_set_new(root, "signature_def", signature_json(s));
        } else if (root) {
            json_t *keys = json_array();
            for (size_t i = 0; keys && i < ns; i++)
                json_array_append_new(keys, jstr(sigs[i].key));
            json_object_set_new(root, "signature_def_keys", keys);
        }
        rc = emit_json(root);
    } else {
        if (o->list_ops && !print_ops_line(stdout, m))
            rc = oom();
        else if (o->list_ops)
            print_unsupported_line(stdout, &u);
        if (!rc && s) {
            print_signature(stdout, s, 0);
        } else if (!rc) {
            puts("The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:");
            for (size_t i = 0; i < ns; i++) {
                fputs("SignatureDef key: \"", stdout);
                put_str(stdout, sigs[i].key, 0);
                fputs("\"\n", stdout);
            }
        }
    }
    unsupported_cleanup(&u);
    md_savedmodel_signatures_free(sigs, ns);
    return rc;
}

/* ----------------------------------------------------------------- flags */

static bool parse_bool(const char *v, bool *out)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

/* 0 ok, 2 usage error, -1 help printed. */
static int parse_args(int argc, char **argv, struct show_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            fprintf(stderr, "modeld-cli show: unexpected argument '%s'\n", a);
            return 2;
        }
        a += a[1] == '-' ? 2 : 1; /* absl takes -flag and --flag */
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const char *val = eq ? eq + 1 : NULL;
#define IS(name) (nlen == sizeof(name) - 1 && !memcmp(a, name, nlen))
        const char **str = IS("dir") ? &o->dir
                           : IS("tag_set") ? &o->tag_set
                           : IS("signature_def") ? &o->signature_def
                                                 : NULL;
        bool *flag = IS("all") ? &o->all : IS("list_ops") ? &o->list_ops : IS("json") ? &o->json : NULL;
        if (IS("help") || IS("h")) {
            fputs(show_usage, stdout);
            return -1;
        }
#undef IS
        if (str) {
            if (!val) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "modeld-cli show: %s needs a value\n", argv[i]);
                    return 2;
                }
                val = argv[++i];
            }
            *str = val;
        } else if (flag) {
            if (!parse_bool(val, flag)) {
                fprintf(stderr, "modeld-cli show: %s: expected true or false\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "modeld-cli show: unknown flag '%s'\n%s", argv[i], show_usage);
            return 2;
        }
    }
    if (!o->dir || !*o->dir) {
        fprintf(stderr, "modeld-cli show: --dir is required\n%s", show_usage);
        return 2;
    }
    if (o->signature_def && !o->tag_set && !o->all) {
        fprintf(stderr, "modeld-cli show: --signature_def needs --tag_set\n");
        return 2;
    }
    return 0;
}

int md_cli_show(int argc, char **argv)
{
    struct show_opts o = { 0 };
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__SavedModel *p = md_savedmodel_read_proto(o.dir, &st);
    if (!p)
        return fail(NULL, &st);
    if (o.all)
        rc = show_all(p, &o);
    else if (!o.tag_set)
        rc = show_tag_sets(p, &o);
    else
        rc = show_meta_graph(p, &o);
    tensorflow__saved_model__free_unpacked(p, NULL);
    if (fflush(stdout) != 0 && !rc) {
        fprintf(stderr, "modeld-cli show: cannot write the output\n");
        rc = 1;
    }
    return rc;
}
