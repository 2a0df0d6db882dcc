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

/*
 * Errnos every call on a buffer fd can return, besides its own:
 * -EBADF when @buf is not an open fd, and -ENOTTY when it is open but not
 * an iobmd buffer fd (/dev/null, a regular file, /dev/iobmd itself). The
 * create calls return -ENOTTY when @dev is not an fd of /dev/iobmd.
 */

/**
 * libiobmd_open() - open the iobmd device
 *
 * Opens /dev/iobmd with O_RDWR | O_CLOEXEC. The fd is the @dev argument
 * of the create calls; one fd serves any number of creates from any
 * thread. IOKit has no such call: a driver's task always has the
 * allocator. Close it with close(2) or libiobmd_release().
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the fd, or a negative errno of open(2): -ENOENT when there is no
 * /dev/iobmd (the module is not loaded), -EACCES when the caller may not
 * open it (mode 0600: root only unless udev says otherwise), -ENXIO or
 * -ENODEV when the node has no driver behind it, -EMFILE, -ENFILE,
 * -ENOMEM.
 */
int libiobmd_open(void);

/**
 * libiobmd_create() - create a buffer from every input at once
 * @dev:    an fd of /dev/iobmd (libiobmd_open()).
 * @args:   the inputs; see struct libiobmd_create_args.
 * @mapped: out: with LIBIOBMD_MAP_TASK in @args->flags, the address of
 *          the buffer's mapping in the caller (shared, read and write,
 *          @args->capacity rounded up to pages, in bytes); NULL without.
 *          May be NULL only without LIBIOBMD_MAP_TASK.
 *
 * Mirrors IOBufferMemoryDescriptor::initWithPhysicalMask(task, options,
 * capacity, alignment, physicalMask), with withBytes()' initial contents
 * as @args->data. The task is the caller (LIBIOBMD_MAP_TASK) or none.
 * Issues IOBMD_IOC_CREATE with the struct iobmd_create of this header
 * (IOBMD_CREATE_SIZE_VER2, 56 bytes). Undo the mapping with
 * libiobmd_unmap() and the fd with libiobmd_release(); the buffer lives
 * until both are gone.
 *
 * Context: may sleep (allocates memory, takes the caller's mmap lock);
 * thread-safe.
 *
 * Return: the new buffer's fd (O_RDWR | O_CLOEXEC), or a negative errno:
 *
 * * -EINVAL - @args is NULL, or @mapped is NULL with LIBIOBMD_MAP_TASK;
 *   from the ioctl: a capacity of 0 or one so large that rounding it to
 *   pages and the alignment overflows; an alignment not 0, 1 or a power
 *   of two; an unknown option or flag bit; a direction above
 *   IOBMD_DIRECTION_INOUT; IOBMD_MEMORY_PURGEABLE without
 *   IOBMD_MEMORY_PAGEABLE; a cache mode value other than the five known;
 *   IOBMD_MEMORY_PAGEABLE with a contiguous buffer (also by an alignment
 *   or a physical mask alignment above a page), with
 *   IOBMD_MEMORY_MAPPER_NONE, IOBMD_MEMORY_KERNEL_USER_SHARED or a cache
 *   mode other than default and copyback.
 * * -E2BIG - the module is older than this header and does not know a
 *   field given non-zero (@args->data before version 2, @args->alignment
 *   and @args->physical_mask before version 1).
 * * -EOPNOTSUPP - an IOKit option iobmd does not provide (yet):
 *   IOBMD_MEMORY_CLEAR_ENCRYPT,
 *   IOBMD_MEMORY_USE_RESERVE, IOBMD_MAP_WRITE_THRU_CACHE, and
 *   IOBMD_MAP_WRITE_COMBINE_CACHE without PAT; or a physical mask whose
 *   highest address is below what the platform can allocate.
 * * -ENOMEM - no memory satisfies the size, alignment and mask together,
 *   or no address space for the task mapping.
 * * -EMFILE, -ENFILE - no free file descriptor.
 * * -EFAULT - @args->data is not readable for @args->capacity bytes.
 * * -EAGAIN, -EPERM, -EACCES - mmap(2) of the task mapping refused
 *   (locked memory limit, security module).
 * * -EBADF, -ENOTTY - @dev is not open, or not /dev/iobmd.
 *
 * On error nothing is left behind: no fd, no mapping, no buffer, and
 * *@mapped is NULL.
 */
