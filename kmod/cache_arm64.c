// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: cache modes on arm64.
 *
 * The protections Linux defines on arm64 give, through MAIR_EL1 (see
 * arch/arm64/include/asm/memory.h, MT_*):
 *
 *   kIOMapCopybackCache, default  Normal, inner and outer write-back
 *   kIOMapInhibitCache            Device-nGnRnE (pgprot_noncached())
 *   kIOMapWriteCombineCache       Normal non-cacheable (pgprot_writecombine())
 *   kIOMapWriteThruCache          -EOPNOTSUPP: Linux programs no
 *                                 write-through type into MAIR_EL1
 *
 * which is also how XNU maps them on Apple silicon (VM_WIMG_IO for
 * InhibitCache, VM_WIMG_WCOMB for WriteCombineCache). Device memory
 * faults on unaligned accesses and on DC ZVA, so user code must copy into
 * an Inhibit mapping with aligned accesses (not memset() or memcpy()).
 *
 * arm64 cannot change the type of the kernel's linear map, which stays
 * Normal write-back. An uncached buffer's pages then have a cacheable
 * alias, as memory from dma_alloc_coherent() does on a non-coherent
 * device, and the kernel's rule for that is followed: no dirty or stale
 * line of the alias may meet the uncached mappings. So the lines are
 * cleaned and invalidated to the point of coherency when the buffer is
 * made (after zeroing, before any mapping exists) and before its pages go
 * back to the allocator, and around every copy iobmd itself makes
 * through the linear map (pread, pwrite, the methods), which go through
 * the pages as on x86 (kmod/contents.c). The maintenance is the DMA
 * API's own (dcache_clean_poc() and dcache_inval_poc() are not exported):
 * a streaming mapping for iobmd's device "iobmd-cache", which is never
 * coherent, mapped and unmapped in both directions. A copy through the
 * linear map writes back whole cache lines, so a user must not write the
 * same 64 bytes through a mapping while a pwrite or a method writes
 * there.
 *
 * A dma-buf importer's vmap of an Inhibit buffer is Normal non-cacheable,
 * not Device: importers copy with memcpy().
 *
 * Under swiotlb=force the DMA API bounces every mapping, the maintenance
 * device's too, and so cannot clean a page: Inhibit and WriteCombine are
 * then -EOPNOTSUPP.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/swiotlb.h>

#include "iobmd_internal.h"

static struct platform_device *iobmd_cache_pdev;

/**
 * iobmd_cache_mode_check() - whether arm64 gives a cache mode
 * @mode: an IOBMD_MAP_*_CACHE value other than the default.
 *
 * Context: any context (after module init).
 *
 * Return: 0; -EOPNOTSUPP for write-through, and for Inhibit and
 * WriteCombine when the DMA API bounces every mapping (see above).
 */
int iobmd_cache_mode_check(u32 mode)
{
	switch (mode) {
	case IOBMD_MAP_WRITE_THRU_CACHE:
		return -EOPNOTSUPP;
	case IOBMD_MAP_INHIBIT_CACHE:
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		if (is_swiotlb_force_bounce(&iobmd_cache_pdev->dev))
			return -EOPNOTSUPP;
		return 0;
	default:
		return 0;
	}
}

/**
 * iobmd_cache_direct_mapped() - whether the linear map has the buffer's type
 * @bmd: the buffer.
 *
 * Context: any context.
 *
 * Return: true for a write-back buffer only: the linear map is Normal
 * write-back on arm64, whatever the buffer's mode.
 */
bool iobmd_cache_direct_mapped(const struct iobmd *bmd)
{
	return iobmd_cache_mode(bmd) == IOBMD_MAP_COPYBACK_CACHE;
}

/* Clean and invalidate the linear map's lines of @len bytes at @page + @off. */
static void iobmd_cache_clean_inval(struct page *page, size_t off, size_t len)
{
	struct device *dev = &iobmd_cache_pdev->dev;
	dma_addr_t addr;

	addr = dma_map_page(dev, page, off, len, DMA_BIDIRECTIONAL);
	/* dma-direct for a 64-bit device that never bounces: cannot fail. */
	if (dma_mapping_error(dev, addr))
		return;
	dma_unmap_page(dev, addr, len, DMA_BIDIRECTIONAL);
}

