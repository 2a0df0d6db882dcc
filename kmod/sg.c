// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: buffers backed by pages iobmd owns - every scatter-gather buffer,
 * contiguous buffers the page allocator can give in one block (up to
 * 4 MiB on x86), and the mapping of those kmod/contig.c takes with
 * alloc_contig_range().
 *
 * The memory is pages that satisfy the buffer's physical limit. For a
 * scatter-gather buffer they are allocated in chunks as large as the page
 * allocator gives cheaply (as the dma-buf system heap does); for a
 * contiguous one, in one naturally aligned block. Either way they are
 * split into single refcounted pages, so that user mappings are
 * page-backed (normal PTEs: get_user_pages, O_DIRECT and
 * process_vm_readv work on them), collected in an sg_table whose
 * contiguous runs are merged up to the device's maximum segment size, and
 * mapped for the buffer's device with dma_map_sgtable() (DMA_BIDIRECTIONAL,
 * so that prepare and complete may sync in either direction). The kernel
 * mapping, when there is one, is a vmap() of the pages.
 */
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "iobmd_internal.h"

/* Chunk orders tried, largest first: 1 MiB, 64 KiB, one page. */
static const unsigned int iobmd_sg_orders[] = { 8, 4, 0 };

/* The zones to try for memory at or below @limit, as dma-direct does. */
static const gfp_t iobmd_sg_zones[] = { 0, GFP_DMA32, GFP_DMA };

static unsigned int iobmd_sg_first_zone(u64 limit)
{
	if (limit <= DMA_BIT_MASK(24))
		return 2;
	if (limit <= DMA_BIT_MASK(32))
		return 1;
	return 0;
}

/*
 * A zeroed chunk of 2^@order pages at or below @limit, or NULL, charged
 * to the creator's memory cgroup as its own allocations would be (so
 * that memory.max bounds it, and an fd passed on and closed does not make
 * it nobody's: the charge stays with the cgroup until the buffer is
 * freed). A zone may
 * hand out memory above a limit that is not its own boundary; then the
 * chunk is given back and the next lower zone is tried. Opportunistic
 * chunks give up early; @hard ones (single pages, contiguous blocks) may
 * reclaim and compact, but fail rather than OOM-kill a process.
 */
static struct page *iobmd_sg_chunk(unsigned int order, u64 limit, bool hard)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN;
	unsigned int z;

	gfp |= hard ? __GFP_RETRY_MAYFAIL : __GFP_NORETRY;
	for (z = iobmd_sg_first_zone(limit); z < ARRAY_SIZE(iobmd_sg_zones);
	     z++) {
		struct page *page = alloc_pages(gfp | iobmd_sg_zones[z], order);

		if (!page)
			continue;
		if (page_to_phys(page) + (PAGE_SIZE << order) - 1 <= limit)
			return page;
		__free_pages(page, order);
	}
	return NULL;
}

/* Pages handled between two chances to reschedule: mapping, freeing. */
#define IOBMD_MAP_BATCH 1024

/*
 * Drop the reference iobmd holds on each of @n pages (freeing those no
 * one else holds), in batches: release_pages() uncharges a batch from the
 * memory cgroup and hands it to the per-CPU lists in one go, where
 * __free_page() does both for every page. The pages stay single pages:
 * compound chunks would free faster still, but a kernel without THP
 * (split_folio() a stub that returns 0) loops forever in
 * madvise(MADV_COLD or MADV_PAGEOUT) over part of a large folio mapped
 * by PTEs.
 */
static void iobmd_sg_free_pages(struct page **pages, unsigned long n)
{
	while (n) {
		unsigned long batch = min_t(unsigned long, n, IOBMD_MAP_BATCH);

		n -= batch;
		release_pages(pages + n, batch);
		cond_resched();
	}
}

/*
 * A contiguous buffer's @n pages: one block aligned to the buffer's
 * alignment (the page allocator aligns a block to its size), split, and
 * the pages past @n given back. Returns the pages filled: @n, or 0.
 */
static unsigned long iobmd_sg_block(struct iobmd *bmd, unsigned long n)
{
	unsigned int order = max_t(unsigned int, get_order(bmd->alloc_size),
				   ilog2(bmd->alignment >> PAGE_SHIFT));
	struct page *page;
	unsigned long i;

	if (order > IOBMD_MAX_ORDER)
		return 0;
	page = iobmd_sg_chunk(order, bmd->physical_mask, true);
	if (!page)
		return 0;
	split_page(page, order);
	for (i = 0; i < n; i++)
		bmd->pages[i] = page + i;
	for (; i < (1UL << order); i++)
		__free_page(page + i);
	return n;
}

