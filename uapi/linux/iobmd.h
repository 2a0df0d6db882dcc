/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobmd: Apple IOKit's IOBufferMemoryDescriptor for Linux - the ioctl ABI.
 *
 * /dev/iobmd creates DMA buffers. Each buffer is returned as its own file
 * descriptor; the ioctls below that take a buffer are issued on that fd.
 *
 * Option values are IOKit's own (IOMemoryDescriptor.h,
 * IOBufferMemoryDescriptor.h, IOTypes.h), so code ported from IOKit can pass
 * its kIO* constants unchanged.
 *
 * Every struct may grow at its end. The size user space was built with is
 * carried in the ioctl number (_IOC_SIZE); the kernel accepts a larger
 * struct as long as the bytes it does not know are zero (else -E2BIG), and
 * fills in only what the caller has room for on output.
 */
#ifndef _UAPI_LINUX_IOBMD_H
#define _UAPI_LINUX_IOBMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Direction (kIODirection*), bits 0-2 of the options. */
#define IOBMD_DIRECTION_NONE			0x0
#define IOBMD_DIRECTION_IN			0x1
#define IOBMD_DIRECTION_OUT			0x2
#define IOBMD_DIRECTION_INOUT			0x3
#define IOBMD_DIRECTION_MASK			0x7

/* Memory options (kIOMemory*). */
#define IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS	0x00000010
#define IOBMD_MEMORY_PAGEABLE			0x00000020
#define IOBMD_MEMORY_PURGEABLE			0x00000040
#define IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS	0x00000080
#define IOBMD_MEMORY_MAPPER_NONE		0x00000800
#define IOBMD_MEMORY_KERNEL_USER_SHARED		0x00010000
#define IOBMD_MEMORY_THREAD_SAFE		0x00100000
#define IOBMD_MEMORY_CLEAR_ENCRYPT		0x00200000
#define IOBMD_MEMORY_USE_RESERVE		0x00800000

/*
 * Cache mode field (kIOMapCacheMask and the kIOMap*Cache values). IOKit's
 * mask is 0xf00, but kIOMemoryMapperNone (0x800) lies inside it; the cache
 * modes of a buffer all fit in 0x700, and iobmd reads 0x800 as MapperNone.
 */
#define IOBMD_MAP_CACHE_MASK			0x00000f00
#define IOBMD_MAP_DEFAULT_CACHE			0x00000000
#define IOBMD_MAP_INHIBIT_CACHE			0x00000100
#define IOBMD_MAP_WRITE_THRU_CACHE		0x00000200
#define IOBMD_MAP_COPYBACK_CACHE		0x00000300
#define IOBMD_MAP_WRITE_COMBINE_CACHE		0x00000400

/* Flags of struct iobmd_create. */
#define IOBMD_CREATE_MAP_TASK			0x00000001

#define IOBMD_IOC_MAGIC				0xBD

