/* fuzz_example.c: the input bytes as serialized tf.Example protos through the
 * ParseExample kernels (ops/kernels/parse_example_common.c).
 *
 * Two configurations run on every input:
 *   - ParseExampleV2 on the bytes as a scalar, with every feature flavour:
 *     sparse (int64, float, string), fixed dense with defaults, variable-
 *     length dense, ragged (int64 and int32 splits);
 *   - ParseExample on a batch of two (the bytes, and the bytes minus the first
 *     one) with a required dense feature.
 * Keys are one letter ("a".."i") so that the fuzzer finds them quickly.
 * Either run succeeds or fails with a status; nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "ops/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct md_op_def md_op_parse_example;
extern const struct md_op_def md_op_parse_example_v2;

/* ---- a NodeDef built from static parts ---- */

#define MAX_ATTRS 8
struct node {
    Tensorflow__NodeDef def;
    Tensorflow__NodeDef__AttrEntry entries[MAX_ATTRS];
    Tensorflow__NodeDef__AttrEntry *entry_ptrs[MAX_ATTRS];
    Tensorflow__AttrValue values[MAX_ATTRS];
    Tensorflow__AttrValue__ListValue lists[MAX_ATTRS];
};

static Tensorflow__AttrValue *add_attr(struct node *n, const char *name)
{
    size_t i = n->def.n_attr++;
    tensorflow__node_def__attr_entry__init(&n->entries[i]);
    tensorflow__attr_value__init(&n->values[i]);
    n->entries[i].key = (char *)(uintptr_t)name; /* protobuf-c's field is not const */
    n->entries[i].value = &n->values[i];
    n->entry_ptrs[i] = &n->entries[i];
    n->def.attr = n->entry_ptrs;
    return &n->values[i];
}

static void attr_int(struct node *n, const char *name, int64_t v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
    a->i = v;
}

static Tensorflow__AttrValue__ListValue *attr_list(struct node *n, const char *name)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    Tensorflow__AttrValue__ListValue *l = &n->lists[n->def.n_attr - 1];
    tensorflow__attr_value__list_value__init(l);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = l;
    return l;
}

static void attr_types(struct node *n, const char *name, size_t count, Tensorflow__DataType *t)
{
    Tensorflow__AttrValue__ListValue *l = attr_list(n, name);
    l->n_type = count;
    l->type = t;
}

static void attr_shapes(struct node *n, const char *name, size_t count,
                        Tensorflow__TensorShapeProto **s)
{
    Tensorflow__AttrValue__ListValue *l = attr_list(n, name);
    l->n_shape = count;
    l->shape = s;
}

/* Shapes: [2], [-1], [], [-1,2], [1] */
static Tensorflow__TensorShapeProto__Dim dim2 = { PROTOBUF_C_MESSAGE_INIT(
    &tensorflow__tensor_shape_proto__dim__descriptor), 2, NULL };
static Tensorflow__TensorShapeProto__Dim dim1 = { PROTOBUF_C_MESSAGE_INIT(
    &tensorflow__tensor_shape_proto__dim__descriptor), 1, NULL };
static Tensorflow__TensorShapeProto__Dim dimv = { PROTOBUF_C_MESSAGE_INIT(
    &tensorflow__tensor_shape_proto__dim__descriptor), -1, NULL };

static Tensorflow__TensorShapeProto make_shape(size_t n, Tensorflow__TensorShapeProto__Dim **d)
{
    Tensorflow__TensorShapeProto s;
    tensorflow__tensor_shape_proto__init(&s);
    s.n_dim = n;
    s.dim = d;
    return s;
}

static struct md_tensor str_tensor(int rank, int64_t n, const struct md_str *v)
{
    struct md_tensor t = MD_TENSOR_INIT;
    t.dtype = MD_DT_STRING;
    t.rank = rank;
    t.dims[0] = n;
    t.data = (void *)(uintptr_t)v; /* borrowed, read-only for the kernel */
    return t;
}

