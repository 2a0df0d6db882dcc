// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: pageable buffers (kIOMemoryPageable).
 *
 * A pageable buffer is a shmem file: swappable, charged to the memory
 * cgroup of whoever brings its pages in, mapped into user space through
 * shmem's page cache. prepare() pins the pages and DMA-maps them; only
 * then does the buffer have DMA segments. The purgeable states and the
 * shrinker that discards volatile buffers are in purgeable.c.
 *
 * Limits: the mappings do not forward shmem's NUMA policy hooks, so
 * mbind() on them has no effect on where pages go.
 */
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "iobmd_internal.h"

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

/*
 * Seal the shmem file as memfd's F_ADD_SEALS would, against what user
 * space could otherwise do to it through a mapping, whose vm_file it is:
 * madvise(MADV_REMOVE) punches a hole (fallocate), which takes pages out
 * of the file even while they are pinned for a device, and the device
 * would then write to pages the mapping no longer shows. shmem refuses a
 * hole in a file sealed with F_SEAL_FUTURE_WRITE (EPERM), and a new size
 * with F_SEAL_SHRINK and F_SEAL_GROW; F_SEAL_SEAL keeps the seals.
 * iobmd's own writes go through the page cache (contents.c), its
 * discards through shmem_truncate_range(), which seals do not stop.
 */
static void iobmd_pageable_seal(struct file *shmem)
{
	struct inode *inode = file_inode(shmem);

	inode_lock(inode);
	SHMEM_I(inode)->seals |= F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				 F_SEAL_FUTURE_WRITE;
	inode_unlock(inode);
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
	iobmd_pageable_seal(shmem);
	bmd->shmem = shmem;
	bmd->base_size = bmd->alloc_size;
	if (bmd->options & IOBMD_MEMORY_PURGEABLE)
		iobmd_purgeable_add(bmd);
	return 0;
}

/* The pins of a buffer freed while prepared go with it. */
void iobmd_pageable_free(struct iobmd *bmd)
{
	if (bmd->options & IOBMD_MEMORY_PURGEABLE)
		iobmd_purgeable_del(bmd);
	if (bmd->pin_sgt)
		iobmd_pageable_unpin(bmd);
	fput(bmd->shmem);
}

/**
 * iobmd_pageable_page() - the page at an index, brought in
 * @bmd:   a pageable buffer.
 * @index: page index in the buffer.
 *
 * A page that comes back from swap is a new page, while a CPU may still
 * read the old one through a stale TLB entry: reclaim unmaps with
 * TTU_BATCH_FLUSH and flushes the TLBs of the processes that mapped the
 * page only before it frees its batch, after __remove_mapping() has
 * taken the old page out of the swap cache (shrink_folio_list() in
 * mm/vmscan.c; try_to_unmap_flush_dirty() flushes earlier only for a
 * dirty PTE). A pwrite() that swaps the page in, followed by a load
 * through the task mapping, then shows the bytes from before the pwrite.
 * Zapping the page's (already empty) PTEs runs flush_tlb_batched_pending()
 * on each process that maps the buffer (zap_pte_range()), as munmap and
 * mprotect do to close the same race: the pending flush is done before
 * the new page is used.
 *
 * Context: process context, may sleep (allocates, or reads from swap;
 * takes the shmem mapping's i_mmap_rwsem and page table locks).
 *
 * Return: the page with a reference the caller puts, or an ERR_PTR() of
 * shmem_read_mapping_page() (-ENOMEM, -EIO).
 */
struct page *iobmd_pageable_page(struct iobmd *bmd, pgoff_t index)
{
	struct address_space *mapping = bmd->shmem->f_mapping;
	bool swapped = xa_is_value(xa_load(&mapping->i_pages, index));
	struct page *page = shmem_read_mapping_page(mapping, index);

