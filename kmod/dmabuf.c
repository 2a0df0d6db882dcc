// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: a buffer exported as a dma-buf, for other drivers to import
 * (V4L2, DRM, VFIO, any dma_buf_get()).
 *
 * The dma-buf holds a buffer file (kmod/dev.c), so the memory lives while
 * the dma-buf, the buffer fd or any mapping of either does. Each
 * attachment is an iobmd DMA command (kmod/dma_command.c) for the
 * importer's device, made at its first map: mapping the dma-buf prepares
 * the buffer as an IODMACommand's prepare() does (a pageable buffer is
 * pinned, a purgeable one is not discarded) and maps the whole allocation
 * for that device, through its IOMMU when it has one. Memory the device
 * cannot reach is never double buffered here: the map fails with -ERANGE,
 * as an importer cannot know that its device writes into a copy.
 *
 * CPU access (DMA_BUF_IOCTL_SYNC, dma_buf_begin_cpu_access()) syncs every
 * importer's mapping of write-back memory; uncached and write-combined
 * memory needs no cache maintenance, and the end of a write-combined
 * access orders the CPU's stores before the device's next access. mmap()
 * and vmap() have the buffer's cache mode.
 */
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dma_command.h"
#include "iobmd_internal.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct iobmd_dmabuf - what an iobmd dma-buf holds
 * @bmd:         the buffer.
 * @file:        a buffer file: mappings of the dma-buf become mappings of
 *               it, and it holds @bmd.
 * @lock:        serialises @attachments, @vaddr and @vmap_prepared.
 * @attachments: the importers' struct iobmd_dmabuf_attachment.
 * @vaddr:       the kernel mapping vmap() made, or NULL.
 * @vmap_prepared: @vaddr holds a prepare of the buffer (a pageable one's
 *               pages pinned).
 * @vmapped:     @vaddr is iobmd's own vmap() (else the buffer's).
 */
struct iobmd_dmabuf {
	struct iobmd *bmd;
	struct file *file;
	struct mutex lock; /* see @lock above */
	struct list_head attachments;
	void *vaddr;
	bool vmap_prepared;
	bool vmapped;
};

/**
 * struct iobmd_dmabuf_attachment - one importer's device
 * @node:  entry in &iobmd_dmabuf.attachments.
 * @dev:   the importer's device.
 * @cmd:   the DMA command mapping the buffer for @dev, while mapped;
 *         else NULL.
 */
struct iobmd_dmabuf_attachment {
	struct list_head node;
	struct device *dev;
	struct iobmd_dma_command *cmd;
};

static int iobmd_dmabuf_attach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;
	struct iobmd_dmabuf_attachment *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&priv->lock);
	list_add(&a->node, &priv->attachments);
	mutex_unlock(&priv->lock);
	return 0;
}

/* Undo a map: the command's complete, then the command. */
static void iobmd_dmabuf_unmap_cmd(struct iobmd_dmabuf_attachment *a)
{
	iobmd_dma_command_free(a->cmd);
	a->cmd = NULL;
}

static void iobmd_dmabuf_detach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;
	struct iobmd_dmabuf_attachment *a = attach->priv;

	mutex_lock(&priv->lock);
	list_del(&a->node);
	/* An importer that never unmapped: end its prepare. */
	if (a->cmd)
		iobmd_dmabuf_unmap_cmd(a);
	mutex_unlock(&priv->lock);
	kfree(a);
}

/*
 * The importer's map: a DMA command for its device, prepared over the
 * whole allocation. -EINVAL for DMA_NONE, -EBUSY when this attachment is
 * mapped already (each map is one prepare), -ENODEV when the device cannot
 * do DMA, -ERANGE when it cannot reach the memory, and the other errnos of
 * iobmd_dma_command_prepare() (-EBUSY beyond IOBMD_MAX_COMMANDS mappings).
 */
static struct sg_table *iobmd_dmabuf_map(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	static const struct iobmd_dma_specification spec = {
		.options = IOBMD_DMA_NO_DOUBLE_BUFFER,
	};
	struct iobmd_dmabuf *priv = attach->dmabuf->priv;
	struct iobmd_dmabuf_attachment *a = attach->priv;
	u32 direction = iobmd_iokit_direction(dir);
	struct iobmd_dma_command *cmd;
	int ret;

	if (direction == IOBMD_DIRECTION_NONE)
		return ERR_PTR(-EINVAL);
	mutex_lock(&priv->lock);
	ret = -EBUSY;
	if (a->cmd)
		goto out;
	cmd = iobmd_dma_command_with_specification(a->dev, &spec);
	ret = PTR_ERR_OR_ZERO(cmd);
	if (ret)
		goto out;
	ret = iobmd_dma_command_set_memory_descriptor(cmd, priv->bmd);
	if (!ret)
		ret = iobmd_dma_command_prepare_all(cmd, direction);
	if (ret)
		iobmd_dma_command_free(cmd);
	else
		a->cmd = cmd;
out:
	mutex_unlock(&priv->lock);
	return ret ? ERR_PTR(ret) : &a->cmd->sgt;
}

