// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: mapping a DMA command's range for its device (kmod/
 * dma_command.c), or double buffering it.
 *
 * The range is mapped with dma_map_sgtable() for the consumer, through its
 * IOMMU when it has one. Memory the device cannot reach (above its mask
 * or the specification's address bits, or misaligned) is double buffered,
 * as XNU's IODMACommand does: a bounce buffer from dma_alloc_attrs() for
 * the device, filled from the buffer unless the device only writes, and
 * copied back unless it only reads. Without an IOMMU the check is made
 * before anything is mapped, so that swiotlb is never asked to bounce
 * into a pool the device cannot reach (which WARNs).
 *
 * The pages are mapped for the buffer's own device already (every wired
 * buffer, and a prepared pageable one), so the consumer's mapping is made
 * with DMA_ATTR_SKIP_CPU_SYNC, as the DMA API wants for a second mapping
 * of the same memory (dma-debug refuses overlapping mappings otherwise),
 * and the syncs that the mapping and unmapping would do are made
 * explicitly: for the device right after mapping, for the CPU right
 * before unmapping.
 */
#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "dma_command.h"
#include "iobmd_internal.h"

/* Whether the device's DMA goes through an IOMMU's page tables. */
bool iobmd_dma_translated(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && (domain->type & __IOMMU_DOMAIN_PAGING);
}

/* The pages of the prepared range, for a table. Under cmd->lock. */
static struct page **iobmd_dma_range_pages(struct iobmd_dma_command *cmd,
					   unsigned long n, bool *temporary)
{
	struct iobmd *bmd = cmd->bmd;
	pgoff_t first = cmd->offset >> PAGE_SHIFT;
	struct page **pages, *page;
	unsigned long i;

	*temporary = false;
	if (bmd->shmem)
		return bmd->pin_pages + first;
	if (bmd->pages)
		return bmd->pages + first;
	/* dma_alloc_attrs() memory: contiguous, in the direct map (x86). */
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	page = virt_to_page(bmd->cpu_addr + (first << PAGE_SHIFT));
	for (i = 0; i < n; i++)
		pages[i] = nth_page(page, i);
	*temporary = true;
	return pages;
}

/* The range as a table, entries no longer than the device maps. */
static int iobmd_dma_range_table(struct iobmd_dma_command *cmd)
{
	unsigned int off = offset_in_page(cmd->offset);
	unsigned long n = DIV_ROUND_UP(off + cmd->length, PAGE_SIZE);
	unsigned int max_seg;
	struct page **pages;
	bool temporary;
	int ret;

	max_seg = min_t(u64, dma_get_max_seg_size(cmd->dev), UINT_MAX);
	max_seg = max_t(unsigned int, max_seg & PAGE_MASK, PAGE_SIZE);
	pages = iobmd_dma_range_pages(cmd, n, &temporary);
	if (!pages)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages_segment(&cmd->sgt, pages, n, off,
						cmd->length, max_seg,
						GFP_KERNEL);
	if (temporary)
		kvfree(pages);
	return ret;
}

/* Whether [@addr, @addr + @len) suits the device. */
static bool iobmd_dma_fits(struct iobmd_dma_command *cmd, u64 addr, u64 len)
{
	return addr <= cmd->mask && len - 1 <= cmd->mask - addr &&
	       IS_ALIGNED(addr, cmd->alignment);
}

/* Without an IOMMU: whether the memory fits, before it is mapped. */
static bool iobmd_dma_pages_fit(struct iobmd_dma_command *cmd)
{
	struct scatterlist *sg;
	unsigned int i;

	/* swiotlb=force, or memory encryption: it would bounce anyway. */
	if (is_swiotlb_force_bounce(cmd->dev))
		return false;
	for_each_sgtable_sg(&cmd->sgt, sg, i)
		if (!iobmd_dma_fits(cmd, phys_to_dma(cmd->dev, sg_phys(sg)),
				    sg->length))
			return false;
	return true;
}

/* After mapping: whether every DMA segment fits. */
static bool iobmd_dma_segments_fit(struct iobmd_dma_command *cmd)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&cmd->sgt, sg, i)
		if (!iobmd_dma_fits(cmd, sg_dma_address(sg), sg_dma_len(sg)))
			return false;
	return true;
}

