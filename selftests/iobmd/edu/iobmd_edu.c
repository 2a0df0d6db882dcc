// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd_edu: a test driver for QEMU's edu PCI device (hw/misc/edu.c,
 * docs/specs/edu.rst), as lib/test_hmm.c is for hmm-tests. It binds every
 * edu device and gives each a misc device, /dev/iobmd_eduN, through which
 * the selftests (edu_test) have the device DMA into and out of iobmd
 * buffers by the in-kernel API: a DMA command (IODMACommand) for the
 * edu's own struct device, so through its IOMMU when it has one. The ABI
 * is iobmd_edu_uapi.h beside this file.
 *
 * edu's DMA engine: source at 0x80, destination at 0x88, count at 0x90,
 * command at 0x98 (bit 0 start, cleared when done; bit 1 edu -> RAM). Its
 * buffer is 4 KiB at device address 0x40000. The device ANDs an address
 * with its DMA mask (28 bits unless QEMU's dma_mask property says
 * otherwise), so the driver sets the mask the device really has: the
 * module parameter dma_bits, one value per edu in PCI order.
 *
 * Locks: an edu's mutex serialises its DMA engine and its teardown, and is
 * taken before a DMA command's (and so before a buffer's).
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kmod/iobmd.h"
#include "iobmd_edu_uapi.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_BUF_ADDR		0x40000
#define EDU_TIMEOUT_MS		5000

#define EDU_MAX_DEVICES		8
static unsigned int dma_bits[EDU_MAX_DEVICES];
static int dma_bits_count;
module_param_array(dma_bits, uint, &dma_bits_count, 0444);
MODULE_PARM_DESC(dma_bits,
		 "DMA address bits of each edu in PCI order (default 28, QEMU's)");

static DEFINE_IDA(edu_ida);

/**
 * struct edu - one bound edu device
 * @ref:   the driver's binding and each open file.
 * @pdev:  the PCI device.
 * @bar:   BAR0, the registers.
 * @misc:  /dev/iobmd_edu<@id>.
 * @id:    the minor's index.
 * @name:  the misc device's name.
 * @lock:  serialises the DMA engine, @gone and @files.
 * @gone:  the device was unbound: every call gets -ENODEV.
 * @files: the open files (struct edu_file), for their held commands.
 */
struct edu {
	struct kref ref;
	struct pci_dev *pdev;
	void __iomem *bar;
	struct miscdevice misc;
	int id;
	char name[24];
	struct mutex lock; /* see @lock above */
	bool gone;
	struct list_head files;
};

/**
 * struct edu_file - one open /dev/iobmd_eduN
 * @edu:  the device (referenced).
 * @node: in @edu->files.
 * @held: the command IOBMD_EDU_IOC_HOLD keeps prepared, or NULL.
 */
struct edu_file {
	struct edu *edu;
	struct list_head node;
	struct iobmd_dma_command *held;
};

static void edu_free(struct kref *ref)
{
	kfree(container_of(ref, struct edu, ref));
}

/* The edu's place among the edu devices, in PCI order. */
static unsigned int edu_index(struct pci_dev *pdev)
{
	struct pci_dev *other = NULL;
	unsigned int i = 0;

	while ((other = pci_get_device(EDU_VENDOR, EDU_DEVICE, other))) {
		if (other == pdev) {
			pci_dev_put(other);
			break;
		}
		i++;
	}
	return i;
}

/* One transfer; waits for the device. Under edu->lock. */
static int edu_transfer(struct edu *edu, u64 src, u64 dst, u64 count,
			bool to_ram)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(EDU_TIMEOUT_MS);

	writeq(src, edu->bar + EDU_REG_DMA_SRC);
	writeq(dst, edu->bar + EDU_REG_DMA_DST);
	writeq(count, edu->bar + EDU_REG_DMA_CNT);
	writeq(EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0),
	       edu->bar + EDU_REG_DMA_CMD);
	while (readl(edu->bar + EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(5000, 10000);
	}
	return 0;
}

