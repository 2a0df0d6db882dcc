// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd-demo: what make run shows. Creates a task-mapped buffer and an
 * unmapped one through /dev/iobmd, writes through the mappings, reads the
 * bytes back, prints each buffer's properties and frees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iobmd.h>

static const char *cache_name(__u32 mode)
{
	switch (mode) {
	case IOBMD_MAP_DEFAULT_CACHE:
		return "default";
	case IOBMD_MAP_INHIBIT_CACHE:
		return "inhibit (UC-)";
	case IOBMD_MAP_WRITE_THRU_CACHE:
		return "write-through (WT)";
	case IOBMD_MAP_COPYBACK_CACHE:
		return "copyback (WB)";
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return "write-combine (WC)";
	}
	return "?";
}

static const char *direction_name(__u32 options)
{
	static const char * const names[] = { "none", "in", "out", "inout" };

	return names[options & 3];
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/iobmd/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void show_maps(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[iobmd]"))
			printf("    maps: %s", line);
	fclose(f);
}

static int show(const char *what, int fd)
{
	struct iobmd_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, IOBMD_IOC_INFO, &info)) {
		perror("IOBMD_IOC_INFO");
		return -1;
	}
	printf("  %s buffer (fd %d)\n", what, fd);
	printf("    capacity   %llu bytes (allocated %llu)\n",
	       (unsigned long long)info.capacity,
	       (unsigned long long)info.alloc_size);
	printf("    length     %llu bytes\n", (unsigned long long)info.length);
	printf("    options    0x%08x (direction %s%s)\n", info.options,
	       direction_name(info.options),
	       info.options & IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS ?
	       ", physically contiguous" : "");
	printf("    dma_addr   0x%llx, %u segment(s), aligned to %llu\n",
	       (unsigned long long)info.dma_addr, info.segments,
	       (unsigned long long)info.alignment);
	printf("    cache mode %s\n", cache_name(info.cache_mode));
	printf("    kernel map %s\n", info.flags & IOBMD_INFO_KERNEL_MAPPED ?
	       "yes (KernelUserShared)" : "none (user space only)");
	return 0;
}

/* Write a pattern through p and read it back; returns the mismatches. */
static size_t write_read_back(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 13 + seed);
	for (i = 0; i < n; i++)
		bad += p[i] != (unsigned char)(i * 13 + seed);
	return bad;
}

int main(void)
{
	struct iobmd_create mapped = {
		.capacity = 3 * 4096 + 100,
		.options = IOBMD_DIRECTION_INOUT |
			   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
		.flags = IOBMD_CREATE_MAP_TASK,
	};
	struct iobmd_create unmapped = {
		.capacity = 1 << 20,
		.options = IOBMD_DIRECTION_IN | IOBMD_MEMORY_KERNEL_USER_SHARED,
	};
	long refcnt_before;
	size_t bad;
	void *p;
	int dev;

	dev = open("/dev/iobmd", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("open /dev/iobmd");
		return 1;
	}
	refcnt_before = module_refcnt();
	printf("iobmd demo: /dev/iobmd open, module refcount %ld\n\n",
	       refcnt_before);

	if (ioctl(dev, IOBMD_IOC_CREATE, &mapped)) {
		perror("create task-mapped");
		return 1;
	}
	printf("created a task-mapped buffer at 0x%llx\n",
	       (unsigned long long)mapped.address);
	if (show("task-mapped", mapped.fd))
		return 1;
	bad = write_read_back((void *)(uintptr_t)mapped.address,
			      mapped.capacity, 1);
	printf("    wrote and read back %llu bytes through the task mapping: %s\n\n",
	       (unsigned long long)mapped.capacity, bad ? "MISMATCH" : "ok");
	if (bad)
		return 1;

	if (ioctl(dev, IOBMD_IOC_CREATE, &unmapped)) {
		perror("create unmapped");
		return 1;
	}
	printf("created an unmapped buffer (address %llu)\n",
	       (unsigned long long)unmapped.address);
	if (show("unmapped", unmapped.fd))
		return 1;
	p = mmap(NULL, unmapped.capacity, PROT_READ | PROT_WRITE, MAP_SHARED,
		 unmapped.fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	bad = write_read_back(p, unmapped.capacity, 2);
	printf("    mapped it later at %p; wrote and read back %llu bytes: %s\n",
	       p, (unsigned long long)unmapped.capacity,
	       bad ? "MISMATCH" : "ok");
	if (bad)
		return 1;
	show_maps();
	printf("    module refcount %ld while the buffers live\n\n",
	       module_refcnt());

	munmap((void *)(uintptr_t)mapped.address, mapped.capacity);
	close(mapped.fd);
	munmap(p, unmapped.capacity);
	close(unmapped.fd);
	printf("freed both buffers: module refcount back to %ld (was %ld)\n",
	       module_refcnt(), refcnt_before);
	close(dev);
	return module_refcnt() == refcnt_before - 1 ? 0 : 1;
}
