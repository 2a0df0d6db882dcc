/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd: what the module's own files share and other drivers do not see.
 */
#ifndef _IOBMD_INTERNAL_H
#define _IOBMD_INTERNAL_H

#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/pgtable.h>
#include <linux/types.h>

#include "iobmd.h"

struct device;
struct page;
struct sg_table;
struct vm_area_struct;
struct vm_fault;

/**
 * struct iobmd - one buffer (an IOBufferMemoryDescriptor)
 * @ref:        references: the buffer fd (which mappings of it hold), and
 *              each iobmd_get() of an in-kernel user. Freed on the last put.
 * @id:         names the buffer in tracepoints: counts up from 1 over the
 *              module's life.
 * @lock:       serialises the methods that change @length, @options,
 *              @prepare_count and @prepared_read_only (kmod/methods.c).
 * @dev:        the device the memory was allocated for (a reference is
 *              held); its DMA mask bounds where the memory lies.
 * @capacity:   bytes asked for; what getCapacity() reports.
 * @length:     current length in bytes; getLength(). Written under @lock,
 *              read with READ_ONCE() where the lock is not held.
 * @alloc_size: bytes of the buffer, @capacity rounded up to pages: what
 *              mmap() may map.
 * @alignment:  alignment of @dma_addr in bytes: the largest of a page, the
 *              requested alignment and the physical mask's.
 * @physical_mask: the DMA mask of @dev: the highest address the memory
 *              may have.
 * @options:    the IOKit options given at create; setDirection() changes
 *              the direction bits (under @lock).
 * @prepare_count: prepare() calls not yet completed.
 * @prepared_read_only: the first prepare was for kIODirectionOut alone:
 *              writeBytes() is refused until the last complete.
 * @bounced:    bytes of swiotlb the buffer's own mapping is charged for
 *              (kmod/bounce.c): a wired buffer's for its life, a pageable
 *              one's while prepared.
 * @appending:  an append from user memory is copying (under @lock): a
 *              second one is refused meanwhile (kmod/methods.c).
 * @prepared_direction: the IOKit directions of the prepares not yet
 *              completed (ORed): the last complete syncs for the CPU in
 *              them, whatever setDirection() did since.
 * @prepared_own: a prepare not yet completed uses the buffer's own DMA
 *              addresses (not only DMA commands): its own mapping was
 *              synced for the device, and the last complete syncs it back.
 * @own_direction: the IOKit directions of those prepares (ORed).
 * @user_prepares: prepares made through the ioctl, not yet completed.
 * @command_prepares: prepares made by DMA commands, not yet completed.
 *              All three counts are under @lock, and part of
 *              @prepare_count.
 * @kernel_mapped: the kernel asked for a mapping (IOBMD_KERNEL_TASK or
 *              kIOMemoryKernelUserShared): iobmd_get_bytes_no_copy() gives
 *              @cpu_addr. Otherwise a scatter-gather buffer has no vmap().
 * @cpu_addr:   kernel address of byte 0: the direct map for a contiguous
 *              buffer, a vmap() for a kernel-mapped scatter-gather one,
 *              else NULL.
 * @task_address: user address of the mapping made at create in a user
 *              task (the in-kernel API with a user mm), else 0.
 * @dma_addr:   DMA address of byte 0, the start of the first segment; for
 *              a pageable buffer while it is prepared, else 0 (written
 *              under @lock, read with READ_ONCE() by debugfs).
 * @base_size:  bytes allocated (for a dma_alloc_attrs() buffer more than
 *              @alloc_size when it was over-allocated for the alignment).
 * @cpu_base:   dma_alloc_attrs() buffers only (contiguous ones from CMA,
 *              or of a block's size where the page allocator failed):
 *              what it returned, to free it.
 * @dma_base:   dma_alloc_attrs() buffers only: the DMA address it returned.
 * @pages:      the pages of a buffer backed by iobmd's own pages
 *              (kmod/sg.c: every scatter-gather buffer, contiguous ones
 *              of one page-allocator block, and those of a range from
 *              alloc_contig_range(), kmod/contig.c); NULL for a
 *              dma_alloc_attrs() one.
 * @sgt:        the table of those pages, DMA-mapped for @dev with merged
 *              segments; NULL for a dma_alloc_attrs() buffer.
 * @contig_range: @pages are one range from alloc_contig_range(), given
 *              back with free_contig_range() (kmod/contig.c).
 * @attrs:      DMA_ATTR_* of the allocation, needed again to free and to
 *              mmap (none in this version).
 * @map_count:  user mappings (VMAs) of the buffer, for debugfs.
 * @registry:   entry in the list of live buffers (kmod/registry.c).
 * @owner_pid:  thread group id of the creating process (init pid
 *              namespace), for debugfs.
 * @owner_comm: its command name.
 * @shmem:      a pageable buffer's memory (kmod/pageable.c), else NULL.
 * @pin_pages:  a prepared pageable buffer's pages, held; else NULL.
 * @pin_sgt:    those pages, DMA-mapped for @dev; else NULL. Under @lock.
 * @pin_nents:  its DMA segments, else 0: written under @lock, read with
 *              READ_ONCE() (debugfs, tracepoints).
 * @pin_dir:    the DMA direction @pin_sgt is mapped for.
 * @pin_mm:     the process whose pinned_vm the pins are charged to (a
 *              prepare through the ioctl), or NULL.
 * @pin_user:   the user whose locked_vm they are charged to, with
 *              @pin_mm, unless the preparer had CAP_IPC_LOCK; else NULL.
 * @purgeable_state: IOBMD_PURGEABLE_* of a purgeable buffer, else 0;
 *              under @lock.
 * @purgeable:  entry in the list of purgeable buffers (kmod/purgeable.c).
 *
 * The other fields are set at create and not changed afterwards.
 */
