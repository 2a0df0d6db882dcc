// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the misc device /dev/iobmd and the buffer file descriptors it
 * hands out (uapi/linux/iobmd.h is the ABI).
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iobmd_internal.h"

/*
 * Match an ioctl by type, number and direction but not size: _IOC_SIZE is
 * the size of the struct user space was built with, which may be larger or
 * smaller than the kernel's (see copy_struct_from_user()).
 */
static bool iobmd_ioc_match(unsigned int cmd, unsigned int want)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(want) &&
	       _IOC_NR(cmd) == _IOC_NR(want) &&
	       _IOC_DIR(cmd) == _IOC_DIR(want);
}

/* Read an extensible struct whose size the ioctl number carries. */
static int iobmd_copy_struct_from_user(void *dst, size_t ksize, size_t ver0,
				       const void __user *src, size_t usize)
{
	if (usize < ver0)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, src, usize);
}

/* Copy a struct out to a caller whose struct may be larger or smaller. */
static int iobmd_copy_struct_to_user(void __user *dst, size_t usize,
				     const void *src, size_t ksize)
{
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/*
 * Whether a buffer fd may show DMA (physical) addresses: as with
 * /proc/pid/pagemap, decided by who opened - here, created - the fd.
 */
static bool iobmd_shows_addresses(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}

static int iobmd_ioctl_info(struct file *file, void __user *uarg,
			    size_t usize)
{
	struct iobmd *bmd = file->private_data;
	dma_addr_t addr;
	struct iobmd_info info = {
		.capacity = bmd->capacity,
		.length = iobmd_get_length(bmd),
		.alloc_size = bmd->alloc_size,
		.alignment = bmd->alignment,
		.options = iobmd_get_options(bmd),
		.segments = iobmd_segment_count(bmd),
		.cache_mode = iobmd_cache_mode(bmd),
		.physical_mask = bmd->physical_mask,
		.purgeable_state = READ_ONCE(bmd->purgeable_state),
		.prepare_count = READ_ONCE(bmd->prepare_count),
	};

	if (usize < IOBMD_INFO_SIZE_VER0)
		return -EINVAL;
	if (bmd->kernel_mapped)
		info.flags |= IOBMD_INFO_KERNEL_MAPPED;
	/*
	 * The first segment's address, as GET_SEGMENTS gives it (physical
	 * under MapperNone); a pageable buffer has one only while prepared.
	 */
	if (iobmd_shows_addresses(file) &&
	    iobmd_get_physical_segment(bmd, 0, &addr, NULL) == 0)
		info.dma_addr = addr;
	return iobmd_copy_struct_to_user(uarg, usize, &info, sizeof(info));
}

static int iobmd_ioctl_set_length(struct iobmd *bmd, void __user *uarg,
				  size_t usize)
{
	struct iobmd_length args;
	int ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	return ret ?: iobmd_set_length(bmd, args.length);
}

static int iobmd_ioctl_append(struct iobmd *bmd, void __user *uarg,
			      size_t usize)
{
	struct iobmd_append args;
	s64 copied;
	int ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	if (ret)
		return ret;
	if (args.copied)
		return -EINVAL;
	/* Check writability first: nothing is appended if it fails. */
	if (put_user(0ULL, &((struct iobmd_append __user *)uarg)->copied))
		return -EFAULT;
	copied = iobmd_append_user(bmd, u64_to_user_ptr(args.data), args.size);
	if (copied < 0)
		return copied;
	return put_user((u64)copied,
			&((struct iobmd_append __user *)uarg)->copied);
}

static int iobmd_ioctl_direction(struct iobmd *bmd, unsigned int cmd,
				 void __user *uarg, size_t usize)
{
	struct iobmd_direction args;
	int ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	if (ret)
		return ret;
	if (args.__reserved)
		return -EINVAL;
	/* Pins of a pageable buffer count against the caller's VmPin. */
	if (iobmd_ioc_match(cmd, IOBMD_IOC_PREPARE))
		return iobmd_prepare_for(bmd, args.direction, current->mm,
					 IOBMD_PREPARE_OWN | IOBMD_PREPARE_USER);
	/* Only what user space prepared: not a driver's or a command's. */
	if (iobmd_ioc_match(cmd, IOBMD_IOC_COMPLETE))
		return iobmd_complete_for(bmd, args.direction,
					  IOBMD_PREPARE_OWN | IOBMD_PREPARE_USER);
	return iobmd_set_direction(bmd, args.direction);
}

/* Segments are answered in batches of at most this many entries. */
#define IOBMD_SEGMENTS_BATCH 4096

/*
 * GET_SEGMENTS: one snapshot of up to a batch of segments, copied out
 * without the buffer's lock held (user memory may fault for ever, as a
 * userfaultfd range does). A larger count is answered in several
 * batches, each consistent.
 */
static int iobmd_ioctl_get_segments(struct file *file, void __user *uarg,
				    size_t usize)
{
	struct iobmd_segments __user *user = uarg;
	struct iobmd *bmd = file->private_data;
	struct iobmd_segment __user *useg;
	struct iobmd_segments args;
	struct iobmd_segment *segs;
	u32 done = 0;
	u64 len;
	int ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	if (ret)
		return ret;
	useg = u64_to_user_ptr(args.segments);
	if (!args.count || args.__reserved)
		return -EINVAL;
	if (!iobmd_shows_addresses(file))
		return -EPERM;
	/* One length for the whole answer: SET_LENGTH may race with it. */
	len = iobmd_get_length(bmd);
	if (args.offset >= len)
		return -EINVAL;

	segs = kvmalloc_array(min_t(u32, args.count, IOBMD_SEGMENTS_BATCH),
			      sizeof(*segs), GFP_KERNEL_ACCOUNT);
	if (!segs)
		return -ENOMEM;
	while (done < args.count && args.offset < len) {
		u32 i, max = min_t(u32, args.count - done, IOBMD_SEGMENTS_BATCH);

		ret = iobmd_segments(bmd, args.offset, segs, max);
		/*
		 * Nothing answered yet: the errno (ENXIO, a pageable buffer
		 * not prepared; EINVAL, the length fell to the offset since).
		 */
		if (ret < 0 && !done)
			goto out;
		if (ret <= 0)
			break;
		if (copy_to_user(&useg[done], segs, ret * sizeof(*segs))) {
			ret = -EFAULT;
			goto out;
		}
		for (i = 0; i < ret; i++)
			args.offset += segs[i].length;
		done += ret;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	ret = put_user(done, &user->count);
out:
	kvfree(segs);
	return ret;
}

static int iobmd_ioctl_set_purgeable(struct iobmd *bmd, void __user *uarg,
				     size_t usize)
{
	struct iobmd_purgeable args;
	int ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	if (ret)
		return ret;
	if (args.old_state)
		return -EINVAL;
	/* Check writability first: a discard cannot be undone. */
	if (put_user(0U, &((struct iobmd_purgeable __user *)uarg)->old_state))
		return -EFAULT;
	ret = iobmd_set_purgeable(bmd, args.new_state, &args.old_state);
	if (ret)
		return ret;
	return put_user(args.old_state,
			&((struct iobmd_purgeable __user *)uarg)->old_state);
}

/*
 * A dma-buf of the buffer (kmod/dmabuf.c). The fd is installed only once
 * the answer is written, so that an unwritable struct leaves no fd.
 */
static int iobmd_ioctl_export(struct iobmd *bmd, void __user *uarg,
			      size_t usize)
{
	struct iobmd_export args;
	struct dma_buf *dmabuf;
	int fd, ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args), sizeof(args),
					  uarg, usize);
	if (ret)
		return ret;
	if (args.fd)
		return -EINVAL;
	dmabuf = iobmd_export_dmabuf(bmd, args.flags);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(args.flags & O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	args.fd = fd;
	ret = iobmd_copy_struct_to_user(uarg, usize, &args, sizeof(args));
	if (ret) {
		put_unused_fd(fd);
		goto err;
	}
	fd_install(fd, dmabuf->file);
	return 0;
err:
	dma_buf_put(dmabuf);
	return ret;
}

static long iobmd_buffer_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct iobmd *bmd = file->private_data;
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	if (iobmd_ioc_match(cmd, IOBMD_IOC_INFO))
		return iobmd_ioctl_info(file, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_SET_LENGTH))
		return iobmd_ioctl_set_length(bmd, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_APPEND))
		return iobmd_ioctl_append(bmd, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_SET_DIRECTION) ||
	    iobmd_ioc_match(cmd, IOBMD_IOC_PREPARE) ||
	    iobmd_ioc_match(cmd, IOBMD_IOC_COMPLETE))
		return iobmd_ioctl_direction(bmd, cmd, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_GET_SEGMENTS))
		return iobmd_ioctl_get_segments(file, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_SET_PURGEABLE))
		return iobmd_ioctl_set_purgeable(bmd, uarg, usize);
	if (iobmd_ioc_match(cmd, IOBMD_IOC_EXPORT_DMABUF))
		return iobmd_ioctl_export(bmd, uarg, usize);
	return -ENOTTY;
}

