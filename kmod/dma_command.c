// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: IODMACommand - a buffer mapped for one consumer device.
 *
 * A buffer's own DMA addresses (iobmd_get_physical_segment(), GET_SEGMENTS)
 * belong to iobmd's driverless allocation devices. A driver programs its
 * own device, which may sit behind an IOMMU or drive fewer address bits:
 * it makes a DMA command for its struct device, binds a buffer, prepares a
 * range for a direction and walks the segments in that device's address
 * space, as an IOKit driver does with IODMACommand (withSpecification,
 * setMemoryDescriptor, prepare, gen64IOVMSegments, synchronize, complete,
 * clearMemoryDescriptor).
 *
 * kmod/dma_map.c maps the range for the consumer, or double buffers it
 * where the device cannot reach it. IOBMD_DMA_NO_DOUBLE_BUFFER refuses
 * instead, as DriverKit's IODMACommand does.
 *
 * Locks: a command's mutex is taken before its buffer's (iobmd_prepare()).
 * The command holds a reference on its device and on the bound buffer; a
 * driver must complete and free its commands before its device is unbound
 * (the DMA API checks that no mapping outlives the driver).
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dma_command.h"
#include "iobmd_internal.h"

#define IOBMD_DMA_KNOWN_OPTIONS (IOBMD_DMA_NO_DOUBLE_BUFFER |		\
				 IOBMD_DMA_FORCE_DOUBLE_BUFFER)

/**
 * iobmd_dma_command_with_specification() - a DMA command for a device
 * @dev:  the device that will do the DMA (the driver's own, e.g.
 *        &pdev->dev); the command holds a reference.
 * @spec: what the device can address; see struct iobmd_dma_specification.
 *
 * Mirrors IODMACommand::withSpecification(outSegFunc, numAddressBits,
 * maxSegmentSize, mappingOptions, maxTransferSize, alignment) and
 * DriverKit's IODMACommand::Create(device, options, specification). The
 * segment function is always 64-bit host order (kIODMACommandOutputHost64);
 * the mapper is the device's own IOMMU, as the DMA API sets it up. The
 * maximum segment is the lower of the specification's and the device's
 * (dma_get_max_seg_size()), rounded down to the alignment, so that every
 * segment after the first starts aligned too.
 *
 * Context: process context, may sleep.
 *
 * Return: the command, to be freed with iobmd_dma_command_free(), or an
 * ERR_PTR():
 * * -EINVAL - @dev or @spec is NULL; an unknown option, or both double
 *   buffer options; @spec->num_address_bits above 64; an alignment that
 *   is not 0, 1 or a power of two up to a page, or a maximum segment
 *   shorter than the alignment.
 * * -ENODEV - @dev cannot do DMA: it has no DMA mask or no coherent DMA
 *   mask (the DMA API would refuse every mapping, or WARN).
 * * -ENOMEM - no memory for the command.
 */
struct iobmd_dma_command *
iobmd_dma_command_with_specification(struct device *dev,
				     const struct iobmd_dma_specification *spec)
{
	struct iobmd_dma_command *cmd;
	u64 mask, align, max_seg;

	if (!dev || !spec || (spec->options & ~IOBMD_DMA_KNOWN_OPTIONS))
		return ERR_PTR(-EINVAL);
	if ((spec->options & IOBMD_DMA_NO_DOUBLE_BUFFER) &&
	    (spec->options & IOBMD_DMA_FORCE_DOUBLE_BUFFER))
		return ERR_PTR(-EINVAL);
	if (spec->num_address_bits > 64 ||
	    (spec->alignment > 1 && (!is_power_of_2(spec->alignment) ||
				     spec->alignment > PAGE_SIZE)))
		return ERR_PTR(-EINVAL);
	if (!iobmd_dev_can_dma(dev))
		return ERR_PTR(-ENODEV);

	mask = dma_get_mask(dev);
	if (spec->num_address_bits)
		mask = min_t(u64, mask, DMA_BIT_MASK(spec->num_address_bits));
	align = max_t(u64, spec->alignment, 1);
	/* No longer than the device takes, and a multiple of the alignment. */
	max_seg = dma_get_max_seg_size(dev);
	if (spec->max_segment_size)
		max_seg = min_t(u64, max_seg, spec->max_segment_size);
	max_seg = round_down(max_seg, align);
	if (!max_seg)
		return ERR_PTR(-EINVAL);
	cmd = kzalloc(sizeof(*cmd), GFP_KERNEL);
	if (!cmd)
		return ERR_PTR(-ENOMEM);
	mutex_init(&cmd->lock);
	cmd->dev = get_device(dev);
	cmd->mask = mask;
	cmd->max_segment_size = max_seg;
	cmd->alignment = align;
	cmd->options = spec->options;
	return cmd;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_with_specification);

