// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd-bench: side-by-side timings, in one VM run, of
 *   - allocating a buffer: iobmd against the dma-buf system heap (and, for
 *     contiguous memory, the dma-buf CMA heap; above 4 MiB also an iobmd
 *     contiguous buffer under a 32-bit mask, which the CMA area above
 *     4 GiB cannot give: alloc_contig_range(), kmod/contig.c);
 *   - mapping it and writing every page, with iobmd's two fault
 *     strategies - populated at mmap time (vm_map_pages(), the default)
 *     and on fault (module parameter mmap_on_fault) - against the heap's
 *     mmap (which has one strategy: both columns show it).
 * Each figure is the median of several runs; the ratios are what matters
 * (the test VM runs under TCG with KASAN, so absolute times are slow).
 *
 *   iobmd-bench [runs]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/iobmd.h>

#include "bench.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RUNS 15

/* A buffer fd: iobmd (options, mask) or a dma-buf heap (heap fd). -errno. */
static int alloc_iobmd(int dev, size_t len, unsigned int options,
		       unsigned long long mask)
{
	struct iobmd_create c = {
		.capacity = len,
		.options = options,
		.physical_mask = mask,
	};

	return ioctl(dev, IOBMD_IOC_CREATE, &c) ? -errno : (int)c.fd;
}

static int alloc_heap(int heap, size_t len)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	return ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
}

static int alloc_any(int dev, int heap, size_t len, unsigned int options,
		     unsigned long long mask)
{
	return heap >= 0 ? alloc_heap(heap, len) :
			   alloc_iobmd(dev, len, options, mask);
}

#define ON_FAULT "/sys/module/iobmd/parameters/mmap_on_fault"

/* Set iobmd's fault strategy: 0 at mmap time, 1 on fault. */
static int set_on_fault(int on)
{
	int fd = open(ON_FAULT, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, on ? "Y" : "N", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* Time of mmap + a write to every page + munmap; -1 on error. */
static double map_touch(int fd, size_t len, int on_fault)
{
	double t0;
	unsigned char *p;
	size_t off;

	if (set_on_fault(on_fault))
		return -1;
	t0 = now_us();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	munmap(p, len);
	return now_us() - t0;
}

struct row {
	const char *what;
	double alloc, fault, populate;
};

/* One provider at one size: medians over @runs. 0 on success. */
static int measure(int dev, int heap, size_t len, unsigned int options,
		   unsigned long long mask, int runs, struct row *r)
{
	double a[MAX_RUNS], f[MAX_RUNS], p[MAX_RUNS];
	int i, fd;

	for (i = 0; i < runs; i++) {
		double t0 = now_us();

		fd = alloc_any(dev, heap, len, options, mask);
		if (fd < 0)
			return fd;
		a[i] = now_us() - t0;
		p[i] = map_touch(fd, len, 0);
		f[i] = map_touch(fd, len, 1);
		close(fd);
		if (f[i] < 0 || p[i] < 0)
			return -EIO;
	}
	r->alloc = median(a, runs);
	r->fault = median(f, runs);
	r->populate = median(p, runs);
	return 0;
}

static void print_row(const struct row *r, const struct row *base)
{
	printf("  %-22s alloc %8.0f us  at mmap %8.0f us  on fault %8.0f us",
	       r->what, r->alloc, r->populate, r->fault);
	if (base && r != base)
		printf("  x%.2f / x%.2f / x%.2f", r->alloc / base->alloc,
		       r->populate / base->populate, r->fault / base->fault);
	printf("\n");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1 << 20, 4 << 20, 64 << 20 };
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	int dev, sys_heap, cma_heap;
	unsigned int s;

	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	dev = open("/dev/iobmd", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/iobmd");
		return 1;
	}
	sys_heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	cma_heap = open("/dev/dma_heap/reserved", O_RDONLY | O_CLOEXEC);
	if (cma_heap < 0)
		cma_heap = open("/dev/dma_heap/linux,cma", O_RDONLY | O_CLOEXEC);

	printf("iobmd-bench: medians of %d runs of alloc, and of mmap + a write\n"
	       "to every page + munmap; ratios against the dma-buf heap row\n"
	       "above (alloc / at mmap / on fault)\n", runs);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t len = sizes[s];
		struct row rows[5] = {
			{ .what = "dma-buf system heap" },
			{ .what = "iobmd scatter-gather" },
			{ .what = "dma-buf CMA heap" },
			{ .what = "iobmd contiguous" },
			{ .what = "iobmd contig, 32-bit" },
		};
		int ok[5];

		printf("%zu MiB:\n", len >> 20);
		ok[0] = sys_heap >= 0 &&
			!measure(dev, sys_heap, len, 0, 0, runs, &rows[0]);
		ok[1] = !measure(dev, -1, len, 0, 0, runs, &rows[1]);
		ok[2] = cma_heap >= 0 &&
			!measure(dev, cma_heap, len, 0, 0, runs, &rows[2]);
		ok[3] = !measure(dev, -1, len,
				 IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, 0, runs,
				 &rows[3]);
		/* Above the largest block: alloc_contig_range() below 4 GiB. */
		ok[4] = len > (4 << 20) &&
			!measure(dev, -1, len,
				 IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
				 0xFFFFFFFFULL, runs, &rows[4]);
		if (ok[0])
			print_row(&rows[0], NULL);
		if (ok[1])
			print_row(&rows[1], ok[0] ? &rows[0] : NULL);
		if (ok[2])
			print_row(&rows[2], NULL);
		if (ok[3])
			print_row(&rows[3], ok[2] ? &rows[2] : NULL);
		if (ok[4])
			print_row(&rows[4], ok[2] ? &rows[2] : NULL);
		if (!ok[0] || !ok[2])
			printf("  (a dma-buf heap is missing or failed)\n");
	}
	return 0;
}