/* The length is the end of file: SEEK_END and SEEK_DATA/HOLE use it. */
static loff_t iobmd_buffer_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence,
				 iobmd_get_length(file->private_data));
}

static ssize_t iobmd_buffer_read(struct file *file, char __user *buf,
				 size_t n, loff_t *pos)
{
	return iobmd_pread(file->private_data, buf, n, pos);
}

static ssize_t iobmd_buffer_write(struct file *file, const char __user *buf,
				  size_t n, loff_t *pos)
{
	return iobmd_pwrite(file->private_data, buf, n, pos);
}

static int iobmd_buffer_mmap(struct file *file, struct vm_area_struct *vma)
{
	return iobmd_mmap(file->private_data, vma);
}

static int iobmd_buffer_release(struct inode *inode, struct file *file)
{
	iobmd_put(file->private_data);
	return 0;
}

/*
 * Every user mapping of a buffer holds its file, and the file holds the
 * buffer, so the buffer lives until the last of fd and mappings is gone.
 * .owner keeps the module loaded as long as any buffer file exists.
 */
static const struct file_operations iobmd_buffer_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = iobmd_buffer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = iobmd_buffer_read,
	.write = iobmd_buffer_write,
	.llseek = iobmd_buffer_llseek,
	.mmap = iobmd_buffer_mmap,
	.release = iobmd_buffer_release,
};

