/* optimizer.c: tf.compat.v1.train optimizers as graph nodes. Node and slot
 * names follow TensorFlow's (GradientDescent/update_<var>/ApplyGradientDescent,
 * <var>/Momentum, <var>/Adam, <var>/Adam_1, beta1_power, beta2_power,
 * global_step), so a checkpoint's keys are the ones TensorFlow would write. */
#include <stdio.h>
#include <stdlib.h>

#include "tools/train/train.h"


int md_train_optimizer_build(struct md_tg *g, const struct md_train_opt_spec *o,
                             const struct md_tg_var *const *vars, const struct md_tg_t *grads,
                             size_t n)
{
    static const char *const names[] = { "GradientDescent", "Momentum", "Adam" };
    const char *scope = names[o->kind];
    char nm[600];
    int64_t none[1] = { 0 };
    /* Slots are added to the variable table below, which may move it: keep
     * copies of the variables' descriptions. */
    struct md_tg_var *vs = calloc(n + 1, sizeof *vs);
    int *updates = calloc(n + 1, sizeof *updates);
    if (!vs || !updates) {
        free(vs);
        free(updates);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        vs[i] = *vars[i];
    md_tg_variable(g, "global_step", MD_DT_INT64, 0, none, MD_TG_ZEROS, 0.0f, false);
    const struct md_tg_var *gs = md_tg_var_at(g, md_tg_var_count(g) - 1);
    int gs_node = gs->node;
    snprintf(nm, sizeof nm, "%s/learning_rate", scope);
    struct md_tg_t lr = md_tg_scalar_f(g, nm, o->learning_rate);
    struct md_tg_t b1p = { -1, 0 }, b2p = { -1, 0 }, b1 = lr, b2 = lr, eps = lr, mom = lr;
    if (o->kind == MD_OPT_ADAM) {
        md_tg_variable(g, "beta1_power", MD_DT_FLOAT, 0, none, MD_TG_CONST, o->beta1, false);
        b1p = md_tg_out(md_tg_var_at(g, md_tg_var_count(g) - 1)->node, 0);
        md_tg_variable(g, "beta2_power", MD_DT_FLOAT, 0, none, MD_TG_CONST, o->beta2, false);
        b2p = md_tg_out(md_tg_var_at(g, md_tg_var_count(g) - 1)->node, 0);
        b1 = md_tg_scalar_f(g, "Adam/beta1", o->beta1);
        b2 = md_tg_scalar_f(g, "Adam/beta2", o->beta2);
        eps = md_tg_scalar_f(g, "Adam/epsilon", o->epsilon);
    } else if (o->kind == MD_OPT_MOMENTUM) {
        mom = md_tg_scalar_f(g, "Momentum/momentum", o->momentum);
    }
    for (size_t i = 0; i < n; i++) {
        const struct md_tg_var *v = &vs[i];
        char vname[512];
        snprintf(vname, sizeof vname, "%s", v->name);
        int rank = v->rank;
        int64_t dims[4];
        for (int d = 0; d < rank; d++)
            dims[d] = v->dims[d];
        struct md_tg_t ref = md_tg_out(v->node, 0);
        int id = -1;
        if (o->kind == MD_OPT_SGD) {
            snprintf(nm, sizeof nm, "GradientDescent/update_%s/ApplyGradientDescent", vname);
            struct md_tg_t in[3] = { ref, lr, grads[i] };
            id = md_tg_node(g, "ApplyGradientDescent", nm, in, 3);
        } else if (o->kind == MD_OPT_MOMENTUM) {
            snprintf(nm, sizeof nm, "%s/Momentum", vname);
            md_tg_variable(g, nm, MD_DT_FLOAT, rank, dims, MD_TG_ZEROS, 0.0f, false);
            struct md_tg_t acc = md_tg_out(md_tg_var_at(g, md_tg_var_count(g) - 1)->node, 0);
            snprintf(nm, sizeof nm, "Momentum/update_%s/ApplyMomentum", vname);
            struct md_tg_t in[5] = { ref, acc, lr, grads[i], mom };
            id = md_tg_node(g, "ApplyMomentum", nm, in, 5);
            md_tg_attr_bool(g, id, "use_nesterov", false);
        } else {
            snprintf(nm, sizeof nm, "%s/Adam", vname);
            md_tg_variable(g, nm, MD_DT_FLOAT, rank, dims, MD_TG_ZEROS, 0.0f, false);
            struct md_tg_t m = md_tg_out(md_tg_var_at(g, md_tg_var_count(g) - 1)->node, 0);
            snprintf(nm, sizeof nm, "%s/Adam_1", vname);
            md_tg_variable(g, nm, MD_DT_FLOAT, rank, dims, MD_TG_ZEROS, 0.0f, false);
            struct md_tg_t vv = md_tg_out(md_tg_var_at(g, md_tg_var_count(g) - 1)->node, 0);
            snprintf(nm, sizeof nm, "Adam/update_%s/ApplyAdam", vname);
            struct md_tg_t in[10] = { ref, m, vv, b1p, b2p, lr, b1, b2, eps, grads[i] };
            id = md_tg_node(g, "ApplyAdam", nm, in, 10);
            md_tg_attr_bool(g, id, "use_nesterov", false);
        }
        md_tg_attr_type(g, id, "T", MD_DT_FLOAT);
        md_tg_attr_bool(g, id, "use_locking", false);
        updates[i] = id;
    }
    int finish = md_tg_node(g, "NoOp", "update", NULL, 0);
    for (size_t i = 0; i < n; i++)
        md_tg_ctrl(g, finish, updates[i]);
    if (o->kind == MD_OPT_ADAM) {
        /* beta_power *= beta, after every update has read the old power. */
        struct md_tg_t pw[2] = { b1p, b2p }, bb[2] = { b1, b2 };
        const char *pn[2] = { "Adam/mul", "Adam/mul_1" };
        const char *an[2] = { "Adam/Assign", "Adam/Assign_1" };
        for (int k = 0; k < 2; k++) {
            snprintf(nm, sizeof nm, "%s/read_after_update", pn[k]);
            int rd = md_tg_node(g, "Identity", nm, &pw[k], 1);
            md_tg_attr_type(g, rd, "T", MD_DT_FLOAT);
            md_tg_ctrl(g, rd, finish);
            struct md_tg_t prod = md_tg_op2(g, "Mul", pn[k], md_tg_out(rd, 0), bb[k]);
            struct md_tg_t ain[2] = { pw[k], prod };
            int as = md_tg_node(g, "Assign", an[k], ain, 2);
            md_tg_attr_type(g, as, "T", MD_DT_FLOAT);
            md_tg_attr_bool(g, as, "use_locking", false);
            md_tg_attr_bool(g, as, "validate_shape", true);
            int fin2 = md_tg_node(g, "NoOp", "update_beta_power", NULL, 0);
            md_tg_ctrl(g, fin2, as);
            md_tg_ctrl(g, fin2, finish);
            finish = fin2;
        }
    }
    int64_t one = 1;
    struct md_tensor t1 = { .dtype = MD_DT_INT64, .rank = 0, .data = &one };
    struct md_tg_t c1 = md_tg_const(g, "global_step/increment", &t1);
    struct md_tg_t ain[2] = { md_tg_out(gs_node, 0), c1 };
    int inc = md_tg_node(g, "AssignAdd", "global_step/AssignAdd", ain, 2);
    md_tg_attr_type(g, inc, "T", MD_DT_INT64);
    md_tg_attr_bool(g, inc, "use_locking", false);
    md_tg_ctrl(g, inc, finish);
    int train_op = md_tg_node(g, "NoOp", "train_op", NULL, 0);
    md_tg_ctrl(g, train_op, inc);
    md_tg_ctrl(g, train_op, finish);
    free(updates);
    free(vs);
    return train_op;
}