int libiobmd_create(int dev, const struct libiobmd_create_args *args,
		    void **mapped);

/**
 * libiobmd_in_task_with_options() - create a buffer
 * @dev:       an fd of /dev/iobmd.
 * @options:   IOKit option bits: a direction (IOBMD_DIRECTION_*), memory
 *             options (IOBMD_MEMORY_*) and a cache mode
 *             (IOBMD_MAP_*_CACHE).
 * @capacity:  size in bytes, at least 1; the buffer's capacity and length.
 * @alignment: alignment of the buffer's start in bytes: 0 or 1 for none
 *             (a page), else a power of two.
 * @flags:     LIBIOBMD_MAP_TASK to map the buffer into the caller, or 0.
 * @mapped:    out: the mapping's address, or NULL; see libiobmd_create().
 *
 * Mirrors IOBufferMemoryDescriptor::inTaskWithOptions(task, options,
 * capacity, alignment), the task being the caller (LIBIOBMD_MAP_TASK) or
 * none. libiobmd_create() with these inputs.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the new buffer's fd, or a negative errno as libiobmd_create():
 * -EINVAL, -E2BIG, -EOPNOTSUPP, -ENOMEM, -EMFILE, -ENFILE, -EAGAIN,
 * -EPERM, -EACCES, -EBADF, -ENOTTY. Nothing is left behind on error.
 */
int libiobmd_in_task_with_options(int dev, uint32_t options,
				  uint64_t capacity, uint64_t alignment,
				  uint32_t flags, void **mapped);

/**
 * libiobmd_in_task_with_physical_mask() - create a buffer under a mask
 * @dev:           an fd of /dev/iobmd.
 * @options:       IOKit option bits, as libiobmd_in_task_with_options().
 * @capacity:      size in bytes, at least 1.
 * @physical_mask: 0 for none, else the bits a physical address of the
 *                 buffer may have: its trailing zero bits are an alignment,
 *                 and mask | (alignment - 1) is the highest address (see
 *                 struct iobmd_create).
 * @flags:         LIBIOBMD_MAP_TASK or 0.
 * @mapped:        out: the mapping's address, or NULL; see
 *                 libiobmd_create().
 *
 * Mirrors IOBufferMemoryDescriptor::inTaskWithPhysicalMask(task, options,
 * capacity, physicalMask). libiobmd_create() with these inputs.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the new buffer's fd, or a negative errno as libiobmd_create():
 * -EINVAL, -E2BIG, -EOPNOTSUPP (also a mask whose highest address is below
 * what the platform can allocate, 16 MiB on x86), -ENOMEM (no memory
 * under the mask), -EMFILE, -ENFILE, -EAGAIN, -EPERM, -EACCES, -EBADF,
 * -ENOTTY. Nothing is left behind on error.
 */
int libiobmd_in_task_with_physical_mask(int dev, uint32_t options,
					uint64_t capacity,
					uint64_t physical_mask,
					uint32_t flags, void **mapped);

