// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: pageable and purgeable buffers (kIOMemoryPageable,
 * kIOMemoryPurgeable, IOMemoryDescriptor::setPurgeable()).
 *
 * A pageable buffer is a shmem file: swappable, charged to the memory
 * cgroup of whoever brings its pages in, mapped into user space by shmem
 * itself. prepare() pins the pages and DMA-maps them; only then does the
 * buffer have DMA segments. A purgeable buffer may be marked volatile,
 * and a shrinker then discards its contents under memory pressure (or
 * drop_caches), as DRM drivers do for madvise(DONTNEED) objects and as
 * ashmem did for unpinned ranges. A prepared buffer is never discarded.
 *
 * Locks: iobmd_purgeable_lock (the list of purgeable buffers) is taken
 * before a buffer's lock; the shrinker only ever trylocks either, so that
 * reclaim entered with one of them held cannot deadlock.
 *
 * Limits: the shrinker is not memcg-aware, so reclaim inside a memory
 * cgroup at its limit does not purge (global reclaim and drop_caches do);
 * and the mappings do not forward shmem's NUMA policy hooks, so mbind() on
 * them has no effect on where pages go.
 */
#include <kunit/visibility.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

static DEFINE_MUTEX(iobmd_purgeable_lock);
static LIST_HEAD(iobmd_purgeable_list);
/* Bytes of buffers now volatile, and bytes discarded since load. */
static atomic64_t iobmd_volatile_bytes = ATOMIC64_INIT(0);
static atomic64_t iobmd_purged_bytes = ATOMIC64_INIT(0);
/* Pages of the buffers the shrinker may purge: volatile, not prepared. */
static atomic64_t iobmd_purgeable_pages = ATOMIC64_INIT(0);

static void iobmd_pageable_unpin(struct iobmd *bmd);

/* Options a pageable buffer cannot have: they need wired memory. */
#define IOBMD_WIRED_ONLY (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |		\
			  IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS |	\
			  IOBMD_MEMORY_MAPPER_NONE |			\
			  IOBMD_MEMORY_KERNEL_USER_SHARED)

/**
 * iobmd_pageable_check() - whether options combine with kIOMemoryPageable
 * @options: the options, with PhysicallyContiguous already added for an
 *           alignment above a page.
 * @task:    the create's task argument.
 *
 * Context: any context.
 *
 * Return: 0, or -EINVAL for a combination iobmd refuses: contiguous,
 * MapperNone, KernelUserShared, a kernel mapping (IOBMD_KERNEL_TASK) or a
 * cache mode other than default and copyback.
 */
int iobmd_pageable_check(u32 options, struct mm_struct *task)
{
	u32 mode = options & IOBMD_CACHE_MODE_BITS;

	if (!(options & IOBMD_MEMORY_PAGEABLE))
		return 0;
	if ((options & IOBMD_WIRED_ONLY) || task == IOBMD_KERNEL_TASK)
		return -EINVAL;
	if (mode != IOBMD_MAP_DEFAULT_CACHE && mode != IOBMD_MAP_COPYBACK_CACHE)
		return -EINVAL;
	return 0;
}

/* Whether the shrinker may purge the buffer now. Under bmd->lock. */
static bool iobmd_purgeable_now(const struct iobmd *bmd)
{
	return bmd->purgeable_state == IOBMD_PURGEABLE_VOLATILE &&
	       !bmd->pin_sgt;
}

/*
 * Follow a change that may have made the buffer purgeable or not: @was is
 * iobmd_purgeable_now() before it. Under bmd->lock.
 */
static void iobmd_purgeable_changed(struct iobmd *bmd, bool was)
{
	bool is = iobmd_purgeable_now(bmd);

	if (is && !was)
		atomic64_add(bmd->alloc_size >> PAGE_SHIFT,
			     &iobmd_purgeable_pages);
	else if (was && !is)
		atomic64_sub(bmd->alloc_size >> PAGE_SHIFT,
			     &iobmd_purgeable_pages);
}

