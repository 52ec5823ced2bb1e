/* control_common.h: shared helpers of the control-flow family (Switch, Merge,
 * ControlTrigger, ...). Dead tensors are tracked by the executor (exec.c):
 * kernels mark outputs dead through md_kernel_ctx.dead and see dead inputs
 * through md_kernel_ctx.in_dead (ops flagged MD_OP_DEAD_INPUTS only). */
#ifndef MD_OPS_KERNELS_CONTROL_COMMON_H
#define MD_OPS_KERNELS_CONTROL_COMMON_H

#include "ops/kernel.h"

/* Switch / RefSwitch: output (pred ? 1 : 0) forwards data, the other is dead. */
bool md_control_switch_init(struct md_kernel_init *ki, struct md_status *st);
bool md_control_switch_compute(struct md_kernel_ctx *k, struct md_status *st);
/* Merge / RefMerge: forwards the first live input, output 1 its index. */
bool md_control_merge_init(struct md_kernel_init *ki, struct md_status *st);
bool md_control_merge_compute(struct md_kernel_ctx *k, struct md_status *st);

#endif
