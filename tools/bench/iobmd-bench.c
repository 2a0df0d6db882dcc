// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd-bench: iobmd against the dma-buf heaps and two floors, side by
 * side in one VM run, from 4 KiB to 1 GiB:
 *   - iobmd scatter-gather against the dma-buf system heap, iobmd
 *     contiguous against the dma-buf CMA heap;
 *   - the zeroing floor: a memset() of the same size in memory already
 *     faulted in (every create zeroes its pages);
 *   - the fault floor: anonymous memory, mmap + a write to every page +
 *     munmap (what the cheapest user memory costs).
 * Paths: create, map (mmap), first touch (a write to every page), prepare
 * + complete (the heaps: DMA_BUF_IOCTL_SYNC start + end, their only
 * user-space bracket), munmap, free (close of the last fd), create + free
 * alone, the full cycle (create + mmap + touch + munmap + free), and
 * iobmd's task-mapped create (IOBMD_CREATE_MAP_TASK) against the heap's
 * create + mmap. Each figure is a median; at 64 MiB the targets of issue
 * 14 are checked (PASS or MISS). "plot" lines feed tools/bench/plot.
 *
 *   iobmd-bench [max size in MiB]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/iobmd.h>

#include "bench.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RUNS 15
#define MIB (1024UL * 1024)

/* The providers: iobmd's two kinds and the heap each is compared with. */
enum { SG, SYSTEM, CONTIG, CMA, NPROV };

/* The paths timed. */
enum {
	CREATE, MAP, TOUCH, SYNC, UNMAP, FREE, CREATE_FREE, CYCLE,
	TASK_CREATE, TASK_CYCLE, ON_FAULT, NPATH
};

static const char * const path_name[NPATH] = {
	"create", "map (mmap)", "first touch", "prepare+complete",
	"munmap", "free (close)", "create+free", "full cycle",
	"task-mapped create", "task-mapped cycle", "map+touch on fault",
};

static int dev, heap[NPROV] = { -1, -1, -1, -1 };

