// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libiobmd: IOKit-shaped calls over the iobmd ioctl ABI. See libiobmd.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/iobmd.h>

#include "libiobmd.h"

/*
 * The library is built with -fvisibility=hidden: only what is marked here
 * is exported from libiobmd.so.
 */
#define LIBIOBMD_EXPORT __attribute__((visibility("default")))

/*
 * The pid a pidfd names, from its fdinfo: -ESRCH once the process has
 * exited, -EBADF when @pidfd is not open, -EINVAL when it is not a pidfd.
 * The number is in the pid namespace of this /proc, which must be the
 * caller's for process_vm_readv() to mean the same process: -EOPNOTSUPP
 * otherwise (a /proc mounted for another namespace).
 */
static int libiobmd_pidfd_pid(int pidfd)
{
	char path[64], line[128];
	int pid = 0, found = 0, n;
	FILE *f;

	if (pidfd < 0)
		return -EBADF;
	n = readlink("/proc/self", line, sizeof(line) - 1);
	if (n < 0)
		return -errno;
	line[n] = 0;
	if (atoi(line) != getpid())
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -EBADF : -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			found = 1;
	fclose(f);
	if (!found)
		return -EINVAL;	/* not a pidfd */
	return pid > 0 ? pid : -ESRCH;
}

/* Read [address, address + length) of @pid into @dst, all or nothing. */
static int libiobmd_read_process(int pidfd, int pid, void *dst,
				 uint64_t address, uint64_t length)
{
	uint64_t done = 0;

	while (done < length) {
		struct iovec local = {
			.iov_base = (char *)dst + done,
			.iov_len = length - done,
		};
		struct iovec remote = {
			.iov_base = (void *)(uintptr_t)(address + done),
			.iov_len = length - done,
		};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EFAULT;
		done += n;
	}
	/*
	 * The pidfd still names this pid after the copy: the process had
	 * not been reaped, so its pid could not have been reused, and the
	 * bytes came from the process the pidfd names. (fdinfo rather than
	 * pidfd_send_signal(), which needs the right to signal.)
	 */
	return libiobmd_pidfd_pid(pidfd) == pid ? 0 : -ESRCH;
}

LIBIOBMD_EXPORT
int libiobmd_with_copy(int dev, uint32_t options, uint32_t flags, int pidfd,
		       uint64_t address, uint64_t length, void **mapped)
{
	struct iobmd_create c = {
		.capacity = length,
		.options = options,
		.flags = flags,
	};
	void *map;
	int pid, ret;

	if (mapped)
		*mapped = NULL;
	if (pidfd == LIBIOBMD_SELF) {
		c.data = address;
		if (ioctl(dev, IOBMD_IOC_CREATE, &c))
			return -errno;
		if (mapped)
			*mapped = (void *)(uintptr_t)c.address;
		return c.fd;
	}

	pid = libiobmd_pidfd_pid(pidfd);
	if (pid < 0)
		return pid;
	c.flags &= ~IOBMD_CREATE_MAP_TASK;
	if (ioctl(dev, IOBMD_IOC_CREATE, &c))
		return -errno;
	map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		close(c.fd);
		return ret;
	}
	ret = libiobmd_read_process(pidfd, pid, map, address, length);
	if (ret || !(flags & IOBMD_CREATE_MAP_TASK)) {
		munmap(map, length);
		map = NULL;
	}
	if (ret) {
		close(c.fd);
		return ret;
	}
	if (mapped)
		*mapped = map;
	return c.fd;
}

