# bench/rest.mk: REST throughput/latency of modeld against a bare
# libmicrohttpd + jansson server (the ceiling), and the JSON decode share of
# a batch-100 request. Run by hand: bench/rest.sh [build dir].
noinst_PROGRAMS += bench/rest_echo bench/rest_decode
bench_rest_echo_SOURCES = bench/rest_echo.c
bench_rest_echo_LDADD = $(MHD_LIBS) $(JANSSON_LIBS)
bench_rest_decode_SOURCES = bench/rest_decode.c
bench_rest_decode_LDADD = $(SERVER_LIBS)
EXTRA_DIST += bench/rest.sh