/* A buffer of @p: its fd, with the task mapping in *@task if asked. */
static int alloc_buf(int p, size_t len, int map_task, void **task)
{
	if (p == SYSTEM || p == CMA) {
		struct dma_heap_allocation_data d = {
			.len = len,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		return ioctl(heap[p], DMA_HEAP_IOCTL_ALLOC, &d) ? -errno :
								   (int)d.fd;
	} else {
		struct iobmd_create c = {
			.capacity = len,
			.options = p == CONTIG ?
				   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS : 0,
			.flags = map_task ? IOBMD_CREATE_MAP_TASK : 0,
		};

		if (ioctl(dev, IOBMD_IOC_CREATE, &c))
			return -errno;
		if (task)
			*task = (void *)(uintptr_t)c.address;
		return c.fd;
	}
}

/* prepare + complete, or the heap's DMA_BUF_IOCTL_SYNC start + end. */
static int sync_buf(int p, int fd)
{
	struct iobmd_direction d = { .direction = IOBMD_DIRECTION_INOUT };

	if (p == SYSTEM || p == CMA) {
		struct dma_buf_sync s = {
			.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		};

		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
			return -errno;
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
	}
	if (ioctl(fd, IOBMD_IOC_PREPARE, &d) ||
	    ioctl(fd, IOBMD_IOC_COMPLETE, &d))
		return -errno;
	return 0;
}

static void touch(void *map, size_t len)
{
	unsigned char *p = map;
	size_t off;

	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	/* The writes are the point: keep them. */
	asm volatile("" : : "r"(p) : "memory");
}

#define ON_FAULT_PARAM "/sys/module/iobmd/parameters/mmap_on_fault"

/* One run of every path of @p at @len, into t[path]; 0 or -errno. */
static int run_once(int p, size_t len, double *t)
{
	int iobmd = p == SG || p == CONTIG;
	double t0, t1, t2, t3, t4, t5, t6;
	void *map;
	int fd;

	t0 = now_us();
	fd = alloc_buf(p, len, 0, NULL);
	t1 = now_us();
	if (fd < 0)
		return fd;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	t2 = now_us();
	if (map == MAP_FAILED)
		return -errno;
	touch(map, len);
	t3 = now_us();
	if (sync_buf(p, fd))
		return -EIO;
	t4 = now_us();
	munmap(map, len);
	t5 = now_us();
	close(fd);
	t6 = now_us();
	t[CREATE] = t1 - t0;
	t[MAP] = t2 - t1;
	t[TOUCH] = t3 - t2;
	t[SYNC] = t4 - t3;
	t[UNMAP] = t5 - t4;
	t[FREE] = t6 - t5;
	t[CYCLE] = t[CREATE] + t[MAP] + t[TOUCH] + t[UNMAP] + t[FREE];

	t0 = now_us();
	fd = alloc_buf(p, len, 0, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	t[CREATE_FREE] = now_us() - t0;

	/* The heaps have no task mapping: create + mmap stands for it. */
	if (!iobmd) {
		t[TASK_CREATE] = t[CREATE] + t[MAP];
		t[TASK_CYCLE] = t[CYCLE];
		t[ON_FAULT] = t[MAP] + t[TOUCH];
		return 0;
	}
	t0 = now_us();
	fd = alloc_buf(p, len, 1, &map);
	t1 = now_us();
	if (fd < 0)
		return fd;
	touch(map, len);
	munmap(map, len);
	close(fd);
	t[TASK_CREATE] = t1 - t0;
	t[TASK_CYCLE] = now_us() - t0;

	fd = alloc_buf(p, len, 0, NULL);
	if (fd < 0)
		return fd;
	if (iobmd_write_file(ON_FAULT_PARAM, "Y"))
		return -EIO;
	t0 = now_us();
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map != MAP_FAILED)
		touch(map, len);
	t[ON_FAULT] = now_us() - t0;
	iobmd_write_file(ON_FAULT_PARAM, "N");
	if (map == MAP_FAILED)
		return -ENOMEM;
	munmap(map, len);
	close(fd);
	return 0;
}

/* Medians of @runs runs of @p at @len into m[path]; 0 or -errno. */
static int measure(int p, size_t len, int runs, double *m)
{
	double v[NPATH][MAX_RUNS], t[NPATH];
	int i, j, ret;

	if ((p == SYSTEM || p == CMA) && heap[p] < 0)
		return -ENODEV;
	for (i = 0; i < runs; i++) {
		ret = run_once(p, len, t);
		if (ret)
			return ret;
		for (j = 0; j < NPATH; j++)
			v[j][i] = t[j];
	}
	for (j = 0; j < NPATH; j++)
		m[j] = median(v[j], runs);
	return 0;
}

/* The floors: memset of faulted-in memory, anonymous mmap + touch. */
static int floors(size_t len, int runs, double *zero, double *fault)
{
	double z[MAX_RUNS], f[MAX_RUNS], t0;
	unsigned char *p;
	int i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, 1, len);
	for (i = 0; i < runs; i++) {
		t0 = now_us();
		memset(p, 0, len);
		asm volatile("" : : "r"(p) : "memory");
		z[i] = now_us() - t0;
	}
	munmap(p, len);
	for (i = 0; i < runs; i++) {
		t0 = now_us();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		touch(p, len);
		munmap(p, len);
		f[i] = now_us() - t0;
	}
	*zero = median(z, runs);
	*fault = median(f, runs);
	return 0;
}

static void print_size(size_t len)
{
	if (len >= MIB)
		printf("%zu MiB", len / MIB);
	else
		printf("%zu KiB", len >> 10);
}

static void cell(int ok, double v)
{
	if (ok)
		printf(" %10.0f", v);
	else
		printf(" %10s", "-");
}

static void ratio(int ok, double a, double b)
{
	if (ok && b > 0)
		printf(" %6.2f", a / b);
	else
		printf(" %6s", "-");
}

/* The targets of issue 14, at 64 MiB. */
struct target {
	const char *what;
	double value, max;
	int ok;
};

static struct target targets[5] = {
	{ "scatter-gather, full cycle, iobmd / system heap", 0, 1.0, 0 },
	{ "task-mapped create, iobmd / system heap create + mmap", 0, 1.0, 0 },
	{ "scatter-gather create + free, iobmd / system heap", 0, 1.0, 0 },
	{ "create / memset (the zeroing floor)", 0, 1.3, 0 },
	{ "contiguous create + free, iobmd / CMA heap", 0, 1.0, 0 },
};

static void set_target(int i, int ok, double a, double b)
{
	targets[i].ok = ok && b > 0;
	targets[i].value = targets[i].ok ? a / b : 0;
}

/* Which debug options dominate this kernel's timings, if any. */
static void print_kernel(void)
{
	struct utsname u;
	char cs[64] = "?";
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256];
	int kasan = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " kasan_report")) {
			kasan = 1;
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	iobmd_clocksource(cs, sizeof(cs));
	printf("kernel %s %s\n  KASAN %s, lockdep %s, kmemleak %s\n"
	       "  clocksource %s, CLOCK_MONOTONIC_RAW steps by %lld ns\n",
	       u.release, u.version, kasan ? "on" : "off",
	       access("/proc/lockdep", F_OK) ? "off" : "on",
	       access("/sys/kernel/debug/kmemleak", F_OK) ? "off" : "on",
	       cs, iobmd_clock_step_ns(CLOCK_MONOTONIC_RAW, 100));
}

