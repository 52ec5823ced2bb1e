/* make_half_plus_two: writes the example model the README serves,
 * examples/half_plus_two/1, with modeld's own SavedModel writer.
 *
 *   y = a * x + b        a = 0.5, b = 2 (VariableV2, restored from variables/)
 *
 * Signatures (TF Serving's half_plus_two, reduced):
 *   serving_default   predict   x: float [-1,1]          -> y: float [-1,1]
 *   classify_x_to_y   classify  inputs: tf.Example [-1]  -> scores: float [-1,1]
 *   regress_x_to_y    regress   inputs: tf.Example [-1]  -> outputs: float [-1,1]
 * The Example path parses feature "x" (float [1]) with ParseExample.
 *
 * usage: make_half_plus_two <version dir>   (the directory must not exist) */
#include <stdio.h>
#include <string.h>

#include "loader/loader.h"

static const char model_text[] =
    "saved_model_schema_version: 1\n"
    "meta_graphs {\n"
    "  meta_info_def { tags: \"serve\" meta_graph_version: \"modeld-example\" }\n"
    "  graph_def {\n"
    "    node { name: \"x\" op: \"Placeholder\"\n"
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
    "      attr { key: \"shape\" value { shape { dim { size: -1 } dim { size: 1 } } } } }\n"
    "    node { name: \"a\" op: \"VariableV2\"\n"
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
    "      attr { key: \"shape\" value { shape { } } } }\n"
    "    node { name: \"b\" op: \"VariableV2\"\n"
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
    "      attr { key: \"shape\" value { shape { } } } }\n"
    "    node { name: \"mul\" op: \"Mul\" input: \"a\" input: \"x\"\n"
    "      attr { key: \"T\" value { type: DT_FLOAT } } }\n"
    "    node { name: \"y\" op: \"Add\" input: \"mul\" input: \"b\"\n"
    "      attr { key: \"T\" value { type: DT_FLOAT } } }\n"
    "    node { name: \"tf_example\" op: \"Placeholder\"\n"
    "      attr { key: \"dtype\" value { type: DT_STRING } }\n"
    "      attr { key: \"shape\" value { shape { dim { size: -1 } } } } }\n"
    "    node { name: \"names\" op: \"Const\"\n"
    "      attr { key: \"dtype\" value { type: DT_STRING } }\n"
    "      attr { key: \"value\" value { tensor { dtype: DT_STRING\n"
    "        tensor_shape { dim { size: 0 } } } } } }\n"
    "    node { name: \"key_x\" op: \"Const\"\n"
    "      attr { key: \"dtype\" value { type: DT_STRING } }\n"
    "      attr { key: \"value\" value { tensor { dtype: DT_STRING\n"
    "        tensor_shape { } string_val: \"x\" } } } }\n"
    "    node { name: \"default_x\" op: \"Const\"\n"
    "      attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
    "      attr { key: \"value\" value { tensor { dtype: DT_FLOAT\n"
    "        tensor_shape { dim { size: 0 } } } } } }\n"
    "    node { name: \"parse\" op: \"ParseExample\"\n"
    "      input: \"tf_example\" input: \"names\" input: \"key_x\" input: \"default_x\"\n"
    "      attr { key: \"Nsparse\" value { i: 0 } }\n"
    "      attr { key: \"Ndense\" value { i: 1 } }\n"
    "      attr { key: \"sparse_types\" value { list { } } }\n"
    "      attr { key: \"Tdense\" value { list { type: DT_FLOAT } } }\n"
    "      attr { key: \"dense_shapes\" value { list { shape { dim { size: 1 } } } } } }\n"
    "    node { name: \"mul_ex\" op: \"Mul\" input: \"a\" input: \"parse\"\n"
    "      attr { key: \"T\" value { type: DT_FLOAT } } }\n"
    "    node { name: \"y_ex\" op: \"Add\" input: \"mul_ex\" input: \"b\"\n"
    "      attr { key: \"T\" value { type: DT_FLOAT } } }\n"
    "  }\n"
    "  signature_def { key: \"serving_default\" value {\n"
    "    inputs { key: \"x\" value { name: \"x:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { dim { size: -1 } dim { size: 1 } } } }\n"
    "    outputs { key: \"y\" value { name: \"y:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { dim { size: -1 } dim { size: 1 } } } }\n"
    "    method_name: \"tensorflow/serving/predict\" } }\n"
    "  signature_def { key: \"classify_x_to_y\" value {\n"
    "    inputs { key: \"inputs\" value { name: \"tf_example:0\" dtype: DT_STRING\n"
    "      tensor_shape { dim { size: -1 } } } }\n"
    "    outputs { key: \"scores\" value { name: \"y_ex:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { dim { size: -1 } dim { size: 1 } } } }\n"
    "    method_name: \"tensorflow/serving/classify\" } }\n"
    "  signature_def { key: \"regress_x_to_y\" value {\n"
    "    inputs { key: \"inputs\" value { name: \"tf_example:0\" dtype: DT_STRING\n"
    "      tensor_shape { dim { size: -1 } } } }\n"
    "    outputs { key: \"outputs\" value { name: \"y_ex:0\" dtype: DT_FLOAT\n"
    "      tensor_shape { dim { size: -1 } dim { size: 1 } } } }\n"
    "    method_name: \"tensorflow/serving/regress\" } }\n"
    "}\n";

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <version dir>\n", argv[0]);
        return 2;
    }
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *msg = md_textformat_parse(&tensorflow__saved_model__descriptor, model_text,
                                                strlen(model_text), &st);
    if (!msg) {
        fprintf(stderr, "make_half_plus_two: %s\n", st.msg);
        return 1;
    }
    struct md_tensor a = MD_TENSOR_INIT, b = MD_TENSOR_INIT;
    bool ok = md_tensor_alloc(&a, MD_DT_FLOAT, 0, NULL, 0, &st) &&
              md_tensor_alloc(&b, MD_DT_FLOAT, 0, NULL, 0, &st);
    if (ok) {
        *(float *)a.data = 0.5f;
        *(float *)b.data = 2.0f;
        struct md_named_tensor vars[] = {{"a", &a}, {"b", &b}};
        ok = md_savedmodel_write(argv[1], (const Tensorflow__SavedModel *)msg, vars, 2, &st);
    }
    md_tensor_cleanup(&a);
    md_tensor_cleanup(&b);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (!ok) {
        fprintf(stderr, "make_half_plus_two: %s\n", st.msg);
        return 1;
    }
    printf("wrote %s\n", argv[1]);
    return 0;
}
