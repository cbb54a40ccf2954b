# Moffett S4 stack. The commands a person runs are documented in README.md:
#   make demo      boot the virtual cards and show them (installs what it needs)
#   make check     every test; ends with "N passed, M failed"
#   make bench     benchmarks, TSVs under build/bench/
#   make vm-run CMD='...'   run a command in a guest with two cards
# Building blocks: make deps | all | module | libs4 | tools | qemu | fuzz | clean

BUILD ?= build
S4_CACHE ?= $(HOME)/.cache/s4
export S4_CACHE BUILD

KVER ?= $(notdir $(realpath $(S4_CACHE)/kernel/current))
KDIR ?= /usr/src/linux-headers-$(KVER)
S4_KSRC ?= /usr/src/linux-source-6.12
export S4_KSRC
KSFT_INC := $(S4_KSRC)/tools/testing/selftests

PKG_CFLAGS := $(shell pkg-config --cflags libdrm libudev pciaccess 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libdrm libudev 2>/dev/null)
USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
	-Ifirmware -Ifirmware/act -Iuapi -Ilibs4/include \
	-Iqemu-device -Iqemu-device/engine $(PKG_CFLAGS) $(EXTRA_CFLAGS)
USER_LDFLAGS := $(EXTRA_LDFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Test programs use kselftest_harness.h, which passes parameters simple tests
# do not use, compares int literals with unsigned values (EXPECT_EQ(0, x)),
# and whose fixture wrapper trips gcc's -Wclobbered.
KSFT_CFLAGS := -I$(KSFT_INC) -Itests/host -Itests/engine -Itests/guest -Itests/ref \
	-Wno-unused-parameter -Wno-sign-compare -Wno-misleading-indentation
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
KSFT_CFLAGS += -Wno-clobbered
endif

.PHONY: all module libs4 tools examples guest-tests host-tests benches userspace qemu deps \
	check demo bench vm-run fuzz install clean
.DEFAULT_GOAL := all

all: module userspace
userspace: libs4 tools examples guest-tests host-tests benches

# ---- kernel module ---------------------------------------------------------
module:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_DRM_ACCEL_S4=m modules

# ---- objects: plain (position independent, for libs4.so too) and sanitized --
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -fPIC -MMD -MP -c -o $@ $<
$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SANITIZE) -MMD -MP -c -o $@ $<
$(BUILD)/obj/tests/%.o $(BUILD)/asan/obj/tests/%.o: USER_CFLAGS += $(KSFT_CFLAGS)

-include $(shell find $(BUILD)/obj $(BUILD)/asan/obj -name '*.d' 2>/dev/null)