LIBIOBMD_EXPORT
int libiobmd_open(void)
{
	int fd = open("/dev/iobmd", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The create calls pass every field this header knows: version 2. */
static_assert(sizeof(struct iobmd_create) == IOBMD_CREATE_SIZE_VER2,
	      "libiobmd_create() fills struct iobmd_create version 2");

LIBIOBMD_EXPORT
int libiobmd_create(int dev, const struct libiobmd_create_args *args,
		    void **mapped)
{
	struct iobmd_create c;

	if (mapped)
		*mapped = NULL;
	if (!args || (!mapped && (args->flags & LIBIOBMD_MAP_TASK)))
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.capacity = args->capacity;
	c.options = args->options;
	c.flags = args->flags;
	c.alignment = args->alignment;
	c.physical_mask = args->physical_mask;
	c.data = (uintptr_t)args->data;
	if (ioctl(dev, IOBMD_IOC_CREATE, &c))
		return -errno;
	if (mapped)
		*mapped = (void *)(uintptr_t)c.address;
	return c.fd;
}

LIBIOBMD_EXPORT
int libiobmd_in_task_with_options(int dev, uint32_t options,
				  uint64_t capacity, uint64_t alignment,
				  uint32_t flags, void **mapped)
{
	struct libiobmd_create_args args = {
		.capacity = capacity,
		.options = options,
		.flags = flags,
		.alignment = alignment,
	};

	return libiobmd_create(dev, &args, mapped);
}

LIBIOBMD_EXPORT
int libiobmd_in_task_with_physical_mask(int dev, uint32_t options,
					uint64_t capacity,
					uint64_t physical_mask,
					uint32_t flags, void **mapped)
{
	struct libiobmd_create_args args = {
		.capacity = capacity,
		.options = options,
		.flags = flags,
		.physical_mask = physical_mask,
	};

	return libiobmd_create(dev, &args, mapped);
}

LIBIOBMD_EXPORT
int libiobmd_with_bytes(int dev, const void *bytes, uint64_t length,
			uint32_t options, uint32_t flags, void **mapped)
{
	struct libiobmd_create_args args = {
		.capacity = length,
		.options = options,
		.flags = flags,
		.data = bytes,
	};

	if (mapped)
		*mapped = NULL;
	if (!bytes)
		return -EINVAL;
	return libiobmd_create(dev, &args, mapped);
}

LIBIOBMD_EXPORT
int libiobmd_release(int buf)
{
	return close(buf) ? -errno : 0;
}

LIBIOBMD_EXPORT
int libiobmd_get_info(int buf, struct iobmd_info *info)
{
	if (!info)
		return -EINVAL;
	return ioctl(buf, IOBMD_IOC_INFO, info) ? -errno : 0;
}

LIBIOBMD_EXPORT
int libiobmd_get_capacity(int buf, uint64_t *capacity)
{
	struct iobmd_info info;
	int ret;

	if (!capacity)
		return -EINVAL;
	ret = libiobmd_get_info(buf, &info);
	if (!ret)
		*capacity = info.capacity;
	return ret;
}

LIBIOBMD_EXPORT
int libiobmd_get_length(int buf, uint64_t *length)
{
	struct iobmd_info info;
	int ret;

	if (!length)
		return -EINVAL;
	ret = libiobmd_get_info(buf, &info);
	if (!ret)
		*length = info.length;
	return ret;
}

LIBIOBMD_EXPORT
int libiobmd_set_length(int buf, uint64_t length)
{
	struct iobmd_length l = { .length = length };

	return ioctl(buf, IOBMD_IOC_SET_LENGTH, &l) ? -errno : 0;
}

LIBIOBMD_EXPORT
int libiobmd_append_bytes(int buf, const void *bytes, uint64_t size,
			  uint64_t *appended)
{
	struct iobmd_append a = {
		.data = (uintptr_t)bytes,
		.size = size,
	};

	if (appended)
		*appended = 0;
	if (!bytes && size)
		return -EINVAL;
	if (ioctl(buf, IOBMD_IOC_APPEND, &a))
		return -errno;
	if (appended)
		*appended = a.copied;
	return 0;
}

/*
 * pread/pwrite until @size bytes are done or the length ends them: a
 * short count is retried from where it stopped. An error after some bytes
 * ends the copy with their count, as read(2) does; -ENOSPC of pwrite (at
 * or past the length) is the end of the buffer, not an error.
 */
static ssize_t libiobmd_rw(int buf, uint64_t offset, void *bytes,
			   size_t size, int write)
{
	size_t done = 0;
	ssize_t n;

	if ((!bytes && size) || size > SSIZE_MAX || offset > INT64_MAX)
		return -EINVAL;
	do {
		if (write)
			n = pwrite(buf, (char *)bytes + done, size - done,
				   offset + done);
		else
			n = pread(buf, (char *)bytes + done, size - done,
				  offset + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && write && errno == ENOSPC)
			break;
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		if (n == 0)
			break;
		done += n;
	} while (done < size);
	return done;
}

LIBIOBMD_EXPORT
ssize_t libiobmd_read_bytes(int buf, uint64_t offset, void *bytes,
			    size_t size)
{
	return libiobmd_rw(buf, offset, bytes, size, 0);
}

LIBIOBMD_EXPORT
ssize_t libiobmd_write_bytes(int buf, uint64_t offset, const void *bytes,
			     size_t size)
{
	return libiobmd_rw(buf, offset, (void *)bytes, size, 1);
}

static int libiobmd_direction(int buf, unsigned long cmd, uint32_t direction)
{
	struct iobmd_direction d = { .direction = direction };

	return ioctl(buf, cmd, &d) ? -errno : 0;
}

LIBIOBMD_EXPORT
int libiobmd_set_direction(int buf, uint32_t direction)
{
	return libiobmd_direction(buf, IOBMD_IOC_SET_DIRECTION, direction);
}

LIBIOBMD_EXPORT
int libiobmd_prepare(int buf, uint32_t direction)
{
	return libiobmd_direction(buf, IOBMD_IOC_PREPARE, direction);
}

LIBIOBMD_EXPORT
int libiobmd_complete(int buf, uint32_t direction)
{
	return libiobmd_direction(buf, IOBMD_IOC_COMPLETE, direction);
}

LIBIOBMD_EXPORT
int libiobmd_set_purgeable(int buf, uint32_t new_state, uint32_t *old_state)
{
	struct iobmd_purgeable p = { .new_state = new_state };

	if (ioctl(buf, IOBMD_IOC_SET_PURGEABLE, &p))
		return -errno;
	if (old_state)
		*old_state = p.old_state;
	return 0;
}

LIBIOBMD_EXPORT
int libiobmd_get_segments(int buf, uint64_t offset,
			  struct iobmd_segment *segments, uint32_t count)
{
	struct iobmd_segments s = {
		.offset = offset,
		.segments = (uintptr_t)segments,
		.count = count,
	};

	if (!segments || count > INT_MAX)
		return -EINVAL;
	if (ioctl(buf, IOBMD_IOC_GET_SEGMENTS, &s))
		return -errno;
	return s.count;
}

LIBIOBMD_EXPORT
int libiobmd_get_physical_segment(int buf, uint64_t offset,
				  uint64_t *address, uint64_t *length)
{
	struct iobmd_segment seg;
	int ret;

	if (!address)
		return -EINVAL;
	ret = libiobmd_get_segments(buf, offset, &seg, 1);
	if (ret < 0)
		return ret;
	/* The walk fills the first entry whenever @offset is inside. */
	if (ret != 1)
		return -EINVAL;
	*address = seg.address;
	if (length)
		*length = seg.length;
	return 0;
}

LIBIOBMD_EXPORT
int libiobmd_map(int buf, uint64_t offset, uint64_t length, void **address)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (address)
		*address = NULL;
	if (!address || !length || page <= 0 || offset % page ||
	    offset > INT64_MAX || (uint64_t)(size_t)length != length)
		return -EINVAL;
	p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, buf,
		 offset);
	if (p == MAP_FAILED)
		return -errno;
	*address = p;
	return 0;
}

LIBIOBMD_EXPORT
int libiobmd_unmap(void *address, uint64_t length)
{
	if (!address || !length || (uint64_t)(size_t)length != length)
		return -EINVAL;
	return munmap(address, length) ? -errno : 0;
}

LIBIOBMD_EXPORT
int libiobmd_export_dmabuf(int buf, uint32_t flags)
{
	struct iobmd_export e = { .flags = flags };

	return ioctl(buf, IOBMD_IOC_EXPORT_DMABUF, &e) ? -errno : e.fd;
}

LIBIOBMD_EXPORT
int libiobmd_heap_alloc(const char *heap, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};
	char path[PATH_MAX];
	int fd, n, ret;

	if (!heap || !*heap || strchr(heap, '/'))
		return -EINVAL;
	n = snprintf(path, sizeof(path), "/dev/dma_heap/iobmd-%s", heap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data) ? -errno : (int)data.fd;
	close(fd);
	return ret;
}
