// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: cache modes on x86.
 *
 * IOKit's kIOMapCopybackCache (and the default), kIOMapWriteCombineCache
 * and kIOMapInhibitCache are the x86 memory types WB, WC and UC-. A RAM
 * page must never be mapped with two memory types (x86 PAT), so for as
 * long as a buffer lives the kernel's direct map of its pages has the
 * buffer's type - set_pages_array_*() for iobmd's own pages,
 * set_memory_*() for memory from dma_alloc_attrs(), as DRM/TTM does - and
 * every other mapping (vmap() for the kernel, each user mapping) is made
 * with the same type. Write-back is restored before the pages go back to
 * the allocator.
 *
 * kIOMapWriteThruCache cannot be given: no kernel interface a module may
 * call sets WT on RAM (6.1 and 6.12 export set_memory_{uc,wc,wb} and
 * set_pages_array_{uc,wc,wb} only), so it is -EOPNOTSUPP rather than a
 * silent downgrade.
 */
#include <linux/mm.h>
#include <linux/printk.h>
#include <asm/memtype.h>
#include <asm/set_memory.h>

#include "iobmd_internal.h"

/**
 * iobmd_cache_mode_check() - whether x86 gives a cache mode
 * @mode: an IOBMD_MAP_*_CACHE value other than the default.
 *
 * Context: any context.
 *
 * Return: 0; -EOPNOTSUPP for write-combine without PAT (set_memory_wc()
 * would silently give UC-) and for write-through (see above).
 */
int iobmd_cache_mode_check(u32 mode)
{
	if (mode == IOBMD_MAP_WRITE_COMBINE_CACHE && !pat_enabled())
		return -EOPNOTSUPP;
	if (mode == IOBMD_MAP_WRITE_THRU_CACHE)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * iobmd_cache_direct_mapped() - whether the direct map has the buffer's type
 * @bmd: the buffer.
 *
 * Context: any context.
 *
 * Return: true: on x86 the direct map of a buffer's pages has the
 * buffer's memory type (iobmd_cache_apply()), so page_address() and
 * kmap_local_page() give a mapping any copy may use.
 */
bool iobmd_cache_direct_mapped(const struct iobmd *bmd)
{
	return true;
}

/**
 * iobmd_cache_sync_range() - make a direct-map copy agree with memory
 * @bmd:   the buffer.
 * @page:  a page of it.
 * @off:   offset in @page, in bytes.
 * @len:   bytes, within @page.
 *
 * Nothing on x86: the direct map has the buffer's type.
 *
 * Context: process context.
 */
void iobmd_cache_sync_range(const struct iobmd *bmd, struct page *page,
			    size_t off, size_t len)
{
}

/**
 * iobmd_cache_vmap_pgprot() - the protection of a dma-buf importer's vmap
 * @bmd: the buffer.
 *
 * Context: any context.
 *
 * Return: the buffer's own protection (iobmd_cache_pgprot()): UC- and WC
 * take any access.
 */
pgprot_t iobmd_cache_vmap_pgprot(const struct iobmd *bmd)
{
	return iobmd_cache_pgprot(bmd, PAGE_KERNEL);
}

/**
 * iobmd_cache_init() - set up what the cache modes need at load
 *
 * Context: module init. Nothing on x86.
 *
 * Return: 0.
 */
int iobmd_cache_init(void)
{
	return 0;
}

/**
 * iobmd_cache_exit() - undo iobmd_cache_init()
 *
 * Context: module exit.
 */
void iobmd_cache_exit(void)
{
}

/* Number of pages whose type follows the buffer's: the mappable part. */
static int iobmd_cache_pages(const struct iobmd *bmd)
{
	return bmd->alloc_size >> PAGE_SHIFT;
}

/**
 * iobmd_cache_apply() - give the direct map the buffer's memory type
 * @bmd: a new buffer; @pages (iobmd's own pages) or @cpu_addr (memory
 *       from dma_alloc_attrs(), a direct-map address) is set, and no other
 *       mapping exists yet.
 *
 * Context: process context, may sleep (splits and flushes the direct
 * map).
 *
 * Return: 0, or the errno of set_memory_*() / set_pages_array_*()
 * (-ENOMEM when a large page could not be split, -EBUSY when a page
 * already has another type). The change may then be half done: the caller
 * must iobmd_cache_restore() before freeing the pages, and leak them if
 * that fails.
 */
int iobmd_cache_apply(struct iobmd *bmd)
{
	unsigned long addr = (unsigned long)bmd->cpu_addr;
	int n = iobmd_cache_pages(bmd);

	switch (iobmd_cache_mode(bmd)) {
	case IOBMD_MAP_INHIBIT_CACHE:
		return bmd->pages ? set_pages_array_uc(bmd->pages, n) :
				    set_memory_uc(addr, n);
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return bmd->pages ? set_pages_array_wc(bmd->pages, n) :
				    set_memory_wc(addr, n);
	default:
		return 0;
	}
}

/**
 * iobmd_cache_restore() - give the direct map write-back again
 * @bmd: the buffer, which has no mapping left but the direct map.
 *
 * Context: process context, may sleep.
 *
 * Return: 0, or the errno of set_memory_wb() / set_pages_array_wb(). The
 * pages must not be freed then: they would reach the allocator with a
 * memory type other than write-back.
 */
int iobmd_cache_restore(struct iobmd *bmd)
{
	unsigned long addr = (unsigned long)bmd->cpu_addr;
	int n = iobmd_cache_pages(bmd);
	int ret;

	if (iobmd_cache_mode(bmd) == IOBMD_MAP_COPYBACK_CACHE)
		return 0;
	ret = bmd->pages ? set_pages_array_wb(bmd->pages, n) :
			   set_memory_wb(addr, n);
	if (ret)
		pr_err("iobmd: cannot restore write-back on %d pages (%d); leaking them\n",
		       n, ret);
	return ret;
}
