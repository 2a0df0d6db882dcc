/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the edu selftests (edu_test, edu_user_test): finding QEMU's
 * edu PCI devices (1234:11e8) and what the test VM says about them on the
 * kernel command line, their iobmd_edu misc devices, where an iobmd buffer
 * lies for a device, moving a device between drivers through sysfs,
 * programming its DMA engine through BAR0 (tools/include/iobmd_edu_regs.h)
 * and VFIO, all plain libc. What the tests' fixtures share on the
 * kselftest harness is in edu_helpers.h.
 */
#ifndef IOBMD_PCI_HELPERS_H
#define IOBMD_PCI_HELPERS_H

#include <dirent.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <iobmd_edu_regs.h>

#include "iobmd_helpers.h"
#include "edu/iobmd_edu_uapi.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"
#define EDU_MAX 8

static inline __u64 dma_mask_of(int bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* A hex sysfs attribute of a PCI device ("0x1234"), or -1. */
static inline long pci_hex_attr(const char *name, const char *attr)
{
	char path[160];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/%.63s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%li", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int pci_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The edu devices' PCI names, in PCI address order: their number. */
static inline int edu_devices(char names[][32], int max)
{
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.' &&
		    pci_hex_attr(e->d_name, "vendor") == 0x1234 &&
		    pci_hex_attr(e->d_name, "device") == 0x11e8)
			snprintf(names[n++], 32, "%.31s", e->d_name);
	closedir(d);
	qsort(names, n, 32, pci_name_cmp);
	return n;
}

/* The value of KEY=value on the kernel command line: 0, or -ENOENT. */
static inline int cmdline_value(const char *key, char *value, size_t size)
{
	char line[4096], *w, *save;
	size_t n = strlen(key);
	int ret = -ENOENT;
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	for (w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(w, key, n) && w[n] == '=') {
			snprintf(value, size, "%s", w + n + 1);
			ret = 0;
		}
	return ret;
}

/* iobmd_vm.edu=28,32: each edu's DMA mask bits; their number, 0 if none. */
static inline int vm_edu_bits(int *bits, int max)
{
	char v[128], *p = v, *end;
	int n = 0;

	if (cmdline_value("iobmd_vm.edu", v, sizeof(v)))
		return 0;
	while (*p && n < max) {
		bits[n] = strtol(p, &end, 10);
		if (end == p)
			return -EINVAL;
		n++;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* iobmd_vm.iommu=1: the VM has an IOMMU in front of the edus. */
static inline int vm_iommu(void)
{
	char v[8];

	return !cmdline_value("iobmd_vm.iommu", v, sizeof(v)) && !strcmp(v, "1");
}

/* The VM's edu devices, as the command line describes them. */
struct edu_env {
	int n;
	char name[EDU_MAX][32];	/* PCI names, in address order */
	int bits[EDU_MAX];	/* DMA mask bits, iobmd_vm.edu= */
	int iommu;		/* iobmd_vm.iommu=1 */
	int dev;		/* /dev/iobmd */
	int edu[EDU_MAX];	/* /dev/iobmd_eduN of each, or -1 */
	unsigned int seed;	/* of this test's pattern */
};

/* Find the edus: NULL, or why the edu tests cannot run here. */
static inline const char *edu_env_init(struct edu_env *e)
{
	static char why[96];
	int bits;

	memset(e, 0, sizeof(*e));
	e->dev = -1;
	memset(e->edu, -1, sizeof(e->edu));
	e->seed = getpid() * 2654435761u;
	e->n = edu_devices(e->name, EDU_MAX);
	if (!e->n)
		return "no edu PCI device (1234:11e8)";
	bits = vm_edu_bits(e->bits, EDU_MAX);
	if (bits <= 0)
		return "no iobmd_vm.edu= on the kernel command line";
	if (bits != e->n) {
		snprintf(why, sizeof(why), "iobmd_vm.edu= has %d masks for %d edus",
			 bits, e->n);
		return why;
	}
	e->iommu = vm_iommu();
	return NULL;
}

static inline void edu_env_close(struct edu_env *e)
{
	int i;

	for (i = 0; i < EDU_MAX; i++)
		if (e->edu[i] >= 0)
			close(e->edu[i]);
	if (e->dev >= 0)
		close(e->dev);
	e->dev = -1;
	memset(e->edu, -1, sizeof(e->edu));
}

/* The edu with the widest DMA mask (@widest), else the narrowest. */
static inline int edu_pick(const struct edu_env *e, int widest)
{
	int i, best = 0;

	for (i = 1; i < e->n; i++)
		if (widest ? e->bits[i] > e->bits[best] : e->bits[i] < e->bits[best])
			best = i;
	return best;
}

/* The iobmd_edu misc device of PCI device @name (retried @tries times). */
static inline int edu_open(const char *name, struct iobmd_edu_info *info,
			   int tries)
{
	char path[32];
	int i, fd;

	while (tries--) {
		for (i = 0; i < 16; i++) {
			snprintf(path, sizeof(path), "/dev/iobmd_edu%d", i);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (!ioctl(fd, IOBMD_EDU_IOC_INFO, info) &&
			    !strncmp(info->name, name, sizeof(info->name)))
				return fd;
			close(fd);
		}
		if (tries)
			usleep(100000);
	}
	return -1;
}

static inline int edu_ioc(int edu, struct iobmd_edu_dma *d)
{
	return ioctl(edu, IOBMD_EDU_IOC_DMA, d) ? -errno : 0;
}

/* One IOBMD_EDU_IOC_DMA through the driver: 0 or -errno. */
static inline int edu_dma(int edu, int fd, __u32 dir, __u64 off, __u64 len,
			  __u32 eoff, __u32 flags, struct iobmd_edu_dma *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->direction = dir;
	d->offset = off;
	d->length = len;
	d->edu_offset = eoff;
	d->flags = flags;
	return edu_ioc(edu, d);
}

/* Where an iobmd buffer lies for a device: IOBMD_IOC_GET_SEGMENTS. */
/* The DMA segments of [off, off + len), trimmed to it: count or -errno. */
static inline int range_segments(int fd, __u64 off, __u64 len,
				 struct iobmd_segment *seg, int max)
{
	struct iobmd_segments s = {
		.offset = off, .segments = (uintptr_t)seg, .count = max,
	};
	int n;

	if (ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s))
		return -errno;
	for (n = 0; n < (int)s.count && len; n++) {
		if (seg[n].length > len)
			seg[n].length = len;
		len -= seg[n].length;
	}
	return len ? -ERANGE : n;
}

/* First and highest address of a range: 1, or 0 when unknown (pageable). */
static inline int range_span(int fd, __u64 off, __u64 len, __u64 *first,
			     __u64 *high)
{
	struct iobmd_segment seg[4];
	int i, n = range_segments(fd, off, len, seg, 4);

	*first = 0;
	*high = 0;
	for (i = 0; i < n; i++)
		if (seg[i].address + seg[i].length - 1 > *high)
			*high = seg[i].address + seg[i].length - 1;
	if (n > 0)
		*first = seg[0].address;
	return n > 0;
}

/* A buffer offset whose first page lies wholly above @mask, or -1. */
static inline long long page_above(int fd, __u64 size, __u64 mask, __u64 *addr)
{
	struct iobmd_segment seg;
	__u64 off;

	for (off = 0; off < size; off += PAGE)
		if (range_segments(fd, off, PAGE, &seg, 1) == 1 &&
		    seg.address > mask) {
			*addr = seg.address;
			return off;
		}
	return -1;
}

/* The driver a PCI device is bound to, "" for none. */
static inline const char *pci_driver(const char *name, char *buf, size_t size)
{
	char path[160], link[256], *base;
	ssize_t n;
	size_t len;

	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	buf[0] = 0;
	if (n > 0) {
		link[n] = 0;
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		len = strlen(base) < size ? strlen(base) : size - 1;
		memcpy(buf, base, len);
		buf[len] = 0;
	}
	return buf;
}

/* Write @s to PCI_DEVICES/@name/@attr: 0 or -errno. */
static inline int pci_dev_write(const char *name, const char *attr, const char *s)
{
	char path[160];

	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/%.63s", name, attr);
	return iobmd_write_file(path, s);
}

/* Write a device name to PCI_DRIVERS/@driver/@file (bind, unbind). */
static inline int pci_drv_write(const char *driver, const char *file,
				const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), PCI_DRIVERS "/%.63s/%.31s", driver, file);
	return iobmd_write_file(path, name);
}

