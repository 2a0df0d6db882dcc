# SPDX-License-Identifier: GPL-2.0
#
# iobmd. The module itself is described by Kbuild; this file holds the
# developer targets. See README.md.
#
#   make                  build kmod/iobmd.ko against KDIR
#   make run              boot the test VM (with an edu PCI DMA engine) and show
#                         iobmd at work (iobmdctl demo)
#   make bench            iobmd against dma-buf heaps and the zeroing and
#                         fault floors, side by side, in the VM on the
#                         benchmark kernel (BENCH_KERNEL, default
#                         $(KERNEL)-bench); a plot in build/bench-*/
#   make fuzz             the random-sequence fuzzer in the VM, long: FUZZ_OPS
#                         operations (default 10^6) from FUZZ_SEED, on KERNEL
#   make check            host checks (Debian headers, DKMS, make install),
#                         lint, then every test in the VM (KERNELS)
#   make lint             W=1 + sparse build, checkpatch, kernel-doc
#   make kernel           build (or reuse) the cached test kernels
#   make install          iobmd.ko for KDIR's kernel, the uapi header, the
#                         udev rule and group, man pages, libiobmd, iobmdctl
#   make uninstall        remove what make install installed
#   make clean

KERNELS ?= 6.12
KERNEL ?= $(firstword $(KERNELS))
KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)
BUILD := $(CURDIR)/build

# Where make install puts things. udev and systemd-sysusers do not read
# /usr/local, so their files go to /usr/lib whatever PREFIX is.
PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /usr/lib/udev/rules.d
SYSUSERSDIR ?= /usr/lib/sysusers.d
# Sub-makes run in their own directory: DESTDIR must not be relative.
override DESTDIR := $(abspath $(DESTDIR))
# depmod, groupadd and systemd-sysusers live in sbin.
export PATH := $(PATH):/usr/sbin:/sbin