# ---- libs4 -----------------------------------------------------------------
LIBS4_SRCS := $(wildcard libs4/src/*.c)
LIBS4_SONAME := libs4.so.$(shell sed -n 's/^\#define S4_VERSION_MAJOR //p' libs4/include/s4/s4.h)

$(BUILD)/lib/libs4.a: $(LIBS4_SRCS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/asan/lib/libs4.a: $(LIBS4_SRCS:%.c=$(BUILD)/asan/obj/%.o)

$(BUILD)/lib/$(LIBS4_SONAME): $(LIBS4_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(LIBS4_SONAME) $(USER_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm
	ln -sf $(LIBS4_SONAME) $(BUILD)/lib/libs4.so

$(BUILD)/lib/pkgconfig/libs4.pc: libs4/libs4.pc.in libs4/include/s4/s4.h
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@VERSION@|$(shell sed -n 's/^\#define S4_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' libs4/include/s4/s4.h | paste -sd.)|' $< >$@

libs4: $(BUILD)/lib/libs4.a $(BUILD)/lib/$(LIBS4_SONAME) $(BUILD)/lib/pkgconfig/libs4.pc

# ---- the card in plain C: model, compute engine, activation tables -----------
CARD_SRCS := $(wildcard qemu-device/model/*.c qemu-device/engine/*.c firmware/act/*.c)
$(BUILD)/lib/libs4card.a: $(CARD_SRCS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/asan/lib/libs4card.a: $(CARD_SRCS:%.c=$(BUILD)/asan/obj/%.o)

%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# ---- programs ----------------------------------------------------------------
# Programs link libs4 statically so the guest needs only system libraries.
LINK_LIBS4 = $(CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $(filter %.c %.o,$^) \
	$(BUILD)/lib/libs4.a $(PKG_LIBS)

$(BUILD)/bin/s4-smi: libs4/tools/s4-smi.c $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) -lpciaccess

tools: $(BUILD)/bin/s4-smi

# Guest tests: kselftest-harness programs run inside the VM against the card.
GUEST_TESTS := $(patsubst tests/guest/%.c,$(BUILD)/guest/%,$(wildcard tests/guest/*_test.c))
$(BUILD)/guest/%: tests/guest/%.c tests/guest/s4_test_util.h $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) $(KSFT_CFLAGS) -lm
guest-tests: $(GUEST_TESTS)
# Tests checking compute results link the reference implementations.
$(BUILD)/guest/s4_compute_test: tests/ref/s4_ref.c tests/ref/s4_ref.h

# Examples: libs4 programs a person runs (the guest has them in its PATH).
$(BUILD)/bin/s4-sparse-gemm: libs4/examples/s4-sparse-gemm.c tests/ref/s4_ref.c \
		tests/ref/s4_ref.h $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) -Itests/ref -lm
examples: $(BUILD)/bin/s4-sparse-gemm

# Host tests: kselftest-harness programs that run the card model, the compute
# engine and libs4's tensor packer on the host, plainly and under ASan/UBSan.
HOST_TEST_SRCS := $(wildcard tests/host/*_test.c tests/engine/*_test.c)
HOST_TEST_SUPPORT := tests/engine/test_util.c tests/ref/s4_ref.c
HOST_TEST_NAMES := $(basename $(notdir $(HOST_TEST_SRCS)))
HOST_TESTS := $(HOST_TEST_NAMES:%=$(BUILD)/host/%) $(HOST_TEST_NAMES:%=$(BUILD)/host-asan/%)
host_test_src = $(filter %/$(1).c,$(HOST_TEST_SRCS))

define host_test
$(BUILD)/host/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(call host_test_src,$(1))) \
		$(HOST_TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(BUILD)/lib/libs4card.a $(BUILD)/lib/libs4.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(USER_LDFLAGS) -o $$@ $$^ -lpthread -lm
$(BUILD)/host-asan/$(1): $(patsubst %.c,$(BUILD)/asan/obj/%.o,$(call host_test_src,$(1))) \
		$(HOST_TEST_SUPPORT:%.c=$(BUILD)/asan/obj/%.o) $(BUILD)/asan/lib/libs4card.a \
		$(BUILD)/asan/lib/libs4.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(SANITIZE) $$(USER_LDFLAGS) -o $$@ $$^ -lpthread -lm
endef
$(foreach t,$(HOST_TEST_NAMES),$(eval $(call host_test,$(t))))
host-tests: $(HOST_TESTS)

# ---- fuzzers (clang libFuzzer + ASan + UBSan), FUZZ_SECONDS each -------------
FUZZ_SECONDS ?= 30
FUZZ_CC ?= clang
FUZZ_NAMES := $(filter-out fuzz_engine_seeds,$(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))
FUZZ_CFLAGS := $(filter-out -O2,$(USER_CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all

$(BUILD)/fuzz/fuzz_engine_seeds: tests/fuzz/fuzz_engine_seeds.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) -o $@ $<
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CARD_SRCS) libs4/src/tensor.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lpthread -lm

fuzz: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%) $(BUILD)/fuzz/fuzz_engine_seeds
	@mkdir -p $(BUILD)/fuzz/corpus-fuzz_engine
	$(BUILD)/fuzz/fuzz_engine_seeds $(BUILD)/fuzz/corpus-fuzz_engine
	@set -e; for f in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$f; \
		echo "# fuzzing $$f for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus-$$f; \
	done

# ---- QEMU with the card, dependencies ----------------------------------------
qemu:
	qemu-device/build.sh

deps:
	tests/vm/deps.sh

# ---- the README's commands ---------------------------------------------------
# Each first installs what it needs, then builds in a fresh make (so that
# KVER and the pkg-config flags see the installed packages).
check:
	tests/vm/deps.sh
	$(MAKE) all qemu
	tests/check.sh

demo:
	tests/vm/deps.sh
	$(MAKE) all qemu
	tests/vm/run.sh -- sh /usr/lib/s4/demo.sh

CMD ?= s4-smi
vm-run:
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory all qemu >$(BUILD)/vm-run-build.log 2>&1 || \
		{ tail -n 30 $(BUILD)/vm-run-build.log; exit 1; }
	tests/vm/run.sh -- '$(CMD)'

# ---- benchmarks ----------------------------------------------------------------
# The engine against OpenBLAS and oneDNN on the host, the throughput of its
# inner loops' instruction mixes; job submission in the guest (its TSV comes
# back over the console between marker lines).
$(BUILD)/bench/engine_bench: $(BUILD)/obj/tests/bench/engine_bench.o \
		$(HOST_TEST_SUPPORT:%.c=$(BUILD)/obj/%.o) $(BUILD)/lib/libs4card.a $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ -lopenblas -ldnnl -lgomp -lpthread -lm
$(BUILD)/obj/tests/bench/engine_bench.o: USER_CFLAGS += -I/usr/include/x86_64-linux-gnu/openblas-pthread

$(BUILD)/bin/submit_bench: tests/bench/submit_bench.c tests/guest/s4_test_util.h $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) -Itests/guest

$(BUILD)/bench/isa_bench: tests/bench/isa_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -O3 $(USER_LDFLAGS) -o $@ $<

benches: $(BUILD)/bin/submit_bench $(BUILD)/bench/engine_bench $(BUILD)/bench/isa_bench

bench:
	tests/vm/deps.sh
	$(MAKE) all qemu
	$(BUILD)/bench/isa_bench $(BUILD)/bench/isa.tsv
	$(BUILD)/bench/engine_bench $(BUILD)/bench/engine.tsv
	tests/vm/run.sh --log $(BUILD)/bench/submit-console.log -- submit_bench
	sed -n '/^S4-BENCH-TSV-BEGIN$$/,/^S4-BENCH-TSV-END$$/{//!p}' \
		$(BUILD)/bench/submit-console.log >$(BUILD)/bench/submit.tsv
	@test -s $(BUILD)/bench/submit.tsv && echo "wrote $(BUILD)/bench/submit.tsv"

# ---- install and clean -------------------------------------------------------
PREFIX ?= /usr/local
S4_PUBLIC_FIRMWARE_H := firmware/s4_types.h firmware/s4_bf16.h firmware/s4_cmd.h \
	firmware/s4_ops.h firmware/s4_sparse.h firmware/s4_act.h
install: libs4 tools
	install -d $(DESTDIR)$(PREFIX)/include/s4 $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 libs4/include/s4/*.h $(S4_PUBLIC_FIRMWARE_H) $(DESTDIR)$(PREFIX)/include/s4/
	install -m 644 $(BUILD)/lib/libs4.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/$(LIBS4_SONAME) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(LIBS4_SONAME) $(DESTDIR)$(PREFIX)/lib/libs4.so
	install -m 644 $(BUILD)/lib/pkgconfig/libs4.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(BUILD)/bin/s4-smi $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf $(BUILD)
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_DRM_ACCEL_S4=m clean
