// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: physically contiguous buffers (kIOMemoryPhysicallyContiguous), of
 * any size the physical mask and memory allow.
 *
 * A contiguous buffer comes from the first of these that gives it:
 *
 * 1. One block of the page allocator (kmod/sg.c), up to its largest order
 *    (4 MiB on x86).
 * 2. dma_alloc_attrs(), when it can give the size under the mask: above
 *    the largest block dma-direct has only CMA, so only when a CMA area
 *    may lie below the mask (the device's own, or pages of one in a zone
 *    below the mask). A CMA area above 4 GiB is no use to a 32-bit device.
 *    Only for a coherent device, and a buffer whose type the direct map
 *    has (on arm64 write-back only): its memory is used through the
 *    direct map.
 * 3. alloc_contig_range() on a range of the zones below the mask, found as
 *    mm/page_alloc.c's alloc_contig_pages() finds one (which a module
 *    cannot call, and which cannot keep a range below a mask inside a
 *    zone): a range of the size and alignment whose pages all look free
 *    or movable. alloc_contig_range() isolates it, migrates the movable
 *    pages elsewhere and takes the free ones. The pages are then iobmd's
 *    own, as a block's are (sg.c maps them: page-backed user mappings,
 *    one DMA segment through dma_map_sgtable()), and go back with
 *    free_contig_range() once their memory type is write-back again.
 *
 * Step 3 is the cost Apple documents for kIOMemoryPhysicallyContiguous
 * ("may take a very long time"). Here it is bounded, interruptible and
 * visible: each page below the mask is looked at no more than once per
 * search (a range found busy is skipped whole, as alloc_contig_pages()
 * does), a fatal signal ends the search with -EINTR (alloc_contig_range()
 * checks too, between migrations), cond_resched() runs between pages and
 * tries, and when no range is free of unmovable pages the create fails
 * with -ENOMEM after one pass over the page flags, without a migration.
 * The tracepoint iobmd_contig_range and debugfs's contig_range_* counters
 * say how each search ended.
 *
 * A range is mapped as a block is, through sg.c's iobmd_sg_map(), so what
 * its mapping would bounce is charged against iobmd's share of swiotlb
 * (bounce.c) like any other: -ENOBUFS past the share. Under swiotlb=force
 * (and memory encryption) step 3 is not tried at all: every mapping then
 * bounces, a bounced range is not one segment at its own address (sg.c's
 * iobmd_sg_one_segment() refuses it, and swiotlb maps no more than 256
 * KiB in one piece), so the migration would be undone at once. Step 2
 * never bounces (dma_alloc_attrs() allocates for the device) and remains.
 *
 * The memory of steps 2 and 3 is not charged to the creator's memory
 * cgroup: the kernel does not export a charge for pages a module did not
 * allocate with __GFP_ACCOUNT (6.1 and 6.12 export no memcg charging
 * function at all: __memcg_kmem_charge_page(), obj_cgroup_charge() and
 * mem_cgroup_charge() are internal), and neither CMA nor alloc_contig_range()
 * takes an accounting flag. The module's byte limits (max_buffer_bytes,
 * max_total_bytes) bound it instead.
 */
#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/pageblock-flags.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

const char *const iobmd_contig_result_names[IOBMD_CONTIG_RESULTS] = {
	[IOBMD_CONTIG_ALLOCATED] = "allocated",
	[IOBMD_CONTIG_NO_RANGE] = "no_range",
	[IOBMD_CONTIG_BUSY] = "busy",
	[IOBMD_CONTIG_NO_MEMORY] = "no_memory",
	[IOBMD_CONTIG_INTERRUPTED] = "interrupted",
};

static atomic64_t iobmd_contig_counts[IOBMD_CONTIG_RESULTS];

/* Pages handled between two chances to reschedule: zeroing, freeing. */
#define IOBMD_CONTIG_BATCH 1024

