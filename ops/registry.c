/* registry.c: every kernel, by TensorFlow op name. The op lists are split by
 * family (ops/op_list_*.h) so that adding an op touches one list; the table
 * is sorted once and looked up by binary search. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernel.h"

#define MD_OP(sym, name) extern const struct md_op_def md_op_##sym;
#include "ops/op_list.h"
#undef MD_OP

static const struct md_op_def *ops_table[] = {
#define MD_OP(sym, name) &md_op_##sym,
#include "ops/op_list.h"
#undef MD_OP
};
#define N_OPS (sizeof ops_table / sizeof ops_table[0])

static const struct md_op_def *sorted[N_OPS];
static pthread_once_t sort_once = PTHREAD_ONCE_INIT;

static int cmp_op(const void *a, const void *b)
{
    const struct md_op_def *x = *(const struct md_op_def *const *)a;
    const struct md_op_def *y = *(const struct md_op_def *const *)b;
    return strcmp(x->tf_name, y->tf_name);
}

static void sort_table(void)
{
    memcpy(sorted, ops_table, sizeof sorted);
    qsort(sorted, N_OPS, sizeof sorted[0], cmp_op);
}

const struct md_op_def *md_op_lookup(const char *tf_name)
{
    pthread_once(&sort_once, sort_table);
    size_t lo = 0, hi = N_OPS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(tf_name, sorted[mid]->tf_name);
        if (c == 0)
            return sorted[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct md_op_def *const *md_op_all(size_t *count)
{
    pthread_once(&sort_once, sort_table);
    *count = N_OPS;
    return sorted;
}
