/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd: the DMA command object, shared by kmod/dma_command.c (the API)
 * and kmod/dma_map.c (mapping its range, or double buffering it).
 */
#ifndef _IOBMD_DMA_COMMAND_H
#define _IOBMD_DMA_COMMAND_H

#include <linux/dma-direction.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct device;
struct iobmd;

/**
 * struct iobmd_dma_command - one buffer range mapped for one device
 * @lock:             serialises every call on the command.
 * @dev:              the consumer device (referenced).
 * @mask:             the highest DMA address a segment may reach: the
 *                    device's mask and the specification's address bits.
 * @max_segment_size: the longest segment gen64_iovm_segments() returns.
 * @alignment:        the alignment of every segment address, in bytes.
 * @options:          IOBMD_DMA_*.
 * @bmd:              the bound buffer (referenced), or NULL.
 * @prepare_count:    prepares not yet completed.
 * @offset:           the prepared range's offset in the buffer, bytes.
 * @length:           its length, bytes.
 * @direction:        its IOKit direction (None replaced by the buffer's).
 * @dir:              the DMA direction of the mapping.
 * @sgt:              the range mapped for @dev, when not double-buffered.
 * @bounce:           the bounce buffer's kernel address, or NULL.
 * @bounce_dma:       its DMA address for @dev.
 * @bounce_size:      its size, bytes.
 * @cur_sg:           gen64_iovm_segments()'s cursor: a DMA segment of @sgt.
 * @cur_pos:          the range offset where @cur_sg starts.
 */
struct iobmd_dma_command {
	struct mutex lock; /* see @lock above */
	struct device *dev;
	u64 mask;
	u64 max_segment_size;
	u64 alignment;
	u32 options;
	struct iobmd *bmd;
	unsigned int prepare_count;
	u64 offset;
	u64 length;
	u32 direction;
	enum dma_data_direction dir;
	struct sg_table sgt;
	void *bounce;
	dma_addr_t bounce_dma;
	size_t bounce_size;
	struct scatterlist *cur_sg;
	u64 cur_pos;
};

int iobmd_dma_map(struct iobmd_dma_command *cmd);
void iobmd_dma_unmap(struct iobmd_dma_command *cmd);
void iobmd_dma_sync(struct iobmd_dma_command *cmd, bool out);
int iobmd_dma_command_prepare_all(struct iobmd_dma_command *cmd,
				  u32 direction);

#endif /* _IOBMD_DMA_COMMAND_H */
