// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: purgeable buffers (kIOMemoryPurgeable,
 * IOMemoryDescriptor::setPurgeable()).
 *
 * A purgeable buffer is a pageable one (pageable.c) that may be marked
 * volatile; a shrinker then discards its contents under memory pressure
 * (or drop_caches), as DRM drivers do for madvise(DONTNEED) objects and as
 * ashmem did for unpinned ranges. A prepared buffer is never discarded.
 *
 * Locks: iobmd_purgeable_lock (the list of purgeable buffers) is taken
 * before a buffer's lock; the shrinker only ever trylocks either, so that
 * reclaim entered with one of them held cannot deadlock.
 *
 * Limits: the shrinker is not memcg-aware, so reclaim inside a memory
 * cgroup at its limit does not purge (global reclaim and drop_caches do).
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/shmem_fs.h>
#include <linux/shrinker.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

static DEFINE_MUTEX(iobmd_purgeable_lock);
static LIST_HEAD(iobmd_purgeable_list);
/* Bytes of buffers now volatile, and bytes discarded since load. */
static atomic64_t iobmd_volatile_bytes = ATOMIC64_INIT(0);
static atomic64_t iobmd_purged_bytes = ATOMIC64_INIT(0);
/* Pages of the buffers the shrinker may purge: volatile, not prepared. */
static atomic64_t iobmd_purgeable_pages = ATOMIC64_INIT(0);

/* Whether the shrinker may purge the buffer now. Under bmd->lock. */
bool iobmd_purgeable_now(const struct iobmd *bmd)
{
	return bmd->purgeable_state == IOBMD_PURGEABLE_VOLATILE &&
	       !bmd->pin_sgt;
}

/*
 * Follow a change that may have made the buffer purgeable or not: @was is
 * iobmd_purgeable_now() before it. Under bmd->lock.
 */
void iobmd_purgeable_changed(struct iobmd *bmd, bool was)
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

/* A new purgeable buffer: NonVolatile, on the shrinker's list. */
void iobmd_purgeable_add(struct iobmd *bmd)
{
	bmd->purgeable_state = IOBMD_PURGEABLE_NON_VOLATILE;
	mutex_lock(&iobmd_purgeable_lock);
	list_add_tail(&bmd->purgeable, &iobmd_purgeable_list);
	mutex_unlock(&iobmd_purgeable_lock);
}

/* A purgeable buffer being freed: off the list, and out of the figures. */
void iobmd_purgeable_del(struct iobmd *bmd)
{
	mutex_lock(&iobmd_purgeable_lock);
	list_del(&bmd->purgeable);
	mutex_unlock(&iobmd_purgeable_lock);
	iobmd_set_state(bmd, IOBMD_PURGEABLE_NON_VOLATILE);
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
void iobmd_purgeable_stats(u64 *volatile_bytes, u64 *purged_bytes)
{
	*volatile_bytes = atomic64_read(&iobmd_volatile_bytes);
	*purged_bytes = atomic64_read(&iobmd_purged_bytes);
}

#ifdef IOBMD_HAVE_SHRINKER_ALLOC
static struct shrinker *iobmd_shrinker;

int iobmd_purgeable_init(void)
{
	iobmd_shrinker = shrinker_alloc(0, "iobmd-purgeable");
	if (!iobmd_shrinker)
		return -ENOMEM;
	iobmd_shrinker->count_objects = iobmd_shrink_count;
	iobmd_shrinker->scan_objects = iobmd_shrink_scan;
	shrinker_register(iobmd_shrinker);
	return 0;
}

void iobmd_purgeable_exit(void)
{
	shrinker_free(iobmd_shrinker);
}
#else
static struct shrinker iobmd_shrinker = {
	.count_objects = iobmd_shrink_count,
	.scan_objects = iobmd_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

int iobmd_purgeable_init(void)
{
	return register_shrinker(&iobmd_shrinker, "iobmd-purgeable");
}

void iobmd_purgeable_exit(void)
{
	unregister_shrinker(&iobmd_shrinker);
}
#endif
