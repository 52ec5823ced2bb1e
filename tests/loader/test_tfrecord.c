/* Tests for loader/tfrecord.c: write/read round trips through a file and
 * through memory, the exact frame layout, and DATA_LOSS on every truncation
 * and every flipped bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/bundle_impl.h"
#include "loader/loader.h"

#define EXPECT_ERR(st, want_code, substr)                                                      \
    do {                                                                                       \
        if ((st).code != (want_code) || !strstr((st).msg, (substr)))                           \
            fail_msg("expected %s containing \"%s\", got %s: %s", md_code_name(want_code),     \
                     (substr), md_code_name((st).code), (st).msg);                              \
    } while (0)

static int tmp_setup(void **state)
{
    const char *t = getenv("TMPDIR");
    char *path = malloc(4096);
    if (!path)
        return -1;
    snprintf(path, 4096, "%s/md_test_tfrecord_XXXXXX", t && *t ? t : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return -1;
    }
    close(fd);
    *state = path;
    return 0;
}

static int tmp_teardown(void **state)
{
    unlink(*state);
    free(*state);
    return 0;
}

static const size_t sizes[] = { 0, 1, 5, 1000, 70000 };
#define NREC (sizeof sizes / sizeof sizes[0])

static uint8_t *payload(size_t n, size_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed * 7);
    return p;
}

static void write_records(const char *path)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    assert_true(fd >= 0);
    struct md_status st = MD_STATUS_INIT;
    for (size_t i = 0; i < NREC; i++) {
        uint8_t *p = payload(sizes[i], i);
        assert_true(md_tfrecord_write(fd, p, sizes[i], &st));
        free(p);
    }
    close(fd);
}

static void check_records(struct md_tfrecord_reader *r)
{
    struct md_status st = MD_STATUS_INIT;
    const uint8_t *d;
    size_t n;
    for (size_t i = 0; i < NREC; i++) {
        if (!md_tfrecord_next(r, &d, &n, &st))
            fail_msg("record %zu: %s", i, st.msg);
        assert_int_equal(n, sizes[i]);
        uint8_t *p = payload(sizes[i], i);
        assert_memory_equal(d, p, n ? n : 0);
        free(p);
    }
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    assert_int_equal(st.code, MD_OK); /* clean end */
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    assert_int_equal(st.code, MD_OK);
}

static void test_roundtrip_file(void **state)
{
    const char *path = *state;
    write_records(path);
    struct md_status st = MD_STATUS_INIT;
    struct md_tfrecord_reader *r = md_tfrecord_open(path, &st);
    assert_non_null(r);
    check_records(r);
    md_tfrecord_close(r);
}

static void test_roundtrip_memory(void **state)
{
    const char *path = *state;
    write_records(path);
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 17];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct md_status st = MD_STATUS_INIT;
    struct md_tfrecord_reader *r = md_tfrecord_open_mem(buf, len, "events", &st);
    assert_non_null(r);
    check_records(r);
    md_tfrecord_close(r);
    /* An empty input is a file with no records. */
    r = md_tfrecord_open_mem(buf, 0, "empty", &st);
    const uint8_t *d;
    size_t n;
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    assert_int_equal(st.code, MD_OK);
    md_tfrecord_close(r);
}

static void test_frame_layout(void **state)
{
    const char *path = *state;
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    struct md_status st = MD_STATUS_INIT;
    assert_true(md_tfrecord_write(fd, "hello", 5, &st));
    close(fd);
    FILE *f = fopen(path, "rb");
    uint8_t b[64];
    size_t len = fread(b, 1, sizeof b, f);
    fclose(f);
    assert_int_equal(len, 8 + 4 + 5 + 4);
    assert_int_equal(md_le64(b), 5);
    assert_int_equal(md_le32(b + 8), md_crc32c_mask(md_crc32c(b, 8)));
    assert_memory_equal(b + 12, "hello", 5);
    assert_int_equal(md_le32(b + 17), md_crc32c_mask(md_crc32c("hello", 5)));
}

