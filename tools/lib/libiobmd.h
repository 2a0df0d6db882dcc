/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libiobmd: IOKit-shaped calls over the iobmd ioctl ABI
 * (uapi/linux/iobmd.h). Every call returns a non-negative value on success
 * or a negative errno; the library never exits or prints.
 */
#ifndef LIBIOBMD_H
#define LIBIOBMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/iobmd.h>

/*
 * Handles: a buffer is its fd (O_RDWR | O_CLOEXEC), as IOBMD_IOC_CREATE
 * returns it, so the usual fd calls work on it (dup, pread, pwrite, mmap,
 * SCM_RIGHTS). libiobmd_release() closes it.
 */

/* Flag of the create calls: map the new buffer into the caller. */
#define LIBIOBMD_MAP_TASK IOBMD_CREATE_MAP_TASK

/**
 * struct libiobmd_create_args - every input of a new buffer
 * @capacity:      bytes, at least 1.
 * @options:       IOKit option bits (IOBMD_DIRECTION_*, IOBMD_MEMORY_*,
 *                 IOBMD_MAP_*_CACHE).
 * @flags:         LIBIOBMD_MAP_TASK or 0.
 * @alignment:     bytes; 0 or 1 for none, else a power of two.
 * @physical_mask: 0 for none, else as inTaskWithPhysicalMask()'s mask.
 * @data:          NULL, or @capacity bytes to copy in (withBytes).
 */
struct libiobmd_create_args {
	uint64_t capacity;
	uint32_t options;
	uint32_t flags;
	uint64_t alignment;
	uint64_t physical_mask;
	const void *data;
};

int libiobmd_open(void);
int libiobmd_create(int dev, const struct libiobmd_create_args *args,
		    void **mapped);
int libiobmd_in_task_with_options(int dev, uint32_t options,
				  uint64_t capacity, uint64_t alignment,
				  uint32_t flags, void **mapped);
int libiobmd_in_task_with_physical_mask(int dev, uint32_t options,
					uint64_t capacity,
					uint64_t physical_mask,
					uint32_t flags, void **mapped);
int libiobmd_with_bytes(int dev, const void *bytes, uint64_t length,
			uint32_t options, uint32_t flags, void **mapped);
int libiobmd_release(int buf);

int libiobmd_get_info(int buf, struct iobmd_info *info);
int libiobmd_get_capacity(int buf, uint64_t *capacity);
int libiobmd_get_length(int buf, uint64_t *length);
int libiobmd_set_length(int buf, uint64_t length);
int libiobmd_append_bytes(int buf, const void *bytes, uint64_t size,
			  uint64_t *appended);
ssize_t libiobmd_read_bytes(int buf, uint64_t offset, void *bytes,
			    size_t size);
ssize_t libiobmd_write_bytes(int buf, uint64_t offset, const void *bytes,
			     size_t size);

int libiobmd_set_direction(int buf, uint32_t direction);
int libiobmd_prepare(int buf, uint32_t direction);
int libiobmd_complete(int buf, uint32_t direction);
int libiobmd_get_physical_segment(int buf, uint64_t offset,
				  uint64_t *address, uint64_t *length);
int libiobmd_get_segments(int buf, uint64_t offset,
			  struct iobmd_segment *segments, uint32_t count);

int libiobmd_map(int buf, uint64_t offset, uint64_t length, void **address);
int libiobmd_unmap(void *address, uint64_t length);

/* The pidfd argument of libiobmd_with_copy() that means the caller. */
#define LIBIOBMD_SELF (-1)

/**
 * libiobmd_with_copy() - a new buffer holding a copy of a process's memory
 * @dev:     an fd of /dev/iobmd.
 * @options: IOKit option bits of the new buffer (kIODirection*,
 *           kIOMemory*, cache mode), as for IOBMD_IOC_CREATE.
 * @flags:   IOBMD_CREATE_MAP_TASK to keep the buffer mapped in the caller
 *           (the address goes to *@mapped), or 0.
 * @pidfd:   LIBIOBMD_SELF for the caller's own memory, or a pidfd
 *           (pidfd_open(2)) naming the process to copy from.
 * @address: start of the range in that process's address space.
 * @length:  bytes to copy, at least 1: the new buffer's capacity and length.
 * @mapped:  out, may be NULL: the mapping's address with
 *           IOBMD_CREATE_MAP_TASK, else NULL.
 *
 * Mirrors IOBufferMemoryDescriptor::withCopy(inTask, options, sourceMap,
 * sourceAddr, size). The caller's memory is copied by the kernel
 * (IOBMD_IOC_CREATE with data). Another process's is read with
 * process_vm_readv(2), so the permission check is exactly that call's
 * (ptrace access mode PTRACE_MODE_ATTACH_REALCREDS); the kernel module
 * cannot make that check itself. The pidfd pins the process's identity:
 * the copy fails rather than read a process that reused the pid.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the new buffer's fd (O_CLOEXEC), or a negative errno:
 * the errnos of IOBMD_IOC_CREATE and mmap(2); -EBADF when @pidfd is not
 * open, -EINVAL when it is not a pidfd; -ESRCH when the process has
 * exited (also during the copy); -EPERM when the caller may not read it;
 * -EFAULT when the range is not readable in full; -EOPNOTSUPP when /proc
 * belongs to another pid namespace than the caller's, so that the pidfd's
 * pid cannot be known. Nothing is left behind on error.
 */
int libiobmd_with_copy(int dev, uint32_t options, uint32_t flags, int pidfd,
		       uint64_t address, uint64_t length, void **mapped);

#endif /* LIBIOBMD_H */
