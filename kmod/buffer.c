// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd buffer objects: IOBufferMemoryDescriptor semantics on the Linux DMA
 * API - options, creation, lifetime - and the in-kernel factories that map
 * into no user task. Those that take a task are in kmod/task.c, in the fd
 * layer above: nothing here calls up into it.
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
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

/* The id of the last buffer created (tracepoints name buffers by id). */
static atomic64_t iobmd_last_id = ATOMIC64_INIT(0);

/*
 * The buffer objects: a cache of their own size (344 bytes on x86
 * without lockdep) rather than kmalloc's 512-byte class, charged to the
 * creator's memory cgroup.
 */
static struct kmem_cache *iobmd_object_cache;

/**
 * iobmd_objects_init() - create the slab cache of buffer objects
 *
 * Context: module init, may sleep.
 *
 * Return: 0, or -ENOMEM.
 */
int iobmd_objects_init(void)
{
	iobmd_object_cache = KMEM_CACHE(iobmd, SLAB_ACCOUNT);
	return iobmd_object_cache ? 0 : -ENOMEM;
}

/**
 * iobmd_objects_exit() - destroy the slab cache of buffer objects
 *
 * Context: module exit, may sleep. Every buffer is freed by then (buffer
 * fds, mappings and in-kernel users hold the module).
 */
void iobmd_objects_exit(void)
{
	kmem_cache_destroy(iobmd_object_cache);
	iobmd_object_cache = NULL;
}

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
	int ret;

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
		break;
	case IOBMD_MAP_INHIBIT_CACHE:
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
	case IOBMD_MAP_WRITE_THRU_CACHE:
		/* What the architecture gives: cache_x86.c, cache_arm64.c. */
		ret = iobmd_cache_mode_check(options & IOBMD_CACHE_MODE_BITS);
		if (ret)
			return ret;
		break;
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
	kmem_cache_free(iobmd_object_cache, bmd);
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
	bmd = kmem_cache_zalloc(iobmd_object_cache, GFP_KERNEL_ACCOUNT);
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
	kmem_cache_free(iobmd_object_cache, bmd);
uncharge:
	iobmd_registry_uncharge(PAGE_ALIGN(capacity));
	return ERR_PTR(ret);
}

/**
 * iobmd_alloc() - create a buffer, not yet mapped into a user task
 * @dev:           the device to allocate for, or NULL for iobmd's device
 *                 of @physical_mask; as iobmd_init_for_device().
 * @task:          as for iobmd_init_with_physical_mask(); a user mm is only
 *                 checked here, the caller maps it (kmod/task.c).
 * @options:       as for iobmd_init_with_physical_mask().
 * @capacity:      likewise, in bytes.
 * @alignment:     likewise, in bytes.
 * @physical_mask: likewise.
 *
 * The object layer's factory, traced: every factory, exported or the fd
 * layer's, makes its buffer here. A failure is counted
 * (iobmd_registry_failed()); on success the caller
 * finishes the create with iobmd_registry_created(), or fails it with
 * iobmd_put() and iobmd_registry_failed().
 *
 * Context: process context, may sleep.
 *
 * Return: the buffer, or an ERR_PTR() with the errnos
 * iobmd_init_with_physical_mask() gives for the buffer itself (not those
 * of a user task's mapping).
 */
struct iobmd *iobmd_alloc(struct device *dev, struct mm_struct *task,
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

/* The last step of a factory that maps into no user task. */
static struct iobmd *iobmd_finish_kernel(struct iobmd *bmd)
{
	if (!IS_ERR(bmd))
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
	return iobmd_finish_kernel(iobmd_alloc(dev, task, options, capacity,
					       alignment, 0));
}
EXPORT_SYMBOL_GPL(iobmd_init_for_device);

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
	return iobmd_finish_kernel(iobmd_alloc(NULL, IOBMD_KERNEL_TASK, options,
					       capacity, alignment, 0));
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
