# Moffett S4 stack. The commands a person runs are documented in README.md:
#   make demo      boot the virtual cards and show them (installs what it needs)
#   make check     every test; ends with "N passed, M failed"
#   make bench     benchmarks, TSVs under build/bench/
#   make vm-run CMD='...'   run a command in a guest with two cards
# Building blocks: make deps | all | module | libs4 | tools | qemu | clean

BUILD ?= build
S4_CACHE ?= $(HOME)/.cache/s4
export S4_CACHE BUILD

KVER ?= $(notdir $(realpath $(S4_CACHE)/kernel/current))
KDIR ?= /usr/src/linux-headers-$(KVER)
KSFT_INC := $(S4_CACHE)/linux-source/tools/testing/selftests
CHECKPATCH := $(S4_CACHE)/linux-source/scripts/checkpatch.pl
# kselftest_harness.h passes parameters simple tests do not use, and its
# EXPECT_EQ(0, x) idiom compares int literals with unsigned values; its
# fixture wrapper trips gcc -Wclobbered.
KSFT_CFLAGS := -I$(KSFT_INC) -Wno-unused-parameter -Wno-sign-compare
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
KSFT_CFLAGS += -Wno-clobbered
endif

PKG_CFLAGS := $(shell pkg-config --cflags libdrm libudev pciaccess 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libdrm libudev 2>/dev/null)
USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
	-Ifirmware -Iuapi -Ilibs4/include $(PKG_CFLAGS) $(EXTRA_CFLAGS)
USER_LDFLAGS := $(EXTRA_LDFLAGS)

.PHONY: all module libs4 tools guest-tests host-tests userspace qemu deps \
	check demo bench vm-run install clean
.DEFAULT_GOAL := all

all: module userspace
userspace: libs4 tools guest-tests host-tests

# ---- kernel module ---------------------------------------------------------
module:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# ---- libs4 -----------------------------------------------------------------
LIBS4_SRCS := $(wildcard libs4/src/*.c)
LIBS4_OBJS := $(LIBS4_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS4_SONAME := libs4.so.$(shell sed -n 's/^\#define S4_VERSION_MAJOR //p' libs4/include/s4/s4.h)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(BUILD)/lib/libs4.a: $(LIBS4_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/lib/$(LIBS4_SONAME): $(LIBS4_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(LIBS4_SONAME) $(USER_LDFLAGS) -o $@ $^ $(PKG_LIBS)
	ln -sf $(LIBS4_SONAME) $(BUILD)/lib/libs4.so

$(BUILD)/lib/pkgconfig/libs4.pc: libs4/libs4.pc.in libs4/include/s4/s4.h
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@VERSION@|$(shell sed -n 's/^\#define S4_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' libs4/include/s4/s4.h | paste -sd.)|' $< >$@

libs4: $(BUILD)/lib/libs4.a $(BUILD)/lib/$(LIBS4_SONAME) $(BUILD)/lib/pkgconfig/libs4.pc

# Programs link libs4 statically so the guest needs only system libraries.
LINK_LIBS4 = $(CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $(filter %.c %.o,$^) \
	$(BUILD)/lib/libs4.a $(PKG_LIBS)

$(BUILD)/bin/s4-smi: libs4/tools/s4-smi.c $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) -lpciaccess

tools: $(BUILD)/bin/s4-smi

# ---- tests -----------------------------------------------------------------
# Guest tests: kselftest-harness programs run inside the VM against the card.
GUEST_TESTS := $(patsubst tests/guest/%.c,$(BUILD)/guest/%,$(wildcard tests/guest/*_test.c))
$(BUILD)/guest/%: tests/guest/%.c tests/guest/s4_test_util.h $(BUILD)/lib/libs4.a
	@mkdir -p $(dir $@)
	$(LINK_LIBS4) $(KSFT_CFLAGS) -Itests/guest
guest-tests: $(GUEST_TESTS)

# Host tests: kselftest-harness programs that run the pure-C parts on the host,
# once plainly and once under ASan/UBSan. tests/host/X_test.c is linked with
# the card model.
MODEL_SRCS := $(wildcard qemu-device/model/*.c)
HOST_TEST_NAMES := $(patsubst tests/host/%.c,%,$(wildcard tests/host/*_test.c))
HOST_TESTS := $(HOST_TEST_NAMES:%=$(BUILD)/host/%) $(HOST_TEST_NAMES:%=$(BUILD)/host-asan/%)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_TEST_CC = $(CC) $(USER_CFLAGS) $(KSFT_CFLAGS) -Iqemu-device -Itests/host \
	$(USER_LDFLAGS) -o $@ $(filter %.c,$^) -lpthread -lm

$(BUILD)/host/%: tests/host/%.c $(MODEL_SRCS) $(wildcard qemu-device/model/*.h tests/host/*.h firmware/*.h)
	@mkdir -p $(dir $@)
	$(HOST_TEST_CC)
$(BUILD)/host-asan/%: tests/host/%.c $(MODEL_SRCS) $(wildcard qemu-device/model/*.h tests/host/*.h firmware/*.h)
	@mkdir -p $(dir $@)
	$(HOST_TEST_CC) $(SANITIZE)
host-tests: $(HOST_TESTS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

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
	@$(MAKE) --no-print-directory all qemu >$(BUILD)/vm-run-build.log 2>&1 || \
		{ tail -n 30 $(BUILD)/vm-run-build.log; exit 1; }
	tests/vm/run.sh -- '$(CMD)'

bench:
	tests/vm/deps.sh
	$(MAKE) all qemu
	@mkdir -p $(BUILD)/bench

# ---- install and clean -------------------------------------------------------
PREFIX ?= /usr/local
install: libs4 tools
	install -d $(DESTDIR)$(PREFIX)/include/s4 $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 libs4/include/s4/*.h $(DESTDIR)$(PREFIX)/include/s4/
	install -m 644 $(BUILD)/lib/libs4.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/$(LIBS4_SONAME) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(LIBS4_SONAME) $(DESTDIR)$(PREFIX)/lib/libs4.so
	install -m 644 $(BUILD)/lib/pkgconfig/libs4.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(BUILD)/bin/s4-smi $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf $(BUILD)
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
