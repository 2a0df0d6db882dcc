/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu PCI device (hw/misc/edu.c, docs/specs/edu.rst) as user space
 * drives it: the DMA registers of its BAR0, mapped through sysfs resource0
 * or VFIO, and one transfer programmed and polled for. Shared by iobmdctl
 * demo (tools/iobmdctl/device.c) and the edu selftests
 * (selftests/iobmd/pci_helpers.h); the kernel test driver
 * (selftests/iobmd/edu/iobmd_edu.c) has its own, with readq/writeq.
 * Plain C and libc.
 */
#ifndef IOBMD_EDU_REGS_H
#define IOBMD_EDU_REGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* BAR0: 1 MiB of registers. */
#define EDU_BAR_SIZE 0x100000UL

/* The DMA registers: 8-byte accesses (the command may also be read as 4). */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98

/* Bits of EDU_DMA_CMD. */
#define EDU_CMD_START 0x1	/* set until the transfer is done */
#define EDU_CMD_TO_RAM 0x2	/* edu -> RAM; clear: RAM -> edu */

/* edu's 4 KiB DMA buffer, at this address in the device's own space. */
#define EDU_BUF_ADDR 0x40000
#define EDU_BUF_SIZE 4096
/*
 * The most one transfer may move: QEMU 7.2 aborts (hw_error) on a transfer
 * that ends at the end of edu's buffer, so 4095 bytes, not 4096.
 */
#define EDU_MAX_XFER 4095

/*
 * MMIO accessors. The registers are device memory: every access must reach
 * the device once, whole and in program order. An atomic access of a
 * naturally aligned uint64_t or uint32_t is a single load or store, never
 * torn into smaller ones; the compiler barriers around it (signal fences
 * emit no instruction) keep it from being elided, merged with another or
 * moved across any other memory access, as the kernel's writeq and readl
 * do. The CPU keeps that order on the uncached mapping of a BAR. This
 * rather than volatile, which checkpatch rejects (see
 * Documentation/process/volatile-considered-harmful.rst). @reg must be a
 * multiple of the access size; a mapping of a BAR is page aligned.
 */
static inline void edu_writeq(void *bar, unsigned int reg, uint64_t v)
{
	uint64_t *p = (uint64_t *)((char *)bar + reg);

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline uint32_t edu_readl(void *bar, unsigned int reg)
{
	uint32_t *p = (uint32_t *)((char *)bar + reg);
	uint32_t v;

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	v = __atomic_load_n(p, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return v;
}

static inline int64_t edu_regs_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Wait up to @timeout_ms for the DMA engine to be idle (EDU_CMD_START
 * clear), polling every millisecond: 0 or -ETIMEDOUT. A transfer takes
 * 100 ms of the guest's virtual time.
 */
static inline int edu_regs_wait(void *bar, int timeout_ms)
{
	struct timespec ms = { .tv_nsec = 1000 * 1000 };
	int64_t end = edu_regs_now_ms() + timeout_ms;

	while (edu_readl(bar, EDU_DMA_CMD) & EDU_CMD_START) {
		if (edu_regs_now_ms() > end)
			return -ETIMEDOUT;
		nanosleep(&ms, NULL);
	}
	return 0;
}

/*
 * One transfer through a mapping of BAR0, waited for: @len bytes from
 * device address @src to @dst, to RAM (@src in edu's buffer, @dst a DMA
 * address of RAM) when @to_ram, else from RAM (@dst in edu's buffer).
 * Waits for a transfer still running first, then for this one, each up
 * to @timeout_ms. Returns 0, -EINVAL for a range of edu's buffer that
 * QEMU would abort on (empty, outside it or longer than EDU_MAX_XFER),
 * or -ETIMEDOUT.
 */
static inline int edu_regs_copy(void *bar, uint64_t src, uint64_t dst,
				uint64_t len, bool to_ram, int timeout_ms)
{
	uint64_t edu = to_ram ? src : dst;

	if (!len || edu < EDU_BUF_ADDR || edu - EDU_BUF_ADDR > EDU_MAX_XFER ||
	    len > EDU_MAX_XFER - (edu - EDU_BUF_ADDR))
		return -EINVAL;
	if (edu_regs_wait(bar, timeout_ms))
		return -ETIMEDOUT;
	edu_writeq(bar, EDU_DMA_SRC, src);
	edu_writeq(bar, EDU_DMA_DST, dst);
	edu_writeq(bar, EDU_DMA_CNT, len);
	edu_writeq(bar, EDU_DMA_CMD,
		   EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	return edu_regs_wait(bar, timeout_ms);
}

#endif /* IOBMD_EDU_REGS_H */