/* Count a buffer in or out of the volatile bytes. Under bmd->lock. */
static void iobmd_set_state(struct iobmd *bmd, u32 state)
{
	bool was = iobmd_purgeable_now(bmd);

	if (bmd->purgeable_state == IOBMD_PURGEABLE_VOLATILE)
		atomic64_sub(bmd->alloc_size, &iobmd_volatile_bytes);
	if (state == IOBMD_PURGEABLE_VOLATILE)
		atomic64_add(bmd->alloc_size, &iobmd_volatile_bytes);
	WRITE_ONCE(bmd->purgeable_state, state);
	iobmd_purgeable_changed(bmd, was);
}

/**
 * iobmd_pageable_alloc() - back a pageable buffer with a shmem file
 * @bmd: the buffer being created, @alloc_size set.
 *
 * The pages are allocated when first touched, through a mapping, a copy
 * or prepare(); they read as zeros.
 *
 * Context: process context, may sleep.
 *
 * Return: 0, -EOPNOTSUPP for a physical mask below 4 GiB (swiotlb cannot
 * bounce below its pool, and shmem's pages cannot all come from so small
 * a zone), or -ENOMEM when shmem_file_setup() fails (no memory for the
 * inode or file, or a size above what a file can have).
 */
int iobmd_pageable_alloc(struct iobmd *bmd)
{
	struct file *shmem;

	/*
	 * swiotlb's pool lies below 4 GiB: it cannot bounce for a smaller
	 * mask (the DMA API WARNs), and shmem cannot take its pages from a
	 * zone that small without faults that fail for ever once it is full.
	 */
	if (bmd->physical_mask < DMA_BIT_MASK(32))
		return -EOPNOTSUPP;
	shmem = shmem_file_setup("iobmd", bmd->alloc_size, VM_NORESERVE);
	if (IS_ERR(shmem))
		return -ENOMEM;
	/* Never movable: pins would block CMA and compaction (drm_gem_shmem). */
	mapping_set_gfp_mask(shmem->f_mapping,
			     mapping_gfp_mask(shmem->f_mapping) & ~__GFP_MOVABLE);
	bmd->shmem = shmem;
	bmd->base_size = bmd->alloc_size;
	if (bmd->options & IOBMD_MEMORY_PURGEABLE) {
		bmd->purgeable_state = IOBMD_PURGEABLE_NON_VOLATILE;
		mutex_lock(&iobmd_purgeable_lock);
		list_add_tail(&bmd->purgeable, &iobmd_purgeable_list);
		mutex_unlock(&iobmd_purgeable_lock);
	}
	return 0;
}

/* The pins of a buffer freed while prepared go with it. */
void iobmd_pageable_free(struct iobmd *bmd)
{
	if (bmd->options & IOBMD_MEMORY_PURGEABLE) {
		mutex_lock(&iobmd_purgeable_lock);
		list_del(&bmd->purgeable);
		mutex_unlock(&iobmd_purgeable_lock);
		iobmd_set_state(bmd, IOBMD_PURGEABLE_NON_VOLATILE);
	}
	if (bmd->pin_sgt)
		iobmd_pageable_unpin(bmd);
	fput(bmd->shmem);
}

/**
 * iobmd_pageable_page() - the page at an index, brought in
 * @bmd:   a pageable buffer.
 * @index: page index in the buffer.
 *
 * Context: process context, may sleep (allocates, or reads from swap).
 *
 * Return: the page with a reference the caller puts, or an ERR_PTR() of
 * shmem_read_mapping_page() (-ENOMEM, -EIO).
 */
struct page *iobmd_pageable_page(struct iobmd *bmd, pgoff_t index)
{
	return shmem_read_mapping_page(bmd->shmem->f_mapping, index);
}

/*
 * Give back the pages of a prepare, one reference each (dirty when the
 * device may have written), and let reclaim see them again: the mapping
 * was unevictable while they were held, as DRM's drm_gem_put_pages() does.
 */
static void iobmd_pageable_put_pages(struct address_space *mapping,
				     struct page **pages, unsigned long n,
				     bool dirty)
{
	struct folio_batch fbatch;
	unsigned long i;

	mapping_clear_unevictable(mapping);
	folio_batch_init(&fbatch);
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (dirty)
			folio_mark_dirty(folio);
		folio_mark_accessed(folio);
		if (!folio_batch_add(&fbatch, folio)) {
			check_move_unevictable_folios(&fbatch);
			folio_batch_release(&fbatch);
			cond_resched();
		}
	}
	if (folio_batch_count(&fbatch)) {
		check_move_unevictable_folios(&fbatch);
		folio_batch_release(&fbatch);
	}
}