struct iobmd {
	struct kref ref;
	u32 options;
	u64 id;
	struct mutex lock; /* see @lock above */
	struct device *dev;
	u64 capacity;
	u64 length;
	size_t alloc_size;
	u64 alignment;
	u64 physical_mask;
	u64 bounced;
	unsigned int prepare_count;
	u32 prepared_direction;
	u32 own_direction;
	unsigned int user_prepares;
	unsigned int command_prepares;
	bool prepared_read_only;
	bool appending;
	bool prepared_own;
	bool kernel_mapped;
	bool contig_range;
	void *cpu_addr;
	unsigned long task_address;
	dma_addr_t dma_addr;
	size_t base_size;
	void *cpu_base;
	dma_addr_t dma_base;
	struct page **pages;
	struct sg_table *sgt;
	unsigned long attrs;
	atomic_t map_count;
	pid_t owner_pid;
	struct list_head registry;
	char owner_comm[TASK_COMM_LEN];
	struct file *shmem;
	struct page **pin_pages;
	struct sg_table *pin_sgt;
	unsigned int pin_nents;
	enum dma_data_direction pin_dir;
	struct mm_struct *pin_mm;
	struct user_struct *pin_user;
	u32 purgeable_state;
	struct list_head purgeable;
};

/*
 * The cache mode, bits 8-10. IOKit's kIOMapCacheMask is 0xF00, but
 * kIOMemoryMapperNone is 0x800 inside it; the IOKit cache modes a buffer
 * can have all fit in 0x700, so iobmd reads bit 11 as MapperNone.
 */
#define IOBMD_CACHE_MODE_BITS (IOBMD_MAP_CACHE_MASK & ~IOBMD_MEMORY_MAPPER_NONE)

/* IOKit's direction as the DMA API's; None maps both ways. */
static inline enum dma_data_direction iobmd_dma_direction(u32 direction)
{
	static const enum dma_data_direction dir[] = {
		[IOBMD_DIRECTION_NONE] = DMA_BIDIRECTIONAL,
		[IOBMD_DIRECTION_IN] = DMA_FROM_DEVICE,
		[IOBMD_DIRECTION_OUT] = DMA_TO_DEVICE,
		[IOBMD_DIRECTION_INOUT] = DMA_BIDIRECTIONAL,
	};

	return dir[direction & IOBMD_DIRECTION_INOUT];
}

/* The DMA API's direction as IOKit's; None for DMA_NONE. */
static inline u32 iobmd_iokit_direction(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return IOBMD_DIRECTION_OUT;
	case DMA_FROM_DEVICE:
		return IOBMD_DIRECTION_IN;
	case DMA_BIDIRECTIONAL:
		return IOBMD_DIRECTION_INOUT;
	default:
		return IOBMD_DIRECTION_NONE;
	}
}

/* Whether a device can do DMA at all: both its masks are set. */
static inline bool iobmd_dev_can_dma(struct device *dev)
{
	return dev->dma_mask && *dev->dma_mask && dev->coherent_dma_mask;
}

/* Whether a buffer must be one physically contiguous segment. */
static inline bool iobmd_is_contiguous(const struct iobmd *bmd)
{
	return bmd->options & (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
			       IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS);
}

/* The largest block the page allocator gives (MAX_ORDER was renamed). */
#ifdef MAX_PAGE_ORDER
#define IOBMD_MAX_ORDER MAX_PAGE_ORDER
#else
#define IOBMD_MAX_ORDER (MAX_ORDER - 1)
#endif

/* mask.c */
bool iobmd_dev_coherent(struct device *dev);
struct device *iobmd_mask_device(u64 limit);
void iobmd_mask_devices_destroy(void);