static int edu_check(const struct iobmd_edu_dma *args)
{
	const u32 flags = IOBMD_EDU_RAW_SEGMENT | IOBMD_EDU_NO_DOUBLE_BUFFER |
			  IOBMD_EDU_FORCE_DOUBLE_BUFFER;

	if (args->direction != IOBMD_EDU_TO_DEVICE &&
	    args->direction != IOBMD_EDU_FROM_DEVICE)
		return -EINVAL;
	if (!args->length || args->length > IOBMD_EDU_MAX_XFER ||
	    args->edu_offset > IOBMD_EDU_MAX_XFER - args->length)
		return -EINVAL;
	if ((args->flags & ~flags) || args->__reserved)
		return -EINVAL;
	/* At most 8 transfers of about 100 ms each, under the edu's lock. */
	if (args->max_segment_size && args->max_segment_size < 512)
		return -EINVAL;
	if ((args->flags & IOBMD_EDU_RAW_SEGMENT) &&
	    args->direction != IOBMD_EDU_TO_DEVICE)
		return -EINVAL;
	return 0;
}

/* The negative control: the address iobmd's own device sees. */
static int edu_dma_raw(struct edu *edu, struct iobmd *bmd,
		       struct iobmd_edu_dma *args)
{
	dma_addr_t addr;
	int ret;

	ret = iobmd_get_physical_segment(bmd, args->offset, &addr, NULL);
	if (ret)
		return ret;
	args->segments = 1;
	args->dma_addr = addr;
	return edu_transfer(edu, addr, EDU_BUF_ADDR + args->edu_offset,
			    args->length, false);
}

/* A command for the edu, prepared for a range of @bmd. */
static struct iobmd_dma_command *edu_command(struct edu *edu,
					     struct iobmd *bmd,
					     const struct iobmd_edu_dma *args)
{
	struct iobmd_dma_specification spec = {
		.num_address_bits = args->address_bits,
		.max_segment_size = args->max_segment_size,
	};
	struct iobmd_dma_command *cmd;
	u32 dir = args->direction == IOBMD_EDU_TO_DEVICE ?
		  IOBMD_DIRECTION_OUT : IOBMD_DIRECTION_IN;
	int ret;

	if (args->flags & IOBMD_EDU_NO_DOUBLE_BUFFER)
		spec.options |= IOBMD_DMA_NO_DOUBLE_BUFFER;
	if (args->flags & IOBMD_EDU_FORCE_DOUBLE_BUFFER)
		spec.options |= IOBMD_DMA_FORCE_DOUBLE_BUFFER;
	cmd = iobmd_dma_command_with_specification(&edu->pdev->dev, &spec);
	if (IS_ERR(cmd))
		return cmd;
	ret = iobmd_dma_command_set_memory_descriptor(cmd, bmd);
	if (!ret)
		ret = iobmd_dma_command_prepare(cmd, args->offset, args->length,
						dir);
	if (ret) {
		iobmd_dma_command_free(cmd);
		return ERR_PTR(ret);
	}
	return cmd;
}

/* Through a DMA command: one edu transfer per segment. */
static int edu_dma_command(struct edu *edu, struct iobmd *bmd,
			   struct iobmd_edu_dma *args)
{
	bool to_ram = args->direction == IOBMD_EDU_FROM_DEVICE;
	struct iobmd_dma_command *cmd = edu_command(edu, bmd, args);
	u64 pos = 0, dev_addr = EDU_BUF_ADDR + args->edu_offset;
	int ret = 0;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	args->bounced = iobmd_dma_command_double_buffered(cmd);
	while (!ret && pos < args->length) {
		struct iobmd_dma_segment seg;
		u64 at = pos;
		u32 n = 1;

		ret = iobmd_dma_command_gen64_iovm_segments(cmd, &pos, &seg,
							    &n);
		if (ret || !n) {
			ret = ret ?: -EIO;
			break;
		}
		if (!args->segments++)
			args->dma_addr = seg.address;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (to_ram)
			ret = edu_transfer(edu, dev_addr + at, seg.address,
					   seg.length, true);
		else
			ret = edu_transfer(edu, seg.address, dev_addr + at,
					   seg.length, false);
	}
	iobmd_dma_command_complete(cmd);
	iobmd_dma_command_free(cmd);
	return ret;
}

