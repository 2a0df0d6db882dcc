// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the share of swiotlb that iobmd's own mappings may hold.
 *
 * swiotlb's pool is one per machine (64 MiB by default) and every device
 * that cannot reach some memory bounces through it: disks and network
 * cards under swiotlb=force and in SEV or TDX guests, 32-bit devices for
 * memory above 4 GiB. A wired buffer stays DMA-mapped for its whole life,
 * and a prepared pageable one until its last complete, so the members of
 * the group /dev/iobmd is given to could otherwise fill the pool, and
 * every other driver's mappings would fail.
 *
 * Before a mapping that would bounce, iobmd charges the bytes it would
 * bounce against a quarter of the pool, module-wide; beyond that the
 * create or prepare fails with -ENOBUFS, and nothing is mapped. The
 * estimate is made from the physical pages before mapping, as dma-direct
 * decides: everything under swiotlb=force (or memory encryption), else
 * the segments that end above the device's DMA mask.
 */
#include <linux/atomic.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>

#include "iobmd_internal.h"

/* Bytes of swiotlb that iobmd's mappings hold now. */
static atomic64_t iobmd_bounced_bytes = ATOMIC64_INIT(0);

/* iobmd may hold at most 1 / IOBMD_BOUNCE_SHARE of a pool. */
#define IOBMD_BOUNCE_SHARE 4

/* The bytes of @dev's swiotlb pool, 0 when it has none. */
static u64 iobmd_bounce_pool_bytes(struct device *dev)
{
#ifdef CONFIG_SWIOTLB
	struct io_tlb_mem *mem = dev->dma_io_tlb_mem;

	if (mem)
		return (u64)mem->nslabs << IO_TLB_SHIFT;
#endif
	return 0;
}

/*
 * The bytes of @sgt (not yet mapped) that mapping it for @dev would
 * bounce. Only for devices without an IOMMU, as iobmd's own are.
 */
static u64 iobmd_bounce_estimate(struct device *dev, struct sg_table *sgt)
{
	u64 mask = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
	bool all = is_swiotlb_force_bounce(dev);
	struct scatterlist *sg;
	u64 bytes = 0;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i) {
		dma_addr_t addr = phys_to_dma(dev, sg_phys(sg));

		if (all || addr + sg->length - 1 > mask)
			bytes += sg->length;
	}
	return bytes;
}

/**
 * iobmd_bounce_charge() - reserve the swiotlb a mapping would take
 * @dev: iobmd's device the mapping is for (no IOMMU).
 * @sgt: the pages about to be mapped, not mapped yet.
 *
 * Context: any context.
 *
 * Return: the bytes charged, to give back with iobmd_bounce_uncharge()
 * once the mapping is undone (0 when nothing would bounce), or -ENOBUFS
 * when iobmd's mappings would then hold more than a quarter of the pool
 * (nothing is charged). A mapping that must bounce with no pool at all
 * fails in the DMA API itself.
 */
s64 iobmd_bounce_charge(struct device *dev, struct sg_table *sgt)
{
	u64 pool = iobmd_bounce_pool_bytes(dev);
	u64 bytes = iobmd_bounce_estimate(dev, sgt);

	if (!bytes || !pool)
		return 0;
	if (atomic64_add_return(bytes, &iobmd_bounced_bytes) >
	    pool / IOBMD_BOUNCE_SHARE) {
		atomic64_sub(bytes, &iobmd_bounced_bytes);
		return -ENOBUFS;
	}
	return bytes;
}

/* Give back what iobmd_bounce_charge() returned; 0 does nothing. */
void iobmd_bounce_uncharge(u64 bytes)
{
	atomic64_sub(bytes, &iobmd_bounced_bytes);
}

/* The bytes charged now, for debugfs. */
u64 iobmd_bounce_bytes(void)
{
	return atomic64_read(&iobmd_bounced_bytes);
}
