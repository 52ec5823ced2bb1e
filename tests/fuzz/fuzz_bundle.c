/* fuzz_bundle.c: variables.index (SSTable + BundleHeaderProto +
 * BundleEntryProto) and the tensor bytes it points at.
 *
 * Input layout: a little-endian uint32 n, then n bytes of index, then the
 * data shard. Every shard the header asks for (up to 4) gets the same data
 * bytes. Inputs too short for that are fed whole as the index with an empty
 * shard. The bundle is opened from memory (md_bundle_open_mem) and every
 * entry is read, so block parsing, snappy, protos, extents, string decoding
 * and crc checks are all reached.
 *
 * Seeds (tests/fuzz/corpus/bundle/): the fixtures' variables.index + shard 0
 * in this layout, and bundles from md_bundle_writer (every dtype, strings,
 * many small blocks, a snappy-compressed index). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *index = data, *shard = data + size;
    size_t index_len = size, shard_len = 0;
    if (size >= 4) {
        uint32_t n = md_le32(data);
        if (n <= size - 4) {
            index = data + 4;
            index_len = n;
            shard = data + 4 + n;
            shard_len = size - 4 - n;
        }
    }
    const void *shards[4] = { shard, shard, shard, shard };
    size_t sizes[4] = { shard_len, shard_len, shard_len, shard_len };
    struct md_status st = MD_STATUS_INIT;
    struct md_bundle *b = md_bundle_open_mem(index, index_len, shards, sizes, 4, "fuzz.index", &st);
    if (!b)
        return 0;
    for (size_t i = 0; i < md_bundle_count(b); i++) {
        const struct md_bundle_entry *e = md_bundle_entry_at(b, i);
        if (md_bundle_find(b, e->key) != e)
            __builtin_trap(); /* sorted, unique keys are an invariant of open */
        struct md_tensor t = MD_TENSOR_INIT;
        struct md_status rs = MD_STATUS_INIT;
        if (md_bundle_read(b, e->key, &t, &rs)) {
            /* Touch every element so ASan sees any bad pointer. */
            if (t.dtype == MD_DT_STRING) {
                const struct md_str *s = t.data;
                volatile uint8_t sink = 0;
                for (int64_t k = 0; k < md_tensor_num_elements(&t); k++)
                    for (size_t j = 0; j < s[k].len; j++)
                        sink ^= (uint8_t)s[k].data[j];
                (void)sink;
            } else {
                volatile uint32_t c = md_crc32c(t.data, md_tensor_nbytes(&t));
                (void)c;
            }
            md_tensor_cleanup(&t);
        } else if (rs.code == MD_OK || !rs.msg[0]) {
            __builtin_trap(); /* a failure must say why */
        }
    }
    md_bundle_free(b);
    return 0;
}