/*
 * Whether a contiguous block came out of dma_map_sgtable() as the buffer
 * needs it: one segment, aligned, and for kIOMemoryMapperNone at its
 * physical address. A bounce through swiotlb (forced, or for memory
 * encryption) breaks that; the buffer then comes from dma_alloc_attrs()
 * where that can give it (kmod/contig.c).
 */
static bool iobmd_sg_one_segment(struct iobmd *bmd)
{
	struct scatterlist *sg = bmd->sgt->sgl;

	if (bmd->sgt->nents != 1 ||
	    !IS_ALIGNED(sg_dma_address(sg), bmd->alignment))
		return false;
	return !(bmd->options & IOBMD_MEMORY_MAPPER_NONE) ||
	       sg_dma_address(sg) == sg_phys(sg);
}

/* A scatter-gather buffer's @n pages, in chunks. Returns the pages filled. */
static unsigned long iobmd_sg_chunks(struct iobmd *bmd, unsigned long n)
{
	unsigned long done = 0, j;
	unsigned int i = 0;

	while (done < n) {
		unsigned int order = iobmd_sg_orders[i];
		struct page *page;

		if ((1UL << order) > n - done) {
			i++;
			continue;
		}
		/* Gigabytes take seconds: reschedule, stop when killed. */
		cond_resched();
		if (fatal_signal_pending(current))
			break;
		page = iobmd_sg_chunk(order, bmd->physical_mask, !order);
		if (!page) {
			if (!order)
				break;
			i++;
			continue;
		}
		/* Single pages: each refcounted, for vmap and vm_map_pages. */
		split_page(page, order);
		for (j = 0; j < (1UL << order); j++)
			bmd->pages[done++] = page + j;
	}
	return done;
}

/*
 * The most pages a scatter-gather buffer may take now. All of
 * MemAvailable cannot be had: free CMA pages serve only movable
 * allocations, the page array, the sg_table and vmap()'s page tables come
 * on top (16 bytes a page), and the kernel must keep some memory to work
 * with. A request that passes all the pages and then fails an ordinary
 * allocation would wake the OOM killer (measured: a 4800 MiB buffer in a
 * 5 GiB VM did); one above this limit fails at once with -ENOMEM.
 */
unsigned long iobmd_sg_allowed_pages(unsigned long n)
{
	long avail = si_mem_available();

	avail -= global_zone_page_state(NR_FREE_CMA_PAGES);
	avail -= DIV_ROUND_UP(n * 2 * sizeof(void *), PAGE_SIZE);
	avail -= totalram_pages() / 32;
	return avail > 0 ? avail : 0;
}

/* Give a buffer's pages back, to the allocator they came from. */
static void iobmd_sg_put_pages(struct iobmd *bmd)
{
	if (bmd->contig_range)
		iobmd_contig_free_range(bmd);
	else
		iobmd_sg_free_pages(bmd->pages, bmd->alloc_size >> PAGE_SHIFT);
}

/**
 * iobmd_sg_alloc() - back a buffer with iobmd's own pages
 * @bmd: the buffer; @dev, @alloc_size, @physical_mask and @kernel_mapped
 *       are set. A contiguous buffer gets one block of the page
 *       allocator (no larger than IOBMD_MAX_ORDER), any other one chunks.
 *
 * Context: process context, may sleep.
 *
 * Return: 0 with @pages, @sgt, @dma_addr and (if @kernel_mapped) @cpu_addr
 * set, -ENOMEM, -ENOBUFS when the mapping would bounce through more of
 * swiotlb than iobmd may hold (bounce.c), or -EINTR when a fatal signal
 * stopped the allocation (nothing is left allocated then).
 */
int iobmd_sg_alloc(struct iobmd *bmd)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL;
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, done;
	bool contiguous = iobmd_is_contiguous(bmd);

	if (n > iobmd_sg_allowed_pages(n))
		return -ENOMEM;
	bmd->pages = kvcalloc(n, sizeof(*bmd->pages), gfp | __GFP_NOWARN);
	if (!bmd->pages)
		return -ENOMEM;

	done = contiguous ? iobmd_sg_block(bmd, n) : iobmd_sg_chunks(bmd, n);
	if (done < n) {
		iobmd_sg_free_pages(bmd->pages, done);
		kvfree(bmd->pages);
		bmd->pages = NULL;
		/*
		 * The chunk loop stops on a fatal signal; one block is a
		 * single try, after which contig.c goes on (and its search
		 * stops on the signal).
		 */
		return !contiguous && fatal_signal_pending(current) ? -EINTR :
								       -ENOMEM;
	}
	return iobmd_sg_map(bmd);
}