/**
 * iobmd_contig_stats() - how the range searches ended since load
 * @counts: out: the searches, by enum iobmd_contig_result.
 *
 * Context: any context. Exported for the KUnit suites only (debugfs
 * shows the counts).
 */
void iobmd_contig_stats(u64 counts[IOBMD_CONTIG_RESULTS])
{
	int i;

	for (i = 0; i < IOBMD_CONTIG_RESULTS; i++)
		counts[i] = atomic64_read(&iobmd_contig_counts[i]);
}
EXPORT_SYMBOL_IF_KUNIT(iobmd_contig_stats);

/*
 * Step 2: dma_alloc_attrs() of @bmd->alloc_size bytes aligned to
 * @bmd->alignment. The page allocator aligns a block to its size, so the
 * first try rounds the size up to the alignment; CMA aligns only to
 * CONFIG_CMA_ALIGNMENT, and when that falls short the second try
 * over-allocates by the alignment and uses the aligned part.
 */
static int iobmd_contig_dma_alloc(struct iobmd *bmd)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	size_t size = ALIGN(bmd->alloc_size, bmd->alignment);
	dma_addr_t start;
	int ret;

	bmd->cpu_base = dma_alloc_attrs(bmd->dev, size, &bmd->dma_base, gfp,
					bmd->attrs);
	if (bmd->cpu_base && !IS_ALIGNED(bmd->dma_base, bmd->alignment)) {
		dma_free_attrs(bmd->dev, size, bmd->cpu_base, bmd->dma_base,
			       bmd->attrs);
		size = bmd->alloc_size + bmd->alignment - PAGE_SIZE;
		bmd->cpu_base = dma_alloc_attrs(bmd->dev, size, &bmd->dma_base,
						gfp, bmd->attrs);
	}
	if (!bmd->cpu_base)
		return -ENOMEM;

	start = ALIGN(bmd->dma_base, bmd->alignment);
	bmd->base_size = size;
	bmd->dma_addr = start;
	bmd->cpu_addr = bmd->cpu_base + (start - bmd->dma_base);
	ret = iobmd_cache_apply(bmd);
	/* A failed change may be half done: free only write-back pages. */
	if (ret && !iobmd_cache_restore(bmd))
		dma_free_attrs(bmd->dev, size, bmd->cpu_base, bmd->dma_base,
			       bmd->attrs);
	return ret;
}

/**
 * iobmd_contig_free() - free a buffer from dma_alloc_attrs()
 * @bmd: the buffer, with no mapping left but the direct map.
 *
 * Context: process context, may sleep.
 */
void iobmd_contig_free(struct iobmd *bmd)
{
	/* Pages that are not write-back again must not be freed. */
	if (!iobmd_cache_restore(bmd))
		dma_free_attrs(bmd->dev, bmd->base_size, bmd->cpu_base,
			       bmd->dma_base, bmd->attrs);
}

/* The zone @z of node @nid, or NULL when it has no memory to search. */
static struct zone *iobmd_contig_zone(int nid, int z)
{
	struct zone *zone = &NODE_DATA(nid)->node_zones[z];

	/*
	 * Not ZONE_MOVABLE: what is taken from it must stay movable (memory
	 * hot-remove, long-term pins rely on it); not device memory.
	 */
	if (!populated_zone(zone) || z == ZONE_MOVABLE)
		return NULL;
#ifdef CONFIG_ZONE_DEVICE
	if (z == ZONE_DEVICE)
		return NULL;
#endif
	return zone;
}

/* One past the highest page frame a buffer's memory may use. */
static unsigned long iobmd_contig_limit_pfn(const struct iobmd *bmd)
{
	return (bmd->physical_mask >> PAGE_SHIFT) + 1;
}

/*
 * Whether dma_alloc_attrs() may give more than the largest block under
 * the buffer's mask: its device has a CMA area of its own, or a zone
 * starting below the mask holds CMA pages (the default area may still
 * lie above the mask inside such a zone; then the try fails).
 */