/**
 * libiobmd_with_bytes() - create a buffer holding a copy of bytes
 * @dev:     an fd of /dev/iobmd.
 * @bytes:   the bytes to copy, @length of them.
 * @length:  bytes, at least 1: the buffer's capacity and length.
 * @options: IOKit option bits, as libiobmd_in_task_with_options() (IOKit
 *           passes a direction and kIOMemoryPhysicallyContiguous).
 * @flags:   LIBIOBMD_MAP_TASK or 0.
 * @mapped:  out: the mapping's address, or NULL; see libiobmd_create().
 *
 * Mirrors IOBufferMemoryDescriptor::withBytes(bytes, length, direction,
 * contiguous). The kernel copies the bytes while creating the buffer.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the new buffer's fd, or a negative errno: -EINVAL also when
 * @bytes is NULL; -EFAULT when @bytes is not readable for @length bytes;
 * -E2BIG from a module older than version 2 of struct iobmd_create; the
 * others as libiobmd_create(): -EOPNOTSUPP, -ENOMEM, -EMFILE, -ENFILE,
 * -EAGAIN, -EPERM, -EACCES, -EBADF, -ENOTTY. Nothing is left behind on
 * error.
 */
int libiobmd_with_bytes(int dev, const void *bytes, uint64_t length,
			uint32_t options, uint32_t flags, void **mapped);

/**
 * libiobmd_release() - close a buffer fd (or the /dev/iobmd fd)
 * @buf: the fd.
 *
 * Mirrors OSObject::release() of an IOBufferMemoryDescriptor: drops the
 * fd's reference. The buffer itself lives on while another fd (dup(2),
 * SCM_RIGHTS) or a mapping of it exists, as a retained IOKit object does.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: 0, or -EBADF when @buf is not an open fd. (close(2)'s -EINTR
 * and -EIO cannot come from an iobmd fd; the fd is closed in any case.)
 */
int libiobmd_release(int buf);

/**
 * libiobmd_get_info() - describe a buffer
 * @buf:  a buffer fd.
 * @info: out: capacity, length, allocated size, first DMA address,
 *        alignment, options, segment count, cache mode, flags, physical
 *        mask, purgeable state and prepare count; see struct iobmd_info
 *        (sizes in bytes). A kernel older than this header fills only the
 *        fields it knows: zero @info first to read the others as 0.
 *
 * Issues IOBMD_IOC_INFO. Its fields are those of IOKit's getCapacity(),
 * getLength(), getDirection()/getFlags() and getPhysicalSegment(0) in one
 * call. @info->dma_addr is 0 unless the buffer was created with
 * CAP_SYS_ADMIN.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @info is NULL, -EBADF,
 * -ENOTTY (see above).
 */
int libiobmd_get_info(int buf, struct iobmd_info *info);

/**
 * libiobmd_get_capacity() - the capacity of a buffer
 * @buf:      a buffer fd.
 * @capacity: out: the bytes asked for at create.
 *
 * Mirrors IOBufferMemoryDescriptor::getCapacity(); from IOBMD_IOC_INFO.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @capacity is NULL, -EBADF,
 * -ENOTTY.
 */
int libiobmd_get_capacity(int buf, uint64_t *capacity);

/**
 * libiobmd_get_length() - the current length of a buffer
 * @buf:    a buffer fd.
 * @length: out: the length in bytes, at most the capacity.
 *
 * Mirrors IOMemoryDescriptor::getLength(); from IOBMD_IOC_INFO. The length
 * is also the end of file for pread(2), pwrite(2) and lseek(2).
 *
 * Context: may sleep; thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @length is NULL, -EBADF,
 * -ENOTTY.
 */
int libiobmd_get_length(int buf, uint64_t *length);

/**
 * libiobmd_set_length() - change the length of a buffer
 * @buf:    a buffer fd.
 * @length: the new length in bytes, from 0 to the capacity.
 *
 * Mirrors IOBufferMemoryDescriptor::setLength(); IOBMD_IOC_SET_LENGTH.
 * The contents are kept; only the length (the end for read, write, append
 * and segments) changes.
 *
 * Context: may sleep (takes the buffer's mutex); thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @length is above the
 * capacity (XNU ignores such a length silently), -EBADF, -ENOTTY.
 */
int libiobmd_set_length(int buf, uint64_t length);