static int runs_for(size_t len)
{
	if (len <= MIB)
		return 15;
	return len <= 64 * MIB ? 7 : 3;
}

int main(int argc, char **argv)
{
	size_t max = (argc > 1 ? strtoul(argv[1], NULL, 0) : 1024) * MIB;
	double m[NPROV][NPATH], zero = 0, fault = 0;
	unsigned int i, j, failed = 0;
	size_t len;

	dev = open("/dev/iobmd", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/iobmd");
		return 1;
	}
	heap[SYSTEM] = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	heap[CMA] = open("/dev/dma_heap/reserved", O_RDONLY | O_CLOEXEC);
	if (heap[CMA] < 0)
		heap[CMA] = open("/dev/dma_heap/linux,cma",
				 O_RDONLY | O_CLOEXEC);
	iobmd_write_file(ON_FAULT_PARAM, "N");

	printf("iobmd-bench: medians, in microseconds; ratios iobmd / heap\n"
	       "(prepare+complete: the heaps' DMA_BUF_IOCTL_SYNC start + end;\n"
	       "task-mapped: the heaps' create + mmap; full cycle: create +\n"
	       "mmap + a write to every page + munmap + free)\n");
	print_kernel();
	for (len = 4096; len <= max; len *= 4) {
		int runs = runs_for(len), ok[NPROV], fl;

		for (i = 0; i < NPROV; i++) {
			/* Above the CMA area (256 MiB) neither can be had. */
			if ((i == CONTIG || i == CMA) && len > 256 * MIB) {
				ok[i] = 0;
				continue;
			}
			ok[i] = !measure(i, len, runs, m[i]);
			if (!ok[i] && i != CMA && i != CONTIG)
				failed++;
		}
		fl = !floors(len, runs, &zero, &fault);
		printf("\n");
		print_size(len);
		printf(", %d runs        %10s %10s %6s %10s %10s %6s\n", runs,
		       "iobmd sg", "system", "ratio", "contig", "CMA",
		       "ratio");
		for (j = 0; j < NPATH; j++) {
			printf("  %-22s", path_name[j]);
			cell(ok[SG], m[SG][j]);
			cell(ok[SYSTEM], m[SYSTEM][j]);
			ratio(ok[SG] && ok[SYSTEM], m[SG][j], m[SYSTEM][j]);
			cell(ok[CONTIG], m[CONTIG][j]);
			cell(ok[CMA], m[CMA][j]);
			ratio(ok[CONTIG] && ok[CMA], m[CONTIG][j], m[CMA][j]);
			printf("\n");
		}
		printf("  floor: memset %.0f us (iobmd sg create / memset %.2f)\n"
		       "  floor: anonymous mmap + touch + munmap %.0f us (iobmd sg full cycle / it %.2f)\n",
		       zero,
		       ok[SG] && fl ? m[SG][CREATE] / zero : 0, fault,
		       ok[SG] && fl ? m[SG][CYCLE] / fault : 0);
		printf("plot %zu", len);
		for (i = 0; i < NPROV; i++)
			cell(ok[i], m[i][CYCLE]);
		for (i = 0; i < NPROV; i++)
			cell(ok[i], m[i][CREATE]);
		cell(fl, zero);
		cell(fl, fault);
		printf("\n");
		if (len != 64 * MIB)
			continue;
		set_target(0, ok[SG] && ok[SYSTEM], m[SG][CYCLE],
			   m[SYSTEM][CYCLE]);
		set_target(1, ok[SG] && ok[SYSTEM], m[SG][TASK_CREATE],
			   m[SYSTEM][CREATE] + m[SYSTEM][MAP]);
		set_target(2, ok[SG] && ok[SYSTEM], m[SG][CREATE_FREE],
			   m[SYSTEM][CREATE_FREE]);
		set_target(3, ok[SG] && fl, m[SG][CREATE], zero);
		set_target(4, ok[CONTIG] && ok[CMA], m[CONTIG][CREATE_FREE],
			   m[CMA][CREATE_FREE]);
	}
	if (max >= 64 * MIB) {
		printf("\ntargets, 64 MiB:\n");
		for (i = 0; i < ARRAY_SIZE(targets); i++) {
			const struct target *t = &targets[i];

			printf("  %-55s %6.2f  <= %.1f  %s\n", t->what, t->value,
			       t->max, !t->ok ? "n/a" :
			       t->value <= t->max ? "PASS" : "MISS");
		}
	}
	for (i = 0; i < NPROV; i++)
		if (heap[i] >= 0)
			close(heap[i]);
	close(dev);
	return failed ? 1 : 0;
}
