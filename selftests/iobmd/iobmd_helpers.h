/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the iobmd selftests: issuing the ioctls and observing the
 * module from outside (its reference count, the next free fd, debugfs,
 * capabilities, the trace). What the benchmarks use too is in
 * tools/include/iobmd_util.h. Plain libc, no kselftest harness.
 */
#ifndef IOBMD_SELFTEST_HELPERS_H
#define IOBMD_SELFTEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <linux/iobmd.h>

#include "iobmd_util.h"

#define IOBMD_BUFFERS "/sys/kernel/debug/iobmd/buffers"

static inline int iobmd_open(void)
{
	return open(IOBMD_DEV, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno; fills *c (fd, address) on success. */
static inline int iobmd_create(int dev, __u64 capacity, __u32 options,
			       __u32 flags, struct iobmd_create *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = capacity;
	c->options = options;
	c->flags = flags;
	return ioctl(dev, IOBMD_IOC_CREATE, c) ? -errno : 0;
}

/*
 * A buffer's mapping: the task mapping when *address has one, else a new
 * shared read-write mmap of the fd, whose address goes to *address (so
 * that one munmap of *address undoes either). NULL when mmap fails.
 */
static inline unsigned char *iobmd_map_buffer(int fd, size_t len,
					      __u64 *address)
{
	void *p;

	if (*address)
		return (unsigned char *)(uintptr_t)*address;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*address = (uintptr_t)p;
	return p;
}

/* The struct is filled with 0xff first: every field must be written. */
static inline int iobmd_info(int fd, struct iobmd_info *info)
{
	memset(info, 0xff, sizeof(*info));
	return ioctl(fd, IOBMD_IOC_INFO, info) ? -errno : 0;
}

/*
 * Walk a buffer's DMA segments with IOBMD_IOC_GET_SEGMENTS. Returns the
 * number of segments (0 on error) and their total length and highest
 * address in *total and *highest.
 */
static inline unsigned int iobmd_walk_segments(int fd, __u64 *total,
					       __u64 *highest)
{
	struct iobmd_segment seg[16];
	struct iobmd_segments s;
	unsigned int n = 0, i;

	*total = 0;
	*highest = 0;
	for (;;) {
		memset(&s, 0, sizeof(s));
		s.offset = *total;
		s.segments = (uintptr_t)seg;
		s.count = 16;
		if (ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s))
			return errno == EINVAL && n ? n : 0;
		for (i = 0; i < s.count; i++) {
			*total += seg[i].length;
			if (seg[i].address + seg[i].length - 1 > *highest)
				*highest = seg[i].address + seg[i].length - 1;
		}
		n += s.count;
	}
}

/* The module's reference count, from sysfs; -1 when not loaded. */
static inline long iobmd_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/iobmd/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * This process's buffer of @capacity in iobmd/buffers: its line, without
 * the newline, into @line (@size bytes). 0 when found, -ENOENT when not,
 * or the errno of reading the file.
 */
static inline int iobmd_buffer_line(__u64 capacity, char *line, size_t size)
{
	char want_pid[32], want_cap[40], buf[1024];
	int found = -ENOENT;
	FILE *f = fopen(IOBMD_BUFFERS, "re");

	if (!f)
		return -errno;
	snprintf(want_pid, sizeof(want_pid), " pid=%d ", getpid());
	snprintf(want_cap, sizeof(want_cap), " capacity=%llu ",
		 (unsigned long long)capacity);
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (strstr(buf, want_pid) && strstr(buf, want_cap)) {
			snprintf(line, size, "%s", buf);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The value of @key in a buffers line, into @value; "" when missing. */
static inline const char *iobmd_buffer_field(const char *line,
					     const char *key, char *value,
					     size_t size)
{
	char want[32];
	const char *p;
	size_t n;

	snprintf(want, sizeof(want), " %s=", key);
	value[0] = 0;
	if (!strncmp(line, want + 1, strlen(want + 1))) {
		p = line + strlen(want + 1);
	} else {
		p = strstr(line, want);
		if (!p)
			return value;
		p += strlen(want);
	}
	n = strcspn(p, " ");
	if (n >= size)
		n = size - 1;
	memcpy(value, p, n);
	value[n] = 0;
	return value;
}

/* Drop a capability from this process's effective set: 0 or -errno. */
static inline int iobmd_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Whether @cap is in this process's effective set: 1, 0, or -errno. */
static inline int iobmd_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

/*
 * Whether buffer fds this process creates show DMA (physical) addresses:
 * only with CAP_SYS_ADMIN, as /proc/pid/pagemap shows PFNs. Without it
 * (the unprivileged run of the selftests, a member of the group iobmd)
 * INFO.dma_addr reads 0 and GET_SEGMENTS fails with EPERM.
 */
static inline int iobmd_sees_addresses(void)
{
	return iobmd_has_cap(CAP_SYS_ADMIN) == 1;
}

/*
 * In a child that keeps its fds: give up root for nobody (65534), so that
 * what it creates is unprivileged. Nothing to give up when not root (the
 * unprivileged run of the selftests). 0 or -errno.
 */
static inline int iobmd_become_unprivileged(void)
{
	if (geteuid() != 0)
		return 0;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return -errno;
	return 0;
}

#define IOBMD_TRACEFS "/sys/kernel/tracing"

/* The trace of tracefs, read whole into a malloc()ed string; NULL on error. */
static inline char *iobmd_read_trace(void)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(IOBMD_TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
		if (!buf)
			break;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* The lowest free file descriptor: it moves if an fd leaked. */
static inline int iobmd_next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

#endif /* IOBMD_SELFTEST_HELPERS_H */