/**
 * iobmd_buffer_file() - a new file for a buffer, as its fd will have
 * @bmd: the buffer; the file takes a reference of its own.
 *
 * Context: process context, may sleep.
 *
 * Return: the file (the caller owns it: fd_install() or fput()), or an
 * ERR_PTR() from anon_inode_getfile().
 */
struct file *iobmd_buffer_file(struct iobmd *bmd)
{
	struct file *file;

	file = anon_inode_getfile("[iobmd]", &iobmd_buffer_fops, bmd,
				  O_RDWR | O_CLOEXEC);
	if (IS_ERR(file))
		return file;
	iobmd_get(bmd);
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return file;
}

/**
 * iobmd_get_from_fd() - the buffer behind a buffer fd
 * @fd: a file descriptor of the calling process, as IOBMD_IOC_CREATE
 *      returned it (or a dup of it, or one received over a socket).
 *
 * For drivers that take buffers from user space: a driver's ioctl gets an
 * fd and programs its device through a DMA command
 * (iobmd_dma_command_with_specification()), as dma_buf_get() serves
 * dma-buf importers. Linux's counterpart of an IOKit user client looking
 * up the IOMemoryDescriptor its task passed.
 *
 * Context: process context; the fd is looked up in current's table.
 *
 * Return: the buffer with a reference the caller drops with iobmd_put(),
 * or ERR_PTR(-EBADF) when @fd is not open, ERR_PTR(-EINVAL) when it is not
 * an iobmd buffer fd.
 */
struct iobmd *iobmd_get_from_fd(int fd)
{
	struct iobmd *bmd = ERR_PTR(-EINVAL);
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op == &iobmd_buffer_fops)
		bmd = iobmd_get(file->private_data);
	fput(file);
	return bmd;
}
EXPORT_SYMBOL_GPL(iobmd_get_from_fd);

/**
 * iobmd_vm_mmap() - map a buffer file into the calling process
 * @file: a buffer file of @bmd (iobmd_buffer_file()); the mapping takes a
 *        reference of its own.
 * @bmd:  the buffer.
 *
 * Maps the whole buffer into the caller, shared, read and write, and
 * populated now (also with mmap_on_fault): a task mapping is ready for
 * use, as in IOKit. A pageable buffer's is not: populating would bring in
 * every page, which is what a pageable buffer defers. For IOBMD_IOC_CREATE
 * with IOBMD_CREATE_MAP_TASK and the in-kernel API's user task
 * (kmod/task.c).
 *
 * Context: process context with a user mm, may sleep (takes mmap_lock).
 *
 * Return: the address, or an errno as vm_mmap() returns it (test it with
 * IS_ERR_VALUE()).
 */
unsigned long iobmd_vm_mmap(struct file *file, struct iobmd *bmd)
{
	unsigned long flags = MAP_SHARED;

	if (!bmd->shmem)
		flags |= MAP_POPULATE;
	return vm_mmap(file, 0, bmd->alloc_size, PROT_READ | PROT_WRITE,
		       flags, 0);
}

/*
 * The user page of the create's answer (the mapped address), pinned before
 * the mapping is made, so that writing the address afterwards cannot fail.
 * Were it written with put_user(), a failure would leave a mapping to undo
 * by address, and another thread may have moved it with mremap() by then
 * and put something else there.
 */
