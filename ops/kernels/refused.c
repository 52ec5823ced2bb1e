/* refused.c: ops modeld recognises and refuses to run, for safety. They read
 * or write files, run processes or Python, so a model file using them could
 * reach outside its directory. Being registered with MD_OP_REFUSED, a model
 * that needs one fails to load with "'ReadFile' is refused for safety (node
 * ...)" rather than "not supported", and `modeld-cli check` says the same.
 * The ops have no kernels, so (unlike other ops) they share one file: each
 * entry is just a name and the flag. */
#include "ops/kernel.h"

/* Never reached (model load and kernel init refuse these ops first); here so
 * that no registered op lacks a compute. */
static bool refused_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    return md_kernel_fail(k->node, st, MD_UNIMPLEMENTED, "op is refused for safety");
}

#define REFUSED(sym, name)                                                                  \
    const struct md_op_def md_op_##sym = { .tf_name = name, .compute = refused_compute,     \
                                           .flags = MD_OP_REFUSED };

#define MD_OP(sym, name) REFUSED(sym, name)
#include "ops/op_list_refused.h"
#undef MD_OP