	if (swapped && !IS_ERR(page))
		unmap_mapping_pages(mapping, index, 1, false);
	return page;
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
 * Charge @pages pinned pages as io_uring charges its fixed buffers: to
 * the user's locked_vm, which RLIMIT_MEMLOCK bounds unless CAP_IPC_LOCK,
 * and to @mm's pinned_vm (VmPin in /proc/pid/status). The user's count
 * outlives every process: a child that prepares and exits while its
 * parent keeps the buffer fd leaves the pins charged to the user, so that
 * no sequence of forks pins past the limit.
 */
#if defined(CONFIG_NET) || defined(CONFIG_IO_URING) ||		\
	defined(CONFIG_VFIO_PCI_ZDEV_KVM) || IS_ENABLED(CONFIG_IOMMUFD) || \
	defined(CONFIG_SECRETMEM)
/* user_struct has locked_vm under the conditions sched/user.h gives it. */
#define iobmd_user_locked_vm(user) (&(user)->locked_vm)
#else
#error "iobmd needs user_struct.locked_vm (CONFIG_NET or CONFIG_IO_URING)"
#endif

static int iobmd_pin_charge(struct iobmd *bmd, struct mm_struct *mm,
			    unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = NULL;

	/* As io_uring: CAP_IPC_LOCK pins without charging the user. */
	if (!capable(CAP_IPC_LOCK)) {
		user = get_current_user();
		if (atomic_long_add_return(pages, iobmd_user_locked_vm(user)) >
		    limit) {
			atomic_long_sub(pages, iobmd_user_locked_vm(user));
			free_uid(user);
			return -ENOMEM;
		}
	}
	atomic64_add(pages, &mm->pinned_vm);
	mmgrab(mm);
	bmd->pin_mm = mm;
	bmd->pin_user = user;
	return 0;
}

static void iobmd_pin_uncharge(struct iobmd *bmd)
{
	unsigned long pages = bmd->alloc_size >> PAGE_SHIFT;

	if (!bmd->pin_mm)
		return;
	if (bmd->pin_user) {
		atomic_long_sub(pages, iobmd_user_locked_vm(bmd->pin_user));
		free_uid(bmd->pin_user);
		bmd->pin_user = NULL;
	}
	atomic64_sub(pages, &bmd->pin_mm->pinned_vm);
	mmdrop(bmd->pin_mm);
	bmd->pin_mm = NULL;
}

/*
 * The first prepare: bring every page in and hold it, then DMA-map the
 * pages for iobmd's device (bounced by swiotlb where they lie above its
 * mask). Charges @mm (when not NULL) for the pins. A fatal signal ends
 * it when @killable.
 */
static int iobmd_pageable_pin(struct iobmd *bmd,
			      enum dma_data_direction dir,
			      struct mm_struct *mm, bool killable)
{
	struct address_space *mapping = bmd->shmem->f_mapping;
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, i;
	unsigned int max_seg;
	struct sg_table *sgt;
	struct page **pages;
	s64 bounced;
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
	/*
	 * Unevictable before the first page is held, so that reclaim does
	 * not scan pages it cannot free meanwhile; the put of the pages (on
	 * failure, or at the last complete) makes the mapping evictable.
	 */
	mapping_set_unevictable(mapping);
	for (i = 0; i < n; i++) {
		pages[i] = killable && fatal_signal_pending(current) ?
			   ERR_PTR(-EINTR) : iobmd_pageable_page(bmd, i);
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
	/* Pages above the mask bounce until the last complete: bounce.c. */
	bounced = iobmd_bounce_charge(bmd->dev, sgt);
	if (bounced < 0) {
		ret = bounced;
		sg_free_table(sgt);
		goto put;
	}
	/* Synced only for prepares that use these addresses: methods.c. */
	ret = dma_map_sgtable(bmd->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		ret = ret == -ENOMEM ? -ENOMEM : -EIO;
		iobmd_bounce_uncharge(bounced);
		sg_free_table(sgt);
		goto put;
	}
	bmd->bounced = bounced;
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
	iobmd_bounce_uncharge(bmd->bounced);
	bmd->bounced = 0;
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
 * @killable:  a fatal signal ends the pinning (-EINTR); not for a
 *             kernel mapping's prepare, whose failure dma-buf WARNs about.
 *
 * The first prepare pins and DMA-maps for @direction; a nested one only
 * hands the memory to the device again, and must fit the mapping: a
 * mapping for Out (the device reads) cannot serve In.
 *
 * Context: process context, may sleep; bmd->lock held.
 *
 * Return: 0, -ENOMEM (no memory for the pages, or the user's
 * RLIMIT_MEMLOCK), -ENOBUFS (the pages would bounce through more of
 * swiotlb than iobmd may hold: bounce.c), -EIO (a page could not be read
 * back from swap, or the DMA mapping failed), -EINTR (a fatal signal
 * arrived while bringing pages in, when @killable), or -EBUSY (a direction the existing
 * mapping does not allow: In or InOut on a mapping for Out, Out or InOut
 * on one for In).
 */
int iobmd_pageable_prepare(struct iobmd *bmd, u32 direction,
			   struct mm_struct *mm, bool killable)
{
	enum dma_data_direction dir = iobmd_dma_direction(direction);
	bool was = iobmd_purgeable_now(bmd);
	int ret;

	if (!bmd->pin_sgt) {
		ret = iobmd_pageable_pin(bmd, dir, mm, killable);
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
	vm_flags_t shared = vma->vm_flags & VM_SHARED;
	struct file *file = vma->vm_file;
	int ret;

	vma_set_file(vma, bmd->shmem);
	/*
	 * 6.1's shmem_mmap() refuses a shared writable mapping of a file
	 * sealed with F_SEAL_FUTURE_WRITE (iobmd_pageable_seal()); the seal
	 * is there against holes, not against iobmd's own mappings, so the
	 * check does not see VM_SHARED. 6.12 checks in do_mmap(), on the
	 * buffer file.
	 */
	iobmd_vm_flags_mod(vma, 0, shared);
	ret = bmd->shmem->f_op->mmap(bmd->shmem, vma);
	iobmd_vm_flags_mod(vma, shared, 0);
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