static bool iobmd_contig_cma_may_fit(const struct iobmd *bmd)
{
	unsigned long limit = iobmd_contig_limit_pfn(bmd);
	struct zone *zone;
	int nid, z;

#ifdef CONFIG_DMA_CMA
	if (bmd->dev->cma_area)
		return true;
#endif
	for_each_online_node(nid) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			zone = iobmd_contig_zone(nid, z);
			if (zone && zone->zone_start_pfn < limit &&
			    zone_cma_pages(zone))
				return true;
		}
	}
	return false;
}

/* A search for a range: what it looks for, and what it has done. */
struct iobmd_contig_search {
	unsigned long nr;	/* pages of the range */
	unsigned long align;	/* alignment of its first pfn, in pages */
	unsigned long limit;	/* one past the highest pfn it may use */
	unsigned long pfn;	/* its first pfn, once allocated */
	unsigned long scanned;	/* pages whose flags were looked at */
	unsigned int tries;	/* alloc_contig_range() calls */
	int err;		/* the last error of alloc_contig_range() */
};

/*
 * Whether alloc_contig_range() can take the page at @pfn of @zone: free,
 * or movable. A racy look, as the kernel's own has_unmovable_pages() and
 * pfn_range_valid_contig() take before isolating; isolation checks again
 * under the zone lock, so a wrong guess costs one failed try or one range
 * skipped. *@skip: the pages after @pfn the answer also covers (the rest
 * of a free block).
 */
static bool iobmd_contig_page_ok(struct zone *zone, unsigned long pfn,
				 unsigned long *skip)
{
	struct page *page = pfn_to_online_page(pfn), *head;

	*skip = 0;
	if (!page || page_zone(page) != zone || PageReserved(page))
		return false;
	if (PageBuddy(page)) {
		unsigned long order = READ_ONCE(page_private(page));

		if (order <= IOBMD_MAX_ORDER)
			*skip = (1UL << order) - 1;
		return true;
	}
	head = compound_head(page);
	if (PageHuge(head))
		return false;
	/* On an LRU list, or non-LRU movable (what __PageMovable() tests). */
	if (PageLRU(head) ||
	    ((unsigned long)head->mapping & PAGE_MAPPING_FLAGS) ==
	    PAGE_MAPPING_MOVABLE)
		return true;
	/* Free on a per-CPU list, or being freed; anything else is pinned. */
	return !page_ref_count(head);
}

/*
 * The first page of [@pfn, @end) that cannot be taken, or @end. The pages
 * of the last pageblock past @end need only exist in @zone: isolation
 * works on whole pageblocks but checks only the range for unmovable pages.
 */
static unsigned long iobmd_contig_first_bad(struct iobmd_contig_search *s,
					    struct zone *zone,
					    unsigned long pfn,
					    unsigned long end)
{
	unsigned long block_end = ALIGN(end, pageblock_nr_pages), skip;
	unsigned int n = 0;

	if (block_end > zone_end_pfn(zone))
		return pfn;
	for (; pfn < end; pfn += skip + 1) {
		if (!iobmd_contig_page_ok(zone, pfn, &skip))
			return pfn;
		s->scanned += min(skip + 1, end - pfn);
		if (!(++n % 1024))
			cond_resched();
	}
	for (pfn = end; pfn < block_end; pfn++)
		if (!pfn_to_online_page(pfn) ||
		    page_zone(pfn_to_page(pfn)) != zone)
			return pfn;
	return end;
}

#ifdef CONFIG_CONTIG_ALLOC
/* GFP for alloc_contig_range(): may reclaim, no warnings, no OOM kill. */
#define IOBMD_CONTIG_GFP (GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * Search @zone, below the mask, from its start up. 0 with @s->pfn set,
 * -EINTR on a fatal signal, -ENOMEM when migration found no memory
 * (another range would need the same), -EBUSY when no range was had.
 */
static int iobmd_contig_search_zone(struct iobmd_contig_search *s,
				    struct zone *zone)
{
	unsigned long end = min(zone_end_pfn(zone), s->limit);
	unsigned long pfn = ALIGN(zone->zone_start_pfn, s->align), bad;
	int ret;