struct iobmd_answer {
	struct page *pages[2];
	unsigned long uaddr;
	int npages;
};

static int iobmd_answer_pin(struct iobmd_answer *a, u64 __user *field)
{
	unsigned long start = (unsigned long)field;
	unsigned long first = start & PAGE_MASK;
	unsigned long last = (start + sizeof(u64) - 1) & PAGE_MASK;
	int n = first == last ? 1 : 2, ret;

	a->uaddr = start;
	ret = pin_user_pages_fast(first, n, FOLL_WRITE, a->pages);
	if (ret == n) {
		a->npages = n;
		return 0;
	}
	if (ret > 0)
		unpin_user_pages(a->pages, ret);
	return -EFAULT;
}

static void iobmd_answer_write(struct iobmd_answer *a, u64 val)
{
	size_t off = offset_in_page(a->uaddr);
	size_t len = min_t(size_t, sizeof(val), PAGE_SIZE - off);
	void *p;

	p = kmap_local_page(a->pages[0]);
	memcpy(p + off, &val, len);
	kunmap_local(p);
	if (len < sizeof(val)) {
		p = kmap_local_page(a->pages[1]);
		memcpy(p, (u8 *)&val + len, sizeof(val) - len);
		kunmap_local(p);
	}
}

static void iobmd_answer_unpin(struct iobmd_answer *a, bool dirty)
{
	unpin_user_pages_dirty_lock(a->pages, a->npages, dirty);
}

static int iobmd_ioctl_create(void __user *uarg, size_t usize)
{
	struct iobmd_create __user *ucreate = uarg;
	struct iobmd_answer answer;
	struct iobmd_create args;
	unsigned long addr;
	struct iobmd *bmd;
	struct file *file;
	int fd, ret;

	ret = iobmd_copy_struct_from_user(&args, sizeof(args),
					  IOBMD_CREATE_SIZE_VER0, uarg, usize);
	if (ret)
		return ret;
	/* Out fields must be 0 on input, so that they can become inputs. */
	if ((args.flags & ~IOBMD_CREATE_MAP_TASK) || args.__reserved ||
	    args.address || args.fd)
		return -EINVAL;

	bmd = iobmd_alloc_for_fd(args.options, args.capacity, args.alignment,
				 args.physical_mask);
	if (IS_ERR(bmd))
		return PTR_ERR(bmd);
	/* withBytes, withCopy: the contents come from the caller. */
	if (args.data) {
		ssize_t copied = iobmd_copy_in_user(bmd, 0,
						    u64_to_user_ptr(args.data),
						    args.capacity);

		if (copied != args.capacity) {
			iobmd_put(bmd);
			ret = copied < 0 ? copied : -EFAULT;
			goto failed;
		}
	}

	file = iobmd_buffer_file(bmd);
	/* From here on the file owns the buffer. */
	iobmd_put(bmd);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto failed;
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_file;
	}

	/*
	 * Write the answer before mapping, so that an unwritable struct
	 * fails while there is nothing to undo in the caller's mm.
	 */
	args.fd = fd;
	if (copy_to_user(uarg, &args, min(usize, sizeof(args)))) {
		ret = -EFAULT;
		goto err_fd;
	}

	if (args.flags & IOBMD_CREATE_MAP_TASK) {
		ret = iobmd_answer_pin(&answer, &ucreate->address);
		if (ret)
			goto err_fd;
		addr = iobmd_vm_mmap(file, bmd);
		if (IS_ERR_VALUE(addr)) {
			iobmd_answer_unpin(&answer, false);
			ret = (long)addr;
			goto err_fd;
		}
		iobmd_answer_write(&answer, addr);
		iobmd_answer_unpin(&answer, true);
	}
	iobmd_registry_created(bmd);
	fd_install(fd, file);
	return 0;

err_fd:
	put_unused_fd(fd);
err_file:
	fput(file);
failed:
	/* The buffer existed, but the create failed: count it so. */
	iobmd_registry_failed(ret);
	return ret;
}

static long iobmd_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	if (iobmd_ioc_match(cmd, IOBMD_IOC_CREATE))
		return iobmd_ioctl_create((void __user *)arg, _IOC_SIZE(cmd));
	return -ENOTTY;
}

static const struct file_operations iobmd_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = iobmd_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice iobmd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iobmd",
	.fops = &iobmd_dev_fops,
	.mode = 0600,
};

int iobmd_dev_register(struct device *parent)
{
	iobmd_misc.parent = parent;
	return misc_register(&iobmd_misc);
}

void iobmd_dev_unregister(void)
{
	misc_deregister(&iobmd_misc);
}