/* bounce.c */
s64 iobmd_bounce_charge(struct device *dev, struct sg_table *sgt);
void iobmd_bounce_uncharge(u64 bytes);
u64 iobmd_bounce_bytes(void);

/* dma_map.c */
bool iobmd_dma_translated(struct device *dev);

/* vm_flags became read-only in 6.3, with helpers to change them. */
static inline void iobmd_vm_flags_mod(struct vm_area_struct *vma,
				      vm_flags_t set, vm_flags_t clear)
{
#ifdef IOBMD_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* mmap.c */
int iobmd_mmap(struct iobmd *bmd, struct vm_area_struct *vma);

/* buffer.c */
#if IS_ENABLED(CONFIG_KUNIT)
long iobmd_live_buffer_count(void);
#endif
struct iobmd *iobmd_alloc(struct device *dev, struct mm_struct *task,
			  u32 options, u64 capacity, u64 alignment,
			  u64 physical_mask);
struct iobmd *iobmd_alloc_for_fd(u32 options, u64 capacity, u64 alignment,
				 u64 physical_mask);

/* registry.c: the rows of the per-kind, per-cache-mode figures. */
enum { IOBMD_KIND_CONTIGUOUS, IOBMD_KIND_SG, IOBMD_KIND_PAGEABLE, IOBMD_KINDS };
enum { IOBMD_MODE_WB, IOBMD_MODE_UC, IOBMD_MODE_WC, IOBMD_MODES };

/**
 * struct iobmd_registry_stats - module-wide figures
 * @buffers:         live buffers.
 * @bytes:           their page-rounded sizes, in bytes.
 * @peak_buffers:    the most @buffers has been since the module loaded,
 *                   taken when a create succeeds (a failed create's buffer
 *                   never counts).
 * @peak_bytes:      the most @bytes has been, taken likewise.
 * @create_failures: creates that failed, for any reason.
 * @limit_failures:  those of them refused by max_buffer_bytes or
 *                   max_total_bytes.
 * @kind_buffers:    live buffers by kind (IOBMD_KIND_*) and effective
 *                   cache mode (IOBMD_MODE_*).
 * @kind_bytes:      their bytes, likewise.
 */
struct iobmd_registry_stats {
	u64 buffers;
	u64 bytes;
	u64 peak_buffers;
	u64 peak_bytes;
	u64 create_failures;
	u64 limit_failures;
	u64 kind_buffers[IOBMD_KINDS][IOBMD_MODES];
	u64 kind_bytes[IOBMD_KINDS][IOBMD_MODES];
};

unsigned int iobmd_kind(const struct iobmd *bmd);
unsigned int iobmd_mode(const struct iobmd *bmd);
void iobmd_registry_init(void);
int iobmd_registry_charge(u64 bytes);
void iobmd_registry_uncharge(u64 bytes);
void iobmd_registry_failed(int err);
void iobmd_registry_add(struct iobmd *bmd);
void iobmd_registry_created(struct iobmd *bmd);
void iobmd_registry_del(struct iobmd *bmd);
void iobmd_registry_get_stats(struct iobmd_registry_stats *stats);
void iobmd_registry_for_each(void (*fn)(struct iobmd *bmd, void *arg),
			     void *arg);

/* buffer.c */
int iobmd_objects_init(void);
void iobmd_objects_exit(void);

/* cache.c */
u32 iobmd_cache_mode(const struct iobmd *bmd);
pgprot_t iobmd_cache_pgprot(const struct iobmd *bmd, pgprot_t prot);
/* cache_x86.c, cache_arm64.c */
int iobmd_cache_mode_check(u32 mode);
bool iobmd_cache_direct_mapped(const struct iobmd *bmd);
void iobmd_cache_sync_range(const struct iobmd *bmd, struct page *page,
			    size_t off, size_t len);
pgprot_t iobmd_cache_vmap_pgprot(const struct iobmd *bmd);
int iobmd_cache_apply(struct iobmd *bmd);
int iobmd_cache_restore(struct iobmd *bmd);
int iobmd_cache_init(void);
void iobmd_cache_exit(void);

/* contents.c */
struct iov_iter;
ssize_t iobmd_copy_to_iter(struct iobmd *bmd, u64 offset, size_t n,
			   struct iov_iter *iter);
ssize_t iobmd_copy_from_iter(struct iobmd *bmd, u64 offset, size_t n,
			     struct iov_iter *iter);
ssize_t iobmd_copy_out(struct iobmd *bmd, u64 offset, void *dst, size_t n);
ssize_t iobmd_copy_in(struct iobmd *bmd, u64 offset, const void *src,
		      size_t n);
ssize_t iobmd_copy_in_user(struct iobmd *bmd, u64 offset,
			   const void __user *src, size_t n);
ssize_t iobmd_copy_out_user(struct iobmd *bmd, u64 offset, void __user *dst,
			    size_t n);

/* pageable.c */
int iobmd_pageable_check(u32 options, struct mm_struct *task);
int iobmd_pageable_alloc(struct iobmd *bmd);
void iobmd_pageable_free(struct iobmd *bmd);
struct page *iobmd_pageable_page(struct iobmd *bmd, pgoff_t index);
int iobmd_pageable_prepare(struct iobmd *bmd, u32 direction,
			   struct mm_struct *mm, bool killable);
void iobmd_pageable_complete(struct iobmd *bmd);
void iobmd_pageable_sync(struct iobmd *bmd, bool for_device);
int iobmd_pageable_mmap(struct iobmd *bmd, struct vm_area_struct *vma);

/* purgeable.c */
bool iobmd_purgeable_now(const struct iobmd *bmd);
void iobmd_purgeable_changed(struct iobmd *bmd, bool was);
void iobmd_purgeable_add(struct iobmd *bmd);
void iobmd_purgeable_del(struct iobmd *bmd);
void iobmd_purgeable_stats(u64 *volatile_bytes, u64 *purged_bytes);
int iobmd_purgeable_init(void);
void iobmd_purgeable_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned long iobmd_purge_volatile(unsigned long nr);
#endif

/*
 * contig.c: how a search for a range for alloc_contig_range() ended, for
 * the tracepoint iobmd_contig_range and the debugfs counters.
 */
enum iobmd_contig_result {
	IOBMD_CONTIG_ALLOCATED,		/* a range was allocated */
	IOBMD_CONTIG_NO_RANGE,		/* every range holds unmovable pages */
	IOBMD_CONTIG_BUSY,		/* the ranges tried could not be freed */
	IOBMD_CONTIG_NO_MEMORY,		/* no memory to migrate pages into */
	IOBMD_CONTIG_INTERRUPTED,	/* a fatal signal stopped the search */
	IOBMD_CONTIG_RESULTS,
};

extern const char *const iobmd_contig_result_names[IOBMD_CONTIG_RESULTS];
int iobmd_contig_alloc(struct iobmd *bmd);
void iobmd_contig_free(struct iobmd *bmd);
void iobmd_contig_free_range(struct iobmd *bmd);
void iobmd_contig_stats(u64 counts[IOBMD_CONTIG_RESULTS]);

/* sg.c */
unsigned long iobmd_sg_allowed_pages(unsigned long n);
int iobmd_sg_alloc(struct iobmd *bmd);
int iobmd_sg_map(struct iobmd *bmd);
void iobmd_sg_free(struct iobmd *bmd);
vm_fault_t iobmd_sg_fault(struct vm_fault *vmf);
void iobmd_sg_segment(struct sg_table *sgt, bool physical, u64 offset,
		      dma_addr_t *address, u64 *length);
int iobmd_sg_mmap(struct iobmd *bmd, struct vm_area_struct *vma);
void iobmd_sg_sync(struct iobmd *bmd, bool for_device, u32 direction);
unsigned int iobmd_segment_count(const struct iobmd *bmd);
int iobmd_segments(struct iobmd *bmd, u64 offset, struct iobmd_segment *out,
		   u32 max);

/* methods.c */
/* How a prepare is made: see iobmd_prepare_for(). */
#define IOBMD_PREPARE_OWN	0x1	/* uses the buffer's own addresses */
#define IOBMD_PREPARE_USER	0x2	/* through the ioctl */
#define IOBMD_PREPARE_CPU	0x4	/* a kernel mapping (dma-buf vmap) */
/* Prepares of DMA commands a buffer takes at once. */
#define IOBMD_MAX_COMMANDS	6
int iobmd_prepare_for(struct iobmd *bmd, u32 direction, struct mm_struct *mm,
		      unsigned int flags);
int iobmd_complete_for(struct iobmd *bmd, u32 direction, unsigned int flags);
s64 iobmd_append_user(struct iobmd *bmd, const void __user *bytes, u64 n);
ssize_t iobmd_pread(struct iobmd *bmd, char __user *buf, size_t n,
		    loff_t *pos);
ssize_t iobmd_pwrite(struct iobmd *bmd, const char __user *buf, size_t n,
		     loff_t *pos);

/* debugfs.c */
void iobmd_debugfs_init(void);
void iobmd_debugfs_exit(void);

/* dev.c: the fd layer, above everything else here but task.c. */
struct file *iobmd_buffer_file(struct iobmd *bmd);
unsigned long iobmd_vm_mmap(struct file *file, struct iobmd *bmd);
int iobmd_dev_register(struct device *parent);
void iobmd_dev_unregister(void);

/* heap.c */
int iobmd_heaps_register(struct device *parent);
void iobmd_heaps_unregister(void);

#endif /* _IOBMD_INTERNAL_H */
