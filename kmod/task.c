// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the factories that take a task (IOKit's inTask... and withCopy),
 * in the fd layer. A buffer made for a user task is mapped into it through
 * a buffer file (kmod/dev.c), as a mapping of a buffer fd is; the object
 * itself comes from kmod/buffer.c, which never calls up here.
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "iobmd_internal.h"

/**
 * iobmd_map_task() - map a new buffer into the calling process
 * @bmd: the buffer, created for current->mm.
 *
 * The in-kernel API's user task: the mapping holds a buffer file (as a
 * mapping of a buffer fd does), so the buffer lives until both the
 * caller's reference and the mapping are gone. The address is kept in
 * @bmd->task_address.
 *
 * Context: process context with a user mm, may sleep (takes mmap_lock).
 *
 * Return: 0, or the errno of anon_inode_getfile() or vm_mmap().
 */
static int iobmd_map_task(struct iobmd *bmd)
{
	struct file *file = iobmd_buffer_file(bmd);
	unsigned long addr;

	if (IS_ERR(file))
		return PTR_ERR(file);
	addr = iobmd_vm_mmap(file, bmd);
	fput(file);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	bmd->task_address = addr;
	return 0;
}

/*
 * The last step of a factory with a task: map into a user task if asked,
 * then count the create (a failed mapping fails it).
 */
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
