# feedwatchd — one plain Makefile: pkg-config, no autotools.
#
#   make            build build/feedwatchd
#   make check      build and run every test; ends with "tests: N passed, N failed"
#   make SAN=1 ...  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make deps       install the Debian packages that are missing (needs root)
#   make run        run the daemon in the foreground on conf/demo.conf
#   make bench      all benchmarks (bench-parse, ...)
#   make fuzz       build the libFuzzer targets (clang)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=

CC        ?= cc
PKGS      := libxml-2.0 libcurl jansson inih libutf8proc libpcre2-8 libevent sqlite3 libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -D_GNU_SOURCE $(WARN) -iquote include $(PKG_CFLAGS) \
             -DFEEDWATCHD_VERSION='"$(VERSION)"' -DFEEDWATCHD_SYSCONFDIR='"$(SYSCONFDIR)"' -MMD -MP
LDLIBS    += $(PKG_LIBS) -lm

BUILD     ?= build
OUT       := $(BUILD)
ifeq ($(SAN),1)
OUT       := $(BUILD)/san
CFLAGS    += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif

SRCS      := $(wildcard daemon/*.c)
OBJS      := $(SRCS:daemon/%.c=$(OUT)/obj/%.o)
LIBOBJS   := $(filter-out $(OUT)/obj/main.o,$(OBJS))
BIN       := $(OUT)/feedwatchd

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)

# Debian packages: what building and `make check` need, and what the benchmarks add.
DEBS_BUILD := build-essential pkg-config libxml2-dev libcurl4-openssl-dev libevent-dev \
              libsqlite3-dev libjansson-dev libinih-dev libutf8proc-dev libpcre2-dev \
              libssl-dev zlib1g-dev libcmocka-dev python3 sqlite3 rsyslog mandoc \
              systemd strace man-db curl
DEBS_BENCH := sfeed ripgrep nginx-light valgrind clang libclang-rt-14-dev curl

.PHONY: all deps deps-bench run check check-unit bench bench-parse bench-match bench-poll fuzz install uninstall clean

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/obj/%.o: daemon/%.c | $(OUT)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/tests/%: tests/unit/%.c $(LIBOBJS) | $(OUT)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS) -lcmocka

$(OUT)/obj $(OUT)/tests:
	mkdir -p $@

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)

deps:
	@sh tests/lib/install-debs.sh $(DEBS_BUILD)

deps-bench:
	@sh tests/lib/install-debs.sh $(DEBS_BUILD) $(DEBS_BENCH)

check: deps
	@$(MAKE) -s --no-print-directory $(BIN) $(UNIT_BINS)
	@BUILD=$(OUT) FEEDWATCHD=$(abspath $(BIN)) SAN=$(SAN) tests/run

run: deps $(BIN)
	@tests/lib/demo-run.sh $(BIN)

bench: bench-parse bench-match bench-poll

bench-parse: deps-bench $(BIN)
	@BUILD=$(OUT) tests/bench/bench-parse.sh

bench-match: deps-bench $(BIN)
	@BUILD=$(OUT) tests/bench/bench-match.sh

bench-poll: deps-bench $(BIN)
	@BUILD=$(OUT) tests/bench/bench-poll.sh

fuzz: deps-bench
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk

include mk/install.mk

clean:
	rm -rf build