/* Copy between the buffer and the bounce buffer. Under cmd->lock. */
static void iobmd_dma_bounce_copy(struct iobmd_dma_command *cmd,
				  bool to_bounce)
{
	if (to_bounce)
		iobmd_copy_out(cmd->bmd, cmd->offset, cmd->bounce, cmd->length);
	else
		iobmd_copy_in(cmd->bmd, cmd->offset, cmd->bounce, cmd->length);
}

/* Double buffer the range: a bounce buffer the device can reach. */
static int iobmd_dma_double_buffer(struct iobmd_dma_command *cmd)
{
	size_t size = PAGE_ALIGN(cmd->length);

	if (cmd->options & IOBMD_DMA_NO_DOUBLE_BUFFER)
		return -ERANGE;
	cmd->bounce = dma_alloc_attrs(cmd->dev, size, &cmd->bounce_dma,
				      GFP_KERNEL | __GFP_NOWARN, 0);
	if (!cmd->bounce)
		return -ENOMEM;
	cmd->bounce_size = size;
	if (!iobmd_dma_fits(cmd, cmd->bounce_dma, cmd->length)) {
		dma_free_attrs(cmd->dev, size, cmd->bounce, cmd->bounce_dma, 0);
		cmd->bounce = NULL;
		return -ERANGE;
	}
	/* The device reads: it must find the buffer's contents. */
	if (cmd->dir != DMA_FROM_DEVICE)
		iobmd_dma_bounce_copy(cmd, true);
	return 0;
}

/* Map the prepared range for the device, or double buffer it. */
int iobmd_dma_map(struct iobmd_dma_command *cmd)
{
	bool translated = iobmd_dma_translated(cmd->dev);
	int ret;

	if (cmd->options & IOBMD_DMA_FORCE_DOUBLE_BUFFER)
		return iobmd_dma_double_buffer(cmd);
	ret = iobmd_dma_range_table(cmd);
	if (ret)
		return ret;
	if (!translated && !iobmd_dma_pages_fit(cmd))
		goto bounce;
	ret = dma_map_sgtable(cmd->dev, &cmd->sgt, cmd->dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto free;
	if (iobmd_dma_segments_fit(cmd)) {
		dma_sync_sgtable_for_device(cmd->dev, &cmd->sgt, cmd->dir);
		cmd->cur_sg = cmd->sgt.sgl;
		cmd->cur_pos = 0;
		return 0;
	}
	dma_unmap_sgtable(cmd->dev, &cmd->sgt, cmd->dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
bounce:
	sg_free_table(&cmd->sgt);
	return iobmd_dma_double_buffer(cmd);
free:
	sg_free_table(&cmd->sgt);
	return ret == -ENOMEM ? -ENOMEM : -EIO;
}

/* The last complete: hand the memory back to the CPU and unmap. */
void iobmd_dma_unmap(struct iobmd_dma_command *cmd)
{
	if (cmd->bounce) {
		if (cmd->dir != DMA_TO_DEVICE)
			iobmd_dma_bounce_copy(cmd, false);
		dma_free_attrs(cmd->dev, cmd->bounce_size, cmd->bounce,
			       cmd->bounce_dma, 0);
		cmd->bounce = NULL;
	} else {
		dma_sync_sgtable_for_cpu(cmd->dev, &cmd->sgt, cmd->dir);
		dma_unmap_sgtable(cmd->dev, &cmd->sgt, cmd->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
		sg_free_table(&cmd->sgt);
	}
	cmd->cur_sg = NULL;
	iobmd_complete_for(cmd->bmd, cmd->direction, 0);
}

/* synchronize(): hand the range over, in the direction of the mapping. */
void iobmd_dma_sync(struct iobmd_dma_command *cmd, bool out)
{
	if (cmd->bounce && out && cmd->dir != DMA_FROM_DEVICE)
		iobmd_dma_bounce_copy(cmd, true);
	else if (cmd->bounce && !out && cmd->dir != DMA_TO_DEVICE)
		iobmd_dma_bounce_copy(cmd, false);
	else if (!cmd->bounce && out)
		dma_sync_sgtable_for_device(cmd->dev, &cmd->sgt, cmd->dir);
	else if (!cmd->bounce)
		dma_sync_sgtable_for_cpu(cmd->dev, &cmd->sgt, cmd->dir);
}
