/* control_fn.h: functional control flow (If / StatelessIf, Case /
 * StatelessCase, While / StatelessWhile). The functions they call come from
 * the model's function library, each instantiated once at load as its own
 * graph and plan (md_fn_get) and run on the request's arena and env
 * (md_exec_call, md_exec_frame_*). */
#ifndef MD_OPS_KERNELS_CONTROL_FN_H
#define MD_OPS_KERNELS_CONTROL_FN_H

#include "ops/kernel.h"

bool md_control_if_init(struct md_kernel_init *ki, struct md_status *st);
bool md_control_if_compute(struct md_kernel_ctx *k, struct md_status *st);
bool md_control_case_init(struct md_kernel_init *ki, struct md_status *st);
bool md_control_case_compute(struct md_kernel_ctx *k, struct md_status *st);
bool md_control_while_init(struct md_kernel_init *ki, struct md_status *st);
bool md_control_while_compute(struct md_kernel_ctx *k, struct md_status *st);

/* TensorFlow's rule for a predicate tensor (If's cond, While's cond
 * result): a scalar is true when non-zero (numbers, bool) or non-empty
 * (strings); any other shape is true when it has elements. */
MD_MUST_CHECK bool md_control_to_bool(const Tensorflow__NodeDef *node, const struct md_tensor *t,
                                      bool *out, struct md_status *st);

#endif
