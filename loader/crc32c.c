/* crc32c.c: CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the
 * checksum of TensorBundle entries, SSTable blocks and TFRecord frames.
 *
 * Two implementations: the SSE4.2 crc32 instruction when the CPU has it
 * (checked at run time, so one binary runs everywhere), else slicing-by-8
 * over tables built once on first use. Both follow the LevelDB convention
 * that extend(crc, ...) continues from a finished crc value, so
 * extend(extend(0, a), b) == crc(a ++ b).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

#define POLY 0x82f63b78u

/* Written once under pthread_once, read-only afterwards. */
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (POLY & (0u - (c & 1)));
        table[0][i] = c;
    }
    /* table[k][i]: the crc of byte i followed by k zero bytes. */
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
}

uint32_t md_crc32c_extend_sw(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&table_once, table_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (n && ((uintptr_t)p & 7)) {
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
        n--;
    }
    while (n >= 8) {
        uint32_t lo = md_le32(p) ^ c, hi = md_le32(p + 4);
        c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
            table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
            table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

bool md_crc32c_hw_available(void)
{
    return __builtin_cpu_supports("sse4.2");
}

/* Only this function is compiled for SSE4.2; callers check the CPU first. */
__attribute__((target("sse4.2"))) uint32_t md_crc32c_extend_hw(uint32_t crc, const void *data,
                                                                size_t n)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;
    while (n && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        n--;
    }
    /* Four words per round keeps the loop overhead off the critical path;
     * each crc32 still depends on the previous one. */
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, sizeof w);
        c = _mm_crc32_u64(c, w[0]);
        c = _mm_crc32_u64(c, w[1]);
        c = _mm_crc32_u64(c, w[2]);
        c = _mm_crc32_u64(c, w[3]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        c = _mm_crc32_u64(c, w);
        p += 8;
        n -= 8;
    }
    while (n--)
        c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#else
bool md_crc32c_hw_available(void)
{
    return false;
}

uint32_t md_crc32c_extend_hw(uint32_t crc, const void *data, size_t n)
{
    return md_crc32c_extend_sw(crc, data, n);
}
#endif

uint32_t md_crc32c_extend(uint32_t crc, const void *data, size_t n)
{
    if (n == 0)
        return crc;
    return md_crc32c_hw_available() ? md_crc32c_extend_hw(crc, data, n)
                                    : md_crc32c_extend_sw(crc, data, n);
}