/**
 * struct iobmd_create - create a buffer (IOBMD_IOC_CREATE on /dev/iobmd)
 * @capacity: in: size of the buffer in bytes, 1 or more. The allocation is
 *            rounded up to whole pages; the capacity reported later is
 *            always this value (IOBufferMemoryDescriptor::getCapacity()).
 * @options:  in: IOKit option bits, as for
 *            IOBufferMemoryDescriptor::inTaskWithOptions(): a direction
 *            (IOBMD_DIRECTION_*), memory options (IOBMD_MEMORY_*) and a
 *            cache mode (IOBMD_MAP_*_CACHE).
 * @flags:    in: IOBMD_CREATE_MAP_TASK maps the buffer into the calling
 *            process (a task-mapped buffer, as inTaskWithOptions() with the
 *            current task). Without it the buffer is unmapped; mmap() its
 *            fd later.
 * @address:  in: must be 0. out: user address of the task mapping
 *            (MAP_SHARED, read and write, the page-rounded capacity long),
 *            or 0 when unmapped. munmap() it like any mapping.
 * @fd:       in: must be 0. out: the buffer's file descriptor,
 *            O_RDWR | O_CLOEXEC.
 * @__reserved: must be 0.
 * @alignment: in (since version 1, 48 bytes): alignment of the buffer's
 *            start in bytes, as inTaskWithOptions()'s: 0 and 1 mean none,
 *            any other value must be a power of two. Every buffer is at
 *            least page aligned.
 * @physical_mask: in (since version 1): 0 for none, else the bits a
 *            physical address of the buffer may have, as
 *            initWithPhysicalMask()'s: the mask's trailing zero bits are an
 *            alignment, and mask | (alignment - 1) is the highest address.
 *            iobmd reduces that address to the largest 2^n - 1 at or below
 *            it and enforces it as a DMA mask. Unlike XNU, an explicit
 *            @alignment does not disable the mask: both are honoured.
 * @data:     in (since version 2, 56 bytes): 0, or the user address of
 *            @capacity bytes copied into the new buffer, as
 *            IOBufferMemoryDescriptor::withBytes().
 *
 * Context: the ioctl may sleep; it allocates memory and, with
 * IOBMD_CREATE_MAP_TASK, takes the caller's mmap lock.
 *
 * Return: 0 and @fd (and @address) filled in, or -1 with errno:
 *
 * * EINVAL - @capacity is 0 or so large that rounding it to pages and
 *   the alignment overflows; @alignment is not 0, 1 or a power of two;
 *   @flags, @options or @__reserved has a bit iobmd does not know; @fd or
 *   @address is not 0; a direction above IOBMD_DIRECTION_INOUT;
 *   IOBMD_MEMORY_PURGEABLE without IOBMD_MEMORY_PAGEABLE; a cache mode
 *   value other than the five listed; IOBMD_MEMORY_PAGEABLE with a
 *   contiguous buffer (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS or
 *   _HOST_PHYSICALLY_CONTIGUOUS, an alignment or a @physical_mask
 *   alignment above a page), with IOBMD_MEMORY_MAPPER_NONE, with
 *   IOBMD_MEMORY_KERNEL_USER_SHARED or with a cache mode other than
 *   default and copyback;
 *   the struct is smaller than its first version (32 bytes).
 * * E2BIG - the struct is larger than the kernel's and the extra bytes are
 *   not zero.
 * * EOPNOTSUPP - a known IOKit option this version does not provide yet:
 *   IOBMD_MEMORY_CLEAR_ENCRYPT,
 *   IOBMD_MEMORY_USE_RESERVE, IOBMD_MAP_WRITE_THRU_CACHE, and
 *   IOBMD_MAP_WRITE_COMBINE_CACHE when the CPU has no PAT. Never silently
 *   downgraded. Also a @physical_mask whose highest address is below what
 *   the platform can allocate (16 MiB, ZONE_DMA on x86), and one below
 *   4 GiB with IOBMD_MEMORY_PAGEABLE (swiotlb cannot bounce below its
 *   pool, which lies below 4 GiB).
 * * EFBIG - @capacity rounded up to pages is above the module parameter
 *   max_buffer_bytes (/sys/module/iobmd/parameters/; half the RAM by
 *   default).
 * * ENOSPC - it would take the page-rounded sizes of all live buffers
 *   above the module parameter max_total_bytes (half the RAM by default).
 * * ENOMEM - no memory satisfies the size, alignment and mask together
 *   (or the fd's file could not be made); for a pageable buffer, its
 *   shmem file could not be made, or with @data a page could not be had.
 *   A contiguous buffer above 4 MiB that CMA cannot give comes from a
 *   range below the mask whose movable pages are migrated away
 *   (alloc_contig_range()): ENOMEM when no range is free of unmovable
 *   pages, or none could be freed. That create may take long (in
 *   proportion to the size); see the debugfs counters contig_range_*.
 * * EIO - with @data, a page of a pageable buffer could not be read back
 *   from swap.
 * * ENOBUFS - the buffer's DMA mapping would bounce through swiotlb
 *   (swiotlb=force, memory encryption), and iobmd's mappings would then
 *   hold more than a quarter of its pool.
 * * EINTR - a fatal signal arrived while the pages were allocated (or a
 *   contiguous range was sought) or mapped.
 * * EMFILE - the caller has no free file descriptor.
 * * ENFILE - the system-wide limit on open files was reached.
 * * EFAULT - the struct is not readable and writable at the given
 *   pointer, or @data is not readable for @capacity bytes.
 * * With IOBMD_CREATE_MAP_TASK, the errors of mmap(2) for the task
 *   mapping: ENOMEM (no address space, RLIMIT_AS), EAGAIN (locked memory
 *   limit with MCL_FUTURE), EPERM or EACCES (a security module refused).
 *
 * On any error nothing is left behind: no fd, no mapping, no buffer. The
 * struct's out fields may have been written and mean nothing then.
 *
 * mmap(2) of a buffer fd: MAP_SHARED of any page-aligned range inside
 * @capacity rounded up to pages, without PROT_EXEC. MAP_PRIVATE, PROT_EXEC
 * or a range outside get EINVAL; mremap(2) cannot grow such a mapping
 * (EFAULT). A pageable buffer's mapping is shmem's own; ENODEV if shmem's
 * mapping operations are not the ones iobmd knows how to wrap. Its shmem
 * file is sealed (F_SEAL_FUTURE_WRITE, _SHRINK, _GROW): madvise
 * (MADV_REMOVE) fails with EPERM, as a hole would take pinned pages out
 * of the file while a device writes them (on other buffers it fails with
 * ENODEV: the fd is not a regular file). A mapping of gigabytes is
 * populated in batches; a fatal signal stops it (EINTR).
 *
 * pread(2) and pwrite(2) of a pageable buffer bring its pages in; when a
 * page cannot be had they fail with ENOMEM or EIO, even if bytes before
 * it were copied (a fault in the caller's memory instead returns the bytes
 * copied before it, or EFAULT). Both copy without holding the buffer's
 * lock, so a copy that blocks in the caller's memory (userfaultfd) blocks
 * no other user of the buffer; a fatal signal ends a long copy (EINTR
 * when nothing was copied yet).
 *
 * Differences from XNU: XNU returns NULL for every failure, ignores unknown
 * option bits and ignores Purgeable without Pageable; iobmd gives the
 * errnos above. XNU requires Pageable for a user task; iobmd maps wired
 * buffers into user space too.
 */
