// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd buffer objects: IOBufferMemoryDescriptor semantics on the Linux DMA
 * API, and the in-kernel API other drivers call.
 *
 * The reference is Apple's documentation and XNU's
 * iokit/Kernel/IOBufferMemoryDescriptor.cpp; ../shared/iokit/semantics.md
 * in the project tree lists what XNU does and where iobmd differs.
 */
#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/memtype.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

/*
 * Cache modes: the default is copyback because on x86 every DMA allocation
 * is coherent and mapped write-back. Other architectures need their own
 * answer (non-coherent devices get uncached memory from dma_alloc_attrs),
 * so the module is x86-only until one is given.
 */
#ifndef CONFIG_X86
#error "iobmd supports x86 only so far: see README.md, Cache modes"
#endif

/* The id of the last buffer created (tracepoints name buffers by id). */
static atomic64_t iobmd_last_id = ATOMIC64_INIT(0);

#define IOBMD_KNOWN_OPTIONS (IOBMD_DIRECTION_MASK |			\
			     IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |	\
			     IOBMD_MEMORY_PAGEABLE |			\
			     IOBMD_MEMORY_PURGEABLE |			\
			     IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS |	\
			     IOBMD_MEMORY_MAPPER_NONE |			\
			     IOBMD_MEMORY_KERNEL_USER_SHARED |		\
			     IOBMD_MEMORY_THREAD_SAFE |			\
			     IOBMD_MEMORY_CLEAR_ENCRYPT |		\
			     IOBMD_MEMORY_USE_RESERVE |			\
			     IOBMD_MAP_CACHE_MASK)

/* Known IOKit options that this version does not provide yet. */
#define IOBMD_UNSUPPORTED_OPTIONS (IOBMD_MEMORY_CLEAR_ENCRYPT |		\
				   IOBMD_MEMORY_USE_RESERVE)

/*
 * Check the option bits: unknown bits and invalid combinations are -EINVAL,
 * known IOKit options iobmd cannot give (yet) are -EOPNOTSUPP. XNU ignores
 * unknown bits and Purgeable without Pageable; iobmd rejects both.
 */
static int iobmd_check_options(u32 options)
{
	if (options & ~IOBMD_KNOWN_OPTIONS)
		return -EINVAL;
	if ((options & IOBMD_DIRECTION_MASK) > IOBMD_DIRECTION_INOUT)
		return -EINVAL;
	if ((options & IOBMD_MEMORY_PURGEABLE) &&
	    !(options & IOBMD_MEMORY_PAGEABLE))
		return -EINVAL;

	switch (options & IOBMD_CACHE_MODE_BITS) {
	case IOBMD_MAP_DEFAULT_CACHE:
	case IOBMD_MAP_COPYBACK_CACHE:
	case IOBMD_MAP_INHIBIT_CACHE:
		break;
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		/* Without PAT, set_memory_wc() silently gives UC-. */
		if (!pat_enabled())
			return -EOPNOTSUPP;
		break;
	case IOBMD_MAP_WRITE_THRU_CACHE:
		/* No interface a module may call sets WT on RAM: cache.c. */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}

	if (options & IOBMD_UNSUPPORTED_OPTIONS)
		return -EOPNOTSUPP;
	return 0;
}

