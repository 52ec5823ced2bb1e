# server/: the modeld daemon. libmdserver.a holds everything but main(), so
# the gRPC front end and the tests link the same core.
noinst_LIBRARIES += libmdserver.a
libmdserver_a_SOURCES = \
  server/serve.h server/server_impl.h \
  server/config.c server/manager.c server/serve.c \
  server/json_decode.c server/json_encode.c server/json_pages.c \
  server/routes.c server/http_status.c server/http.c \
  server/http_model.c server/http_predict.c server/http_examples.c \
  server/metrics.c server/warmup.c
SERVER_LIBS = libmdserver.a $(OPS_LIBS) $(MHD_LIBS) $(JANSSON_LIBS)

bin_PROGRAMS += server/modeld
server_modeld_SOURCES = server/main.c
server_modeld_LDADD = $(SERVER_LIBS)

# The example model the README serves (examples/half_plus_two/1, committed)
# is written by this program with our own SavedModel writer;
# tests/server/test_example.sh checks a fresh copy matches the committed one.
noinst_PROGRAMS += examples/make_half_plus_two
examples_make_half_plus_two_SOURCES = examples/make_half_plus_two.c
examples_make_half_plus_two_LDADD = $(LOADER_LIBS)
EXTRA_DIST += examples/half_plus_two/1/saved_model.pb \
  examples/half_plus_two/1/variables/variables.index \
  examples/half_plus_two/1/variables/variables.data-00000-of-00001
include server/grpc.mk
include server/v2.mk