/**
 * libiobmd_append_bytes() - copy bytes to the end of a buffer
 * @buf:      a buffer fd.
 * @bytes:    the bytes; may be NULL only when @size is 0.
 * @size:     number of bytes.
 * @appended: out, may be NULL: bytes appended, as many of @size as fit
 *            between the length and the capacity (0 when full).
 *
 * Mirrors IOBufferMemoryDescriptor::appendBytes(bytes, withLength):
 * copies to the end and grows the length by what was copied.
 * IOBMD_IOC_APPEND. XNU returns true whatever fitted; iobmd gives the
 * count.
 *
 * Context: may sleep (takes the buffer's mutex); thread-safe.
 *
 * Return: 0, or a negative errno (then nothing was appended and
 * *@appended is 0): -EINVAL when @bytes is NULL and @size is not 0;
 * -EFAULT when @bytes is not readable for the bytes that fit; -EBUSY
 * while the buffer is prepared read-only (a first libiobmd_prepare() for
 * IOBMD_DIRECTION_OUT alone); -EBADF, -ENOTTY.
 */
int libiobmd_append_bytes(int buf, const void *bytes, uint64_t size,
			  uint64_t *appended);

/**
 * libiobmd_read_bytes() - copy bytes out of a buffer
 * @buf:    a buffer fd.
 * @offset: byte offset in the buffer.
 * @bytes:  destination; may be NULL only when @size is 0.
 * @size:   bytes to copy.
 *
 * Mirrors IOMemoryDescriptor::readBytes(offset, bytes, length): copies up
 * to @size bytes, bounded by the length, with pread(2), retried on short
 * counts.
 *
 * Context: may sleep (takes the buffer's mutex); thread-safe.
 *
 * Return: the bytes copied: @size, fewer when the length ends first, 0
 * when @offset is at or past the length (as XNU). Or a negative errno
 * when nothing was copied: -EINVAL when @bytes is NULL with a non-zero
 * @size, @size is above SSIZE_MAX or @offset above INT64_MAX; -EFAULT
 * when @bytes is not writable; -EBADF. On a file that is not a buffer fd
 * the call is a pread(2) of that file, with its errnos (-ESPIPE for a pipe
 * or socket, -EISDIR for a directory).
 */
ssize_t libiobmd_read_bytes(int buf, uint64_t offset, void *bytes,
			    size_t size);

/**
 * libiobmd_write_bytes() - copy bytes into a buffer
 * @buf:    a buffer fd.
 * @offset: byte offset in the buffer.
 * @bytes:  source; may be NULL only when @size is 0.
 * @size:   bytes to copy.
 *
 * Mirrors IOMemoryDescriptor::writeBytes(offset, bytes, length): copies up
 * to @size bytes, bounded by the length (never growing it: see
 * libiobmd_append_bytes()), with pwrite(2), retried on short counts.
 *
 * Context: may sleep (takes the buffer's mutex); thread-safe.
 *
 * Return: the bytes copied: @size, fewer when the length ends first, 0
 * when @offset is at or past the length (as XNU). Or a negative errno
 * when nothing was copied: -EINVAL when @bytes is NULL with a non-zero
 * @size, @size is above SSIZE_MAX or @offset above INT64_MAX; -EFAULT
 * when @bytes is not readable; -EBUSY while the buffer is prepared
 * read-only (see libiobmd_append_bytes()); -EBADF. On a file that is not
 * a buffer fd the call is a pwrite(2) of that file, with its errnos.
 */
ssize_t libiobmd_write_bytes(int buf, uint64_t offset, const void *bytes,
			     size_t size);

/**
 * libiobmd_set_direction() - replace the direction of a buffer
 * @buf:       a buffer fd.
 * @direction: IOBMD_DIRECTION_NONE, _IN, _OUT or _INOUT.
 *
 * Mirrors IOMemoryDescriptor::setDirection(); IOBMD_IOC_SET_DIRECTION.
 * The other option bits stay.
 *
 * Context: may sleep (takes the buffer's mutex); thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL for a direction above
 * IOBMD_DIRECTION_INOUT (XNU takes any value), -EBADF, -ENOTTY.
 */