/**
 * iobmd_sg_map() - give a buffer's pages its memory type and DMA mapping
 * @bmd: the buffer; @pages holds all @alloc_size bytes of pages, each
 *       with one reference, zeroed (for a contiguous buffer physically
 *       contiguous; @contig_range says where they came from).
 *
 * Applies the cache mode (cache.c), builds @sgt with merged runs, charges
 * what the mapping would bounce against iobmd's share of swiotlb
 * (bounce.c), maps it for @dev, checks that a contiguous buffer came out
 * as one aligned segment, and makes the kernel mapping when one was asked
 * for.
 *
 * Context: process context, may sleep.
 *
 * Return: 0 with @sgt, @dma_addr, @bounced and (if @kernel_mapped)
 * @cpu_addr set; -ENOBUFS when the mapping would bounce through more of
 * swiotlb than iobmd may hold; else -ENOMEM. On failure the pages are
 * given back (or leaked, when write-back could not be restored on them)
 * and @pages is freed and NULL.
 */
int iobmd_sg_map(struct iobmd *bmd)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL;
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT;
	bool contiguous = iobmd_is_contiguous(bmd);
	unsigned int max_seg;
	int ret = -ENOMEM;
	s64 bounced;

	/* The direct map takes the buffer's memory type first: cache.c. */
	if (iobmd_cache_apply(bmd))
		goto err_cache;
	bmd->sgt = kzalloc(sizeof(*bmd->sgt), gfp);
	if (!bmd->sgt)
		goto err_cache;
	/*
	 * Merged runs no longer than the device (or swiotlb) can map. A
	 * contiguous block lies below the mask by construction, so dma-direct
	 * maps it as one segment unless it must bounce (checked below).
	 */
	max_seg = dma_get_max_seg_size(bmd->dev);
	if (!contiguous)
		max_seg = min_t(size_t, max_seg, dma_max_mapping_size(bmd->dev));
	max_seg &= PAGE_MASK;
	if (sg_alloc_table_from_pages_segment(bmd->sgt, bmd->pages, n, 0,
					      bmd->alloc_size, max_seg, gfp))
		goto err_sgt;
	/* Bounced for its whole life (swiotlb=force): bounce.c. */
	bounced = iobmd_bounce_charge(bmd->dev, bmd->sgt);
	if (bounced < 0) {
		ret = bounced;
		goto err_table;
	}
	if (dma_map_sgtable(bmd->dev, bmd->sgt, DMA_BIDIRECTIONAL, 0))
		goto err_bounce;
	bmd->bounced = bounced;
	if (contiguous && !iobmd_sg_one_segment(bmd))
		goto err_unmap;
	/*
	 * A kernel mapping only when the kernel asked for one: a contiguous
	 * block has it in the direct map already, where that has the
	 * buffer's type (always on x86; arm64: write-back only).
	 */
	if (bmd->kernel_mapped && contiguous && iobmd_cache_direct_mapped(bmd)) {
		bmd->cpu_addr = page_address(bmd->pages[0]);
	} else if (bmd->kernel_mapped) {
		bmd->cpu_addr = vmap(bmd->pages, n, VM_MAP,
				     iobmd_cache_pgprot(bmd, PAGE_KERNEL));
		if (!bmd->cpu_addr)
			goto err_unmap;
	}
	bmd->dma_addr = sg_dma_address(bmd->sgt->sgl);
	bmd->base_size = bmd->alloc_size;
	return 0;

err_unmap:
	dma_unmap_sgtable(bmd->dev, bmd->sgt, DMA_BIDIRECTIONAL, 0);
	bmd->bounced = 0;
err_bounce:
	iobmd_bounce_uncharge(bounced);
err_table:
	sg_free_table(bmd->sgt);
err_sgt:
	kfree(bmd->sgt);
	bmd->sgt = NULL;
err_cache:
	/* Pages that are not write-back again must not be freed. */
	if (!iobmd_cache_restore(bmd))
		iobmd_sg_put_pages(bmd);
	kvfree(bmd->pages);
	bmd->pages = NULL;
	return ret;
}