	while (pfn < end && end - pfn >= s->nr) {
		if (fatal_signal_pending(current))
			return -EINTR;
		bad = iobmd_contig_first_bad(s, zone, pfn, pfn + s->nr);
		if (bad < pfn + s->nr) {
			pfn = ALIGN(bad + 1, s->align);
			continue;
		}
		s->tries++;
		ret = alloc_contig_range(pfn, pfn + s->nr, MIGRATE_MOVABLE,
					 IOBMD_CONTIG_GFP);
		if (!ret) {
			s->pfn = pfn;
			return 0;
		}
		s->err = ret;
		if (ret == -EINTR || ret == -ENOMEM)
			return ret;
		pfn += ALIGN(s->nr, s->align);
		cond_resched();
	}
	return -EBUSY;
}

/* Search the zones below the mask, highest first, as the zonelists do. */
static int iobmd_contig_search(struct iobmd_contig_search *s)
{
	struct zone *zone;
	int nid, z, ret;

	for (z = MAX_NR_ZONES - 1; z >= 0; z--) {
		for_each_online_node(nid) {
			zone = iobmd_contig_zone(nid, z);
			if (!zone || zone->zone_start_pfn >= s->limit)
				continue;
			ret = iobmd_contig_search_zone(s, zone);
			if (ret != -EBUSY)
				return ret;
		}
	}
	return -EBUSY;
}
#else
/* Without CONFIG_CONTIG_ALLOC (no CMA either) there is no step 3. */
static int iobmd_contig_search(struct iobmd_contig_search *s)
{
	return -EBUSY;
}
#endif

static enum iobmd_contig_result
iobmd_contig_result(const struct iobmd_contig_search *s, int ret)
{
	if (!ret)
		return IOBMD_CONTIG_ALLOCATED;
	if (ret == -EINTR)
		return IOBMD_CONTIG_INTERRUPTED;
	if (ret == -ENOMEM)
		return IOBMD_CONTIG_NO_MEMORY;
	return s->tries ? IOBMD_CONTIG_BUSY : IOBMD_CONTIG_NO_RANGE;
}

/*
 * Step 3: a range from alloc_contig_range(), zeroed and mapped by sg.c.
 * -EINTR on a fatal signal, -ENOBUFS when its mapping would bounce past
 * iobmd's share of swiotlb, else -ENOMEM when none was had.
 */
static int iobmd_contig_range(struct iobmd *bmd)
{
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, i;
	struct iobmd_contig_search s = {
		.nr = n,
		.align = max_t(u64, bmd->alignment >> PAGE_SHIFT,
			       pageblock_nr_pages),
		.limit = iobmd_contig_limit_pfn(bmd),
	};
	enum iobmd_contig_result result;
	ktime_t start = ktime_get();
	int ret = -ENOMEM;

	/* The migrated pages need somewhere to go: sg.c's bound. */
	if (n > iobmd_sg_allowed_pages(n))
		goto out;
	bmd->pages = kvcalloc(n, sizeof(*bmd->pages),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!bmd->pages)
		goto out;
	ret = iobmd_contig_search(&s);
	if (ret) {
		kvfree(bmd->pages);
		bmd->pages = NULL;
	}
out:
	result = iobmd_contig_result(&s, ret);
	atomic64_inc(&iobmd_contig_counts[result]);
	trace_iobmd_contig_range(bmd, s.pfn, s.tries, s.scanned,
				 ktime_to_us(ktime_sub(ktime_get(), start)),
				 result, s.err);
	if (ret)
		return ret == -EINTR ? -EINTR : -ENOMEM;

	/* alloc_contig_range() does not zero (6.1 cannot be asked to). */
	for (i = 0; i < n; i++) {
		bmd->pages[i] = pfn_to_page(s.pfn + i);
		clear_highpage(bmd->pages[i]);
		if (!(i % IOBMD_CONTIG_BATCH))
			cond_resched();
	}
	bmd->contig_range = true;
	return iobmd_sg_map(bmd);
}