int libiobmd_set_direction(int buf, uint32_t direction);

/**
 * libiobmd_prepare() - make a buffer ready for a device
 * @buf:       a buffer fd.
 * @direction: IOBMD_DIRECTION_IN (the device writes), _OUT (it reads),
 *             _INOUT, or _NONE for the buffer's own direction.
 *
 * Mirrors IOMemoryDescriptor::prepare(direction); IOBMD_IOC_PREPARE. Calls
 * are counted, each needs a libiobmd_complete(). When the first prepare
 * is for Out alone, the buffer is read-only for libiobmd_write_bytes()
 * and libiobmd_append_bytes() (-EBUSY) until the last complete.
 *
 * Context: may sleep (takes the buffer's mutex, syncs caches); thread-safe.
 *
 * A pageable buffer's first prepare brings its pages in, pins them
 * (counted in the caller's VmPin against RLIMIT_MEMLOCK unless
 * CAP_IPC_LOCK) and DMA-maps them; only then does it have segments.
 *
 * Return: 0, or a negative errno: -EINVAL for a direction above
 * IOBMD_DIRECTION_INOUT, -EOVERFLOW when the prepare count is at its
 * limit (UINT_MAX), -EBADF, -ENOTTY; for a pageable buffer also -ENOMEM
 * (no memory, or RLIMIT_MEMLOCK), -EIO (a page could not be read back or
 * DMA-mapped) and -EBUSY (a nested prepare the first one's mapping does
 * not allow: In after Out, or Out after In).
 */
int libiobmd_prepare(int buf, uint32_t direction);

/**
 * libiobmd_complete() - the device is done with a buffer
 * @buf:       a buffer fd.
 * @direction: as given to libiobmd_prepare().
 *
 * Mirrors IOMemoryDescriptor::complete(direction); IOBMD_IOC_COMPLETE.
 * Undoes one libiobmd_prepare(); the last one ends the read-only state,
 * and unpins a pageable buffer.
 *
 * Context: may sleep (takes the buffer's mutex, syncs caches); thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL for a direction above
 * IOBMD_DIRECTION_INOUT or a complete without a prepare (XNU ignores it),
 * -EBADF, -ENOTTY.
 */
int libiobmd_complete(int buf, uint32_t direction);

/**
 * libiobmd_get_physical_segment() - the DMA segment at an offset
 * @buf:     a buffer fd.
 * @offset:  byte offset, below the length.
 * @address: out: the DMA address of the byte at @offset (the physical
 *           address on x86 without an IOMMU).
 * @length:  out, may be NULL: bytes from @offset to the end of the
 *           contiguous run that holds it, never past the length.
 *
 * Mirrors IOMemoryDescriptor::getPhysicalSegment(offset, &length,
 * options); IOBMD_IOC_GET_SEGMENTS for one entry. A contiguous buffer has
 * one segment: @offset 0 gives the whole length.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @address is NULL or
 * @offset is at or past the length (XNU returns address 0 there); -EPERM
 * when the buffer was created without CAP_SYS_ADMIN (addresses are hidden,
 * as in /proc/pid/pagemap); -ENXIO for a pageable buffer that is not
 * prepared (XNU panics); -EBADF, -ENOTTY.
 */
int libiobmd_get_physical_segment(int buf, uint64_t offset,
				  uint64_t *address, uint64_t *length);

/**
 * libiobmd_get_segments() - the DMA segments from an offset on
 * @buf:      a buffer fd.
 * @offset:   byte offset where the walk starts, below the length.
 * @segments: out: @count entries to fill, each an address and a length in
 *            bytes.
 * @count:    entries in @segments, from 1 to INT_MAX.
 *
 * Walks the buffer from @offset to its length as repeated
 * IOMemoryDescriptor::getPhysicalSegment() calls do, merged: a contiguous
 * buffer has one segment. IOBMD_IOC_GET_SEGMENTS.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the number of entries filled, 1 to @count (@count when the
 * buffer has more), or a negative errno: -EINVAL when @segments is NULL,
 * @count is 0 or above INT_MAX, or @offset is at or past the length;
 * -EPERM when the buffer was created without CAP_SYS_ADMIN; -EFAULT when
 * @segments is not writable; -EBADF, -ENOTTY.
 */
