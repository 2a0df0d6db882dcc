// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the dma-heap ABI, served on /dev/dma_heap/iobmd-<name>.
 *
 * A module cannot add a dma-heap in 6.1 or 6.12 (dma_heap_add() is not
 * exported), so each heap is a misc device whose node devtmpfs makes under
 * /dev/dma_heap/, next to the kernel's own heaps. DMA_HEAP_IOCTL_ALLOC is
 * handled as drivers/dma-buf/dma-heap.c handles it: the struct's size
 * comes from the ioctl number (a shorter struct is zero-extended, a longer
 * one's extra bytes are ignored), fd must be 0, fd_flags at most
 * O_CLOEXEC | O_ACCMODE, heap_flags 0, and the length is rounded up to
 * pages. The answer is the dma-buf of a new iobmd buffer of the heap's
 * kind (kmod/dmabuf.c), so a heap client (libcamera, GStreamer's
 * dmabufheap allocator, Android's libdmabufheap) gets iobmd memory by
 * naming the heap. Unlike dma-heap.c, the fd is installed only once the
 * answer is written: a caller whose struct is not writable gets -EFAULT
 * and no fd.
 */
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-heap.h>

#include "iobmd_internal.h"

/**
 * struct iobmd_heap - one heap: a kind of buffer
 * @misc:          its device, /dev/dma_heap/iobmd-<name>.
 * @options:       the IOKit options of its buffers.
 * @physical_mask: their physical mask, 0 for none.
 */
struct iobmd_heap {
	struct miscdevice misc;
	u32 options;
	u64 physical_mask;
};

/* A heap: its device's name, its node under /dev, its buffers' kind. */
#define IOBMD_HEAP(misc_name, node, opt, mask) {			\
	.misc = {							\
		.minor = MISC_DYNAMIC_MINOR,				\
		.name = misc_name,					\
		.nodename = node,					\
		.fops = &iobmd_heap_fops,				\
		.mode = 0600,						\
	},								\
	.options = IOBMD_DIRECTION_INOUT | (opt),			\
	.physical_mask = (mask),					\
}

static const struct file_operations iobmd_heap_fops;

/* The heaps, as uapi/linux/iobmd.h lists them. */
static struct iobmd_heap iobmd_heaps[] = {
	IOBMD_HEAP("iobmd-sg", "dma_heap/iobmd-sg",
		   IOBMD_MAP_COPYBACK_CACHE, 0),
	IOBMD_HEAP("iobmd-contig", "dma_heap/iobmd-contig",
		   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | IOBMD_MAP_COPYBACK_CACHE,
		   0),
	IOBMD_HEAP("iobmd-uncached", "dma_heap/iobmd-uncached",
		   IOBMD_MAP_INHIBIT_CACHE, 0),
	IOBMD_HEAP("iobmd-wc", "dma_heap/iobmd-wc",
		   IOBMD_MAP_WRITE_COMBINE_CACHE, 0),
	IOBMD_HEAP("iobmd-dma32", "dma_heap/iobmd-dma32",
		   IOBMD_MAP_COPYBACK_CACHE, DMA_BIT_MASK(32)),
};

/* dma-heap.c's DMA_HEAP_VALID_FD_FLAGS and _HEAP_FLAGS. */
#define IOBMD_HEAP_FD_FLAGS (O_CLOEXEC | O_ACCMODE)
#define IOBMD_HEAP_HEAP_FLAGS 0ULL

/* A new buffer of the heap's kind, as a dma-buf; or an ERR_PTR(). */
static struct dma_buf *iobmd_heap_alloc(struct iobmd_heap *heap, u64 len,
					u32 fd_flags)
{
	struct dma_buf *dmabuf;
	struct iobmd *bmd;

	bmd = iobmd_alloc_for_fd(heap->options, len, 0, heap->physical_mask);
	if (IS_ERR(bmd))
		return ERR_CAST(bmd);
	dmabuf = iobmd_export_dmabuf(bmd, fd_flags);
	if (IS_ERR(dmabuf))
		iobmd_registry_failed(PTR_ERR(dmabuf));
	else
		iobmd_registry_created(bmd);
	/* The dma-buf holds the buffer now, or nothing does. */
	iobmd_put(bmd);
	return dmabuf;
}

static long iobmd_heap_ioctl_allocate(struct iobmd_heap *heap,
				      struct dma_heap_allocation_data *data,
				      void __user *uarg, size_t out_size)
{
	struct dma_buf *dmabuf;
	u64 len = PAGE_ALIGN(data->len);
	int fd;

	if (data->fd)
		return -EINVAL;
	if (data->fd_flags & ~IOBMD_HEAP_FD_FLAGS)
		return -EINVAL;
	if (data->heap_flags & ~IOBMD_HEAP_HEAP_FLAGS)
		return -EINVAL;
	/* PAGE_ALIGN() of a length near U64_MAX wraps to 0, as upstream. */
	if (!len)
		return -EINVAL;
	dmabuf = iobmd_heap_alloc(heap, len, data->fd_flags);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(data->fd_flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	data->fd = fd;
	if (copy_to_user(uarg, data, out_size)) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

static const unsigned int iobmd_heap_ioctl_cmds[] = {
	DMA_HEAP_IOCTL_ALLOC,
};

/*
 * dma-heap.c's dma_heap_ioctl(): the command is found by its number
 * alone, its struct copied in for the size the caller gave, and out for
 * the size the caller has room for.
 */
static long iobmd_heap_ioctl(struct file *file, unsigned int ucmd,
			     unsigned long arg)
{
	struct iobmd_heap *heap = container_of(file->private_data,
					       struct iobmd_heap, misc);
	struct dma_heap_allocation_data data;
	unsigned int in_size, out_size, kcmd;
	unsigned int nr = _IOC_NR(ucmd);

	if (nr >= ARRAY_SIZE(iobmd_heap_ioctl_cmds))
		return -EINVAL;
	nr = array_index_nospec(nr, ARRAY_SIZE(iobmd_heap_ioctl_cmds));
	kcmd = iobmd_heap_ioctl_cmds[nr];

	out_size = _IOC_SIZE(ucmd);
	in_size = out_size;
	if ((ucmd & kcmd & IOC_IN) == 0)
		in_size = 0;
	if ((ucmd & kcmd & IOC_OUT) == 0)
		out_size = 0;
	/* What lies beyond the kernel's struct is not read, nor written. */
	in_size = min_t(unsigned int, in_size, sizeof(data));
	out_size = min_t(unsigned int, out_size, sizeof(data));

	memset(&data, 0, sizeof(data));
	if (copy_from_user(&data, (void __user *)arg, in_size))
		return -EFAULT;
	return iobmd_heap_ioctl_allocate(heap, &data, (void __user *)arg,
					 out_size);
}

static const struct file_operations iobmd_heap_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = iobmd_heap_ioctl,
	.compat_ioctl = iobmd_heap_ioctl,
};

/**
 * iobmd_heaps_register() - make the heap devices
 * @parent: the device they sit under in sysfs.
 *
 * Context: process context (module init), may sleep.
 *
 * Return: 0, or the errno of misc_register(); then none is left.
 */
int iobmd_heaps_register(struct device *parent)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(iobmd_heaps); i++) {
		iobmd_heaps[i].misc.parent = parent;
		ret = misc_register(&iobmd_heaps[i].misc);
		if (ret) {
			while (i--)
				misc_deregister(&iobmd_heaps[i].misc);
			return ret;
		}
	}
	return 0;
}

/* Remove the heap devices (module exit). */
void iobmd_heaps_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(iobmd_heaps); i++)
		misc_deregister(&iobmd_heaps[i].misc);
}