static void iobmd_dmabuf_unmap(struct dma_buf_attachment *attach,
			       struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	struct iobmd_dmabuf *priv = attach->dmabuf->priv;
	struct iobmd_dmabuf_attachment *a = attach->priv;

	mutex_lock(&priv->lock);
	if (a->cmd && sgt == &a->cmd->sgt)
		iobmd_dmabuf_unmap_cmd(a);
	mutex_unlock(&priv->lock);
}

/* Whether the memory is cached: write-back, the only kind to sync. */
static bool iobmd_dmabuf_cached(struct iobmd_dmabuf *priv)
{
	return iobmd_cache_mode(priv->bmd) == IOBMD_MAP_COPYBACK_CACHE;
}

/* Sync every importer's mapping, for the CPU or for its device. */
static void iobmd_dmabuf_sync(struct iobmd_dmabuf *priv, bool for_device)
{
	struct iobmd_dmabuf_attachment *a;

	mutex_lock(&priv->lock);
	list_for_each_entry(a, &priv->attachments, node)
		if (a->cmd)
			iobmd_dma_command_synchronize(a->cmd, for_device ?
						      IOBMD_DIRECTION_OUT :
						      IOBMD_DIRECTION_IN);
	mutex_unlock(&priv->lock);
}

static int iobmd_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					 enum dma_data_direction dir)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;

	if (iobmd_dmabuf_cached(priv))
		iobmd_dmabuf_sync(priv, false);
	return 0;
}

static int iobmd_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				       enum dma_data_direction dir)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;

	if (iobmd_dmabuf_cached(priv))
		iobmd_dmabuf_sync(priv, true);
	else
		wmb();	/* write-combined stores reach memory first */
	return 0;
}

/*
 * A mapping of the dma-buf is a mapping of the buffer file, with the
 * buffer's cache mode, as if the buffer fd were mapped (dma-buf checked
 * the range against its size and the fd's access mode already).
 */
static int iobmd_dmabuf_mmap(struct dma_buf *dmabuf,
			     struct vm_area_struct *vma)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;

	vma_set_file(vma, priv->file);
	return iobmd_mmap(priv->bmd, vma);
}

/*
 * A kernel mapping of the whole allocation: the buffer's own where it has
 * one (contiguous, or kernel-mapped), else a vmap() of its pages with its
 * cache mode; a pageable buffer's pages are pinned by a prepare first, one
 * that joins whatever prepare holds them already (dma_buf_vmap() WARNs
 * when this fails: only no memory, a swap read error or, for a masked
 * buffer, no share of swiotlb left can fail it).
 */
static void *iobmd_dmabuf_vmap_pages(struct iobmd_dmabuf *priv)
{
	struct iobmd *bmd = priv->bmd;
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT;
	pgprot_t prot = iobmd_cache_vmap_pgprot(bmd);
	struct page **pages = bmd->pages;
	void *vaddr;
	int ret;

	/* Its own, unless importers need another type (cache_arm64.c). */
	if (bmd->cpu_addr &&
	    (!pages || pgprot_val(prot) ==
		       pgprot_val(iobmd_cache_pgprot(bmd, PAGE_KERNEL))))
		return bmd->cpu_addr;
	if (bmd->shmem) {
		ret = iobmd_prepare_for(bmd, IOBMD_DIRECTION_INOUT, NULL,
					IOBMD_PREPARE_CPU);
		if (ret)
			return ERR_PTR(ret);
		priv->vmap_prepared = true;
		pages = bmd->pin_pages;
	}
	vaddr = vmap(pages, n, VM_MAP, prot);
	if (!vaddr) {
		if (priv->vmap_prepared)
			iobmd_complete_for(bmd, IOBMD_DIRECTION_INOUT,
					   IOBMD_PREPARE_CPU);
		priv->vmap_prepared = false;
		return ERR_PTR(-ENOMEM);
	}
	priv->vmapped = true;
	return vaddr;
}

static int iobmd_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;
	void *vaddr;
	int ret = 0;

	mutex_lock(&priv->lock);
	vaddr = priv->vaddr;
	if (!vaddr) {
		vaddr = iobmd_dmabuf_vmap_pages(priv);
		if (IS_ERR(vaddr))
			ret = PTR_ERR(vaddr);
		else
			priv->vaddr = vaddr;
	}
	if (!ret)
		iosys_map_set_vaddr(map, vaddr);
	mutex_unlock(&priv->lock);
	return ret;
}

/* Mark a vmapped pageable buffer's pages dirty (its prepare holds them). */
static void iobmd_dmabuf_dirty(struct iobmd *bmd)
{
	unsigned long i, n = bmd->alloc_size >> PAGE_SHIFT;

	for (i = 0; i < n; i++) {
		set_page_dirty_lock(bmd->pin_pages[i]);
		if (!(i % 1024))
			cond_resched();
	}
}

