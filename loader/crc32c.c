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

/* Bytes per lane of the 3-way hardware loop. */
#define LANE 4096

/* Written once under pthread_once, read-only afterwards. table[k][i]: the
 * crc register after byte i followed by k zero bytes. shift[k][b]: the
 * register after LANE zero bytes, starting from b << 8k (the operator is
 * linear, so four lookups apply it to any register). */
static uint32_t table[8][256];
static uint32_t shift[4][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (POLY & (0u - (c & 1)));
        table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
    /* Image of each register bit after LANE zero bytes, then every byte
     * value as the xor of its bits' images. */
    uint32_t col[32];
    for (int j = 0; j < 32; j++) {
        uint32_t r = 1u << j;
        for (int z = 0; z < LANE; z++)
            r = (r >> 8) ^ table[0][r & 0xff];
        col[j] = r;
    }
    for (int k = 0; k < 4; k++)
        for (int b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (int j = 0; j < 8; j++)
                if (b & (1 << j))
                    v ^= col[8 * k + j];
            shift[k][b] = v;
        }
}

/* The register after LANE more zero bytes. */
static uint32_t shift_lane(uint32_t r)
{
    return shift[0][r & 0xff] ^ shift[1][(r >> 8) & 0xff] ^ shift[2][(r >> 16) & 0xff] ^
           shift[3][r >> 24];
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

/* Only this function is compiled for SSE4.2; callers check the CPU first.
 * A crc32 instruction must wait for the previous one (3-cycle latency, one
 * per cycle throughput), so long inputs run three independent lanes and
 * join them: the register is linear, so crc(A ++ B) from register r equals
 * shift(r over |B| zero bytes) xor crc(B) from register 0. */
__attribute__((target("sse4.2"))) uint32_t md_crc32c_extend_hw(uint32_t crc, const void *data,
                                                                size_t n)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;
    while (n && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        n--;
    }
    if (n >= 3 * LANE)
        pthread_once(&table_once, table_init);
    while (n >= 3 * LANE) {
        uint64_t c1 = 0, c2 = 0;
        for (size_t i = 0; i < LANE; i += 8) {
            uint64_t w0, w1, w2;
            memcpy(&w0, p + i, 8);
            memcpy(&w1, p + LANE + i, 8);
            memcpy(&w2, p + 2 * LANE + i, 8);
            c = _mm_crc32_u64(c, w0);
            c1 = _mm_crc32_u64(c1, w1);
            c2 = _mm_crc32_u64(c2, w2);
        }
        c = shift_lane((uint32_t)c) ^ (uint32_t)c1;
        c = shift_lane((uint32_t)c) ^ (uint32_t)c2;
        p += 3 * LANE;
        n -= 3 * LANE;
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