static void iobmd_free(struct kref *ref)
{
	struct iobmd *bmd = container_of(ref, struct iobmd, ref);

	trace_iobmd_free(bmd);
	iobmd_registry_del(bmd);

	if (bmd->shmem)
		iobmd_pageable_free(bmd);
	else if (bmd->sgt)
		iobmd_sg_free(bmd);
	else
		iobmd_contig_free(bmd);
	put_device(bmd->dev);
	kfree(bmd);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * iobmd_live_buffer_count() - buffers allocated and not yet freed
 *
 * Context: may sleep (takes the registry's mutex). Built for the KUnit
 * suites only: without CONFIG_KUNIT (distribution kernels) nothing calls
 * it.
 *
 * Return: the number of live buffers, module-wide.
 */
VISIBLE_IF_KUNIT long iobmd_live_buffer_count(void)
{
	struct iobmd_registry_stats stats;

	iobmd_registry_get_stats(&stats);
	return stats.buffers;
}
EXPORT_SYMBOL_IF_KUNIT(iobmd_live_buffer_count);
#endif

/*
 * Create a buffer, not yet mapped into a user task: for @dev when given
 * (its DMA mask; no physical limit behind an IOMMU, which maps anything),
 * else for iobmd's device of the physical mask.
 */
static struct iobmd *__iobmd_alloc(struct device *dev, struct mm_struct *task,
				   u32 options, u64 capacity, u64 alignment,
				   u64 physical_mask)
{
	u64 align = PAGE_SIZE, limit = U64_MAX, size;
	struct iobmd *bmd;
	int ret;

	might_sleep();
	ret = iobmd_check_options(options);
	if (ret)
		return ERR_PTR(ret);
	/* vm_mmap() maps into the caller only. */
	if (task && task != IOBMD_KERNEL_TASK && task != current->mm)
		return ERR_PTR(-EOPNOTSUPP);
	if (alignment > 1 && !is_power_of_2(alignment))
		return ERR_PTR(-EINVAL);
	if (physical_mask) {
		/* XNU: the mask's trailing zero bits are an alignment. */
		u64 low = ~physical_mask & (physical_mask - 1);

		limit = physical_mask | low;
		align = max_t(u64, align, low + 1);
	}
	align = max(align, alignment);
	/* XNU: an alignment above a page makes the buffer contiguous. */
	if (align > PAGE_SIZE)
		options |= IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS;
	ret = iobmd_pageable_check(options, task);
	if (ret)
		return ERR_PTR(ret);
	if (!capacity || check_add_overflow(capacity, align - 1, &size) ||
	    check_add_overflow(size, (u64)PAGE_SIZE, &size) || size > SIZE_MAX)
		return ERR_PTR(-EINVAL);

	/* The module's byte limits, on the page-rounded size. */
	ret = iobmd_registry_charge(PAGE_ALIGN(capacity));
	if (ret)
		return ERR_PTR(ret);
	bmd = kzalloc(sizeof(*bmd), GFP_KERNEL_ACCOUNT);
	if (!bmd) {
		ret = -ENOMEM;
		goto uncharge;
	}
	kref_init(&bmd->ref);
	bmd->id = atomic64_inc_return(&iobmd_last_id);
	mutex_init(&bmd->lock);
	bmd->dev = dev ?: iobmd_mask_device(limit);
	if (IS_ERR(bmd->dev)) {
		ret = PTR_ERR(bmd->dev);
		goto free;
	}
	get_device(bmd->dev);
	bmd->capacity = capacity;
	bmd->length = capacity;
	bmd->alloc_size = PAGE_ALIGN(capacity);
	bmd->alignment = align;
	bmd->physical_mask = dma_get_mask(bmd->dev);
	/*
	 * Behind an IOMMU the pages may lie anywhere, and a contiguous
	 * buffer from dma_alloc_attrs() must be contiguous in memory too
	 * (not pages remapped into one IOVA range), for its mappings.
	 */
	if (dev && iobmd_dma_translated(dev)) {
		bmd->physical_mask = U64_MAX;
		bmd->attrs = DMA_ATTR_FORCE_CONTIGUOUS;
	}
	bmd->options = options;
	bmd->kernel_mapped = task == IOBMD_KERNEL_TASK ||
			     (options & IOBMD_MEMORY_KERNEL_USER_SHARED);
	/* Each back end returns zeroed memory. */
	if (options & IOBMD_MEMORY_PAGEABLE)
		ret = iobmd_pageable_alloc(bmd);
	else if (iobmd_is_contiguous(bmd))
		ret = iobmd_contig_alloc(bmd);
	else
		ret = iobmd_sg_alloc(bmd);
	if (ret) {
		put_device(bmd->dev);
		goto free;
	}
	iobmd_registry_add(bmd);
	return bmd;

free:
	kfree(bmd);
uncharge:
	iobmd_registry_uncharge(PAGE_ALIGN(capacity));
	return ERR_PTR(ret);
}

/* __iobmd_alloc(), traced. */
static struct iobmd *iobmd_alloc(struct device *dev, struct mm_struct *task,
				 u32 options, u64 capacity, u64 alignment,
				 u64 physical_mask)
{
	struct iobmd *bmd = __iobmd_alloc(dev, task, options, capacity,
					  alignment, physical_mask);

	if (IS_ERR(bmd)) {
		iobmd_registry_failed(PTR_ERR(bmd));
		trace_iobmd_create_error(options, capacity, alignment,
					 physical_mask, PTR_ERR(bmd));
	} else {
		trace_iobmd_create(bmd);
	}
	return bmd;
}

/* The last step of a factory: map into a user task if asked. */
static struct iobmd *iobmd_finish(struct mm_struct *task, struct iobmd *bmd)
{
	int ret;

	if (IS_ERR(bmd))
		return bmd;
	if (task && task != IOBMD_KERNEL_TASK) {
		ret = iobmd_map_task(bmd);
		if (ret) {
			iobmd_put(bmd);
			iobmd_registry_failed(ret);
			return ERR_PTR(ret);
		}
	}
	iobmd_registry_created(bmd);
	return bmd;
}

/**
 * iobmd_alloc_for_fd() - the buffer of a create on /dev/iobmd
 * @options:       as for iobmd_init_with_physical_mask().
 * @capacity:      likewise, in bytes.
 * @alignment:     likewise, in bytes.
 * @physical_mask: likewise.
 *
 * iobmd_init_with_physical_mask() with no task, for the fd layer, which
 * may still fail the create (copying the contents in, making the fd): it
 * calls iobmd_registry_created() once the create has succeeded, or
 * iobmd_registry_failed() and drops the buffer.
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask().
 */
struct iobmd *iobmd_alloc_for_fd(u32 options, u64 capacity, u64 alignment,
				 u64 physical_mask)
{
	return iobmd_alloc(NULL, NULL, options, capacity, alignment,
			   physical_mask);
}

/**
 * iobmd_init_with_physical_mask() - create a buffer: the general form
 * @task:          where the buffer is mapped: NULL (nowhere, for DMA
 *                 only), IOBMD_KERNEL_TASK (the kernel:
 *                 iobmd_get_bytes_no_copy() gives its address), or the
 *                 caller's own user mm, current->mm (mapped shared, read
 *                 and write, into the calling process:
 *                 iobmd_get_task_bytes_no_copy() gives the address).
 * @options:       IOKit option bits: direction, memory options and cache
 *                 mode, with IOKit's values (see uapi/linux/iobmd.h).
 * @capacity:      size in bytes, at least 1. The allocation is rounded up
 *                 to whole pages; iobmd_get_capacity() still reports
 *                 @capacity.
 * @alignment:     alignment of the start in bytes: 0 and 1 mean none, any
 *                 other value must be a power of two. Every buffer is at
 *                 least page aligned.
 * @physical_mask: 0 for none, else the bits a physical address of the
 *                 buffer may have, as in IOKit: its trailing zero bits give
 *                 an alignment, and its highest address (mask | alignment
 *                 - 1) bounds the memory. iobmd enforces the bound as the
 *                 DMA mask of the allocating device, reduced to the largest
 *                 2^n - 1 at or below it.
 *
 * Mirrors IOBufferMemoryDescriptor::initWithPhysicalMask(inTask, options,
 * capacity, alignment, physicalMask), which the other factories call.
 * Unlike XNU, an explicit @alignment does not disable @physical_mask: both
 * are honoured, the larger alignment wins. With kIOMemoryPhysicallyContiguous
 * (or HostPhysicallyContiguous, or an alignment above a page, which adds the
 * bit as XNU does) the memory is one DMA segment (kmod/contig.c: a block
 * of the page allocator, CMA, or a range alloc_contig_range() frees by
 * migrating the pages in it); otherwise it is scatter-gather: pages below
 * the mask, DMA-mapped with merged segments (kmod/sg.c). It is zero-filled.
 * As Apple warns for kIOMemoryPhysicallyContiguous, a contiguous buffer
 * larger than the page allocator's largest block (4 MiB) "may take a very
 * long time": migrating the pages out of a range is work in proportion to
 * the size (and to the memory searched, at most that below the mask); it
 * stops at a fatal signal, and fails at once when every range holds
 * unmovable pages. The kernel keeps a
 * mapping only for IOBMD_KERNEL_TASK or with kIOMemoryKernelUserShared, as
 * in IOKit; the contents of any buffer can be read and written with
 * iobmd_read_bytes() and iobmd_write_bytes(). The length starts equal to
 * @capacity. The caller owns one reference and drops it with iobmd_put();
 * a user task's mapping holds one more, until it is unmapped.
 *
 * With kIOMemoryPageable the buffer is a shmem file instead (kmod/
 * pageable.c): swappable, allocated as it is touched, and pinned and
 * DMA-mapped only between iobmd_prepare() and the last iobmd_complete().
 * A user task's mapping of it is not populated. kIOMemoryPurgeable adds
 * iobmd_set_purgeable().
 *
 * Context: process context, may sleep (GFP_KERNEL allocation, and the
 * first use of a mask registers a device under a mutex; with a user @task,
 * vm_mmap() takes the caller's mmap_lock); not from interrupt context or
 * with interrupts disabled.
 *
 * Return: the new buffer, or an ERR_PTR():
 * * -EINVAL - @capacity is 0, or @capacity plus the alignment overflows; @options
 *   has an unknown bit, a direction above kIODirectionInOut, Purgeable
 *   without Pageable, or an unknown cache mode; @alignment is not 0, 1 or
 *   a power of two; Pageable with a contiguous buffer (the contiguous
 *   options, or an alignment above a page), MapperNone,
 *   KernelUserShared, IOBMD_KERNEL_TASK or a cache mode other than default
 *   and copyback (XNU allows a pageable kernel buffer; iobmd has no kernel
 *   mapping of pageable memory).
 * * -EOPNOTSUPP - a known IOKit option iobmd does not provide yet
 *   (ClearEncrypt, UseReserve, kIOMapWriteThruCache, and
 *   kIOMapWriteCombineCache when PAT is off); @task is a user mm other
 *   than the caller's (Linux maps only into the current process);
 *   @physical_mask allows no memory the platform can allocate (below
 *   16 MiB, ZONE_DMA on x86), or is below 4 GiB for a pageable buffer
 *   (swiotlb cannot bounce below its pool).
 * * -EFBIG - the page-rounded @capacity is above the module parameter
 *   max_buffer_bytes (half the RAM by default).
 * * -ENOSPC - it would take the page-rounded sizes of all live buffers
 *   above the module parameter max_total_bytes (half the RAM by default).
 * * -ENOBUFS - the buffer's DMA mapping would bounce through swiotlb
 *   (swiotlb=force, memory encryption) and take iobmd's bounced mappings
 *   past a quarter of its pool (kmod/bounce.c).
 * * -EINTR - a fatal signal arrived while the pages were allocated (or a
 *   contiguous range was sought), or while a user @task's mapping was
 *   populated.
 * * -ENOMEM - no memory satisfies the size, alignment and mask; or the
 *   user task mapping did not fit.
 * * Any other errno of vm_mmap() for a user @task (-EAGAIN, -EPERM, ...),
 *   as mmap(2) documents it.
 *
 * XNU returns NULL on every failure and accepts unknown bits; iobmd returns
 * the errno instead.
 */
struct iobmd *iobmd_init_with_physical_mask(struct mm_struct *task,
					    u32 options, u64 capacity,
					    u64 alignment, u64 physical_mask)
{
	return iobmd_finish(task, iobmd_alloc(NULL, task, options, capacity,
					      alignment, physical_mask));
}
EXPORT_SYMBOL_GPL(iobmd_init_with_physical_mask);

/**
 * iobmd_init_for_device() - create a buffer for a driver's own device
 * @dev:       the device that will do the DMA; the buffer holds a
 *             reference. It must have a DMA mask.
 * @task:      NULL or IOBMD_KERNEL_TASK, as for
 *             iobmd_init_with_physical_mask(); not a user mm, whose
 *             mapping could keep the buffer beyond the driver's life.
 * @options:   IOKit option bits.
 * @capacity:  size in bytes, at least 1.
 * @alignment: alignment in bytes: 0, 1 or a power of two.
 *
 * As iobmd_init_with_physical_mask() with the device's DMA mask as the
 * physical mask, but allocated and mapped for @dev itself: a contiguous
 * buffer is one segment in that device's address space (an IOVA range
 * behind an IOMMU, which the memory is also physically), and
 * iobmd_get_physical_segment() gives addresses for @dev. Behind an IOMMU
 * the pages may lie anywhere in memory. IOKit allocates for a device's
 * mapper the same way when a driver passes the device's physical mask;
 * Linux needs the struct device itself. Buffers must be freed before the
 * device's driver is unbound (the DMA API checks that no mapping of a
 * device outlives its driver).
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask(); -ENODEV when @dev is NULL or has no
 * DMA mask or coherent DMA mask; -EINVAL for a user @task.
 */
struct iobmd *iobmd_init_for_device(struct device *dev,
				    struct mm_struct *task, u32 options,
				    u64 capacity, u64 alignment)
{
	if (!dev || !iobmd_dev_can_dma(dev))
		return ERR_PTR(-ENODEV);
	/* A user mapping could keep it beyond the driver's unbinding. */
	if (task && task != IOBMD_KERNEL_TASK)
		return ERR_PTR(-EINVAL);
	return iobmd_finish(task, iobmd_alloc(dev, task, options, capacity,
					      alignment, 0));
}
EXPORT_SYMBOL_GPL(iobmd_init_for_device);

/**
 * iobmd_in_task_with_physical_mask() - create a buffer below an address
 * @task:          NULL, IOBMD_KERNEL_TASK or current->mm, as for
 *                 iobmd_init_with_physical_mask().
 * @options:       IOKit option bits.
 * @capacity:      size in bytes, at least 1.
 * @physical_mask: the bits a physical address may have; see
 *                 iobmd_init_with_physical_mask().
 *
 * Mirrors IOBufferMemoryDescriptor::inTaskWithPhysicalMask(inTask,
 * options, capacity, physicalMask): no alignment beyond the mask's own.
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask().
 */
struct iobmd *iobmd_in_task_with_physical_mask(struct mm_struct *task,
					       u32 options, u64 capacity,
					       u64 physical_mask)
{
	return iobmd_init_with_physical_mask(task, options, capacity, 1,
					     physical_mask);
}
EXPORT_SYMBOL_GPL(iobmd_in_task_with_physical_mask);

/**
 * iobmd_in_task_with_options() - create an aligned buffer
 * @task:      NULL, IOBMD_KERNEL_TASK or current->mm, as for
 *             iobmd_init_with_physical_mask().
 * @options:   IOKit option bits.
 * @capacity:  size in bytes, at least 1.
 * @alignment: alignment in bytes: 0, 1 or a power of two.
 *
 * Mirrors IOBufferMemoryDescriptor::inTaskWithOptions(inTask, options,
 * capacity, alignment): no physical mask.
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask().
 */
struct iobmd *iobmd_in_task_with_options(struct mm_struct *task, u32 options,
					 u64 capacity, u64 alignment)
{
	return iobmd_init_with_physical_mask(task, options, capacity,
					     alignment, 0);
}
EXPORT_SYMBOL_GPL(iobmd_in_task_with_options);

/**
 * iobmd_with_options() - create a buffer for the kernel
 * @options:   IOKit option bits.
 * @capacity:  size in bytes, at least 1.
 * @alignment: alignment in bytes: 0, 1 or a power of two.
 *
 * Mirrors IOBufferMemoryDescriptor::withOptions(options, capacity,
 * alignment), which is inTaskWithOptions(kernel_task, ...).
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask().
 */
struct iobmd *iobmd_with_options(u32 options, u64 capacity, u64 alignment)
{
	return iobmd_init_with_physical_mask(IOBMD_KERNEL_TASK, options,
					     capacity, alignment, 0);
}
EXPORT_SYMBOL_GPL(iobmd_with_options);

/**
 * iobmd_with_capacity() - create a buffer for the kernel by capacity
 * @capacity:   size in bytes, at least 1.
 * @direction:  kIODirectionNone, In, Out or InOut (0 to 3).
 * @contiguous: whether the memory must be physically contiguous.
 *
 * Mirrors IOBufferMemoryDescriptor::withCapacity(capacity, direction,
 * contiguous), which is withOptions(direction | (contiguous ?
 * PhysicallyContiguous : 0), capacity, contiguous ? capacity : 1). XNU
 * aligns a contiguous buffer to its capacity; iobmd to the largest power of
 * two at or below it, since alignments must be powers of two.
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask(); -EINVAL for a direction above InOut.
 */
struct iobmd *iobmd_with_capacity(u64 capacity, u32 direction,
				  bool contiguous)
{
	u32 options = direction;

	if (direction > IOBMD_DIRECTION_INOUT)
		return ERR_PTR(-EINVAL);
	if (!contiguous)
		return iobmd_with_options(options, capacity, 1);
	options |= IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS;
	return iobmd_with_options(options, capacity,
				  capacity ? rounddown_pow_of_two(capacity) : 1);
}
EXPORT_SYMBOL_GPL(iobmd_with_capacity);

/**
 * iobmd_with_bytes() - create a buffer for the kernel holding a copy
 * @bytes:      kernel address of the bytes to copy.
 * @length:     number of bytes, at least 1: the capacity and the length.
 * @direction:  kIODirectionNone, In, Out or InOut (0 to 3).
 * @contiguous: whether the memory must be physically contiguous.
 *
 * Mirrors IOBufferMemoryDescriptor::withBytes(bytes, length, direction,
 * contiguous): a buffer of @length bytes aligned to min(@length, a page)
 * (every iobmd buffer is page aligned), filled with a copy of @bytes.
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask(); -EINVAL for @length 0 (XNU fails too)
 * or a direction above InOut.
 */
struct iobmd *iobmd_with_bytes(const void *bytes, u64 length, u32 direction,
			       bool contiguous)
{
	u32 options = direction;
	struct iobmd *bmd;

	if (direction > IOBMD_DIRECTION_INOUT)
		return ERR_PTR(-EINVAL);
	if (contiguous)
		options |= IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS;
	bmd = iobmd_with_options(options, length, 1);
	if (!IS_ERR(bmd))
		iobmd_copy_in(bmd, 0, bytes, length);
	return bmd;
}
EXPORT_SYMBOL_GPL(iobmd_with_bytes);

/**
 * iobmd_with_copy() - create a buffer holding a copy of an address range
 * @task:           NULL, IOBMD_KERNEL_TASK or current->mm: where the new
 *                  buffer is mapped, as for iobmd_init_with_physical_mask().
 * @options:        IOKit option bits of the new buffer.
 * @source_mm:      the address space to copy from: IOBMD_KERNEL_TASK (a
 *                  kernel address) or current->mm (a user address of the
 *                  calling process).
 * @source_address: start of the range in @source_mm.
 * @length:         number of bytes, at least 1: the capacity and the length.
 *
 * Mirrors IOBufferMemoryDescriptor::withCopy(inTask, options, sourceMap,
 * sourceAddr, size). XNU takes any task's map; a module cannot check the
 * ptrace permission that reading another process needs (ptrace_may_access()
 * is not exported), so the kernel API reads only the kernel and the
 * caller. User space copies from another process, named by a pidfd, with
 * libiobmd, through process_vm_readv(2) and its own permission check.
 *
 * Context: process context, may sleep (user memory may fault).
 *
 * Return: the buffer, or an ERR_PTR() with the errnos of
 * iobmd_init_with_physical_mask(), and:
 * * -EINVAL - @length is 0, or @source_mm is NULL.
 * * -EOPNOTSUPP - @source_mm is another process's mm.
 * * -EFAULT - the user range is not readable (no buffer is left behind).
 */
struct iobmd *iobmd_with_copy(struct mm_struct *task, u32 options,
			      struct mm_struct *source_mm,
			      unsigned long source_address, u64 length)
{
	const void __user *user = (const void __user *)source_address;
	struct iobmd *bmd;
	ssize_t copied;

	if (!source_mm)
		return ERR_PTR(-EINVAL);
	if (source_mm != IOBMD_KERNEL_TASK && source_mm != current->mm)
		return ERR_PTR(-EOPNOTSUPP);
	bmd = iobmd_alloc(NULL, task, options, length, 1, 0);
	if (IS_ERR(bmd))
		return bmd;
	/*
	 * Copy before mapping: a fault then leaves nothing to unmap. Only a
	 * pageable buffer's pages can fail to come in (-ENOMEM, -EIO).
	 */
	if (source_mm == IOBMD_KERNEL_TASK)
		copied = iobmd_copy_in(bmd, 0, (const void *)source_address,
				       length);
	else
		copied = iobmd_copy_in_user(bmd, 0, user, length);
	if (copied != length) {
		iobmd_put(bmd);
		copied = copied < 0 ? copied : -EFAULT;
		iobmd_registry_failed(copied);
		return ERR_PTR(copied);
	}
	return iobmd_finish(task, bmd);
}
EXPORT_SYMBOL_GPL(iobmd_with_copy);

/**
 * iobmd_get() - take a reference on a buffer
 * @bmd: the buffer; the caller must already hold a reference.
 *
 * Mirrors OSObject::retain() on an IOBufferMemoryDescriptor.
 *
 * Context: any context.
 *
 * Return: @bmd, for chaining. Cannot fail.
 */
struct iobmd *iobmd_get(struct iobmd *bmd)
{
	kref_get(&bmd->ref);
	return bmd;
}
EXPORT_SYMBOL_GPL(iobmd_get);

/**
 * iobmd_put() - drop a reference on a buffer
 * @bmd: the buffer, or NULL (then nothing happens).
 *
 * Mirrors OSObject::release(): the last reference - whether from a
 * factory, iobmd_get(), or the buffer fd that every user mapping of it
 * holds - frees the memory (dma_free_attrs(), or for a scatter-gather
 * buffer vunmap(), dma_unmap_sgtable() and the pages).
 *
 * Context: process context, may sleep; not from interrupt context or with
 * interrupts disabled (dma_free_attrs() forbids it), whether or not this
 * put is the last.
 */
void iobmd_put(struct iobmd *bmd)
{
	might_sleep();
	if (bmd)
		kref_put(&bmd->ref, iobmd_free);
}
EXPORT_SYMBOL_GPL(iobmd_put);

/**
 * iobmd_get_capacity() - the size asked for at create
 * @bmd: the buffer.
 *
 * Mirrors IOBufferMemoryDescriptor::getCapacity().
 *
 * Context: any context.
 *
 * Return: the capacity in bytes, exactly as requested (not rounded).
 */
u64 iobmd_get_capacity(const struct iobmd *bmd)
{
	return bmd->capacity;
}
EXPORT_SYMBOL_GPL(iobmd_get_capacity);

/**
 * iobmd_get_length() - the current length
 * @bmd: the buffer.
 *
 * Mirrors IOMemoryDescriptor::getLength().
 *
 * Context: any context.
 *
 * Return: the length in bytes; equal to the capacity at create.
 */
u64 iobmd_get_length(const struct iobmd *bmd)
{
	return READ_ONCE(bmd->length);
}
EXPORT_SYMBOL_GPL(iobmd_get_length);

/**
 * iobmd_get_options() - the options the buffer was created with
 * @bmd: the buffer.
 *
 * Mirrors the _options IOKit keeps with each descriptor
 * (IOMemoryDescriptor::getDirection() has the direction part, which
 * iobmd_set_direction() changes).
 *
 * Context: any context.
 *
 * Return: the IOKit option bits passed at create, with the current
 * direction.
 */
u32 iobmd_get_options(const struct iobmd *bmd)
{
	return READ_ONCE(bmd->options);
}
EXPORT_SYMBOL_GPL(iobmd_get_options);

/**
 * iobmd_get_bytes_no_copy() - the kernel address of the buffer
 * @bmd: the buffer.
 *
 * Mirrors IOBufferMemoryDescriptor::getBytesNoCopy(). The address stays
 * valid while the caller holds a reference.
 *
 * Context: any context.
 *
 * Return: the kernel virtual address of byte 0, or NULL when the kernel
 * keeps no mapping of the buffer (created for NULL or a user task without
 * kIOMemoryKernelUserShared; see iobmd_get_task_bytes_no_copy()).
 */
void *iobmd_get_bytes_no_copy(struct iobmd *bmd)
{
	return bmd->kernel_mapped ? bmd->cpu_addr : NULL;
}
EXPORT_SYMBOL_GPL(iobmd_get_bytes_no_copy);

/**
 * iobmd_get_task_bytes_no_copy() - the user address of a task buffer
 * @bmd: the buffer.
 *
 * Mirrors IOBufferMemoryDescriptor::getBytesNoCopy() for a buffer created
 * in a user task, where XNU returns the address in that task. The mapping
 * belongs to the process: it may unmap it, and the address is then
 * stale even while a reference is held.
 *
 * Context: any context.
 *
 * Return: the address of byte 0 in the task the buffer was created in, or
 * NULL when it was not created in a user task.
 */
void __user *iobmd_get_task_bytes_no_copy(struct iobmd *bmd)
{
	return (void __user *)bmd->task_address;
}
EXPORT_SYMBOL_GPL(iobmd_get_task_bytes_no_copy);

/**
 * iobmd_get_bytes_no_copy_range() - the kernel address of a range
 * @bmd:    the buffer.
 * @start:  offset of the range in bytes.
 * @length: length of the range in bytes.
 *
 * Mirrors IOBufferMemoryDescriptor::getBytesNoCopy(start, withLength): as
 * in XNU, @start must be below the current length (not the capacity),
 * @start + @length must not overflow and must not pass the length.
 *
 * Context: any context.
 *
 * Return: the kernel virtual address of byte @start, or NULL when the range
 * is not inside the length, as in IOKit, or the buffer has no kernel
 * mapping.
 */
void *iobmd_get_bytes_no_copy_range(struct iobmd *bmd, u64 start, u64 length)
{
	u64 end, len = READ_ONCE(bmd->length);

	if (!bmd->kernel_mapped || start >= len ||
	    check_add_overflow(start, length, &end) || end > len)
		return NULL;
	return bmd->cpu_addr + start;
}
EXPORT_SYMBOL_GPL(iobmd_get_bytes_no_copy_range);

/**
 * iobmd_get_physical_segment() - the DMA address of the run at an offset
 * @bmd:     the buffer.
 * @offset:  offset into the buffer in bytes; must be below the length.
 * @address: out: DMA address (dma_addr_t) of byte @offset; with
 *           kIOMemoryMapperNone its CPU physical address.
 * @length:  out, may be NULL: bytes from @offset to the end of the
 *           contiguous run that holds it, never past the length.
 *
 * Mirrors IOMemoryDescriptor::getPhysicalSegment(offset, &length); the run
 * is the merged DMA segment that holds @offset. The address is a DMA
 * address for iobmd's own device, which has no IOMMU
 * translation and no DMA offset on x86: it is the CPU physical address.
 * It is not a mapping for another device behind an IOMMU. A buffer created
 * with kIOMemoryMapperNone (IOKit: bypass the IOMMU mapper) reports CPU
 * physical addresses and physically contiguous runs, whatever the device's
 * DMA mapping is.
 *
 * A pageable buffer has segments only while it is prepared: they are
 * those of its pinned pages, as the DMA API mapped them.
 *
 * Context: any context; for a pageable buffer process context, may sleep
 * (takes the buffer's mutex).
 *
 * Return: 0, or -EINVAL when @offset is at or past the length, or -ENXIO
 * for a pageable buffer that is not prepared. XNU returns address 0 for
 * the first and panics for the second; iobmd returns errors so that 0 is
 * never mistaken for an address.
 */
int iobmd_get_physical_segment(struct iobmd *bmd, u64 offset,
			       dma_addr_t *address, u64 *length)
{
	u64 len = READ_ONCE(bmd->length), run = len - offset;
	int ret = 0;

	if (offset >= len)
		return -EINVAL;
	if (bmd->shmem) {
		mutex_lock(&bmd->lock);
		if (bmd->pin_sgt)
			iobmd_sg_segment(bmd->pin_sgt, false, offset, address,
					 &run);
		else
			ret = -ENXIO;
		mutex_unlock(&bmd->lock);
		if (ret)
			return ret;
	} else if (bmd->sgt) {
		iobmd_sg_segment(bmd->sgt,
				 bmd->options & IOBMD_MEMORY_MAPPER_NONE,
				 offset, address, &run);
	} else if (bmd->options & IOBMD_MEMORY_MAPPER_NONE) {
		*address = virt_to_phys(bmd->cpu_addr + offset);
	} else {
		*address = bmd->dma_addr + offset;
	}
	if (length)
		*length = min(run, len - offset);
	return 0;
}
EXPORT_SYMBOL_GPL(iobmd_get_physical_segment);

/* Mappings are counted for debugfs: split VMAs open, unmapped ones close. */
static void iobmd_vm_open(struct vm_area_struct *vma)
{
	struct iobmd *bmd = vma->vm_private_data;

	atomic_inc(&bmd->map_count);
}

static void iobmd_vm_close(struct vm_area_struct *vma)
{
	struct iobmd *bmd = vma->vm_private_data;

	atomic_dec(&bmd->map_count);
}

/* Only mappings of iobmd's own pages fault: sg.c. */
static vm_fault_t iobmd_vm_fault(struct vm_fault *vmf)
{
	struct iobmd *bmd = vmf->vma->vm_private_data;

	return bmd->sgt ? iobmd_sg_fault(vmf) : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct iobmd_vm_ops = {
	.open = iobmd_vm_open,
	.close = iobmd_vm_close,
	.fault = iobmd_vm_fault,
};

/*
 * mmap of the buffer fd: MAP_SHARED only, never executable, any
 * page-aligned range inside the allocation; VM_DONTEXPAND keeps mremap()
 * from growing it. MAP_SHARED is VM_MAYSHARE: do_mmap() clears VM_SHARED
 * (and VM_MAYWRITE) for a file opened read-only, as a read-only dma-buf's
 * is, whose mapping is a shared one all the same.
 */
int iobmd_mmap(struct iobmd *bmd, struct vm_area_struct *vma)
{
	unsigned long total = bmd->alloc_size >> PAGE_SHIFT;
	vm_flags_t set = VM_DONTEXPAND | VM_DONTDUMP;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	if (vma->vm_pgoff >= total || vma_pages(vma) > total - vma->vm_pgoff)
		return -EINVAL;
	/*
	 * Every mapping has the memory type of the direct map: cache.c. Pages
	 * that are not write-back are mapped by PFN, so that nothing can pin
	 * them and map them again write-back (io_uring and videobuf2 vmap()
	 * pinned user pages with PAGE_KERNEL).
	 */
	vma->vm_page_prot = iobmd_cache_pgprot(bmd, vma->vm_page_prot);
	if (bmd->sgt && iobmd_cache_mode(bmd) != IOBMD_MAP_COPYBACK_CACHE)
		set |= VM_PFNMAP | VM_IO;
	iobmd_vm_flags_mod(vma, set, VM_MAYEXEC);
	vma->vm_private_data = bmd;
	vma->vm_ops = &iobmd_vm_ops;
	if (bmd->shmem)
		ret = iobmd_pageable_mmap(bmd, vma);
	else if (bmd->sgt)
		ret = iobmd_sg_mmap(bmd, vma);
	else
		ret = dma_mmap_attrs(bmd->dev, vma, bmd->cpu_addr,
				     bmd->dma_addr, bmd->alloc_size,
				     bmd->attrs);
	trace_iobmd_map(bmd, vma->vm_start, vma->vm_pgoff << PAGE_SHIFT,
			vma->vm_end - vma->vm_start,
			vma->vm_flags & VM_PFNMAP, ret);
	if (!ret)
		atomic_inc(&bmd->map_count);
	return ret;
}
