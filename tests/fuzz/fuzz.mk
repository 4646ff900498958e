# tests/fuzz/fuzz.mk — builds the libFuzzer targets with clang (RELIABILITY RB-01, RB-02).
#
#   make fuzz                      (the top-level Makefile runs: make -f tests/fuzz/fuzz.mk)
#   tests/fuzz/run.sh SECONDS      build, seed a corpus copy and run fuzz_feed
#
# Every daemon/*.c except main.c is compiled with -fsanitize=fuzzer-no-link,address,undefined
# into its own object directory (build/fuzz/obj), so it never mixes with the gcc objects of
# the main build; the target links them with the harness and -fsanitize=fuzzer.
# Own variable names (FUZZ_*), so that CFLAGS/BUILD given to the top-level make do not leak in.

FUZZ_CC    ?= $(shell command -v clang-14 || command -v clang)
FUZZ_OUT   ?= build/fuzz
FUZZ_PKGS  := $(or $(shell sed -n "s/^PKGS *:= *//p" Makefile),libxml-2.0 libcurl jansson inih libutf8proc libpcre2-8 libevent sqlite3 libcrypto)
FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_PKG_LIBS   := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) -Wall -Wextra -Wno-unused-parameter \
              -iquote include $(FUZZ_PKG_CFLAGS) -DFEEDWATCHD_VERSION='"fuzz"' \
              -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -MMD -MP

FUZZ_SRCS  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
FUZZ_OBJS  := $(FUZZ_SRCS:daemon/%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_TARGETS := $(FUZZ_OUT)/fuzz_feed

.PHONY: all clean
.SECONDARY:
all: $(FUZZ_TARGETS)
	@echo "fuzz: built $(FUZZ_TARGETS); run: tests/fuzz/run.sh SECONDS"

$(FUZZ_OUT)/obj/%.o: daemon/%.c | $(FUZZ_OUT)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OUT)/fuzz_%.o: tests/fuzz/fuzz_%.c | $(FUZZ_OUT)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_PKG_LIBS) -lm

$(FUZZ_OUT)/obj:
	mkdir -p $@

clean:
	rm -rf $(FUZZ_OUT)/obj $(FUZZ_OUT)/fuzz_*

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_TARGETS:=.d)
