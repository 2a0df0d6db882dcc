// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libiobmd: IOKit-shaped calls over the iobmd ioctl ABI. See libiobmd.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/iobmd.h>

#include "libiobmd.h"

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