/*
 * Charge @pages pinned pages to @mm, as RDMA's ib_umem does: VmPin in
 * /proc/pid/status, bounded by RLIMIT_MEMLOCK unless CAP_IPC_LOCK.
 */
static int iobmd_pin_charge(struct iobmd *bmd, struct mm_struct *mm,
			    unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	if (atomic64_add_return(pages, &mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &mm->pinned_vm);
		return -ENOMEM;
	}
	mmgrab(mm);
	bmd->pin_mm = mm;
	return 0;
}

static void iobmd_pin_uncharge(struct iobmd *bmd)
{
	if (!bmd->pin_mm)
		return;
	atomic64_sub(bmd->alloc_size >> PAGE_SHIFT, &bmd->pin_mm->pinned_vm);
	mmdrop(bmd->pin_mm);
	bmd->pin_mm = NULL;
}

/*
 * The first prepare: bring every page in and hold it, then DMA-map the
 * pages for iobmd's device (bounced by swiotlb where they lie above its
 * mask). Charges @mm (when not NULL) for the pins.
 */
static int iobmd_pageable_pin(struct iobmd *bmd,
			      enum dma_data_direction dir,
			      struct mm_struct *mm)
{
	struct address_space *mapping = bmd->shmem->f_mapping;
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, i;
	unsigned int max_seg;
	struct sg_table *sgt;
	struct page **pages;
	int ret;