static struct md_tensor num_tensor(enum md_dtype dt, int rank, int64_t n, const void *v)
{
    struct md_tensor t = MD_TENSOR_INIT;
    t.dtype = dt;
    t.rank = rank;
    t.dims[0] = n;
    t.data = (void *)(uintptr_t)v;
    return t;
}

static void run(const struct md_op_def *op, struct node *n, int n_in,
                const struct md_tensor *const *in)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_arena *persist = md_arena_new(0, 0, &st);
    struct md_arena *arena = md_arena_new(0, 64u << 20, &st);
    if (!persist || !arena)
        abort();
    struct md_kernel_init ki = { .node = &n->def, .op = op, .n_inputs = n_in, .persist = persist,
                                 .n_outputs = 1 };
    if (!op->init(&ki, &st))
        abort(); /* the configurations below are valid */
    struct md_tensor out[32];
    for (int i = 0; i < 32; i++)
        out[i] = (struct md_tensor)MD_TENSOR_INIT;
    if (ki.n_outputs > 32)
        abort();
    struct md_kernel_ctx k = { .node = &n->def, .state = ki.state, .n_inputs = n_in, .inputs = in,
                               .n_outputs = ki.n_outputs, .outputs = out, .arena = arena };
    if (op->compute(&k, &st)) {
        /* Touch every output so the sanitizers see any bad pointer. */
        volatile size_t sink = 0;
        for (int i = 0; i < ki.n_outputs; i++) {
            int64_t ne = md_tensor_num_elements(&out[i]);
            if (out[i].dtype == MD_DT_STRING)
                for (int64_t j = 0; j < ne; j++) {
                    const struct md_str *s = &((const struct md_str *)out[i].data)[j];
                    for (size_t b = 0; b < s->len; b++)
                        sink += (unsigned char)s->data[b];
                }
            else
                for (size_t b = 0; b < md_tensor_nbytes(&out[i]); b++)
                    sink += ((const unsigned char *)out[i].data)[b];
        }
        (void)sink;
    } else if (st.code == MD_OK || !st.msg[0]) {
        abort(); /* a failure must carry a message */
    }
    for (int i = 0; i < 32; i++)
        md_tensor_cleanup(&out[i]);
    md_arena_free(arena);
    md_arena_free(persist);
}

static void run_v2(const uint8_t *data, size_t size)
{
    struct node n;
    memset(&n, 0, sizeof n);
    tensorflow__node_def__init(&n.def);
    n.def.name = (char *)(uintptr_t)"fuzz_v2";
    n.def.op = (char *)(uintptr_t)"ParseExampleV2";
    Tensorflow__DataType sparse_t[3] = { TENSORFLOW__DATA_TYPE__DT_INT64,
                                         TENSORFLOW__DATA_TYPE__DT_FLOAT,
                                         TENSORFLOW__DATA_TYPE__DT_STRING };
    Tensorflow__DataType dense_t[4] = { TENSORFLOW__DATA_TYPE__DT_FLOAT,
                                        TENSORFLOW__DATA_TYPE__DT_INT64,
                                        TENSORFLOW__DATA_TYPE__DT_STRING,
                                        TENSORFLOW__DATA_TYPE__DT_FLOAT };
    Tensorflow__DataType ragged_t[2] = { TENSORFLOW__DATA_TYPE__DT_INT64,
                                         TENSORFLOW__DATA_TYPE__DT_STRING };
    Tensorflow__DataType split_t[2] = { TENSORFLOW__DATA_TYPE__DT_INT64,
                                        TENSORFLOW__DATA_TYPE__DT_INT32 };
    Tensorflow__TensorShapeProto__Dim *d_2[1] = { &dim2 }, *d_v[1] = { &dimv },
                                      *d_v2[2] = { &dimv, &dim2 };
    Tensorflow__TensorShapeProto shapes[4] = { make_shape(1, d_2), make_shape(1, d_v),
                                               make_shape(0, NULL), make_shape(2, d_v2) };
    Tensorflow__TensorShapeProto *sp[4] = { &shapes[0], &shapes[1], &shapes[2], &shapes[3] };
    attr_int(&n, "num_sparse", 3);
    attr_types(&n, "sparse_types", 3, sparse_t);
    attr_types(&n, "Tdense", 4, dense_t);
    attr_shapes(&n, "dense_shapes", 4, sp);
    attr_types(&n, "ragged_value_types", 2, ragged_t);
    attr_types(&n, "ragged_split_types", 2, split_t);

    struct md_str ser = { (const char *)data, size };
    struct md_str sk[3] = { { "a", 1 }, { "b", 1 }, { "c", 1 } };
    struct md_str dk[4] = { { "d", 1 }, { "e", 1 }, { "f", 1 }, { "g", 1 } };
    struct md_str rk[2] = { { "h", 1 }, { "i", 1 } };
    struct md_str def_f = { "z", 1 };
    static const float def_d[2] = { 1, 2 }, def_g = 0;
    static const int64_t def_e = 0;
    struct md_tensor t_ser = str_tensor(0, 1, &ser), t_names = str_tensor(1, 0, NULL);
    struct md_tensor t_sk = str_tensor(1, 3, sk), t_dk = str_tensor(1, 4, dk),
                     t_rk = str_tensor(1, 2, rk);
    struct md_tensor t_dd = num_tensor(MD_DT_FLOAT, 1, 2, def_d),
                     t_de = num_tensor(MD_DT_INT64, 0, 1, &def_e),
                     t_df = str_tensor(0, 1, &def_f),
                     t_dg = num_tensor(MD_DT_FLOAT, 0, 1, &def_g);
    const struct md_tensor *in[9] = { &t_ser, &t_names, &t_sk, &t_dk, &t_rk,
                                      &t_dd, &t_de, &t_df, &t_dg };
    run(&md_op_parse_example_v2, &n, 9, in);
}