struct iobmd_create {
	__u64 capacity;
	__u32 options;
	__u32 flags;
	__u64 address;
	__s32 fd;
	__u32 __reserved;
	__u64 alignment;
	__u64 physical_mask;
	__u64 data;
};

#define IOBMD_CREATE_SIZE_VER0			32
#define IOBMD_CREATE_SIZE_VER1			48
#define IOBMD_CREATE_SIZE_VER2			56

/**
 * struct iobmd_info - describe a buffer (IOBMD_IOC_INFO on a buffer fd)
 * @capacity:   bytes asked for at create (IOMemoryDescriptor::getCapacity()).
 * @length:     current length in bytes (IOMemoryDescriptor::getLength());
 *              equal to @capacity at create.
 * @alloc_size: bytes actually allocated: @capacity rounded up to pages.
 *              This is also the largest length an mmap() of the fd may have.
 * @dma_addr:   DMA address of the first segment, as
 *              IOMemoryDescriptor::getPhysicalSegment(0, ...) gives it: the
 *              CPU physical address on x86 without an IOMMU. It is reported
 *              only when the buffer fd was opened (created) with
 *              CAP_SYS_ADMIN, and reads 0 otherwise, as /proc/pid/pagemap
 *              hides PFNs.
 * @alignment:  alignment of the buffer's start in bytes (DMA address): the
 *              largest of a page, the requested alignment and the physical
 *              mask's.
 * @options:    the IOKit options the buffer was created with.
 * @segments:   number of DMA segments (1 for a contiguous buffer).
 * @cache_mode: effective cache mode, an IOBMD_MAP_*_CACHE value; the
 *              default mode is reported as what it is on this platform.
 * @flags:      IOBMD_INFO_* bits: IOBMD_INFO_KERNEL_MAPPED when the kernel
 *              keeps a mapping of the buffer (kIOMemoryKernelUserShared;
 *              a buffer made through /dev/iobmd without it has none).
 *              The field read 0 before version 1 of this header.
 * @physical_mask: (since version 1, 64 bytes) the DMA mask the buffer was
 *              allocated under, 2^n - 1: its highest possible address.
 * @purgeable_state: (since version 2, 72 bytes) IOBMD_PURGEABLE_NON_VOLATILE,
 *              _VOLATILE or _EMPTY for a purgeable buffer (Empty: its
 *              contents were discarded), 0 for any other buffer.
 * @prepare_count: (since version 2) prepare() calls not yet completed; a
 *              pageable buffer is pinned and has DMA segments while it is
 *              not 0.
 *
 * Context: may sleep.
 *
 * Return: 0, or -1 with errno EFAULT (the struct is not writable) or EINVAL
 * (the struct is smaller than its first version, 56 bytes). A larger
 * struct is accepted; the bytes the kernel does not know are zeroed.
 */
