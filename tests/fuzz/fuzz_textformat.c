/* fuzz_textformat.c: libFuzzer target for loader/textformat.c. The input is
 * parsed as a ModelServerConfig (--model_config_file) and as a SavedModel
 * (saved_model.pbtxt). Whatever parses is printed, and the printed text must
 * parse again to the same message (same binary encoding) and print the same
 * text: a mismatch is a bug in the parser or the printer, so it aborts.
 * A parse failure must come with a "line L col C: " message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "model_server_config.pb-c.h"
#include "saved_model.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*len ? *len : 1);
    if (!b)
        abort();
    protobuf_c_message_pack(m, b);
    return b;
}

static void check(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t size)
{
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m = md_textformat_parse(d, (const char *)data, size, &st);
    if (!m) {
        if (st.code == MD_OK || strncmp(st.msg, "line ", 5) != 0) {
            fprintf(stderr, "parse failed without a positioned error: %d '%s'\n", st.code, st.msg);
            abort();
        }
        return;
    }
    char *t1 = md_textformat_print(m);
    if (!t1)
        abort();
    struct md_status st2 = MD_STATUS_INIT;
    ProtobufCMessage *m2 = md_textformat_parse(d, t1, strlen(t1), &st2);
    if (!m2) {
        fprintf(stderr, "printed text does not parse: %s\n%s", st2.msg, t1);
        abort();
    }
    size_t l1, l2;
    uint8_t *p1 = pack(m, &l1), *p2 = pack(m2, &l2);
    if (l1 != l2 || memcmp(p1, p2, l1) != 0) {
        fprintf(stderr, "print/parse changed the message:\n%s", t1);
        abort();
    }
    char *t2 = md_textformat_print(m2);
    if (!t2 || strcmp(t1, t2) != 0) {
        fprintf(stderr, "printing is not stable:\n%s\n---\n%s", t1, t2 ? t2 : "(null)");
        abort();
    }
    free(t2);
    free(p1);
    free(p2);
    free(t1);
    protobuf_c_message_free_unpacked(m2, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
}

/* Lenient mode (saved_model.pbtxt): whatever it accepts must print and
 * re-parse strictly, and every refusal must carry a position. */
static void check_lenient(const uint8_t *data, size_t size)
{
    struct md_status st = MD_STATUS_INIT;
    ProtobufCMessage *m =
        md_textformat_parse_lenient(&tensorflow__saved_model__descriptor, (const char *)data, size, &st);
    if (!m) {
        if (st.code == MD_OK || strncmp(st.msg, "line ", 5) != 0) {
            fprintf(stderr, "lenient parse failed without a positioned error: %d '%s'\n", st.code,
                    st.msg);
            abort();
        }
        return;
    }
    char *t = md_textformat_print(m);
    if (!t)
        abort();
    struct md_status st2 = MD_STATUS_INIT;
    ProtobufCMessage *m2 =
        md_textformat_parse(&tensorflow__saved_model__descriptor, t, strlen(t), &st2);
    if (!m2) {
        fprintf(stderr, "printed text of a lenient parse does not parse: %s\n%s", st2.msg, t);
        abort();
    }
    free(t);
    protobuf_c_message_free_unpacked(m2, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(&tensorflow__serving__model_server_config__descriptor, data, size);
    check(&tensorflow__saved_model__descriptor, data, size);
    check_lenient(data, size);
    return 0;
}
