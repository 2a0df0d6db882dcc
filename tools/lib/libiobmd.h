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