struct iobmd_info {
	__u64 capacity;
	__u64 length;
	__u64 alloc_size;
	__u64 dma_addr;
	__u64 alignment;
	__u32 options;
	__u32 segments;
	__u32 cache_mode;
	__u32 flags;
	__u64 physical_mask;
	__u32 purgeable_state;
	__u32 prepare_count;
};

/* Flags of struct iobmd_info. */
#define IOBMD_INFO_KERNEL_MAPPED		0x00000001

#define IOBMD_INFO_SIZE_VER0			56
#define IOBMD_INFO_SIZE_VER1			64
#define IOBMD_INFO_SIZE_VER2			72

/**
 * struct iobmd_length - IOBMD_IOC_SET_LENGTH on a buffer fd
 * @length: in: the new length in bytes, at most the capacity.
 *
 * Mirrors IOBufferMemoryDescriptor::setLength(). The length is the end of
 * file for pread(2) and pwrite(2) on the fd.
 *
 * Context: may sleep; takes the buffer's mutex.
 *
 * Return: 0, or -1 with errno EINVAL (@length above the capacity, or a
 * struct shorter than 8 bytes), EBUSY (an IOBMD_IOC_APPEND is copying:
 * the bytes past the length are its until it is done), E2BIG (a larger
 * struct with non-zero extra bytes) or EFAULT. XNU silently ignores a
 * length above the capacity.
 */
struct iobmd_length {
	__u64 length;
};

/**
 * struct iobmd_append - IOBMD_IOC_APPEND on a buffer fd
 * @data:   in: user address of the bytes.
 * @size:   in: number of bytes.
 * @copied: in: must be 0. out: bytes appended: as many as fit between the
 *          length and the capacity.
 *
 * Mirrors IOBufferMemoryDescriptor::appendBytes(): copies to the end and
 * grows the length by what was copied. XNU returns true; iobmd the count.
 *
 * Context: may sleep; checks under the buffer's mutex and copies without
 * it (see pread(2) above).
 *
 * Return: 0, or -1 with errno EFAULT (@data or the struct not accessible;
 * nothing appended), EBUSY (the buffer is prepared read-only, see struct
 * iobmd_direction; or another append runs: nothing appended), EINTR
 * (killed), EINVAL (@copied not 0,
 * struct shorter than 24 bytes), ENOMEM or EIO (a pageable buffer's page
 * could not be had; the length is unchanged) or E2BIG.
 */
struct iobmd_append {
	__u64 data;
	__u64 size;
	__u64 copied;
};

/**
 * struct iobmd_direction - SET_DIRECTION, PREPARE and COMPLETE
 * @direction:  in: IOBMD_DIRECTION_NONE, _IN, _OUT or _INOUT. For prepare
 *              and complete, NONE means the buffer's own direction.
 * @__reserved: must be 0.
 *
 * IOBMD_IOC_SET_DIRECTION mirrors IOMemoryDescriptor::setDirection();
 * IOBMD_IOC_PREPARE and IOBMD_IOC_COMPLETE mirror prepare() and complete():
 * counted, and the first prepare for Out alone makes the buffer read-only
 * for pwrite(2) and IOBMD_IOC_APPEND (EBUSY) until the last complete, as
 * XNU's kIOMemoryPreparedReadOnly.
 *
 * A pageable buffer (IOBMD_MEMORY_PAGEABLE) is backed by swappable shared
 * memory. Its first prepare brings every page in, pins it and DMA-maps the
 * buffer for the direction asked for (Out: the device only reads); pages
 * above the buffer's physical mask are bounced by the DMA API (swiotlb).
 * The pinned pages are charged to the preparing process (VmPin in
 * /proc/pid/status) and to its user's locked memory, which
 * RLIMIT_MEMLOCK bounds unless CAP_IPC_LOCK, as io_uring's fixed buffers
 * are: the user's charge stays until the last complete, even if the
 * preparing process exits first. The last complete unmaps and unpins.
 * iobmd's mappings that bounce (pages above the mask) may hold at most a
 * quarter of swiotlb's pool together.
 *
 * Context: may sleep; takes the buffer's mutex; a first prepare of a
 * pageable buffer allocates and may read pages back from swap.
 *
 * IOBMD_IOC_COMPLETE completes only prepares made with IOBMD_IOC_PREPARE:
 * a prepare of a kernel driver (a DMA command, or the in-kernel API) on
 * the same buffer stays until the driver completes it, and the buffer
 * stays pinned meanwhile.
 *
 * Return: 0, or -1 with errno EINVAL (a direction above INOUT, a non-zero
 * @__reserved, a COMPLETE without an IOBMD_IOC_PREPARE, a struct shorter
 * than 8 bytes), EOVERFLOW (prepare count at its limit), E2BIG or EFAULT; for a
 * pageable buffer's first prepare also ENOMEM (no memory for the pages,
 * or the user's RLIMIT_MEMLOCK reached), ENOBUFS (the pages above the
 * mask would take iobmd's bounced mappings past a quarter of swiotlb's
 * pool), EIO (a page could not be read back from swap, or the DMA
 * mapping failed), EINTR (a fatal signal while bringing pages in); and EBUSY for a
 * nested prepare its mapping does not allow (In or InOut on a buffer
 * prepared for Out only, Out or InOut on one prepared for In only).
 */