/**
 * iobmd_contig_free_range() - give back the pages of iobmd_contig_range()
 * @bmd: the buffer; its pages are write-back again.
 *
 * free_contig_range() WARNs when a page still has another reference: one
 * that outlived every mapping (a pin taken through a page-backed user
 * mapping, such as an O_DIRECT read still in flight or a registered
 * io_uring buffer). Then each page gets the __free_page() that
 * free_contig_range() would give it, and the last holder frees it.
 *
 * Context: process context, may sleep.
 */
void iobmd_contig_free_range(struct iobmd *bmd)
{
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, pfn, i, batch;

	for (i = 0; i < n; i++) {
		if (page_count(bmd->pages[i]) != 1)
			break;
		if (!(i % IOBMD_CONTIG_BATCH))
			cond_resched();
	}
	if (i < n) {
		for (i = 0; i < n; i++) {
			__free_page(bmd->pages[i]);
			if (!(i % IOBMD_CONTIG_BATCH))
				cond_resched();
		}
		return;
	}
	/* In batches: a range of gigabytes takes a while to free. */
	pfn = page_to_pfn(bmd->pages[0]);
	for (i = 0; i < n; i += batch) {
		batch = min_t(unsigned long, n - i, IOBMD_CONTIG_BATCH);
		free_contig_range(pfn + i, batch);
		cond_resched();
	}
}

/**
 * iobmd_contig_alloc() - back a contiguous buffer
 * @bmd: the buffer; @dev, @alloc_size, @alignment, @physical_mask, @attrs
 *       and @kernel_mapped are set.
 *
 * Tries a block of the page allocator, then dma_alloc_attrs() where it
 * can give the size (small sizes, and CMA below the mask), then a range
 * from alloc_contig_range(), as the file's comment describes. The last may
 * take long: it is bounded by the memory below the mask, and ends early at
 * a fatal signal.
 *
 * Context: process context, may sleep (for long: page migration).
 *
 * Return: 0 with the memory zeroed and @dma_addr (and either @sgt and
 * @pages, or @cpu_base) set; -EINTR when a fatal signal stopped the
 * allocation (in the page allocator or in the search); -ENOBUFS when the
 * range's mapping would bounce through more of swiotlb than iobmd may
 * hold (bounce.c); -ENOMEM when no memory was had. Nothing is left
 * allocated on failure.
 */
int iobmd_contig_alloc(struct iobmd *bmd)
{
	int ret;

	/*
	 * A block; -ENOBUFS (it would bounce) or -ENOMEM go on to
	 * dma_alloc_attrs(), then the search, which a fatal signal ends.
	 */
	ret = iobmd_sg_alloc(bmd);
	if (!ret || ret == -EINTR)
		return ret;
	/*
	 * dma-direct gives more than the largest block only from CMA. Its
	 * memory must lie in the direct map with the buffer's type: not so
	 * for a device that is not coherent (dma-direct remaps it uncached)
	 * nor, on arm64, for an uncached buffer (the linear map is write-
	 * back): those take a range.
	 */
	if (iobmd_dev_coherent(bmd->dev) && iobmd_cache_direct_mapped(bmd) &&
	    (get_order(bmd->alloc_size) <= IOBMD_MAX_ORDER ||
	     iobmd_contig_cma_may_fit(bmd)) && !iobmd_contig_dma_alloc(bmd))
		return 0;
	/*
	 * Forced bouncing: no range can be one segment (see above); nor can
	 * one longer than the device's longest segment (iobmd_sg_map()).
	 * Refused before any page is migrated.
	 */
	if (is_swiotlb_force_bounce(bmd->dev) ||
	    bmd->alloc_size > (dma_get_max_seg_size(bmd->dev) & PAGE_MASK))
		return -ENOMEM;
	return iobmd_contig_range(bmd);
}
