/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd: what the module's own files share and other drivers do not see.
 */
#ifndef _IOBMD_INTERNAL_H
#define _IOBMD_INTERNAL_H

#include <linux/kref.h>
#include <linux/types.h>

#include "iobmd.h"

struct device;
struct vm_area_struct;

/**
 * struct iobmd - one buffer (an IOBufferMemoryDescriptor)
 * @ref:        references: the buffer fd (which mappings of it hold), and
 *              each iobmd_get() of an in-kernel user. Freed on the last put.
 * @dev:        the device the memory was allocated for (a reference is
 *              held); its DMA mask bounds where the memory lies.
 * @capacity:   bytes asked for; what getCapacity() reports.
 * @length:     current length in bytes; getLength().
 * @alloc_size: bytes allocated, @capacity rounded up to pages.
 * @alignment:  alignment of @dma_addr in bytes that iobmd guarantees (a
 *              page in this version).
 * @options:    the IOKit options given at create.
 * @cpu_addr:   the kernel mapping from dma_alloc_attrs().
 * @dma_addr:   the DMA address of the single segment.
 * @attrs:      DMA_ATTR_* of the allocation, needed again to free and to
 *              mmap (none in this version).
 *
 * All fields are set at create and not changed afterwards, so they are read
 * without a lock.
 */
struct iobmd {
	struct kref ref;
	struct device *dev;
	u64 capacity;
	u64 length;
	size_t alloc_size;
	u64 alignment;
	u32 options;
	void *cpu_addr;
	dma_addr_t dma_addr;
	unsigned long attrs;
};

/* main.c */
extern struct device *iobmd_dma_dev;

/* buffer.c */
int iobmd_mmap(struct iobmd *bmd, struct vm_area_struct *vma);
u32 iobmd_cache_mode(const struct iobmd *bmd);
void iobmd_stats(long *buffers, long *bytes);
#if IS_ENABLED(CONFIG_KUNIT)
long iobmd_live_buffer_count(void);
#endif

/* debugfs.c */
void iobmd_debugfs_init(void);
void iobmd_debugfs_exit(void);

/* dev.c */
int iobmd_dev_register(struct device *parent);
void iobmd_dev_unregister(void);

#endif /* _IOBMD_INTERNAL_H */
