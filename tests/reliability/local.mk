# tests/reliability/: attacks the real server/modeld from outside (issue 8).
#   run_catalogue  replays catalogue.txt (bad requests, slow clients, refused
#                  ops, corrupt/partial versions) against one daemon, three
#                  passes; checks codes, messages, survival and RSS.
#   soak           predict at high concurrency while versions churn; the
#                  short run (25 s) is part of make check, scripts/soak.sh
#                  MINUTES runs the long one.
#   check-valgrind the daemon end-to-end tests and the catalogue with the
#                  daemon under valgrind memcheck (see docs/limits.md).
# Plain C (no cmocka), so they build and run without it.
RELIABILITY_CFLAGS = $(AM_CFLAGS) -DMD_TEST_BUILDDIR='"$(abs_top_builddir)"'

check_PROGRAMS += tests/reliability/run_catalogue
tests_reliability_run_catalogue_SOURCES = tests/reliability/run_catalogue.c \
  tests/server/daemon.c tests/server/daemon.h
tests_reliability_run_catalogue_CFLAGS = $(RELIABILITY_CFLAGS)
tests_reliability_run_catalogue_LDADD = $(JANSSON_LIBS)
TESTS += tests/reliability/run_catalogue

check_PROGRAMS += tests/reliability/soak
tests_reliability_soak_SOURCES = tests/reliability/soak.c tests/server/daemon.c tests/server/daemon.h
tests_reliability_soak_CFLAGS = $(RELIABILITY_CFLAGS)
TESTS += tests/reliability/soak

EXTRA_DIST += tests/reliability/catalogue.txt tests/reliability/models scripts/soak.sh

# The daemon under valgrind memcheck: every modeld the tests start runs as
# $(VALGRIND_DAEMON) server/modeld ... (tests/server/daemon.c honours
# MD_TEST_DAEMON_WRAPPER). Any memcheck error or definite/indirect leak makes
# the daemon exit 99 at SIGTERM, which fails the test. Not for sanitizer
# builds (ASan and valgrind do not mix).
VALGRIND_DAEMON = valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  --track-origins=no --num-callers=30
CHECK_VALGRIND_TESTS = tests/reliability/run_catalogue
if HAVE_CMOCKA
CHECK_VALGRIND_TESTS += tests/server/test_e2e
endif
check-valgrind: server/modeld $(CHECK_VALGRIND_TESTS)
	@if test -n "$(SAN_CFLAGS)"; then echo "check-valgrind: configure without --enable-sanitizers"; exit 1; fi
	@command -v valgrind >/dev/null || { echo "check-valgrind: valgrind not found"; exit 1; }
	@rc=0; start=$$(date +%s); \
	for t in $(CHECK_VALGRIND_TESTS); do \
	  test -x "$$t" || { echo "check-valgrind: skip $$t (not built)"; continue; }; \
	  echo "check-valgrind: $$t"; \
	  MD_SRCDIR='$(abs_top_srcdir)' MD_TEST_DAEMON_WRAPPER='$(VALGRIND_DAEMON)' MD_TEST_SLOW=1 \
	    ./$$t > $$t.valgrind.log 2>&1; r=$$?; \
	  if test $$r -ne 0 && test $$r -ne 77; then echo "FAIL: $$t (exit $$r, see $$t.valgrind.log)"; rc=1; \
	  else echo "PASS: $$t"; fi; \
	done; \
	echo "check-valgrind: $$(( $$(date +%s) - start )) s"; exit $$rc
.PHONY: check-valgrind