/**
 * iobmd_dma_command_set_memory_descriptor() - bind a buffer
 * @cmd: the command.
 * @bmd: the buffer; the command takes a reference until it is cleared.
 *
 * Mirrors IODMACommand::setMemoryDescriptor(md, autoPrepare = false):
 * binding does not prepare; iobmd_dma_command_prepare() does. A buffer
 * bound before is released.
 *
 * Context: process context, may sleep (takes the command's mutex).
 *
 * Return: 0, -EINVAL for a NULL @bmd (use
 * iobmd_dma_command_clear_memory_descriptor()), or -EBUSY while the
 * command is prepared (XNU: kIOReturnBusy).
 */
int iobmd_dma_command_set_memory_descriptor(struct iobmd_dma_command *cmd,
					    struct iobmd *bmd)
{
	struct iobmd *old = NULL;
	int ret = 0;

	if (!bmd)
		return -EINVAL;
	mutex_lock(&cmd->lock);
	if (cmd->prepare_count) {
		ret = -EBUSY;
	} else {
		old = cmd->bmd;
		cmd->bmd = iobmd_get(bmd);
	}
	mutex_unlock(&cmd->lock);
	iobmd_put(old);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_set_memory_descriptor);

/**
 * iobmd_dma_command_clear_memory_descriptor() - unbind the buffer
 * @cmd: the command.
 *
 * Mirrors IODMACommand::clearMemoryDescriptor(autoComplete = true): a
 * prepared command is completed first, however many prepares it had.
 *
 * Context: process context, may sleep.
 *
 * Return: 0, also when no buffer was bound.
 */
int iobmd_dma_command_clear_memory_descriptor(struct iobmd_dma_command *cmd)
{
	struct iobmd *bmd;

	mutex_lock(&cmd->lock);
	if (cmd->prepare_count)
		iobmd_dma_unmap(cmd);
	cmd->prepare_count = 0;
	bmd = cmd->bmd;
	cmd->bmd = NULL;
	mutex_unlock(&cmd->lock);
	iobmd_put(bmd);
	return 0;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_clear_memory_descriptor);

/**
 * iobmd_dma_command_free() - release a command
 * @cmd: the command, or NULL.
 *
 * Clears the buffer (completing a prepared command) and drops the device.
 * Mirrors the last release of an IODMACommand.
 *
 * Context: process context, may sleep.
 */
void iobmd_dma_command_free(struct iobmd_dma_command *cmd)
{
	if (!cmd)
		return;
	iobmd_dma_command_clear_memory_descriptor(cmd);
	put_device(cmd->dev);
	mutex_destroy(&cmd->lock);
	kfree(cmd);
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_free);

/*
 * The prepare of a range of the buffer's length, or with @whole of its
 * whole allocation (a dma-buf's size) whatever its length, and then
 * without the one-segment rule of a contiguous buffer.
 */
static int __iobmd_dma_command_prepare(struct iobmd_dma_command *cmd,
				       u64 offset, u64 length, u32 direction,
				       bool whole)
{
	struct iobmd *bmd;
	u64 len, end;
	int ret;

	if (direction > IOBMD_DIRECTION_INOUT)
		return -EINVAL;
	mutex_lock(&cmd->lock);
	bmd = cmd->bmd;
	ret = -EINVAL;
	if (!bmd)
		goto out;
	if (direction == IOBMD_DIRECTION_NONE)
		direction = iobmd_get_options(bmd) & IOBMD_DIRECTION_MASK;
	len = whole ? bmd->alloc_size : iobmd_get_length(bmd);
	if (!length && offset < len)
		length = len - offset;
	if (!length || check_add_overflow(offset, length, &end) || end > len)
		goto out;
	if (cmd->prepare_count) {
		ret = -EBUSY;
		if (offset == cmd->offset && length == cmd->length &&
		    direction == cmd->direction && cmd->prepare_count < UINT_MAX) {
			cmd->prepare_count++;
			ret = 0;
		}
		goto out;
	}
	/* A contiguous buffer is one segment, or nothing. */
	ret = -EMSGSIZE;
	if (!whole && iobmd_is_contiguous(bmd) &&
	    length > cmd->max_segment_size)
		goto out;
	/* The buffer is wired, its own DMA addresses are not used. */
	ret = iobmd_prepare_for(bmd, direction, NULL, 0);
	if (ret)
		goto out;
	cmd->offset = offset;
	cmd->length = length;
	cmd->direction = direction;
	cmd->dir = iobmd_dma_direction(direction);
	ret = iobmd_dma_map(cmd);
	if (ret)
		iobmd_complete_for(bmd, direction, 0);
	else
		cmd->prepare_count = 1;
out:
	mutex_unlock(&cmd->lock);
	return ret;
}