/* dma-buf counts vmaps: this is the last one's vunmap. */
static void iobmd_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;

	mutex_lock(&priv->lock);
	if (priv->vaddr && priv->vmapped)
		vunmap(priv->vaddr);
	if (priv->vaddr && priv->vmap_prepared) {
		/*
		 * The importer may have written through the mapping, whatever
		 * direction the pages were pinned for: shmem must write them
		 * to swap rather than drop them.
		 */
		iobmd_dmabuf_dirty(priv->bmd);
		iobmd_complete_for(priv->bmd, IOBMD_DIRECTION_INOUT,
				   IOBMD_PREPARE_CPU);
	}
	priv->vaddr = NULL;
	priv->vmapped = false;
	priv->vmap_prepared = false;
	mutex_unlock(&priv->lock);
}

static void iobmd_dmabuf_release(struct dma_buf *dmabuf)
{
	struct iobmd_dmabuf *priv = dmabuf->priv;

	fput(priv->file);
	mutex_destroy(&priv->lock);
	kfree(priv);
}

static const struct dma_buf_ops iobmd_dmabuf_ops = {
	.attach = iobmd_dmabuf_attach,
	.detach = iobmd_dmabuf_detach,
	.map_dma_buf = iobmd_dmabuf_map,
	.unmap_dma_buf = iobmd_dmabuf_unmap,
	.begin_cpu_access = iobmd_dmabuf_begin_cpu_access,
	.end_cpu_access = iobmd_dmabuf_end_cpu_access,
	.mmap = iobmd_dmabuf_mmap,
	.vmap = iobmd_dmabuf_vmap,
	.vunmap = iobmd_dmabuf_vunmap,
	.release = iobmd_dmabuf_release,
};

/* The fd flags iobmd takes, as DMA_HEAP_VALID_FD_FLAGS. */
#define IOBMD_DMABUF_FD_FLAGS (O_CLOEXEC | O_ACCMODE)

/**
 * iobmd_export_dmabuf() - export a buffer as a dma-buf
 * @bmd:   the buffer; the dma-buf takes a reference of its own.
 * @flags: O_CLOEXEC (ignored here; for dma_buf_fd()) and the access mode
 *         of the dma-buf's file: O_RDONLY, O_WRONLY or O_RDWR (needed for
 *         a writable mapping).
 *
 * The Linux way to hand an IOBufferMemoryDescriptor to another driver:
 * V4L2, DRM and other importers take dma-bufs (dma_buf_get(),
 * dma_buf_attach(), dma_buf_map_attachment()). Each call makes a new
 * dma-buf of the buffer's whole allocation (its capacity rounded up to
 * pages). An importer's map prepares the buffer as an IODMACommand does
 * (a pageable buffer is pinned, a purgeable one kept) until it unmaps, and
 * fails with -ERANGE when its device cannot reach the memory; at most
 * IOBMD_MAX_COMMANDS (6) importers' maps and vmaps of one buffer are held
 * at once (-EBUSY beyond). The module stays loaded while the dma-buf
 * lives.
 *
 * Context: process context, may sleep.
 *
 * Return: the dma-buf (drop it with dma_buf_put(), or install it with
 * dma_buf_fd()), or ERR_PTR(-EINVAL) for a NULL @bmd or @flags other than
 * those above, ERR_PTR(-ENOMEM), or the errno of dma_buf_export().
 */
struct dma_buf *iobmd_export_dmabuf(struct iobmd *bmd, u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct iobmd_dmabuf *priv;
	struct dma_buf *dmabuf;
	struct file *file;

	if (!bmd || (flags & ~IOBMD_DMABUF_FD_FLAGS) ||
	    (flags & O_ACCMODE) == O_ACCMODE)
		return ERR_PTR(-EINVAL);
	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return ERR_PTR(-ENOMEM);
	file = iobmd_buffer_file(bmd);
	if (IS_ERR(file)) {
		kfree(priv);
		return ERR_CAST(file);
	}
	priv->bmd = bmd;
	priv->file = file;
	mutex_init(&priv->lock);
	INIT_LIST_HEAD(&priv->attachments);
	exp_info.exp_name = "iobmd";
	exp_info.owner = THIS_MODULE;
	exp_info.ops = &iobmd_dmabuf_ops;
	exp_info.size = bmd->alloc_size;
	exp_info.flags = flags & O_ACCMODE;
	exp_info.priv = priv;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		mutex_destroy(&priv->lock);
		kfree(priv);
		fput(file);
	}
	return dmabuf;
}
EXPORT_SYMBOL_GPL(iobmd_export_dmabuf);

/**
 * iobmd_export_dmabuf_fd() - export a buffer as a dma-buf fd
 * @bmd:   the buffer.
 * @flags: as iobmd_export_dmabuf(); O_CLOEXEC sets close-on-exec.
 *
 * Context: process context with a file table, may sleep.
 *
 * Return: the new fd in current's table, or the errno of
 * iobmd_export_dmabuf(), or -EMFILE when no fd is free.
 */
int iobmd_export_dmabuf_fd(struct iobmd *bmd, u32 flags)
{
	struct dma_buf *dmabuf = iobmd_export_dmabuf(bmd, flags);
	int fd;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = dma_buf_fd(dmabuf, flags & O_CLOEXEC);
	if (fd < 0)
		dma_buf_put(dmabuf);
	return fd;
}
EXPORT_SYMBOL_GPL(iobmd_export_dmabuf_fd);