int libiobmd_get_segments(int buf, uint64_t offset,
			  struct iobmd_segment *segments, uint32_t count);

/**
 * libiobmd_set_purgeable() - change the purgeable state of a buffer
 * @buf:       a buffer fd, created with IOBMD_MEMORY_PAGEABLE |
 *             IOBMD_MEMORY_PURGEABLE.
 * @new_state: IOBMD_PURGEABLE_KEEP_CURRENT (only read), _NON_VOLATILE,
 *             _VOLATILE (the system may discard the contents under memory
 *             pressure) or _EMPTY (discard them now).
 * @old_state: out, may be NULL: the state before, _NON_VOLATILE,
 *             _VOLATILE or _EMPTY (the contents were discarded; the
 *             buffer reads as zeros).
 *
 * Mirrors IOMemoryDescriptor::setPurgeable(newState, &oldState);
 * IOBMD_IOC_SET_PURGEABLE. Volatile after Empty stays Empty; a prepared
 * buffer is never discarded.
 *
 * Context: may sleep (takes the buffer's mutex; Empty frees the pages);
 * thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL for a @new_state outside 1-4;
 * -EOPNOTSUPP when the buffer is not purgeable; -EBUSY for Empty while
 * the buffer is prepared; -EBADF, -ENOTTY.
 */
int libiobmd_set_purgeable(int buf, uint32_t new_state, uint32_t *old_state);

/**
 * libiobmd_map() - map part of a buffer into the caller
 * @buf:     a buffer fd.
 * @offset:  byte offset of the range, a multiple of the page size.
 * @length:  bytes, at least 1; the range must lie inside the capacity
 *           rounded up to pages.
 * @address: out: the mapping's address (NULL on error).
 *
 * Mirrors IOMemoryDescriptor::createMappingInTask(task, 0, kIOMapAnywhere,
 * offset, length) for the caller's task: mmap(2), MAP_SHARED, PROT_READ |
 * PROT_WRITE, in the buffer's cache mode. The mapping keeps the buffer
 * alive after libiobmd_release(); undo it with libiobmd_unmap().
 *
 * Context: may sleep (takes the caller's mmap lock); thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @address is NULL, @length
 * is 0 or does not fit a size_t, @offset is not page aligned or is above
 * INT64_MAX, or the range is outside the buffer; -ENOMEM when there is no
 * address space (or too many mappings); -EAGAIN when the locked memory
 * limit is reached; -EACCES or -EPERM when a security module refuses;
 * -ENODEV when @buf is a file that cannot be mapped (/dev/iobmd itself);
 * -EBADF.
 */
int libiobmd_map(int buf, uint64_t offset, uint64_t length, void **address);

/**
 * libiobmd_unmap() - undo a mapping of a buffer
 * @address: the address libiobmd_map() or a create call gave.
 * @length:  bytes, as mapped (any part of the mapping may be unmapped,
 *           as with munmap(2)).
 *
 * Mirrors IOMemoryMap::unmap() (releasing the IOMemoryMap): munmap(2).
 * The last mapping and fd gone, the buffer is freed.
 *
 * Context: may sleep (takes the caller's mmap lock); thread-safe.
 *
 * Return: 0, or a negative errno: -EINVAL when @address is NULL or not
 * page aligned, or @length is 0 or does not fit a size_t; -ENOMEM when
 * unmapping the middle of a mapping would exceed the limit on the number
 * of mappings.
 */
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