/**
 * iobmd_dma_command_prepare() - map a range of the buffer for the device
 * @cmd:       the command, with a buffer bound.
 * @offset:    start of the range in the buffer, bytes.
 * @length:    bytes; 0 for the rest of the buffer's length (IOKit's
 *             prepare(0, 0) is the whole descriptor).
 * @direction: kIODirectionIn (the device writes), Out (the device reads),
 *             InOut, or None for the buffer's own direction.
 *
 * Mirrors IODMACommand::prepare(offset, length, flushCache = true,
 * synchronize = true). The buffer itself is prepared as iobmd_prepare()
 * does (a pageable buffer is pinned, an Out prepare makes it read-only;
 * its own DMA mapping, which the command does not use, is not synced), then
 * the range is DMA-mapped for the device, through its IOMMU when it has
 * one, or double buffered when the device cannot reach it (the device's
 * mask, the specification's address bits or alignment). A double buffer
 * receives the buffer's contents now unless the device only writes.
 * Prepares nest: a nested prepare must name the same range and direction,
 * and maps nothing again, so that nothing the device wrote is overwritten.
 *
 * Context: process context, may sleep (allocates; takes the command's and
 * the buffer's mutexes).
 *
 * Return: 0, or:
 * * -EINVAL - a direction above InOut; no buffer is bound; the range is
 *   empty or not inside the buffer's length.
 * * -EBUSY - already prepared for another range or direction (XNU:
 *   kIOReturnNotReady), or a nested prepare would pass UINT_MAX; the
 *   buffer is prepared by IOBMD_MAX_COMMANDS (6) DMA commands already
 *   (each maps its pages again; the DMA API's debug code WARNs at eight
 *   overlapping mappings); or the buffer's own prepare refused (see
 *   iobmd_prepare()).
 * * -EMSGSIZE - the buffer is physically contiguous and the range is
 *   longer than the command's maximum segment (the specification's or
 *   the device's): it cannot be one segment.
 * * -ERANGE - the device cannot reach the memory and may not double
 *   buffer (IOBMD_DMA_NO_DOUBLE_BUFFER), or not even a double buffer
 *   allocated for it fits the specification.
 * * -ENOMEM - no memory for the table, the mapping or the double buffer.
 * * -EIO - the DMA API could not map the range.
 * * -EOVERFLOW, -EINTR and the other errnos of iobmd_prepare().
 */
int iobmd_dma_command_prepare(struct iobmd_dma_command *cmd, u64 offset,
			      u64 length, u32 direction)
{
	return __iobmd_dma_command_prepare(cmd, offset, length, direction,
					   false);
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_prepare);

/*
 * For a dma-buf importer (kmod/dmabuf.c): prepare the buffer's whole
 * allocation, the dma-buf's size, for the device; as
 * iobmd_dma_command_prepare() otherwise.
 */
int iobmd_dma_command_prepare_all(struct iobmd_dma_command *cmd,
				  u32 direction)
{
	return __iobmd_dma_command_prepare(cmd, 0, 0, direction, true);
}

/**
 * iobmd_dma_command_complete() - the device is done with the range
 * @cmd: a prepared command.
 *
 * Mirrors IODMACommand::complete(invalidateCache = true, synchronize =
 * true): undoes one prepare. The last one hands the memory back to the
 * CPU in the direction recorded at prepare: the mapping is unmapped (the
 * DMA API syncs for the CPU), or a double buffer's contents are copied
 * back unless the device only read; then the buffer's prepare is
 * completed.
 *
 * Context: process context, may sleep.
 *
 * Return: 0, or -EINVAL when the command is not prepared (XNU:
 * kIOReturnNotReady).
 */