static long edu_ioctl_dma(struct edu *edu, void __user *uarg)
{
	struct iobmd_edu_dma args;
	struct iobmd *bmd;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	ret = edu_check(&args);
	if (ret)
		return ret;
	bmd = iobmd_get_from_fd(args.fd);
	if (IS_ERR(bmd))
		return PTR_ERR(bmd);
	args.segments = 0;
	args.dma_addr = 0;
	args.bounced = 0;
	mutex_lock(&edu->lock);
	if (edu->gone)
		ret = -ENODEV;
	else if (args.flags & IOBMD_EDU_RAW_SEGMENT)
		ret = edu_dma_raw(edu, bmd, &args);
	else
		ret = edu_dma_command(edu, bmd, &args);
	mutex_unlock(&edu->lock);
	iobmd_put(bmd);
	if (!ret && copy_to_user(uarg, &args, sizeof(args)))
		ret = -EFAULT;
	return ret;
}

static long edu_ioctl_hold(struct edu_file *f, void __user *uarg)
{
	struct iobmd_edu_dma args = {};
	struct iobmd_edu_hold hold;
	struct edu *edu = f->edu;
	struct iobmd_dma_command *cmd;
	struct iobmd *bmd;
	long ret = 0;

	if (copy_from_user(&hold, uarg, sizeof(hold)))
		return -EFAULT;
	if (hold.direction != IOBMD_EDU_TO_DEVICE &&
	    hold.direction != IOBMD_EDU_FROM_DEVICE)
		return -EINVAL;
	bmd = iobmd_get_from_fd(hold.fd);
	if (IS_ERR(bmd))
		return PTR_ERR(bmd);
	args.direction = hold.direction;
	mutex_lock(&edu->lock);
	if (edu->gone) {
		ret = -ENODEV;
	} else if (f->held) {
		ret = -EBUSY;
	} else {
		cmd = edu_command(edu, bmd, &args);
		if (IS_ERR(cmd))
			ret = PTR_ERR(cmd);
		else
			f->held = cmd;
	}
	mutex_unlock(&edu->lock);
	iobmd_put(bmd);
	return ret;
}

static long edu_ioctl_release(struct edu_file *f)
{
	struct edu *edu = f->edu;
	long ret = 0;

	mutex_lock(&edu->lock);
	if (edu->gone)
		ret = -ENODEV;
	else if (!f->held)
		ret = -EINVAL;
	iobmd_dma_command_free(f->held);
	f->held = NULL;
	mutex_unlock(&edu->lock);
	return ret;
}

/* The segments a command gives for all of @bmd. Under edu->lock. */
static int edu_count_segments(struct edu *edu, struct iobmd *bmd, u32 *count)
{
	struct iobmd_edu_dma args = { .direction = IOBMD_EDU_TO_DEVICE };
	struct iobmd_dma_command *cmd = edu_command(edu, bmd, &args);
	struct iobmd_dma_segment seg;
	u64 pos = 0;
	int ret = 0;
	u32 n = 1;

	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	for (*count = 0; !ret && n; *count += n)
		ret = iobmd_dma_command_gen64_iovm_segments(cmd, &pos, &seg,
							    &n);
	iobmd_dma_command_free(cmd);
	return ret;
}

/* Buffers made for the edu: what it copies arrives. Under edu->lock. */
static int edu_for_device(struct edu *edu, struct iobmd *src,
			  struct iobmd *dst, struct iobmd_edu_for_device *fd)
{
	const u64 offsets[] = { 0, fd->size - 4000 };
	u8 *ref, *back;
	unsigned int i;
	int ret;

