# tests/server/v2.mk: KServe v2. test_v2_json is the codec alone;
# test_v2_e2e starts server/modeld on 127.0.0.1 and speaks REST to it
# (fixtures under ../shared; 77 = skipped); test_v2_grpc.sh runs the gRPC
# half from Python with stubs generated from proto/ at test time.
check_PROGRAMS += tests/server/v2/test_v2_json
tests_server_v2_test_v2_json_SOURCES = tests/server/v2/test_v2_json.c
tests_server_v2_test_v2_json_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_v2_test_v2_json_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/v2/test_v2_json

check_PROGRAMS += tests/server/v2/test_v2_e2e
tests_server_v2_test_v2_e2e_SOURCES = tests/server/v2/test_v2_e2e.c tests/server/daemon.c \
  tests/server/daemon.h
tests_server_v2_test_v2_e2e_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_v2_test_v2_e2e_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm
TESTS += tests/server/v2/test_v2_e2e

TESTS += tests/server/v2/test_v2_grpc.sh
EXTRA_DIST += tests/server/v2/test_v2_grpc.sh tests/server/v2/test_v2_grpc.py