/* Unbind a device from whatever driver it has: 0 (also if none) or -errno. */
static inline int pci_unbind(const char *name)
{
	char drv[64];

	if (!*pci_driver(name, drv, sizeof(drv)))
		return 0;
	return pci_drv_write(drv, "unbind", name);
}

/* Set and clear PCI_COMMAND bits through a config space fd: 0 or -errno. */
static inline int pci_command(int fd, off_t config, __u16 set, __u16 clear)
{
	__u16 cmd;

	if (pread(fd, &cmd, 2, config + PCI_COMMAND) != 2)
		return errno ? -errno : -EIO;
	cmd = (cmd | set) & ~clear;
	if (pwrite(fd, &cmd, 2, config + PCI_COMMAND) != 2)
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Whether [start, start + len) lies in System RAM (/proc/iomem, read as
 * root): where a device may safely be made to read a wrong address.
 */
static inline int iomem_is_ram(__u64 start, __u64 len)
{
	unsigned long long a, b;
	char line[256];
	int ram = 0;
	FILE *f = fopen("/proc/iomem", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%llx-%llx", &a, &b) == 2 && a <= start &&
		    start + len - 1 <= b)
			ram = 1;
	fclose(f);
	return ram;
}

/*
 * One edu transfer through its BAR0 mapping (iobmd_edu_regs.h), waited
 * for, 5 s at most: @len bytes between device address @ram and edu's
 * buffer at @edu_off, to RAM when @to_ram. 0, -EINVAL for a range QEMU
 * would abort on, or -ETIMEDOUT.
 */
static inline int edu_bar_dma(void *bar, __u64 ram, __u32 edu_off,
			      __u64 len, int to_ram)
{
	__u64 dev = EDU_BUF_ADDR + (__u64)edu_off;

	return edu_regs_copy(bar, to_ram ? dev : ram, to_ram ? ram : dev, len,
			     to_ram, 5000);
}

/* A device taken from its driver and driven from user space by sysfs. */
struct pci_user {
	char name[32];
	int taken;		/* unbound from its driver */
	int enabled;		/* through sysfs "enable" */
	int config;		/* its sysfs config file, or -1 */
	void *bar;		/* resource0, EDU_BAR_SIZE long */
};

/* Take @name: NULL, or what failed (errno set). */
static inline const char *pci_user_take(const char *name, struct pci_user *u)
{
	char path[160];
	void *p;
	int fd, ret;

	memset(u, 0, sizeof(*u));
	u->config = -1;
	snprintf(u->name, sizeof(u->name), "%s", name);
	ret = pci_unbind(name);
	if (ret)
		return errno = -ret, "unbind";
	u->taken = 1;
	ret = pci_dev_write(name, "enable", "1");
	if (ret)
		return errno = -ret, "enable";
	u->enabled = 1;
	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/config", name);
	u->config = open(path, O_RDWR | O_CLOEXEC);
	if (u->config < 0)
		return "open config";
	ret = pci_command(u->config, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
	if (ret)
		return errno = -ret, "set PCI_COMMAND";
	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/resource0", name);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return "open resource0";
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return "mmap resource0";
	u->bar = p;
	return NULL;
}

/* Undo pci_user_take(), then bind @driver: 0 or -errno of the bind. */
static inline int pci_user_give_back(struct pci_user *u, const char *driver)
{
	if (u->bar)
		munmap(u->bar, EDU_BAR_SIZE);
	if (u->config >= 0) {
		pci_command(u->config, 0, 0, PCI_COMMAND_MASTER);
		close(u->config);
	}
	if (u->enabled)
		pci_dev_write(u->name, "enable", "0");
	u->bar = NULL;
	u->config = -1;
	u->enabled = 0;
	if (!u->taken)
		return 0;
	u->taken = 0;
	return pci_drv_write(driver, "bind", u->name);
}

#define VFIO_UNSAFE_IRQS \
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"

/* A device bound to vfio-pci and opened through VFIO type1. */
struct vfio_user {
	char name[32];
	int overridden;		/* driver_override set */
	int unsafe_irqs;	/* allow_unsafe_interrupts set */
	int container, group, device;
	__u64 config;		/* offset of the config region in device */
	void *bar;		/* BAR0, EDU_BAR_SIZE long */
};

/* Move @name to vfio-pci and open it: NULL, or what failed (errno set). */
static inline const char *vfio_take(const char *name, struct vfio_user *v)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_region_info bar = { .argsz = sizeof(bar),
					.index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	char path[160], link[160], drv[64], *group;
	ssize_t n;
	void *p;
	int ret;

	memset(v, 0, sizeof(*v));
	v->container = -1;
	v->group = -1;
	v->device = -1;
	snprintf(v->name, sizeof(v->name), "%s", name);
	ret = pci_unbind(name);
	if (ret)
		return errno = -ret, "unbind";
	v->overridden = 1;
	ret = pci_dev_write(name, "driver_override", "vfio-pci");
	if (!ret)
		ret = iobmd_write_file(PCI_DRIVERS "_probe", name);
	if (ret)
		return errno = -ret, "driver_override vfio-pci + drivers_probe";
	if (strcmp(pci_driver(name, drv, sizeof(drv)), "vfio-pci"))
		return errno = ENODEV, "not bound to vfio-pci";
	snprintf(path, sizeof(path), PCI_DEVICES "/%.31s/iommu_group", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return "readlink iommu_group";
	link[n] = 0;
	group = strrchr(link, '/');
	group = group ? group + 1 : link;
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		return "open /dev/vfio/vfio";
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return errno = EPROTO, "VFIO_GET_API_VERSION";
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return errno = ENOTSUP, "VFIO_CHECK_EXTENSION(TYPE1v2)";
	snprintf(path, sizeof(path), "/dev/vfio/%.63s", group);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		return "open the group";
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st))
		return "VFIO_GROUP_GET_STATUS";
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return errno = EBUSY, "group not viable";
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		return "VFIO_GROUP_SET_CONTAINER";
	/*
	 * Without interrupt remapping (intel-iommu,intremap=off) type1
	 * refuses (EPERM) unless vfio_iommu_type1.allow_unsafe_interrupts=1,
	 * which the VM's IOMMU boot passes on the kernel command line. Only
	 * as a fallback, set it here (unsafe_irqs, which the caller logs) and
	 * clear it at vfio_give_back(): edu's DMA here uses no interrupts.
	 */
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		if (errno != EPERM || iobmd_write_file(VFIO_UNSAFE_IRQS, "Y"))
			return "VFIO_SET_IOMMU";
		v->unsafe_irqs = 1;
		if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
			return "VFIO_SET_IOMMU (allow_unsafe_interrupts)";
	}
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (v->device < 0)
		return "VFIO_GROUP_GET_DEVICE_FD";
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return "VFIO_DEVICE_GET_REGION_INFO";
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < EDU_BAR_SIZE)
		return errno = ENXIO, "BAR0 cannot be mapped";
	v->config = cfg.offset;
	ret = pci_command(v->device, cfg.offset,
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
	if (ret)
		return errno = -ret, "set PCI_COMMAND";
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->device, bar.offset);
	if (p == MAP_FAILED)
		return "mmap BAR0";
	v->bar = p;
	return NULL;
}

/* Close it all and let the device's own driver probe it again. */
static inline void vfio_give_back(struct vfio_user *v)
{
	if (v->bar) {
		pci_command(v->device, v->config, 0, PCI_COMMAND_MASTER);
		munmap(v->bar, EDU_BAR_SIZE);
	}
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->bar = NULL;
	v->device = -1;
	v->group = -1;
	v->container = -1;
	if (v->unsafe_irqs)
		iobmd_write_file(VFIO_UNSAFE_IRQS, "N");
	v->unsafe_irqs = 0;
	if (!v->overridden)
		return;
	v->overridden = 0;
	pci_dev_write(v->name, "driver_override", "\n");
	pci_unbind(v->name);
	iobmd_write_file(PCI_DRIVERS "_probe", v->name);
}

/* VFIO_IOMMU_MAP_DMA, read and write: 0 or -errno. */
static inline int vfio_map(struct vfio_user *v, void *vaddr, __u64 iova,
			   __u64 size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static inline int vfio_unmap(struct vfio_user *v, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_unmap m = {
		.argsz = sizeof(m),
		.iova = iova,
		.size = size,
	};

	return ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &m) ? -errno : 0;
}

#endif /* IOBMD_PCI_HELPERS_H */