# iobmd's version: dkms.conf holds it.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
# libiobmd and iobmdctl install themselves, when they are there.
SUBDIRS := $(patsubst %/Makefile,%,$(wildcard tools/lib/Makefile tools/iobmdctl/Makefile))
MANPAGES := $(wildcard man/*.[348])

all: modules

# Without a KDIR for the running kernel, build against the test kernel.
define find_kdir
kdir='$(KDIR)'; \
if [ -z "$$kdir" ]; then kdir=$$(tools/kernel/build $(KERNEL)) || exit 1; fi
endef

# The release of $$kdir's kernel, as uname -r gives it: Debian's headers
# have another string in include/config/kernel.release.
define find_release
rel=$$(sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' "$$kdir/include/generated/utsrelease.h"); \
if [ -z "$$rel" ]; then echo "iobmd: no kernel release in $$kdir" >&2; exit 1; fi
endef

# depmod for $$rel: the machine's own without DESTDIR; under DESTDIR only
# when it holds that kernel's module tree (modules.order), as an image or a
# chroot does. A staged tree (a package) is indexed by the target's depmod.
define run_depmod
if [ -z "$(DESTDIR)" ]; then \
	depmod "$$rel"; \
elif [ -f "$(DESTDIR)/lib/modules/$$rel/modules.order" ]; then \
	depmod -b "$(DESTDIR)" "$$rel"; \
else \
	echo "iobmd: no module tree for $$rel in $(DESTDIR): depmod left to the target"; \
fi
endef

modules:
	@$(find_kdir); \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules

kernel:
	@for k in $(KERNELS); do tools/kernel/build $$k || exit 1; done

lint:
	@rc=0; for k in $(KERNELS); do tools/lint $$k || rc=1; done; exit $$rc

check:
	@tools/check $(KERNELS)

run:
	@tools/deps vm
	@mkdir -p $(BUILD)
	@$(MAKE) -s -C tools/iobmdctl OUTPUT=$(BUILD) STATIC=1
	@tools/build-module $(KERNEL) $(BUILD)/$(KERNEL)
	@tools/vm/iobmd-vm --kernel $(KERNEL) --modules $(BUILD)/$(KERNEL)/kmod \
		--device edu,addr=0x4 --append iobmd_vm.edu=28 \
		--add $(BUILD)/iobmdctl:/bin/iobmdctl --out $(BUILD)/run-$(KERNEL) \
		-- iobmdctl demo

# make bench runs on the benchmark kernel (tools/kernel/bench.config: no
# KASAN, lockdep, kmemleak, DMA-API debug or DEBUG_VM), $(KERNEL)-bench;
# make check never does. BENCH_KERNEL=6.12 times the debug test kernel.
BENCH_KERNEL ?= $(patsubst %-bench-bench,%-bench,$(KERNEL)-bench)
BENCH_OUT := $(BUILD)/bench-$(BENCH_KERNEL)
# The largest size iobmd-bench times, in MiB (it goes from 4 KiB by 4x),
# and heap-bench (4 KiB, 64 KiB, 1, 16, 64 and 256 MiB).
BENCH_MAX_MIB ?= 1024
BENCH_HEAP_MAX_MIB ?= 64
# tsc=reliable: 6.1 finds the TSCs of TCG's vCPUs unsynchronized at boot
# and falls back to the HPET, whose reads trap (steps of 10 us, not 50 ns).
bench:
	@tools/deps vm
	@tools/deps bench
	@mkdir -p $(BUILD)
	@$(MAKE) -s -C tools/bench OUTPUT=$(BUILD)
	@tools/build-module $(BENCH_KERNEL) $(BUILD)/$(BENCH_KERNEL)
	@rc=0; tools/vm/iobmd-vm --kernel $(BENCH_KERNEL) \
		--modules $(BUILD)/$(BENCH_KERNEL)/kmod \
		--add $(BUILD)/iobmd-bench:/bin/iobmd-bench \
		--add $(BUILD)/memory-bench:/bin/memory-bench \
		--add $(BUILD)/pageable-bench:/bin/pageable-bench \
		--add $(BUILD)/heap-bench:/bin/heap-bench --timeout 3600 \
		--append tsc=reliable \
		--out $(BENCH_OUT) -- sh -c "rc=0; iobmd-bench $(BENCH_MAX_MIB) || rc=1; \
			memory-bench || rc=1; pageable-bench || rc=1; \
			heap-bench $(BENCH_HEAP_MAX_MIB) || rc=1; exit \$$rc" || rc=1; \
	tools/bench/plot $(BENCH_OUT)/output.log $(BENCH_OUT)/bench.png || rc=1; \
	exit $$rc

# The fuzzer as make check runs it (selftests/iobmd/fuzz_test), for 10^6
# operations rather than 2.4 x 10^4; then rmmod, and the kernel-log gate
# and kmemleak as in make check. About an hour under TCG.
FUZZ_OPS ?= 1000000
FUZZ_SEED ?= 1
FUZZ_TIMEOUT ?= 14400
fuzz:
	@tools/deps vm
	@mkdir -p $(BUILD)/fuzz
	@$(MAKE) -s -C selftests/iobmd OUTPUT=$(BUILD)/fuzz $(BUILD)/fuzz/fuzz_test
	@tools/build-module $(KERNEL) $(BUILD)/$(KERNEL)
	@tools/vm/iobmd-vm --kernel $(KERNEL) --modules $(BUILD)/$(KERNEL)/kmod \
		--add $(BUILD)/fuzz/fuzz_test:/bin/fuzz_test --kmemleak \
		--timeout $(FUZZ_TIMEOUT) --out $(BUILD)/fuzz-$(KERNEL) -- \
		sh -c "IOBMD_FUZZ_OPS=$(FUZZ_OPS) IOBMD_FUZZ_SEED=$(FUZZ_SEED) \
			fuzz_test && rmmod iobmd"

# The module: iobmd.ko alone (IOBMD_KUNIT=n), copied rather than through
# modules_install, which would install the KUnit module too, take Debian's
# kernel.release for the directory, and try to sign with a key that
# headers packages do not have (DKMS signs with its own).
install-module:
	@$(find_kdir); $(find_release); \
	$(MAKE) -C "$$kdir" M=$(CURDIR) IOBMD_KUNIT=n modules || exit 1; \
	install -D -m 0644 kmod/iobmd.ko \
		"$(DESTDIR)/lib/modules/$$rel/updates/iobmd.ko" || exit 1; \
	echo "iobmd: installed $(DESTDIR)/lib/modules/$$rel/updates/iobmd.ko"; \
	$(run_depmod)

uninstall-module:
	@$(find_kdir); $(find_release); \
	rm -f "$(DESTDIR)/lib/modules/$$rel/updates/iobmd.ko"; \
	$(run_depmod)

# The uapi header belongs to libiobmd's install when the library is there.
install-files:
	install -D -m 0644 dist/60-iobmd.rules $(DESTDIR)$(UDEVRULESDIR)/60-iobmd.rules
	install -D -m 0644 dist/iobmd.sysusers $(DESTDIR)$(SYSUSERSDIR)/iobmd.conf
ifeq ($(wildcard tools/lib/Makefile),)
	install -D -m 0644 uapi/linux/iobmd.h $(DESTDIR)$(INCLUDEDIR)/linux/iobmd.h
endif
	@for m in $(MANPAGES); do \
		echo "install $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/"; \
		install -D -m 0644 "$$m" \
			"$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}" || exit 1; \
	done
	@for d in $(SUBDIRS); do \
		$(MAKE) -C $$d install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) || exit 1; \
	done

uninstall-files:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-iobmd.rules
	rm -f $(DESTDIR)$(SYSUSERSDIR)/iobmd.conf
ifeq ($(wildcard tools/lib/Makefile),)
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/iobmd.h
endif
	@for m in $(MANPAGES); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}"; \
		rm -f "$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}"; \
	done
	@for d in $(SUBDIRS); do \
		$(MAKE) -C $$d uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) || exit 1; \
	done

# On this machine (no DESTDIR): the group iobmd, and udev's new rule. The
# group stays after make uninstall, as system groups do: files may still
# belong to it.
install: install-module install-files
ifeq ($(DESTDIR),)
	@if command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/iobmd.conf || exit 1; \
	elif ! getent group iobmd >/dev/null; then \
		groupadd -r iobmd || exit 1; \
	fi
	@if command -v udevadm >/dev/null; then \
		udevadm control --reload && \
		udevadm trigger --subsystem-match=misc --sysname-match=iobmd || \
		echo "iobmd: udev did not reload its rules (not running?)"; \
	fi
endif

uninstall: uninstall-module uninstall-files
ifeq ($(DESTDIR),)
	@if command -v udevadm >/dev/null; then \
		udevadm control --reload || \
		echo "iobmd: udev did not reload its rules (not running?)"; \
	fi
endif

version:
	@echo $(VERSION)

clean:
	@kdir='$(KDIR)'; [ -z "$$kdir" ] && kdir=$$(tools/kernel/build --path $(KERNEL)); \
	if [ -f "$$kdir/Makefile" ]; then $(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf $(BUILD)
	$(MAKE) -C selftests/iobmd clean

.PHONY: all modules kernel lint check run bench fuzz clean install uninstall version \
	install-module uninstall-module install-files uninstall-files