	ref = kvmalloc(fd->size, GFP_KERNEL);
	back = kvmalloc(fd->size, GFP_KERNEL);
	ret = -ENOMEM;
	if (!ref || !back)
		goto out;
	for (i = 0; i < fd->size; i++)
		ref[i] = i * 13 + (i >> 12);
	ret = iobmd_write_bytes(src, 0, ref, fd->size) ?:
	      edu_count_segments(edu, src, &fd->segments);
	for (i = 0; !ret && i < ARRAY_SIZE(offsets); i++) {
		struct iobmd_edu_dma args = {
			.direction = IOBMD_EDU_TO_DEVICE,
			.offset = offsets[i],
			.length = 4000,
		};

		ret = edu_dma_command(edu, src, &args);
		fd->bounced |= args.bounced;
		args.direction = IOBMD_EDU_FROM_DEVICE;
		if (!ret)
			ret = edu_dma_command(edu, dst, &args);
		fd->bounced |= args.bounced;
	}
	if (!ret)
		ret = iobmd_read_bytes(dst, 0, back, fd->size);
	for (i = 0; !ret && i < ARRAY_SIZE(offsets); i++)
		if (memcmp(back + offsets[i], ref + offsets[i], 4000))
			ret = -EIO;
out:
	kvfree(back);
	kvfree(ref);
	return ret;
}

static long edu_ioctl_for_device(struct edu *edu, void __user *uarg)
{
	struct iobmd_edu_for_device fd;
	struct iobmd *src = NULL, *dst = NULL;
	struct mm_struct *task;
	long ret;

	if (copy_from_user(&fd, uarg, sizeof(fd)))
		return -EFAULT;
	if (fd.__reserved || fd.size < 2 * PAGE_SIZE || fd.size > SZ_64M)
		return -EINVAL;
	fd.segments = 0;
	fd.bounced = 0;
	task = fd.options & IOBMD_MEMORY_PAGEABLE ? NULL : IOBMD_KERNEL_TASK;
	mutex_lock(&edu->lock);
	ret = -ENODEV;
	if (edu->gone)
		goto out;
	src = iobmd_init_for_device(&edu->pdev->dev, task, fd.options,
				    fd.size, 0);
	dst = iobmd_init_for_device(&edu->pdev->dev, task, fd.options,
				    fd.size, 0);
	ret = IS_ERR(src) ? PTR_ERR(src) : IS_ERR(dst) ? PTR_ERR(dst) : 0;
	if (!ret)
		ret = edu_for_device(edu, src, dst, &fd);
out:
	if (!IS_ERR_OR_NULL(src))
		iobmd_put(src);
	if (!IS_ERR_OR_NULL(dst))
		iobmd_put(dst);
	mutex_unlock(&edu->lock);
	if (!ret && copy_to_user(uarg, &fd, sizeof(fd)))
		ret = -EFAULT;
	return ret;
}

static long edu_ioctl_info(struct edu *edu, void __user *uarg)
{
	struct iobmd_edu_info info = {};
	struct iommu_domain *domain;

	mutex_lock(&edu->lock);
	if (edu->gone) {
		mutex_unlock(&edu->lock);
		return -ENODEV;
	}
	info.dma_bits = fls64(dma_get_mask(&edu->pdev->dev));
	domain = iommu_get_domain_for_dev(&edu->pdev->dev);
	info.iommu = domain && (domain->type & __IOMMU_DOMAIN_PAGING);
	strscpy(info.name, pci_name(edu->pdev), sizeof(info.name));
	mutex_unlock(&edu->lock);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long edu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOBMD_EDU_IOC_INFO:
		return edu_ioctl_info(f->edu, uarg);
	case IOBMD_EDU_IOC_DMA:
		return edu_ioctl_dma(f->edu, uarg);
	case IOBMD_EDU_IOC_HOLD:
		return edu_ioctl_hold(f, uarg);
	case IOBMD_EDU_IOC_RELEASE:
		return edu_ioctl_release(f);
	case IOBMD_EDU_IOC_FOR_DEVICE:
		return edu_ioctl_for_device(f->edu, uarg);
	}
	return -ENOTTY;
}

