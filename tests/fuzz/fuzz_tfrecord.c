/* fuzz_tfrecord.c: TFRecord framing. The input is a record file read from
 * memory until the end or the first error. Seeds (tests/fuzz/corpus/tfrecord/)
 * are files written with md_tfrecord_write: empty, one record, several
 * records of assorted sizes, and a truncated one. */
#include <stddef.h>
#include <stdint.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tfrecord_reader *r = md_tfrecord_open_mem(data, size, "fuzz.tfrecord", &st);
    if (!r)
        return 0;
    const uint8_t *rec;
    size_t len, total = 0;
    while (md_tfrecord_next(r, &rec, &len, &st)) {
        total += len + 16;
        if (total > size)
            __builtin_trap(); /* records cannot claim more than the input */
        volatile uint32_t c = md_crc32c(rec, len);
        (void)c;
    }
    if (st.code != MD_OK && !st.msg[0])
        __builtin_trap();
    md_tfrecord_close(r);
    return 0;
}