/**
 * iobmd_cache_sync_range() - make a linear-map copy agree with memory
 * @bmd:   the buffer.
 * @page:  a page of it.
 * @off:   offset in @page, in bytes.
 * @len:   bytes, within @page.
 *
 * For an Inhibit or WriteCombine buffer: clean and invalidate the range's
 * lines. Called before a copy through the linear map (so that a read
 * reads memory, and a write merges into no stale line) and after one that
 * wrote (so that memory has it and no line stays). Nothing for write-back
 * buffers.
 *
 * Context: process context.
 */
void iobmd_cache_sync_range(const struct iobmd *bmd, struct page *page,
			    size_t off, size_t len)
{
	if (len && !iobmd_cache_direct_mapped(bmd))
		iobmd_cache_clean_inval(page, off, len);
}

/**
 * iobmd_cache_vmap_pgprot() - the protection of a dma-buf importer's vmap
 * @bmd: the buffer.
 *
 * Context: any context.
 *
 * Return: the buffer's protection, but Normal non-cacheable for an
 * Inhibit buffer: importers copy with memcpy(), which faults on Device
 * memory.
 */
pgprot_t iobmd_cache_vmap_pgprot(const struct iobmd *bmd)
{
	if (iobmd_cache_mode(bmd) == IOBMD_MAP_INHIBIT_CACHE)
		return pgprot_writecombine(PAGE_KERNEL);
	return iobmd_cache_pgprot(bmd, PAGE_KERNEL);
}

/* Clean and invalidate every page of an uncached buffer, in runs. */
static void iobmd_cache_clean_inval_all(struct iobmd *bmd)
{
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, i, run;

	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n; run++)
			if (page_to_pfn(bmd->pages[i + run]) !=
			    page_to_pfn(bmd->pages[i]) + run)
				break;
		iobmd_cache_clean_inval(bmd->pages[i], 0, run << PAGE_SHIFT);
		cond_resched();
	}
}

/**
 * iobmd_cache_apply() - prepare a new buffer's pages for its mode
 * @bmd: a new buffer with iobmd's own @pages (an Inhibit or WriteCombine
 *       buffer always has them on arm64: kmod/contig.c), zeroed, and no
 *       other mapping yet.
 *
 * Cleans and invalidates the linear map's lines of an uncached buffer.
 *
 * Context: process context, may sleep.
 *
 * Return: 0.
 */
int iobmd_cache_apply(struct iobmd *bmd)
{
	if (!iobmd_cache_direct_mapped(bmd) && bmd->pages)
		iobmd_cache_clean_inval_all(bmd);
	return 0;
}

/**
 * iobmd_cache_restore() - prepare a buffer's pages for the allocator
 * @bmd: the buffer, which has no mapping left but the linear map.
 *
 * Invalidates the lines the linear map may have been given by
 * speculation while uncached mappings wrote memory, so that the pages'
 * next owner reads what memory holds.
 *
 * Context: process context, may sleep.
 *
 * Return: 0.
 */
int iobmd_cache_restore(struct iobmd *bmd)
{
	if (!iobmd_cache_direct_mapped(bmd) && bmd->pages)
		iobmd_cache_clean_inval_all(bmd);
	return 0;
}

/**
 * iobmd_cache_init() - register the cache maintenance device "iobmd-cache"
 *
 * Context: module init, may sleep. The device is 64-bit and never
 * coherent, so that the DMA API cleans and invalidates for it.
 *
 * Return: 0, or the errno of registering the device.
 */
int iobmd_cache_init(void)
{
	const struct platform_device_info info = {
		.name = "iobmd-cache",
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct platform_device *pdev;

	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	pdev->dev.dma_coherent = false;
	dma_set_max_seg_size(&pdev->dev, UINT_MAX & PAGE_MASK);
	iobmd_cache_pdev = pdev;
	return 0;
}

/**
 * iobmd_cache_exit() - unregister the cache maintenance device
 *
 * Context: module exit.
 */
void iobmd_cache_exit(void)
{
	platform_device_unregister(iobmd_cache_pdev);
	iobmd_cache_pdev = NULL;
}