static void test_truncation_everywhere(void **state)
{
    const char *path = *state;
    write_records(path);
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 17];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* Record boundaries: a cut there is a shorter, valid file. */
    size_t bounds[NREC + 1], nb = 0, off = 0;
    bounds[nb++] = 0;
    for (size_t i = 0; i < NREC; i++) {
        off += 16 + sizes[i];
        bounds[nb++] = off;
    }
    assert_int_equal(off, len);
    for (size_t cut = 0; cut < len; cut += cut < 2000 ? 1 : 997) {
        struct md_status st = MD_STATUS_INIT;
        struct md_tfrecord_reader *r = md_tfrecord_open_mem(buf, cut, "train.tfrecord", &st);
        const uint8_t *d;
        size_t n, got = 0;
        while (md_tfrecord_next(r, &d, &n, &st))
            got++;
        bool at_bound = false;
        for (size_t i = 0; i < nb; i++)
            at_bound |= bounds[i] == cut;
        if (at_bound) {
            assert_int_equal(st.code, MD_OK);
        } else {
            EXPECT_ERR(st, MD_DATA_LOSS, "train.tfrecord: truncated record");
            /* Reading on after an error keeps failing, without crashing. */
            struct md_status st2 = MD_STATUS_INIT;
            assert_false(md_tfrecord_next(r, &d, &n, &st2));
            assert_int_equal(st2.code, MD_FAILED_PRECONDITION);
        }
        md_tfrecord_close(r);
    }
    /* The same through a real file (short reads at EOF). */
    FILE *g = fopen(path, "wb");
    fwrite(buf, 1, bounds[2] + 7, g);
    fclose(g);
    struct md_status st = MD_STATUS_INIT;
    struct md_tfrecord_reader *r = md_tfrecord_open(path, &st);
    const uint8_t *d;
    size_t n;
    assert_true(md_tfrecord_next(r, &d, &n, &st));
    assert_true(md_tfrecord_next(r, &d, &n, &st));
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "truncated record header at offset 33 (7 of 12 bytes)");
    md_tfrecord_close(r);
}

static void test_every_bit_flip(void **state)
{
    (void)state;
    /* Two small records; flipping any bit must be detected. */
    uint8_t buf[64];
    size_t len = 0;
    const char *recs[] = { "abc", "defgh" };
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(recs[i]);
        md_put_le64(buf + len, n);
        md_put_le32(buf + len + 8, md_crc32c_mask(md_crc32c(buf + len, 8)));
        memcpy(buf + len + 12, recs[i], n);
        md_put_le32(buf + len + 12 + n, md_crc32c_mask(md_crc32c(recs[i], n)));
        len += 16 + n;
    }
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1 << bit);
            struct md_status st = MD_STATUS_INIT;
            struct md_tfrecord_reader *r = md_tfrecord_open_mem(buf, len, "x", &st);
            const uint8_t *d;
            size_t n, got = 0;
            while (md_tfrecord_next(r, &d, &n, &st))
                got++;
            assert_true(got < 2);
            assert_int_not_equal(st.code, MD_OK);
            assert_non_null(strstr(st.msg, "x: "));
            md_tfrecord_close(r);
            buf[i] ^= (uint8_t)(1 << bit);
        }
}

static void test_bad_inputs(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    assert_null(md_tfrecord_open("no/such/dir/file.tfrecord", &st));
    EXPECT_ERR(st, MD_NOT_FOUND, "file.tfrecord: cannot open");

    /* A crafted header with a valid crc and an absurd length. */
    uint8_t h[16];
    md_put_le64(h, (uint64_t)1 << 40);
    md_put_le32(h + 8, md_crc32c_mask(md_crc32c(h, 8)));
    st = (struct md_status)MD_STATUS_INIT;
    struct md_tfrecord_reader *r = md_tfrecord_open_mem(h, 12, "big", &st);
    const uint8_t *d;
    size_t n;
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    EXPECT_ERR(st, MD_RESOURCE_EXHAUSTED, "more than the limit");
    md_tfrecord_close(r);

    /* A length the input cannot hold is refused before allocating. */
    md_put_le64(h, 1000);
    md_put_le32(h + 8, md_crc32c_mask(md_crc32c(h, 8)));
    st = (struct md_status)MD_STATUS_INIT;
    r = md_tfrecord_open_mem(h, 16, "short", &st);
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "short: truncated record at offset 0: 1000 data bytes announced");
    md_tfrecord_close(r);

    /* gzip-compressed files get a hint. */
    const uint8_t gz[16] = { 0x1f, 0x8b, 0x08, 0x00 };
    st = (struct md_status)MD_STATUS_INIT;
    r = md_tfrecord_open_mem(gz, sizeof gz, "events.gz", &st);
    assert_false(md_tfrecord_next(r, &d, &n, &st));
    EXPECT_ERR(st, MD_DATA_LOSS, "looks gzip-compressed");
    md_tfrecord_close(r);

    st = (struct md_status)MD_STATUS_INIT;
    assert_false(md_tfrecord_write(-1, "x", 1, &st));
    EXPECT_ERR(st, MD_INTERNAL, "TFRecord write failed");
    md_tfrecord_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_file, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_memory, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_frame_layout, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_everywhere, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
