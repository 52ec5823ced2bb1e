/* fuzz_savedmodel.c: libFuzzer target for loader/savedmodel.c. The input is
 * the content of a saved_model.pb: it goes through md_savedmodel_parse (the
 * wire-format check, then protobuf-c) and, when it parses, through the tag-set
 * choice and the signature table of every MetaGraphDef, as
 * md_savedmodel_open does. Invariants that must hold whatever the input
 * abort on violation: a failure carries a status, a built table is sorted
 * with unique keys and sane shapes, and what parsed packs and parses again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_infos(const struct md_tensor_info *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(t[i - 1].alias, t[i].alias) >= 0)
            abort(); /* sorted, unique */
        if (t[i].rank < 0 || t[i].rank > MD_MAX_RANK || t[i].dtype < 0 || t[i].dtype >= MD_DT_COUNT)
            abort();
        for (int k = 0; k < t[i].rank; k++)
            if (t[i].dims[k] < -1)
                abort();
    }
}

static void check_meta(const Tensorflow__MetaGraphDef *m)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_signature *sigs;
    size_t n;
    if (!md_savedmodel_signatures_build(m, &sigs, &n, &st)) {
        if (st.code != MD_INVALID_ARGUMENT || !st.msg[0])
            abort();
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(sigs[i - 1].key, sigs[i].key) >= 0)
            abort();
        if (!sigs[i].method_name || !sigs[i].proto)
            abort();
        check_infos(sigs[i].inputs, sigs[i].n_inputs);
        check_infos(sigs[i].outputs, sigs[i].n_outputs);
    }
    md_savedmodel_signatures_free(sigs, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__SavedModel *p = md_savedmodel_parse(data, size, "saved_model.pb", &st);
    if (!p) {
        if (st.code != MD_DATA_LOSS || !st.msg[0])
            abort();
        return 0;
    }
    for (size_t i = 0; i < p->n_meta_graphs; i++)
        check_meta(p->meta_graphs[i]);
    md_status_reset(&st);
    const Tensorflow__MetaGraphDef *m = md_savedmodel_find_meta_graph(p, "serve", &st);
    if (!m && (st.code != MD_NOT_FOUND || !st.msg[0]))
        abort();

    /* What parsed must pack and parse again. */
    size_t len = protobuf_c_message_get_packed_size(&p->base);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        protobuf_c_message_pack(&p->base, buf);
        md_status_reset(&st);
        Tensorflow__SavedModel *q = md_savedmodel_parse(buf, len, "repacked", &st);
        if (!q)
            abort();
        if (q->n_meta_graphs != p->n_meta_graphs)
            abort();
        tensorflow__saved_model__free_unpacked(q, NULL);
        free(buf);
    }
    tensorflow__saved_model__free_unpacked(p, NULL);
    return 0;
}