int iobmd_dma_command_complete(struct iobmd_dma_command *cmd)
{
	int ret = 0;

	mutex_lock(&cmd->lock);
	if (!cmd->prepare_count)
		ret = -EINVAL;
	else if (!--cmd->prepare_count)
		iobmd_dma_unmap(cmd);
	mutex_unlock(&cmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_complete);

/**
 * iobmd_dma_command_synchronize() - hand the range over between transfers
 * @cmd:       a prepared command.
 * @direction: kIODirectionOut before the device reads again (the CPU's
 *             writes become visible to it), kIODirectionIn after the
 *             device wrote (its writes become visible to the CPU).
 *
 * Mirrors IODMACommand::synchronize(options): for a mapping,
 * dma_sync_sgtable_for_device() or dma_sync_sgtable_for_cpu() in the
 * direction of the mapping, as the DMA API requires; for a double buffer,
 * the copy into it (Out) or out of it (In), when the prepared direction
 * lets the device read, or write, respectively. prepare() and complete()
 * already do this once each; a driver that reuses a prepared range for
 * several transfers calls it in between.
 *
 * Context: process context, may sleep.
 *
 * Return: 0; -EINVAL for a direction other than In or Out, or when the
 * command is not prepared.
 */
int iobmd_dma_command_synchronize(struct iobmd_dma_command *cmd,
				  u32 direction)
{
	bool out = direction == IOBMD_DIRECTION_OUT;
	int ret = 0;

	if (direction != IOBMD_DIRECTION_IN && !out)
		return -EINVAL;
	mutex_lock(&cmd->lock);
	if (!cmd->prepare_count)
		ret = -EINVAL;
	else
		iobmd_dma_sync(cmd, out);
	mutex_unlock(&cmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_synchronize);

/*
 * The DMA segment holding range offset @pos and its start, from the
 * cursor when @pos lies at or after it (a walk in order is O(n) over all
 * calls). Under cmd->lock, mapped, @pos below the length.
 */
static struct scatterlist *iobmd_dma_seek(struct iobmd_dma_command *cmd,
					  u64 pos, u64 *start)
{
	struct scatterlist *sg = cmd->cur_sg;
	u64 at = cmd->cur_pos;

	if (pos < at) {
		sg = cmd->sgt.sgl;
		at = 0;
	}
	while (pos >= at + sg_dma_len(sg)) {
		at += sg_dma_len(sg);
		sg = sg_next(sg);
	}
	cmd->cur_sg = sg;
	cmd->cur_pos = at;
	*start = at;
	return sg;
}

/**
 * iobmd_dma_command_gen64_iovm_segments() - the segments for the device
 * @cmd:          a prepared command.
 * @offset:       in: where to start, bytes from the start of the
 *                prepared range; out: where the next call starts.
 * @segments:     out: up to *@num_segments segments, each at most the
 *                specification's maximum segment size.
 * @num_segments: in: room in @segments; out: segments written, 0 when
 *                *@offset was the end of the range.
 *
 * Mirrors IODMACommand::gen64IOVMSegments(&offset, segments,
 * &numSegments): addresses in the device's own DMA space (IOVAs behind an
 * IOMMU, the double buffer's address when bounced), as the device must be
 * programmed with them.
 *
 * Context: process context, may sleep (takes the command's mutex).
 *
 * Return: 0; -EINVAL for NULL pointers or an *@offset past the range;
 * -ENXIO when the command is not prepared (XNU: kIOReturnNotReady).
 */
int iobmd_dma_command_gen64_iovm_segments(struct iobmd_dma_command *cmd,
					  u64 *offset,
					  struct iobmd_dma_segment *segments,
					  u32 *num_segments)
{
	u32 n = 0, room;
	u64 pos;
	int ret = 0;

	if (!offset || !num_segments || (*num_segments && !segments))
		return -EINVAL;
	room = *num_segments;
	mutex_lock(&cmd->lock);
	pos = *offset;
	if (!cmd->prepare_count) {
		ret = -ENXIO;
		goto out;
	}
	if (pos > cmd->length) {
		ret = -EINVAL;
		goto out;
	}
	for (; n < room && pos < cmd->length; n++) {
		u64 addr, left;

		if (cmd->bounce) {
			addr = cmd->bounce_dma + pos;
			left = cmd->length - pos;
		} else {
			struct scatterlist *sg;
			u64 start;

			sg = iobmd_dma_seek(cmd, pos, &start);
			addr = sg_dma_address(sg) + (pos - start);
			left = sg_dma_len(sg) - (pos - start);
		}
		segments[n].address = addr;
		segments[n].length = min(left, cmd->max_segment_size);
		pos += segments[n].length;
	}
	*offset = pos;
out:
	mutex_unlock(&cmd->lock);
	*num_segments = n;
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_gen64_iovm_segments);

/**
 * iobmd_dma_command_double_buffered() - whether the range was bounced
 * @cmd: the command.
 *
 * Context: process context, may sleep (takes the command's mutex).
 *
 * Return: true while the command is prepared with a double buffer.
 */
bool iobmd_dma_command_double_buffered(struct iobmd_dma_command *cmd)
{
	bool ret;

	mutex_lock(&cmd->lock);
	ret = cmd->prepare_count && cmd->bounce;
	mutex_unlock(&cmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_dma_command_double_buffered);