/* Undo iobmd_sg_alloc() or iobmd_sg_map(). */
void iobmd_sg_free(struct iobmd *bmd)
{
	if (bmd->cpu_addr && is_vmalloc_addr(bmd->cpu_addr))
		vunmap(bmd->cpu_addr);
	dma_unmap_sgtable(bmd->dev, bmd->sgt, DMA_BIDIRECTIONAL, 0);
	iobmd_bounce_uncharge(bmd->bounced);
	sg_free_table(bmd->sgt);
	kfree(bmd->sgt);
	/* Pages that are not write-back again must not be freed. */
	if (!iobmd_cache_restore(bmd))
		iobmd_sg_put_pages(bmd);
	kvfree(bmd->pages);
}

/*
 * Fill up to @max segments of @sgt from @offset to @len in one walk: the
 * merged DMA segments, or with @physical the CPU runs (the DMA list ends
 * before the CPU list when it merged). @may_sleep: reschedule on long
 * walks. Returns the entries filled.
 */
static u32 iobmd_sg_segments(struct sg_table *sgt, bool physical, u64 offset,
			     u64 len, struct iobmd_segment *out, u32 max,
			     bool may_sleep)
{
	struct scatterlist *sg;
	unsigned int i;
	u64 pos = 0;
	u32 n = 0;

	for_each_sgtable_sg(sgt, sg, i) {
		u64 seg = physical ? sg->length : sg_dma_len(sg);

		if (n >= max || pos >= len || (!physical && i >= sgt->nents))
			break;
		if (offset < pos + seg) {
			u64 skip = offset > pos ? offset - pos : 0;

			out[n].address = (physical ? sg_phys(sg) :
					  sg_dma_address(sg)) + skip;
			out[n].length = min(seg - skip, len - pos - skip);
			n++;
		}
		pos += seg;
		if (may_sleep && !(i % 4096))
			cond_resched();
	}
	return n;
}

/**
 * iobmd_sg_segment() - the merged segment holding an offset
 * @sgt:     a DMA-mapped table of a buffer's pages.
 * @physical: walk the CPU (physical) runs instead of the DMA segments.
 * @offset:  byte offset, below the length.
 * @address: out: DMA address of byte @offset, or with kIOMemoryMapperNone
 *           its CPU physical address.
 * @length:  out: bytes from @offset to the end of its segment.
 *
 * The DMA segments are what dma_map_sgtable() merged for iobmd's device;
 * with kIOMemoryMapperNone (no IOMMU mapper, as in IOKit) the segments are
 * the physically contiguous runs of the pages instead.
 *
 * Context: any context.
 */
void iobmd_sg_segment(struct sg_table *sgt, bool physical, u64 offset,
		      dma_addr_t *address, u64 *length)
{
	struct iobmd_segment seg = {};

	iobmd_sg_segments(sgt, physical, offset, U64_MAX, &seg, 1, false);
	*address = seg.address;
	*length = seg.length;
}

/**
 * iobmd_segments() - a buffer's segments from an offset, in one snapshot
 * @bmd:    the buffer.
 * @offset: byte offset, below the length.
 * @out:    room for @max segments.
 * @max:    at least 1.
 *
 * What iobmd_get_physical_segment() gives at @offset and after each
 * segment, in one walk of the table (O(n) rather than O(n^2)); a pageable
 * buffer's under its lock, so that a concurrent complete and prepare
 * cannot mix two mappings in one answer.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: the entries filled, 1 to @max; -EINVAL when @offset is at or
 * past the length; -ENXIO for a pageable buffer that is not prepared.
 */
int iobmd_segments(struct iobmd *bmd, u64 offset, struct iobmd_segment *out,
		   u32 max)
{
	u64 len = READ_ONCE(bmd->length);
	dma_addr_t addr;
	int ret;

	if (offset >= len)
		return -EINVAL;
	if (bmd->shmem) {
		mutex_lock(&bmd->lock);
		ret = bmd->pin_sgt ? iobmd_sg_segments(bmd->pin_sgt, false,
						       offset, len, out, max,
						       true) :
				     -ENXIO;
		mutex_unlock(&bmd->lock);
		return ret;
	}
	if (bmd->sgt)
		return iobmd_sg_segments(bmd->sgt,
					 bmd->options & IOBMD_MEMORY_MAPPER_NONE,
					 offset, len, out, max, true);
	ret = iobmd_get_physical_segment(bmd, offset, &addr, &out->length);
	out->address = addr;
	return ret ?: 1;
}

