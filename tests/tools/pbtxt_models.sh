# shellcheck shell=sh
# tests/tools/pbtxt_models.sh: saved_model.pbtxt models shared by
# test_check.sh and test_show.sh (sourced by both; defines functions only).

# loop_model DIR OP: writes DIR/saved_model.pbtxt, a TF2 tf.while_loop
# (StatelessWhile + library functions, laid out as TensorFlow writes them)
# with signature serving_default (x -> y). The body (while_body_12) adds 1
# to the counter, runs OP on it (node "foo") and calls inner_5
# (StatefulPartitionedCall), which runs OP again (node "bar").
loop_model() {
    mkdir -p "$1"
    cat > "$1/saved_model.pbtxt" <<PBTXT
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "while" op: "StatelessWhile" input: "x"
      attr { key: "T" value { list { type: DT_FLOAT } } }
      attr { key: "cond" value { func { name: "while_cond_11" } } }
      attr { key: "body" value { func { name: "while_body_12" } } }
      attr { key: "parallel_iterations" value { i: 10 } } }
    node { name: "y" op: "Identity" input: "while" attr { key: "T" value { type: DT_FLOAT } } }
    library {
      function {
        signature { name: "while_cond_11" input_arg { name: "v" type: DT_FLOAT }
                    output_arg { name: "identity" type: DT_BOOL } }
        node_def { name: "Less/y" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
          attr { key: "value"
            value { tensor { dtype: DT_FLOAT tensor_shape { } float_val: 10 } } } }
        node_def { name: "Less" op: "Less" input: "v" input: "Less/y:output:0"
          attr { key: "T" value { type: DT_FLOAT } } }
        ret { key: "identity" value: "Less:z:0" }
      }
      function {
        signature { name: "while_body_12" input_arg { name: "v" type: DT_FLOAT }
                    output_arg { name: "identity" type: DT_FLOAT } }
        node_def { name: "add/y" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
          attr { key: "value"
            value { tensor { dtype: DT_FLOAT tensor_shape { } float_val: 1 } } } }
        node_def { name: "add" op: "AddV2" input: "v" input: "add/y:output:0"
          attr { key: "T" value { type: DT_FLOAT } } }
        node_def { name: "foo" op: "$2" input: "add:z:0"
          attr { key: "T" value { type: DT_FLOAT } } }
        node_def { name: "call" op: "StatefulPartitionedCall" input: "foo:output:0"
          attr { key: "Tin" value { list { type: DT_FLOAT } } }
          attr { key: "Tout" value { list { type: DT_FLOAT } } }
          attr { key: "f" value { func { name: "inner_5" } } } }
        ret { key: "identity" value: "call:output:0" }
      }
      function {
        signature { name: "inner_5" input_arg { name: "a" type: DT_FLOAT }
                    output_arg { name: "identity" type: DT_FLOAT } }
        node_def { name: "bar" op: "$2" input: "a"
          attr { key: "T" value { type: DT_FLOAT } } }
        ret { key: "identity" value: "bar:output:0" }
      }
    }
  }
  signature_def { key: "serving_default" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "y" value { name: "y:0" dtype: DT_FLOAT } } } }
}
PBTXT
}
