# tests/fuzz/fuzz.mk — the libFuzzer targets (clang): `make fuzz-build` builds build/fuzz/<target>
# for every tests/fuzz/fuzz_*.c; `make fuzz` runs each for FUZZ_SECONDS on a scratch copy of its
# seed corpus (tests/fuzz/corpus/<target>) and prints one TAP line per target. Included by the
# main Makefile, whose CSTD, WARN, PKG_CFLAGS, PKG_LIBS, LIB_SRC, BUILD and objs it uses.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
# The library is instrumented for coverage too (fuzzer-no-link); only the targets get main().
FUZZ_CFLAGS   = $(CSTD) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) $(INC)

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

$(FUZZ_DIR)/obj/%.o: %.c $(LIB_HDR) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# An archive, so each target links only the modules it reaches.
$(FUZZ_DIR)/libafetch.a: $(call objs,$(FUZZ_DIR),$(LIB_SRC))
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libafetch.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(PKG_LIBS) -o $@

fuzz: fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