static void run_v1(const uint8_t *data, size_t size)
{
    struct node n;
    memset(&n, 0, sizeof n);
    tensorflow__node_def__init(&n.def);
    n.def.name = (char *)(uintptr_t)"fuzz_v1";
    n.def.op = (char *)(uintptr_t)"ParseExample";
    Tensorflow__DataType sparse_t[1] = { TENSORFLOW__DATA_TYPE__DT_STRING };
    Tensorflow__DataType dense_t[2] = { TENSORFLOW__DATA_TYPE__DT_INT64,
                                        TENSORFLOW__DATA_TYPE__DT_FLOAT };
    Tensorflow__TensorShapeProto__Dim *d_1[1] = { &dim1 }, *d_v[1] = { &dimv };
    Tensorflow__TensorShapeProto shapes[2] = { make_shape(1, d_1), make_shape(1, d_v) };
    Tensorflow__TensorShapeProto *sp[2] = { &shapes[0], &shapes[1] };
    attr_int(&n, "Nsparse", 1);
    attr_int(&n, "Ndense", 2);
    attr_types(&n, "sparse_types", 1, sparse_t);
    attr_types(&n, "Tdense", 2, dense_t);
    attr_shapes(&n, "dense_shapes", 2, sp);

    struct md_str ser[2] = { { (const char *)data, size },
                             { (const char *)data + (size > 0), size - (size > 0) } };
    struct md_str names[2] = { { "one", 3 }, { "two", 3 } };
    struct md_str kc = { "c", 1 }, ka = { "a", 1 }, kb = { "b", 1 };
    static const float def_b = -1;
    struct md_tensor t_ser = str_tensor(1, 2, ser), t_names = str_tensor(1, 2, names);
    struct md_tensor t_kc = str_tensor(0, 1, &kc), t_ka = str_tensor(0, 1, &ka),
                     t_kb = str_tensor(0, 1, &kb);
    struct md_tensor t_da = num_tensor(MD_DT_INT64, 1, 0, NULL),
                     t_db = num_tensor(MD_DT_FLOAT, 0, 1, &def_b);
    const struct md_tensor *in[7] = { &t_ser, &t_names, &t_kc, &t_ka, &t_kb, &t_da, &t_db };
    run(&md_op_parse_example, &n, 7, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    run_v2(data, size);
    run_v1(data, size);
    return 0;
}
