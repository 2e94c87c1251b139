# afetch — build, test and demo. `make` builds build/afetch, build/libafetch.a (exports only
# afetch_*) and build/libafetch.so (exports only lib/afetch.h's functions);
# `make test` and `make demo` first install any missing Debian package (scripts/deps.sh).
# `make test` (= test-deps + check) runs every part of scripts/run-tests.sh; one part alone:
#   make unit         C unit tests, normal build
#   make integration  bats suites, normal build, one event loop
#   make asan         unit tests and bats suites on the ASan+UBSan build, four loops
#   make valgrind     the fault-server and memory-heavy bats suites under valgrind, one loop
#   make tsan         the --threads/--loops suites and the shared cookie store under TSan
#   make fuzz         each libFuzzer target for FUZZ_SECONDS (default 60; make test: 10)

CC      ?= cc
SAN_CC  ?= clang
OBJCOPY ?= objcopy
PREFIX  ?= /usr/local
BUILD   := build

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
# Debian's libev ships no .pc file; fall back to plain -lev.
PKG_CFLAGS = $(shell pkg-config --cflags libcurl libcjson libcrypto libidn2)
PKG_LIBS   = $(shell pkg-config --libs libcurl libcjson libcrypto libidn2) \
             $(shell pkg-config --libs libev 2>/dev/null || echo -lev) -lm -pthread
