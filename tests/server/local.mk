# tests/server/: the daemon. Unit tests (JSON codec, routes, config, the
# manager) link libmdserver.a; test_e2e starts the real server/modeld on
# 127.0.0.1 and speaks HTTP to it (fixtures under ../shared; 77 = skipped).
SERVER_TEST_CFLAGS = $(TEST_CFLAGS) -DMD_TEST_BUILDDIR='"$(abs_top_builddir)"'

check_PROGRAMS += tests/server/test_json
tests_server_test_json_SOURCES = tests/server/test_json.c
tests_server_test_json_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_json_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_json

check_PROGRAMS += tests/server/test_routes
tests_server_test_routes_SOURCES = tests/server/test_routes.c
tests_server_test_routes_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_routes_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_routes

check_PROGRAMS += tests/server/test_config
tests_server_test_config_SOURCES = tests/server/test_config.c
tests_server_test_config_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_config_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_config

check_PROGRAMS += tests/server/test_e2e
tests_server_test_e2e_SOURCES = tests/server/test_e2e.c tests/server/daemon.c tests/server/daemon.h
tests_server_test_e2e_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_e2e_LDADD = $(JANSSON_LIBS) $(ZLIB_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_e2e

check_PROGRAMS += tests/server/test_manager
tests_server_test_manager_SOURCES = tests/server/test_manager.c
tests_server_test_manager_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_manager_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_manager

check_PROGRAMS += tests/server/test_warmup
tests_server_test_warmup_SOURCES = tests/server/test_warmup.c
tests_server_test_warmup_CFLAGS = $(SERVER_TEST_CFLAGS)
tests_server_test_warmup_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
TESTS += tests/server/test_warmup
include tests/server/grpc.mk
include tests/server/v2.mk

TESTS += tests/server/test_example.sh
EXTRA_DIST += tests/server/test_example.sh
TESTS += tests/server/test_readme_serve.sh
EXTRA_DIST += tests/server/test_readme_serve.sh
