# SPDX-License-Identifier: GPL-2.0
#
# iobmd. The module itself is described by Kbuild; this file holds the
# developer targets. See README.md.
#
#   make                  build kmod/iobmd.ko against KDIR
#   make run              boot the test VM and show iobmd at work (iobmdctl demo)
#   make bench            iobmd against dma-buf heaps, side by side, in the VM
#   make check            lint, then every test in the VM (KERNELS)
#   make lint             W=1 + sparse build, checkpatch, kernel-doc
#   make kernel           build (or reuse) the cached test kernels
#   make clean

KERNELS ?= 6.12
KERNEL ?= $(firstword $(KERNELS))
KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)
BUILD := $(CURDIR)/build

all: modules

# Without a KDIR for the running kernel, build against the test kernel.
modules:
	@kdir='$(KDIR)'; \
	if [ -z "$$kdir" ]; then kdir=$$(tools/kernel/build $(KERNEL)) || exit 1; fi; \
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
		--add $(BUILD)/iobmdctl:/bin/iobmdctl --out $(BUILD)/run-$(KERNEL) \
		-- iobmdctl demo

bench:
	@tools/deps vm
	@mkdir -p $(BUILD)
	@$(MAKE) -s -C tools/bench OUTPUT=$(BUILD)
	@tools/build-module $(KERNEL) $(BUILD)/$(KERNEL)
	@tools/vm/iobmd-vm --kernel $(KERNEL) --modules $(BUILD)/$(KERNEL)/kmod \
		--add $(BUILD)/iobmd-bench:/bin/iobmd-bench --timeout 1800 \
		--out $(BUILD)/bench-$(KERNEL) -- iobmd-bench

clean:
	@kdir='$(KDIR)'; [ -z "$$kdir" ] && kdir=$$(tools/kernel/build --path $(KERNEL)); \
	if [ -f "$$kdir/Makefile" ]; then $(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf $(BUILD)
	$(MAKE) -C selftests/iobmd clean

.PHONY: all modules kernel lint check run bench clean