	/* The pages not in memory yet must fit, as for a wired buffer. */
	if (n - min(n, READ_ONCE(mapping->nrpages)) > iobmd_sg_allowed_pages(n))
		return -ENOMEM;
	if (mm) {
		ret = iobmd_pin_charge(bmd, mm, n);
		if (ret)
			return ret;
	}
	ret = -ENOMEM;
	pages = kvmalloc_array(n, sizeof(*pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL_ACCOUNT);
	if (!pages || !sgt)
		goto free;
	for (i = 0; i < n; i++) {
		pages[i] = fatal_signal_pending(current) ? ERR_PTR(-EINTR) :
			   iobmd_pageable_page(bmd, i);
		if (IS_ERR(pages[i])) {
			ret = PTR_ERR(pages[i]);
			if (ret != -ENOMEM && ret != -EINTR)
				ret = -EIO;
			iobmd_pageable_put_pages(mapping, pages, i, false);
			goto free;
		}
		cond_resched();
	}
	max_seg = min_t(size_t, dma_max_mapping_size(bmd->dev), UINT_MAX) &
		  PAGE_MASK;
	ret = sg_alloc_table_from_pages_segment(sgt, pages, n, 0,
						bmd->alloc_size, max_seg,
						GFP_KERNEL);
	if (ret)
		goto put;
	/* Synced only for prepares that use these addresses: methods.c. */
	ret = dma_map_sgtable(bmd->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		ret = ret == -ENOMEM ? -ENOMEM : -EIO;
		sg_free_table(sgt);
		goto put;
	}
	mapping_set_unevictable(mapping);
	bmd->pin_pages = pages;
	bmd->pin_dir = dir;
	bmd->pin_sgt = sgt;
	WRITE_ONCE(bmd->pin_nents, sgt->nents);
	WRITE_ONCE(bmd->dma_addr, sg_dma_address(sgt->sgl));
	return 0;

put:
	iobmd_pageable_put_pages(mapping, pages, n, false);
free:
	kfree(sgt);
	kvfree(pages);
	iobmd_pin_uncharge(bmd);
	return ret;
}

/*
 * The last complete (or a free while prepared): unmap, syncing for the
 * CPU; mark the pages dirty unless the device only read them, and let
 * them go. From here on they may be swapped out, and a volatile buffer
 * may be discarded.
 */
static void iobmd_pageable_unpin(struct iobmd *bmd)
{
	struct sg_table *sgt = bmd->pin_sgt;

	dma_unmap_sgtable(bmd->dev, sgt, bmd->pin_dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
	bmd->pin_sgt = NULL;
	WRITE_ONCE(bmd->pin_nents, 0);
	WRITE_ONCE(bmd->dma_addr, 0);
	iobmd_pageable_put_pages(bmd->shmem->f_mapping, bmd->pin_pages,
				 bmd->alloc_size >> PAGE_SHIFT,
				 bmd->pin_dir != DMA_TO_DEVICE);
	kvfree(bmd->pin_pages);
	bmd->pin_pages = NULL;
	iobmd_pin_uncharge(bmd);
}

/**
 * iobmd_pageable_prepare() - prepare() of a pageable buffer
 * @bmd:       the buffer; its lock is held.
 * @direction: the IOKit direction of this prepare (None already replaced
 *             by the buffer's own).
 * @mm:        the process to charge the pinned pages to, or NULL.
 *
 * The first prepare pins and DMA-maps for @direction; a nested one only
 * hands the memory to the device again, and must fit the mapping: a
 * mapping for Out (the device reads) cannot serve In.
 *
 * Context: process context, may sleep; bmd->lock held.
 *
 * Return: 0, -ENOMEM (no memory for the pages, or @mm's RLIMIT_MEMLOCK),
 * -EIO (a page could not be read back from swap, or the DMA mapping
 * failed), -EINTR (a fatal signal arrived while bringing pages in), or
 * -EBUSY (a direction the existing mapping does not allow: In or InOut on
 * a mapping for Out, Out or InOut on one for In).
 */
int iobmd_pageable_prepare(struct iobmd *bmd, u32 direction,
			   struct mm_struct *mm)
{
	enum dma_data_direction dir = iobmd_dma_direction(direction);
	bool was = iobmd_purgeable_now(bmd);
	int ret;

	if (!bmd->pin_sgt) {
		ret = iobmd_pageable_pin(bmd, dir, mm);
		iobmd_purgeable_changed(bmd, was);
		return ret;
	}
	/* Nested: nothing to sync, the device may have written already. */
	if (bmd->pin_dir != DMA_BIDIRECTIONAL && bmd->pin_dir != dir)
		return -EBUSY;
	return 0;
}

/**
 * iobmd_pageable_sync() - sync a prepared pageable buffer's own mapping
 * @bmd:        the buffer, prepared; its lock is held.
 * @for_device: for the device (the first prepare that uses the buffer's
 *              own addresses), or for the CPU (the last complete).
 *
 * The mapping is made and unmapped with DMA_ATTR_SKIP_CPU_SYNC, so that
 * a buffer prepared only by DMA commands never copies a bounce buffer of
 * its own over what a command's device wrote.
 *
 * Context: process context; bmd->lock held.
 */
void iobmd_pageable_sync(struct iobmd *bmd, bool for_device)
{
	if (for_device)
		dma_sync_sgtable_for_device(bmd->dev, bmd->pin_sgt, bmd->pin_dir);
	else
		dma_sync_sgtable_for_cpu(bmd->dev, bmd->pin_sgt, bmd->pin_dir);
}

/**
 * iobmd_pageable_complete() - the last complete() of a pageable buffer
 * @bmd: the buffer; its lock is held. Unmapped (synced for the CPU before,
 *       by iobmd_complete(), when a prepare used its own addresses) and
 *       unpinned. A nested complete does nothing here: the device may not
 *       be done.
 *
 * Context: process context, may sleep; bmd->lock held.
 */
void iobmd_pageable_complete(struct iobmd *bmd)
{
	bool was = iobmd_purgeable_now(bmd);

	iobmd_pageable_unpin(bmd);
	iobmd_purgeable_changed(bmd, was);
}

/*
 * Discard the contents: zap every user mapping, then free the pages,
 * resident or swapped. Mappings stay and fault in zero-filled pages.
 * Under bmd->lock, not prepared. Returns the resident pages freed (the
 * memory given back; purged_bytes and the tracepoint count swapped pages
 * too).
 */
static unsigned long iobmd_discard(struct iobmd *bmd, bool by_shrinker)
{
	struct address_space *mapping = bmd->shmem->f_mapping;
	struct inode *inode = file_inode(bmd->shmem);
	unsigned long resident = mapping->nrpages;
	u64 bytes;

	bytes = (u64)(resident + READ_ONCE(SHMEM_I(inode)->swapped)) <<
		PAGE_SHIFT;
	unmap_mapping_range(mapping, 0, 0, 1);
	shmem_truncate_range(inode, 0, (loff_t)-1);
	atomic64_add(bytes, &iobmd_purged_bytes);
	trace_iobmd_purge(bmd, bytes, by_shrinker);
	return resident;
}

/**
 * iobmd_set_purgeable() - change the purgeable state of a buffer
 * @bmd:       a buffer created with kIOMemoryPageable | kIOMemoryPurgeable.
 * @new_state: IOBMD_PURGEABLE_KEEP_CURRENT (1, only read the state),
 *             _NON_VOLATILE (2), _VOLATILE (3) or _EMPTY (4, discard the
 *             contents now).
 * @old_state: out, may be NULL: the state before the call, NonVolatile,
 *             Volatile or Empty (the contents were discarded).
 *
 * Mirrors IOMemoryDescriptor::setPurgeable(newState, &oldState). A
 * volatile buffer may be discarded by the shrinker whenever it is not
 * prepared; it then reports Empty. Volatile after Empty stays Empty;
 * NonVolatile after Empty reports Empty and keeps the (zero) contents
 * from then on, as i915's madvise answers retained = 0. A discard frees
 * the pages at once; existing mappings stay and read zero-filled pages.
 *
 * Context: process context, may sleep; takes the buffer's mutex.
 *
 * Return: 0; -EINVAL for a @new_state outside 1-4; -EOPNOTSUPP when the
 * buffer is not purgeable (XNU: kIOReturnUnsupported); -EBUSY for Empty
 * while the buffer is prepared.
 */
int iobmd_set_purgeable(struct iobmd *bmd, u32 new_state, u32 *old_state)
{
	int ret = 0;
	u32 old;

	if (!(bmd->options & IOBMD_MEMORY_PURGEABLE))
		return -EOPNOTSUPP;
	if (new_state < IOBMD_PURGEABLE_KEEP_CURRENT ||
	    new_state > IOBMD_PURGEABLE_EMPTY)
		return -EINVAL;

	mutex_lock(&bmd->lock);
	old = bmd->purgeable_state;
	switch (new_state) {
	case IOBMD_PURGEABLE_NON_VOLATILE:
		iobmd_set_state(bmd, new_state);
		break;
	case IOBMD_PURGEABLE_VOLATILE:
		if (old != IOBMD_PURGEABLE_EMPTY)
			iobmd_set_state(bmd, new_state);
		break;
	case IOBMD_PURGEABLE_EMPTY:
		if (bmd->prepare_count) {
			ret = -EBUSY;
			break;
		}
		iobmd_discard(bmd, false);
		iobmd_set_state(bmd, new_state);
		break;
	}
	mutex_unlock(&bmd->lock);
	if (!ret && old_state)
		*old_state = old;
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_set_purgeable);

/**
 * iobmd_purge_volatile() - discard volatile buffers, oldest first
 * @nr: pages to free at least, if there are that many.
 *
 * What the shrinker does. A buffer that is prepared, or whose lock is
 * held, is skipped.
 *
 * Context: process context, may sleep; trylocks only.
 *
 * Return: the resident pages freed.
 */
VISIBLE_IF_KUNIT unsigned long iobmd_purge_volatile(unsigned long nr)
{
	unsigned long freed = 0;
	struct iobmd *bmd;

	if (!mutex_trylock(&iobmd_purgeable_lock))
		return 0;
	list_for_each_entry(bmd, &iobmd_purgeable_list, purgeable) {
		if (freed >= nr)
			break;
		if (!mutex_trylock(&bmd->lock))
			continue;
		if (bmd->purgeable_state == IOBMD_PURGEABLE_VOLATILE &&
		    !bmd->prepare_count) {
			freed += iobmd_discard(bmd, true);
			iobmd_set_state(bmd, IOBMD_PURGEABLE_EMPTY);
		}
		mutex_unlock(&bmd->lock);
	}
	mutex_unlock(&iobmd_purgeable_lock);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(iobmd_purge_volatile);

/* At most what a scan could free: the purgeable buffers' pages. */
static unsigned long iobmd_shrink_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	unsigned long pages = atomic64_read(&iobmd_purgeable_pages);

	return pages ?: SHRINK_EMPTY;
}

static unsigned long iobmd_shrink_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	unsigned long freed;

	/* Truncating shmem takes file system locks. */
	if (!(sc->gfp_mask & __GFP_FS))
		return SHRINK_STOP;
	freed = iobmd_purge_volatile(sc->nr_to_scan);
	return freed ?: SHRINK_STOP;
}

/* Module-wide figures for debugfs. */
void iobmd_pageable_stats(u64 *volatile_bytes, u64 *purged_bytes)
{
	*volatile_bytes = atomic64_read(&iobmd_volatile_bytes);
	*purged_bytes = atomic64_read(&iobmd_purged_bytes);
}

#ifdef IOBMD_HAVE_SHRINKER_ALLOC
static struct shrinker *iobmd_shrinker;

int iobmd_pageable_init(void)
{
	iobmd_shrinker = shrinker_alloc(0, "iobmd-purgeable");
	if (!iobmd_shrinker)
		return -ENOMEM;
	iobmd_shrinker->count_objects = iobmd_shrink_count;
	iobmd_shrinker->scan_objects = iobmd_shrink_scan;
	shrinker_register(iobmd_shrinker);
	return 0;
}

void iobmd_pageable_exit(void)
{
	shrinker_free(iobmd_shrinker);
}
#else
static struct shrinker iobmd_shrinker = {
	.count_objects = iobmd_shrink_count,
	.scan_objects = iobmd_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

int iobmd_pageable_init(void)
{
	return register_shrinker(&iobmd_shrinker, "iobmd-purgeable");
}

void iobmd_pageable_exit(void)
{
	unregister_shrinker(&iobmd_shrinker);
}
#endif

/*
 * Mappings are shmem's own (so that reclaim, swap and truncation see
 * them), with open/close added: each holds the buffer file, as any
 * mapping of a buffer does, and is counted.
 */
static const struct vm_operations_struct *iobmd_shmem_vm_ops;

static void iobmd_pageable_vm_open(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_private_data;
	struct iobmd *bmd = file->private_data;

	get_file(file);
	atomic_inc(&bmd->map_count);
}

static void iobmd_pageable_vm_close(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_private_data;
	struct iobmd *bmd = file->private_data;

	atomic_dec(&bmd->map_count);
	fput(file);
}

static vm_fault_t iobmd_pageable_vm_fault(struct vm_fault *vmf)
{
	return READ_ONCE(iobmd_shmem_vm_ops)->fault(vmf);
}

static vm_fault_t iobmd_pageable_vm_map_pages(struct vm_fault *vmf,
					      pgoff_t start, pgoff_t end)
{
	return READ_ONCE(iobmd_shmem_vm_ops)->map_pages(vmf, start, end);
}

static const struct vm_operations_struct iobmd_pageable_vm_ops = {
	.open = iobmd_pageable_vm_open,
	.close = iobmd_pageable_vm_close,
	.fault = iobmd_pageable_vm_fault,
	.map_pages = iobmd_pageable_vm_map_pages,
};

/**
 * iobmd_pageable_mmap() - map a pageable buffer
 * @bmd: the buffer.
 * @vma: a mapping of its buffer file, flags and protection already set.
 *
 * The mapping becomes a shared mapping of the shmem file, as dma-buf's
 * mmap hands a mapping over to the exporter's file.
 *
 * Context: process context, mmap_lock held for writing.
 *
 * Return: 0, the errno of shmem's mmap, or -ENODEV when shmem's mapping
 * operations are not what iobmd wraps (a fault and map_pages, nothing
 * else it would have to forward but the NUMA policy hooks).
 */
int iobmd_pageable_mmap(struct iobmd *bmd, struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	int ret;

	vma_set_file(vma, bmd->shmem);
	ret = bmd->shmem->f_op->mmap(bmd->shmem, vma);
	if (ret)
		return ret;
	if (!vma->vm_ops->fault || !vma->vm_ops->map_pages ||
	    vma->vm_ops->open || vma->vm_ops->close ||
	    vma->vm_ops->page_mkwrite || vma->vm_ops->huge_fault)
		return -ENODEV;	/* a shmem we do not know */
	WRITE_ONCE(iobmd_shmem_vm_ops, vma->vm_ops);
	vma->vm_ops = &iobmd_pageable_vm_ops;
	vma->vm_private_data = get_file(file);
	return 0;
}