/*
 * Segments of a buffer: merged DMA runs (physical runs with MapperNone);
 * one for a contiguous buffer.
 */
unsigned int iobmd_segment_count(const struct iobmd *bmd)
{
	if (bmd->shmem)
		return READ_ONCE(bmd->pin_nents);
	if (!bmd->sgt)
		return 1;
	if (bmd->options & IOBMD_MEMORY_MAPPER_NONE)
		return bmd->sgt->orig_nents;
	return bmd->sgt->nents;
}

/*
 * A fault in a page-backed mapping of a buffer backed by iobmd's pages:
 * hand the core the page (with a reference), as ALSA does for its DMA
 * buffers - a normal PTE, so get_user_pages works on it. PFN mappings
 * (other memory types, see iobmd_mmap()) are complete from mmap on and
 * cannot be zapped, so they never fault here.
 */
vm_fault_t iobmd_sg_fault(struct vm_fault *vmf)
{
	struct iobmd *bmd = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= bmd->alloc_size >> PAGE_SHIFT ||
	    (vmf->vma->vm_flags & VM_PFNMAP))
		return VM_FAULT_SIGBUS;
	page = bmd->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

static bool mmap_on_fault;
module_param(mmap_on_fault, bool, 0644);
MODULE_PARM_DESC(mmap_on_fault,
		 "Populate user mappings of page-backed buffers on fault rather than at mmap time (default: at mmap time)");

/* Map a VM_PFNMAP vma now, one remap_pfn_range() per physical run. */
/*
 * Between two batches of a mapping: reschedule (no RCU stall or soft
 * lockup however large the buffer), and give up on a fatal signal - the
 * core then unmaps what was inserted.
 */
static int iobmd_sg_map_yield(void)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

static int iobmd_sg_remap(struct iobmd *bmd, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start;
	u64 skip = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	for_each_sgtable_sg(bmd->sgt, sg, i) {
		unsigned long pfn = page_to_pfn(sg_page(sg));
		u64 len = sg->length;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		pfn += skip >> PAGE_SHIFT;
		len = min_t(u64, len - skip, vma->vm_end - addr);
		skip = 0;
		ret = remap_pfn_range(vma, addr, pfn, len, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += len;
		if (addr >= vma->vm_end)
			break;
		ret = iobmd_sg_map_yield();
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Insert the pages of a page-backed mapping, as vm_map_pages() does, in
 * batches: a mapping of gigabytes takes seconds under a debug kernel, and
 * mmap_lock is held all along.
 */
static int iobmd_sg_insert(struct iobmd *bmd, struct vm_area_struct *vma)
{
	struct page **pages = bmd->pages + vma->vm_pgoff;
	unsigned long n = vma_pages(vma), done = 0;
	int ret;

	while (done < n) {
		unsigned long batch = min_t(unsigned long, n - done,
					    IOBMD_MAP_BATCH);
		unsigned long left = batch;

		ret = vm_insert_pages(vma, vma->vm_start + (done << PAGE_SHIFT),
				      pages + done, &left);
		if (ret)
			return ret;
		done += batch - left;
		ret = iobmd_sg_map_yield();
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * mmap of a buffer backed by iobmd's pages. A page-backed mapping is
 * populated at mmap time (vm_insert_pages() in batches) or, with
 * mmap_on_fault set, page by page on fault; the fault handler is there in
 * both cases and brings pages back after madvise(MADV_DONTNEED). A PFN
 * mapping is always populated at mmap time (remap_pfn_range()):
 * MAP_POPULATE, which works through get_user_pages, could not do it. The
 * mapping holds the buffer file, which holds the buffer and its pages.
 */
int iobmd_sg_mmap(struct iobmd *bmd, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_PFNMAP)
		return iobmd_sg_remap(bmd, vma);
	if (READ_ONCE(mmap_on_fault))
		return 0;
	return iobmd_sg_insert(bmd, vma);
}

/* prepare/complete of a streaming mapping: hand the memory over. */
void iobmd_sg_sync(struct iobmd *bmd, bool for_device, u32 direction)
{
	if (for_device)
		dma_sync_sgtable_for_device(bmd->dev, bmd->sgt,
					    iobmd_dma_direction(direction));
	else
		dma_sync_sgtable_for_cpu(bmd->dev, bmd->sgt,
					 iobmd_dma_direction(direction));
}