CFLAGS  ?= -O2 -g
# lib/ holds the public headers (afetch.h, and afetch_tool.h for the CLI); its folders hold the
# layers: core (loop, futures, gather, tasks), http (one transfer), input, output, blocking
# (the sync and threads runners). The library, its unit tests and fuzzers see every folder;
# cmd/ sees lib/ alone, so the CLI can only use what the two headers there declare.
LIB_DIRS := lib $(patsubst %/,%,$(wildcard lib/*/))
LIB_HDR  := $(wildcard $(addsuffix /*.h,$(LIB_DIRS)))
INC      = $(addprefix -I,$(LIB_DIRS))
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread $(INC)
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC  := $(wildcard $(addsuffix /*.c,$(LIB_DIRS)))
CMD_SRC  := $(wildcard cmd/afetch/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

# The shared library's file name carries the full version, its soname the major one.
LIB_VERSION := $(shell sed -n 's/^.define AFETCH_VERSION "\(.*\)"/\1/p' lib/afetch.h)
LIB_SONAME  := libafetch.so.$(firstword $(subst ., ,$(LIB_VERSION)))

# Objects for one flavour: $(call objs,DIR,SOURCES)
objs = $(patsubst %.c,$(1)/obj/%.o,$(2))

.SECONDARY:
.PHONY: all deps test-deps check unit integration valgrind asan tsan test demo format format-check clean
all: $(BUILD)/afetch $(BUILD)/libafetch.a $(BUILD)/libafetch.so

# libFuzzer targets: `make fuzz` (FUZZ_SECONDS each, default 60)
include tests/fuzz/fuzz.mk
# make install / uninstall (PREFIX, DESTDIR)
include scripts/install.mk

# ---- normal build (gcc) ----
$(BUILD)/obj/cmd/%.o: INC = -Ilib
$(BUILD)/obj/%.o: %.c $(LIB_HDR) cmd/afetch/*.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The installed archive: every module linked into one object in which only afetch_* stays
# global, so that the library's internal names cannot collide with a user's.
$(BUILD)/afetch-lib.o: $(call objs,$(BUILD),$(LIB_SRC))
	$(LD) -r -o $@ $^
	$(OBJCOPY) --wildcard --keep-global-symbol='afetch_*' $@

$(BUILD)/libafetch.a: $(BUILD)/afetch-lib.o
	rm -f $@
	ar rcs $@ $^

# The same modules with every internal name visible, for the unit tests only.
$(BUILD)/libafetch-internal.a: $(call objs,$(BUILD),$(LIB_SRC))
	rm -f $@
	ar rcs $@ $^

# The shared library, from position-independent objects; scripts/libafetch.map exports the
# functions of lib/afetch.h.
PIC := $(BUILD)/pic
$(PIC)/obj/%.o: %.c $(LIB_HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/libafetch.so.$(LIB_VERSION): $(call objs,$(PIC),$(LIB_SRC)) scripts/libafetch.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=scripts/libafetch.map \
		-Wl,-z,defs $(filter %.o,$^) $(PKG_LIBS) -o $@
$(BUILD)/$(LIB_SONAME): $(BUILD)/libafetch.so.$(LIB_VERSION)
	ln -sf $(notdir $<) $@
$(BUILD)/libafetch.so: $(BUILD)/$(LIB_SONAME)
	ln -sf $(notdir $<) $@

# The CLI links the hidden archive: it may use afetch_* names only (afetch.h, afetch_tool.h).
$(BUILD)/afetch: $(call objs,$(BUILD),$(CMD_SRC)) $(BUILD)/libafetch.a
	$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libafetch-internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

# ---- sanitizer build (clang, ASan + UBSan) ----
SAN := $(BUILD)/asan
$(SAN)/obj/cmd/%.o: INC = -Ilib
$(SAN)/obj/%.o: %.c $(LIB_HDR) cmd/afetch/*.h Makefile
	@mkdir -p $(dir $@)
	$(SAN_CC) $(CSTD) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) -pthread $(INC) -c $< -o $@

# Unhidden: the unit tests under ASan use internal names too.
$(SAN)/libafetch.a: $(call objs,$(SAN),$(LIB_SRC))
	rm -f $@
	ar rcs $@ $^

$(SAN)/afetch: $(call objs,$(SAN),$(CMD_SRC)) $(SAN)/libafetch.a
	$(SAN_CC) $(SAN_FLAGS) $^ $(PKG_LIBS) -o $@

$(SAN)/tests/%: $(SAN)/obj/tests/unit/%.o $(SAN)/libafetch.a
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_FLAGS) $^ $(PKG_LIBS) -o $@

# ---- ThreadSanitizer build, for the --threads runner ----
TSAN := $(BUILD)/tsan
$(TSAN)/afetch: $(LIB_SRC) $(CMD_SRC) $(LIB_HDR) Makefile
	@mkdir -p $(dir $@)
	$(SAN_CC) $(CSTD) $(WARN) -O1 -g -fsanitize=thread $(PKG_CFLAGS) -pthread $(INC) \
		$(LIB_SRC) $(CMD_SRC) $(PKG_LIBS) -o $@

UNIT_BINS := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))

# ---- the library example, built against the static library like any user program ----
# (with -Ilib alone, as an installed header would be found; not a target-specific INC, which
# the library's objects would inherit when built for this target)
$(BUILD)/examples/gather: examples/gather.c $(BUILD)/libafetch.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread -Ilib $^ $(PKG_LIBS) -o $@
$(SAN)/examples/gather: examples/gather.c $(SAN)/libafetch.a
	@mkdir -p $(dir $@)
	$(SAN_CC) $(CSTD) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) -Ilib $^ $(PKG_LIBS) -o $@

# ---- tests ----
deps:
	@scripts/deps.sh build
test-deps:
	@scripts/deps.sh test

# `make test`: every suite, normal and under ASan+UBSan, valgrind and TSan, plus a short fuzz;
# one total at the end. Each rule below builds what its part needs and runs that part alone.
test: test-deps
	@$(MAKE) --no-print-directory check

UNIT_TESTS     := $(addprefix $(BUILD)/tests/,$(UNIT_BINS))
SAN_UNIT_TESTS := $(addprefix $(SAN)/tests/,$(UNIT_BINS))

check: all fuzz-build $(SAN)/afetch $(TSAN)/afetch $(BUILD)/examples/gather $(SAN)/examples/gather $(UNIT_TESTS) $(SAN_UNIT_TESTS)
	@scripts/run-tests.sh

# Each installs what its tests need first, as make test does (a fresh machine has no bats).
unit: test-deps
	@$(MAKE) --no-print-directory $(UNIT_TESTS)
	@scripts/run-tests.sh unit
integration valgrind: test-deps
	@$(MAKE) --no-print-directory all $(BUILD)/examples/gather
	@scripts/run-tests.sh $@
asan: test-deps
	@$(MAKE) --no-print-directory $(SAN)/afetch $(SAN)/examples/gather $(SAN_UNIT_TESTS)
	@scripts/run-tests.sh asan
tsan: test-deps
	@$(MAKE) --no-print-directory $(TSAN)/afetch
	@scripts/run-tests.sh tsan

demo:
	@scripts/deps.sh demo
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

FORMATTED := lib/*.h lib/*/*.[ch] cmd/afetch/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c examples/*.c
format:
	clang-format -i $(FORMATTED)
format-check:
	clang-format --dry-run --Werror $(FORMATTED)

clean:
	rm -rf $(BUILD)
