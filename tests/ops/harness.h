/* harness.h: run one kernel in a unit test, without a graph.
 *
 *   Tensorflow__NodeDef *n = th_node("Softmax");
 *   th_attr_type(n, "T", MD_DT_FLOAT);
 *   struct md_tensor x = th_tensor(MD_DT_FLOAT, 2, (int64_t[]){2, 3}, vals);
 *   struct md_tensor out[TH_MAX_OUT];
 *   int n_out;
 *   assert_true(th_run(n, 1, (const struct md_tensor *[]){&x}, &n_out, out, &st));
 *   ... out[0] is an owned copy ...
 *   th_free_outputs(out, n_out); md_tensor_cleanup(&x); th_node_free(n);
 */
#ifndef MD_TESTS_OPS_HARNESS_H
#define MD_TESTS_OPS_HARNESS_H

#include "ops/kernel.h"

#define TH_MAX_OUT 16

/* A NodeDef named "test_node" with op `op`; everything malloc'd. */
Tensorflow__NodeDef *th_node(const char *op);
void th_node_free(Tensorflow__NodeDef *n);
void th_attr_int(Tensorflow__NodeDef *n, const char *name, int64_t v);
void th_attr_float(Tensorflow__NodeDef *n, const char *name, float v);
void th_attr_bool(Tensorflow__NodeDef *n, const char *name, bool v);
void th_attr_type(Tensorflow__NodeDef *n, const char *name, enum md_dtype v);
void th_attr_str(Tensorflow__NodeDef *n, const char *name, const char *v);
void th_attr_shape(Tensorflow__NodeDef *n, const char *name, int rank, const int64_t *dims);
void th_attr_list_int(Tensorflow__NodeDef *n, const char *name, size_t count, const int64_t *v);
void th_attr_list_type(Tensorflow__NodeDef *n, const char *name, size_t count, const enum md_dtype *v);
/* Takes ownership of p (a malloc'd TensorProto). */
void th_attr_tensor(Tensorflow__NodeDef *n, const char *name, Tensorflow__TensorProto *p);
/* Adds n_inputs dummy input names ("in0", "in1", ...) to the NodeDef. */
void th_inputs(Tensorflow__NodeDef *n, int n_inputs);

/* An owned tensor with a copy of data (num_elements * dtype size bytes;
 * for DT_STRING pass an array of const char * (NUL-terminated)). */
struct md_tensor th_tensor(enum md_dtype dt, int rank, const int64_t *dims, const void *data);
struct md_tensor th_scalar_i32(int32_t v);
struct md_tensor th_scalar_i64(int64_t v);
struct md_tensor th_scalar_f32(float v);

/* Looks the op up, runs init then compute with a fresh arena; copies outputs
 * into owned tensors out[0..*n_out). Returns false with st set on failure
 * (init or compute). */
bool th_run(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in, int *n_out,
            struct md_tensor *out, struct md_status *st);
void th_free_outputs(struct md_tensor *out, int n_out);

/* Max |a-b| / (1 + |b|) over elements (float or double tensors, same shape);
 * +inf when shapes or dtypes differ. */
double th_max_rel_err(const struct md_tensor *a, const struct md_tensor *b);

#endif