/* misc_open() calls this under misc_mtx: the edu is still registered. */
static int edu_open(struct inode *inode, struct file *file)
{
	struct edu *edu = container_of(file->private_data, struct edu, misc);
	struct edu_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	kref_get(&edu->ref);
	f->edu = edu;
	mutex_lock(&edu->lock);
	list_add(&f->node, &edu->files);
	mutex_unlock(&edu->lock);
	file->private_data = f;
	return 0;
}

static int edu_release(struct inode *inode, struct file *file)
{
	struct edu_file *f = file->private_data;
	struct edu *edu = f->edu;

	mutex_lock(&edu->lock);
	list_del(&f->node);
	iobmd_dma_command_free(f->held);
	mutex_unlock(&edu->lock);
	kref_put(&edu->ref, edu_free);
	kfree(f);
	return 0;
}

static const struct file_operations edu_fops = {
	.owner = THIS_MODULE,
	.open = edu_open,
	.release = edu_release,
	.unlocked_ioctl = edu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	unsigned int index = edu_index(pdev), bits = 28;
	struct edu *edu;
	int ret;

	if (index < dma_bits_count && dma_bits[index] &&
	    dma_bits[index] <= 64)
		bits = dma_bits[index];
	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	kref_init(&edu->ref);
	mutex_init(&edu->lock);
	INIT_LIST_HEAD(&edu->files);
	edu->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		goto free;
	ret = pcim_iomap_regions(pdev, BIT(0), "iobmd_edu");
	if (ret)
		goto free;
	edu->bar = pcim_iomap_table(pdev)[0];
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret)
		goto free;
	/*
	 * Segments as long as the memory runs (PCI's default is 64 KiB): the
	 * driver splits transfers to what the engine moves at once itself.
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX & PAGE_MASK);
	pci_set_master(pdev);
	edu->id = ida_alloc_max(&edu_ida, EDU_MAX_DEVICES - 1, GFP_KERNEL);
	if (edu->id < 0) {
		ret = edu->id;
		goto free;
	}
	snprintf(edu->name, sizeof(edu->name), "iobmd_edu%d", edu->id);
	edu->misc.minor = MISC_DYNAMIC_MINOR;
	edu->misc.name = edu->name;
	edu->misc.fops = &edu_fops;
	edu->misc.parent = &pdev->dev;
	edu->misc.mode = 0600;
	ret = misc_register(&edu->misc);
	if (ret)
		goto ida;
	pci_set_drvdata(pdev, edu);
	dev_info(&pdev->dev, "/dev/%s: %u-bit DMA\n", edu->name, bits);
	return 0;

ida:
	ida_free(&edu_ida, edu->id);
free:
	kfree(edu);
	return ret;
}

/*
 * Unbinding with commands held: no new open (misc_deregister() waits for
 * opens under misc_mtx), every held command completed and freed while
 * the device is still bound, then every call gets -ENODEV.
 */
static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);
	struct edu_file *f;

	misc_deregister(&edu->misc);
	mutex_lock(&edu->lock);
	edu->gone = true;
	list_for_each_entry(f, &edu->files, node) {
		iobmd_dma_command_free(f->held);
		f->held = NULL;
	}
	mutex_unlock(&edu->lock);
	pci_clear_master(pdev);
	ida_free(&edu_ida, edu->id);
	kref_put(&edu->ref, edu_free);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "iobmd_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("iobmd test driver for QEMU's edu PCI DMA engine");
MODULE_LICENSE("GPL");