struct iobmd_direction {
	__u32 direction;
	__u32 __reserved;
};

/**
 * struct iobmd_segment - one DMA segment
 * @address: DMA address of the segment (the physical address on x86
 *           without an IOMMU).
 * @length:  length of the segment in bytes.
 */
struct iobmd_segment {
	__u64 address;
	__u64 length;
};

/**
 * struct iobmd_segments - IOBMD_IOC_GET_SEGMENTS on a buffer fd
 * @offset:     in: byte offset where the walk starts, below the length.
 * @segments:   in: user address of an array of struct iobmd_segment.
 * @count:      in: entries in the array, at least 1. out: entries filled.
 * @__reserved: must be 0.
 *
 * Walks the buffer's DMA segments from @offset to the length with
 * IOMemoryDescriptor::getPhysicalSegment(), merged: a contiguous buffer
 * has one. Addresses are given only when the buffer fd was created with
 * CAP_SYS_ADMIN.
 *
 * Context: may sleep.
 *
 * Return: 0, or -1 with errno EINVAL (@offset at or past the length, @count
 * 0, @__reserved not 0, struct shorter than 24 bytes), EPERM (the fd's
 * creator lacked CAP_SYS_ADMIN), ENXIO (a pageable buffer that is not
 * prepared: it has no DMA segments; XNU panics there), ENOMEM (no memory
 * for the kernel's copy of a batch of up to 4096 segments), EINTR (a
 * fatal signal between batches), E2BIG or EFAULT.
 */
struct iobmd_segments {
	__u64 offset;
	__u64 segments;
	__u32 count;
	__u32 __reserved;
};

/* Purgeable states, IOKit's kIOMemoryPurgeable* values. */
#define IOBMD_PURGEABLE_KEEP_CURRENT		1
#define IOBMD_PURGEABLE_NON_VOLATILE		2
#define IOBMD_PURGEABLE_VOLATILE		3
#define IOBMD_PURGEABLE_EMPTY			4

/**
 * struct iobmd_purgeable - IOBMD_IOC_SET_PURGEABLE on a buffer fd
 * @new_state: in: IOBMD_PURGEABLE_KEEP_CURRENT (only read the state),
 *             _NON_VOLATILE (keep the contents), _VOLATILE (the system
 *             may discard them under memory pressure) or _EMPTY (discard
 *             them now).
 * @old_state: in: must be 0. out: the state before the call:
 *             IOBMD_PURGEABLE_NON_VOLATILE, _VOLATILE or _EMPTY. Empty
 *             means the contents were discarded, by an earlier Empty or by
 *             the shrinker while the buffer was volatile; the buffer then
 *             reads as zeros.
 *
 * Mirrors IOMemoryDescriptor::setPurgeable(newState, &oldState), for a
 * buffer created with IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE.
 * Volatile after Empty stays Empty; NonVolatile makes the buffer keep its
 * (zero) contents again and reports Empty once, as i915's madvise reports
 * retained = 0. A prepared buffer is never discarded by the shrinker.
 * After a discard, the pages are returned to the system at once; an
 * existing mapping stays valid and reads zero-filled pages, as after
 * MADV_DONTNEED of a shared memory mapping.
 *
 * Context: may sleep; takes the buffer's mutex; Empty frees the pages.
 *
 * Return: 0, or -1 with errno EINVAL (@new_state not 1-4, @old_state not
 * 0, a struct shorter than 8 bytes), EOPNOTSUPP (the buffer is not
 * purgeable), EBUSY (Empty asked for a prepared buffer), E2BIG or EFAULT.
 * XNU returns kIOReturnBadArgument and kIOReturnUnsupported there.
 */
