// SPDX-License-Identifier: GPL-2.0
/*
 * heap-bench: the allocation time of each dma-buf heap iobmd serves
 * (/dev/dma_heap/iobmd-*) against the kernel's system heap, and of the
 * contiguous one against the kernel's CMA heap too, side by side in one
 * VM run. A figure is the median of the runs of DMA_HEAP_IOCTL_ALLOC
 * (allocate) and of allocate + close of the dma-buf (the heap frees the
 * buffer then), in microseconds; the ratio is heap / system heap.
 *
 *   heap-bench [max size in MiB]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "bench.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RUNS 15
#define MIB (1024UL * 1024)

/* The kernel's heaps first: the system heap is the reference. */
static const char * const heap_names[] = {
	"system", "reserved", "iobmd-sg", "iobmd-contig", "iobmd-uncached",
	"iobmd-wc", "iobmd-dma32",
};

#define NHEAPS ARRAY_SIZE(heap_names)

/* Medians of @runs allocations of @len: alloc, alloc + close; 0 or -errno. */
static int time_heap(int heap, size_t len, int runs, double *alloc,
		     double *cycle)
{
	double a[MAX_RUNS], c[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++) {
		struct dma_heap_allocation_data d = {
			.len = len,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		double t0, t1, t2;

		t0 = now_us();
		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d))
			return -errno;
		t1 = now_us();
		close(d.fd);
		t2 = now_us();
		a[i] = t1 - t0;
		c[i] = t2 - t0;
	}
	*alloc = median(a, runs);
	*cycle = median(c, runs);
	return 0;
}

int main(int argc, char **argv)
{
	size_t max = (argc > 1 ? strtoul(argv[1], NULL, 0) : 64) * MIB;
	double alloc[NHEAPS], cycle[NHEAPS];
	int fd[NHEAPS], err[NHEAPS];
	char clock[64] = "unknown";
	static const size_t sizes[] = { 4096, 64 << 10, MIB, 16 * MIB,
					64 * MIB, 256 * MIB };
	unsigned int h, i;
	int rc = 0;

	for (h = 0; h < NHEAPS; h++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap_names[h]);
		fd[h] = open(path, O_RDONLY | O_CLOEXEC);
	}
	/* The CMA heap is "reserved" (a cma= area) or "linux,cma" (DT). */
	if (fd[1] < 0)
		fd[1] = open("/dev/dma_heap/linux,cma", O_RDONLY | O_CLOEXEC);
	if (fd[0] < 0) {
		fprintf(stderr, "heap-bench: no system heap: %s\n",
			strerror(errno));
		return 1;
	}
	iobmd_clocksource(clock, sizeof(clock));
	printf("heap-bench: medians of DMA_HEAP_IOCTL_ALLOC (alloc) and of\n"
	       "alloc + close (cycle), microseconds (clock %s); ratio = heap /\n"
	       "system heap, and for iobmd-contig also / CMA heap (\"reserved\")\n",
	       clock);
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max; i++) {
		size_t len = sizes[i];
		int runs = len >= 16 * MIB ? 7 : MAX_RUNS;

		printf("\n%zu KiB (%d runs)\n%-16s %10s %10s %8s %8s\n",
		       len >> 10, runs, "heap", "alloc", "cycle",
		       "alloc/sys", "cycle/sys");
		for (h = 0; h < NHEAPS; h++) {
			if (fd[h] < 0)
				continue;
			err[h] = time_heap(fd[h], len, runs, &alloc[h],
					   &cycle[h]);
			if (err[h]) {
				printf("%-16s %s\n", heap_names[h],
				       strerror(-err[h]));
				continue;
			}
			printf("%-16s %10.1f %10.1f %8.2f %8.2f", heap_names[h],
			       alloc[h], cycle[h], alloc[h] / alloc[0],
			       cycle[h] / cycle[0]);
			if (!strcmp(heap_names[h], "iobmd-contig") &&
			    fd[1] >= 0 && !err[1])
				printf("   / CMA heap: alloc %.2f, cycle %.2f",
				       alloc[h] / alloc[1], cycle[h] / cycle[1]);
			printf("\n");
		}
		if (err[0])
			rc = 1;
	}
	for (h = 0; h < NHEAPS; h++)
		if (fd[h] >= 0)
			close(fd[h]);
	return rc;
}
