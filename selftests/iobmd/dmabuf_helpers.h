/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the dma-buf selftests (dmabuf_test, dmabuf_vgem_test,
 * dmabuf_heap_test): exporting a buffer, reading a dma-buf's fdinfo,
 * DMA_BUF_IOCTL_SYNC, finding vgem, the memory type of a mapping from the
 * kernel's page tables, and the buffer kinds every test runs on. Plain
 * libc, no kselftest harness.
 */
#ifndef IOBMD_SELFTEST_DMABUF_HELPERS_H
#define IOBMD_SELFTEST_DMABUF_HELPERS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <drm/drm.h>

#include "iobmd_helpers.h"
#include "ptdump.h"

/* IOBMD_IOC_EXPORT_DMABUF: the dma-buf fd, or -errno. */
static inline int iobmd_export(int fd, __u32 flags)
{
	struct iobmd_export e = { .flags = flags };

	return ioctl(fd, IOBMD_IOC_EXPORT_DMABUF, &e) ? -errno : e.fd;
}

/*
 * The value of "@key:\t" in /proc/self/fdinfo/@fd (dma-buf's
 * dma_buf_show_fdinfo() adds size, count, exp_name), into @val; 0, or
 * -ENOENT when the line is missing, or -errno.
 */
static inline int fdinfo_field(int fd, const char *key, char *val,
			       size_t size)
{
	char path[64], line[256];
	size_t len = strlen(key);
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, len) || line[len] != ':')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(val, size, "%s",
			 line + len + 1 + strspn(line + len + 1, " \t"));
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* fdinfo's size: of a dma-buf, as a number; -1 when missing. */
static inline long long fdinfo_size(int fd)
{
	char val[64];

	if (fdinfo_field(fd, "size", val, sizeof(val)))
		return -1;
	return strtoll(val, NULL, 10);
}

/* DMA_BUF_IOCTL_SYNC: 0 or -errno. */
static inline int dmabuf_sync(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

/* The number of fds this process has open (entries of /proc/self/fd). */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	/* Not the directory's own fd. */
	return n - 1;
}

/*
 * vgem's DRM node: the /dev/dri/cardN whose DRM_IOCTL_VERSION name is
 * "vgem", opened O_RDWR; -1 when there is none.
 */
static inline int open_vgem(void)
{
	char path[32], name[8];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name_len = sizeof(name) - 1,
					 .name = name };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && v.name_len == 4 &&
		    !strncmp(name, "vgem", 4))
			return fd;
		close(fd);
	}
	return -1;
}

/* DRM_IOCTL_PRIME_FD_TO_HANDLE: 0 and *handle, or -errno. */
static inline int prime_import(int drm, int dmabuf, __u32 *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };

	if (ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return -errno;
	*handle = p.handle;
	return 0;
}

/* DRM_IOCTL_PRIME_HANDLE_TO_FD: the fd, or -errno. */
static inline int prime_export(int drm, __u32 handle, __u32 flags)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags };

	return ioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) ? -errno : p.fd;
}

/* DRM_IOCTL_GEM_CLOSE: 0 or -errno. */
static inline int gem_close(int drm, __u32 handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl(drm, DRM_IOCTL_GEM_CLOSE, &c) ? -errno : 0;
}

/*
 * How many of the @npages pages mapped at @p (each touched first, so that
 * it is mapped) do not have the memory type @want, from the kernel's page
 * tables, -1 when they cannot be read; the type of the first wrong one
 * goes to *first_bad.
 */
static inline int pages_not_of_type(const unsigned char *p, size_t npages,
				    int want, int *first_bad)
{
	__u64 addrs[64];
	int types[64], bad = 0;
	unsigned char sum = 0;
	size_t i;

	if (npages > 64)
		npages = 64;
	for (i = 0; i < npages; i++) {
		sum += p[i * PAGE];
		addrs[i] = (uintptr_t)p + i * PAGE;
	}
	/* The reads above fault every page in: keep them. */
	__asm__ __volatile__("" : : "r"(sum));
	if (ptdump_types(PTDUMP_CURRENT, addrs, npages, types))
		return -1;
	*first_bad = MT_UNMAPPED;
	for (i = 0; i < npages; i++) {
		if (types[i] == want)
			continue;
		if (!bad)
			*first_bad = types[i];
		bad++;
	}
	return bad;
}

/* A byte pattern that differs from page to page and seed to seed. */
static inline void fill_pattern(unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 13 + (i >> 12));
}

/* The index of the first byte of @p that is not the pattern, or -1. */
static inline long pattern_mismatch(const unsigned char *p, size_t n,
				    unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 13 + (i >> 12)))
			return i;
	return -1;
}

/*
 * The kinds of buffer the export and importer tests run on
 * (dmabuf_kinds.h), with the memory type a mapping of each must have.
 */
#define DMABUF_KIND_FIELDS	\
	__u32 options;		\
	__u32 flags;		\
	__u64 physical_mask;	\
	int type

/* A buffer of one kind: 0 and *c filled, or -errno. */
static inline int dmabuf_kind_create(int dev, __u64 capacity, __u32 options,
				     __u32 flags, __u64 physical_mask,
				     struct iobmd_create *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = capacity;
	c->options = options;
	c->flags = flags;
	c->physical_mask = physical_mask;
	return ioctl(dev, IOBMD_IOC_CREATE, c) ? -errno : 0;
}

#endif /* IOBMD_SELFTEST_DMABUF_HELPERS_H */