struct iobmd_purgeable {
	__u32 new_state;
	__u32 old_state;
};

/**
 * struct iobmd_export - IOBMD_IOC_EXPORT_DMABUF on a buffer fd
 * @flags: in: the new fd's flags: O_CLOEXEC, and the access mode
 *         O_RDONLY, O_WRONLY or O_RDWR (as DMA_HEAP_IOCTL_ALLOC's fd_flags
 *         take them). O_RDWR is needed to map the dma-buf writable; an
 *         O_WRONLY dma-buf cannot be mapped (EACCES), only imported.
 * @fd:    in: must be 0. out: the new dma-buf fd.
 *
 * Returns a dma-buf (Documentation/driver-api/dma-buf.rst) backed by the
 * buffer's own memory, for importers: V4L2 (V4L2_MEMORY_DMABUF), DRM
 * (DRM_IOCTL_PRIME_FD_TO_HANDLE), VFIO, or any driver's dma_buf_get().
 * The dma-buf holds the buffer: either fd may be closed first. Each call
 * makes a new dma-buf (with the access mode asked for), never the one of
 * an earlier call; importers that compare dma-bufs see two. Its size is
 * the buffer's allocation (capacity rounded up to pages), whatever
 * IOBMD_IOC_SET_LENGTH set.
 *
 * An importer's map (dma_buf_map_attachment()) is a prepare of the buffer,
 * as an IODMACommand's: a pageable buffer is pinned and a purgeable one is
 * not discarded until the importer unmaps; memory the importer's device
 * cannot reach (its DMA mask, without an IOMMU) fails the map with ERANGE,
 * never bouncing. mmap() of the dma-buf has the buffer's cache mode;
 * DMA_BUF_IOCTL_SYNC syncs every importer's mapping (write-back memory)
 * or orders write-combined stores (SYNC_END).
 *
 * Context: may sleep.
 *
 * Return: 0, or -1 with errno EINVAL (@flags other than O_CLOEXEC and
 * one access mode; @fd not 0; a struct shorter than 8 bytes), EMFILE
 * (no fd free), ENOMEM, E2BIG or EFAULT.
 */
struct iobmd_export {
	__u32 flags;
	__s32 fd;
};

/*
 * dma-heaps: iobmd also serves the dma-heap ABI (linux/dma-heap.h,
 * DMA_HEAP_IOCTL_ALLOC) on /dev/dma_heap/iobmd-<name>, each heap a kind
 * of iobmd buffer exported as a dma-buf:
 *   iobmd-sg        scatter-gather, write-back
 *   iobmd-contig    physically contiguous, write-back
 *   iobmd-uncached  scatter-gather, kIOMapInhibitCache
 *   iobmd-wc        scatter-gather, kIOMapWriteCombineCache
 *   iobmd-dma32     scatter-gather, write-back, below 4 GiB
 */

#define IOBMD_IOC_CREATE	_IOWR(IOBMD_IOC_MAGIC, 0x00, struct iobmd_create)
#define IOBMD_IOC_INFO		_IOR(IOBMD_IOC_MAGIC, 0x01, struct iobmd_info)
#define IOBMD_IOC_SET_LENGTH	_IOW(IOBMD_IOC_MAGIC, 0x02, struct iobmd_length)
#define IOBMD_IOC_APPEND	_IOWR(IOBMD_IOC_MAGIC, 0x03, struct iobmd_append)
#define IOBMD_IOC_SET_DIRECTION	_IOW(IOBMD_IOC_MAGIC, 0x04, struct iobmd_direction)
#define IOBMD_IOC_PREPARE	_IOW(IOBMD_IOC_MAGIC, 0x05, struct iobmd_direction)
#define IOBMD_IOC_COMPLETE	_IOW(IOBMD_IOC_MAGIC, 0x06, struct iobmd_direction)
#define IOBMD_IOC_GET_SEGMENTS	_IOWR(IOBMD_IOC_MAGIC, 0x07, struct iobmd_segments)
#define IOBMD_IOC_SET_PURGEABLE	_IOWR(IOBMD_IOC_MAGIC, 0x08, struct iobmd_purgeable)
#define IOBMD_IOC_EXPORT_DMABUF	_IOWR(IOBMD_IOC_MAGIC, 0x09, struct iobmd_export)

#endif /* _UAPI_LINUX_IOBMD_H */
