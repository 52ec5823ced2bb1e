/* Tests for loader/crc32c.c: known CRC-32C vectors (RFC 3720 B.4, the
 * "123456789" check value), masking, and hardware == table on random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static void check_vectors(crc_fn f)
{
    uint8_t buf[48];
    assert_int_equal(f(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(f(0, "", 0), 0);
    memset(buf, 0, 32);
    assert_int_equal(f(0, buf, 32), 0x8a9136aau);
    memset(buf, 0xff, 32);
    assert_int_equal(f(0, buf, 32), 0x62a8ab43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(f(0, buf, 32), 0x46dd794eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(f(0, buf, 32), 0x113fdb5cu);
    /* An iSCSI read command PDU (RFC 3720 B.4). */
    static const uint8_t pdu[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    assert_int_equal(f(0, pdu, sizeof pdu), 0xd9963a56u);
}

static void test_vectors_dispatch(void **state)
{
    (void)state;
    check_vectors(md_crc32c_extend);
    assert_int_equal(md_crc32c("123456789", 9), 0xe3069283u);
}

static void test_vectors_table(void **state)
{
    (void)state;
    check_vectors(md_crc32c_extend_sw);
}

static void test_vectors_hw(void **state)
{
    (void)state;
    if (!md_crc32c_hw_available()) {
        print_message("no SSE4.2 on this CPU: hardware path not tested\n");
        skip();
    }
    check_vectors(md_crc32c_extend_hw);
}

static void test_extend_composes(void **state)
{
    (void)state;
    const char *s = "hello world, this is a longer string for crc32c";
    size_t n = strlen(s);
    uint32_t whole = md_crc32c(s, n);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(md_crc32c_extend(md_crc32c(s, cut), s + cut, n - cut), whole);
    /* LevelDB's "hello " + "world" check. */
    assert_int_equal(md_crc32c("hello world", 11),
                     md_crc32c_extend(md_crc32c("hello ", 6), "world", 5));
    assert_int_not_equal(md_crc32c("a", 1), md_crc32c("foo", 3));
}

static void test_mask(void **state)
{
    (void)state;
    uint32_t crc = md_crc32c("foo", 3);
    assert_int_not_equal(crc, md_crc32c_mask(crc));
    assert_int_not_equal(crc, md_crc32c_mask(md_crc32c_mask(crc)));
    assert_int_equal(crc, md_crc32c_unmask(md_crc32c_mask(crc)));
    assert_int_equal(crc, md_crc32c_unmask(md_crc32c_unmask(md_crc32c_mask(md_crc32c_mask(crc)))));
    /* ((crc >> 15) | (crc << 17)) + 0xa282ead8, by hand for 0 and 1. */
    assert_int_equal(md_crc32c_mask(0), 0xa282ead8u);
    assert_int_equal(md_crc32c_mask(1), (1u << 17) + 0xa282ead8u);
}

static void test_hw_matches_table_random(void **state)
{
    (void)state;
    if (!md_crc32c_hw_available())
        skip();
    enum { N = 100000 }; /* past the 3 x 4096-byte lanes of the hardware loop */
    uint8_t *buf = malloc(N + 16);
    assert_non_null(buf);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < N + 16; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    /* Every length up to 300 at every alignment, then bigger ones. */
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= 300; len++) {
            uint32_t seed = (uint32_t)(len * 2654435761u);
            assert_int_equal(md_crc32c_extend_hw(seed, buf + off, len),
                             md_crc32c_extend_sw(seed, buf + off, len));
        }
    for (size_t len = 301; len <= N; len = len * 5 / 4 + 7)
        for (size_t off = 0; off < 16; off += 5)
            assert_int_equal(md_crc32c_extend_hw(0x12345678u, buf + off, len),
                             md_crc32c_extend_sw(0x12345678u, buf + off, len));
    /* Exactly at and around the lane boundaries. */
    for (size_t len = 3 * 4096 - 9; len <= 3 * 4096 + 9; len++)
        assert_int_equal(md_crc32c_extend_hw(0, buf + 1, len),
                         md_crc32c_extend_sw(0, buf + 1, len));
    assert_int_equal(md_crc32c_extend_hw(0, buf, 6 * 4096), md_crc32c_extend_sw(0, buf, 6 * 4096));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_dispatch),
        cmocka_unit_test(test_vectors_table),
        cmocka_unit_test(test_vectors_hw),
        cmocka_unit_test(test_extend_composes),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_hw_matches_table_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
