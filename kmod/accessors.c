// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd buffer accessors: IOKit's getters (getCapacity, getLength,
 * getBytesNoCopy, getPhysicalSegment) of the in-kernel API. Object layer:
 * they read the buffer (kmod/buffer.c) and its back ends' tables.
 */
#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/overflow.h>

#include "iobmd_internal.h"

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