/**
 * libiobmd_export_dmabuf() - hand a buffer to other drivers as a dma-buf
 * @buf:   a buffer fd.
 * @flags: the new fd's flags: O_CLOEXEC or not, and the access mode
 *         O_RDWR (needed to map the dma-buf writable) or O_RDONLY.
 *         (O_WRONLY is taken too, as dma-heap.c takes it, but such a
 *         dma-buf cannot be mapped at all.)
 *
 * Issues IOBMD_IOC_EXPORT_DMABUF. The dma-buf
 * (Documentation/driver-api/dma-buf.rst) is backed by the buffer's own
 * memory and may go to any importer: V4L2 (V4L2_MEMORY_DMABUF), DRM
 * (DRM_IOCTL_PRIME_FD_TO_HANDLE), VFIO, or another process over a socket.
 * It holds the buffer: either fd may be closed first. Each call makes a
 * new dma-buf, never the one of an earlier call. Its size is the buffer's
 * allocation, the capacity rounded up to pages. An importer's map is a
 * prepare of the buffer (a pageable buffer is pinned, a purgeable one kept)
 * until it unmaps; memory the importer's device cannot reach fails that
 * map with ERANGE (it is never bounced). mmap(2) of the dma-buf has the
 * buffer's cache mode; bracket CPU access with DMA_BUF_IOCTL_SYNC
 * (linux/dma-buf.h). IOKit has no such call: a driver there takes the
 * IOMemoryDescriptor itself.
 *
 * Context: may sleep; thread-safe.
 *
 * Return: the dma-buf fd, or a negative errno: -EINVAL when @flags has a
 * bit other than O_CLOEXEC and the access mode, or the access mode is
 * O_ACCMODE; -EMFILE when the caller has no free fd, -ENFILE
 * at the system's limit of open files; -ENOMEM; -EBADF, -ENOTTY (also
 * from a module older than the export ioctl). Nothing is left behind on
 * error.
 */
int libiobmd_export_dmabuf(int buf, uint32_t flags);

/**
 * libiobmd_heap_alloc() - a new iobmd buffer from a dma-heap, as a dma-buf
 * @heap:     the heap's name after "iobmd-": "sg" (scatter-gather,
 *            write-back), "contig" (physically contiguous, write-back),
 *            "uncached" (scatter-gather, kIOMapInhibitCache), "wc"
 *            (scatter-gather, kIOMapWriteCombineCache) or "dma32"
 *            (scatter-gather, write-back, below 4 GiB).
 * @len:      bytes, at least 1; rounded up to pages.
 * @fd_flags: the dma-buf fd's flags: O_CLOEXEC or not, and the access
 *            mode (O_RDWR to map it writable), as DMA_HEAP_IOCTL_ALLOC
 *            takes them.
 *
 * Opens /dev/dma_heap/iobmd-@heap and issues DMA_HEAP_IOCTL_ALLOC
 * (linux/dma-heap.h) with no heap flags, as any dma-heap client does; the
 * heap device is closed again. The buffer has no buffer fd: the dma-buf
 * is its only handle, and it behaves as a dma-buf of
 * libiobmd_export_dmabuf(). A client that allocates often keeps the heap
 * open and issues the ioctl itself.
 *
 * Context: may sleep (allocates memory); thread-safe.
 *
 * Return: the dma-buf fd, or a negative errno: -EINVAL when @heap is NULL,
 * empty or holds a '/', or from the ioctl: @len is 0 (or rounds up past
 * 2^64), @fd_flags has a bit other than O_CLOEXEC and the access mode,
 * or the access mode is O_ACCMODE;
 * -ENOENT when there is no such heap (or the module is not loaded);
 * -EACCES when the caller may not open it (mode 0600); -ENAMETOOLONG for
 * a name longer than a path allows; -EFBIG and -ENOSPC above the module's
 * byte limits (max_buffer_bytes, max_total_bytes); -ENOMEM; -EOPNOTSUPP
 * for "wc" on a CPU without PAT; -EMFILE, -ENFILE. Nothing is left
 * behind on error.
 */
int libiobmd_heap_alloc(const char *heap, uint64_t len, uint32_t fd_flags);

#endif /* LIBIOBMD_H */
