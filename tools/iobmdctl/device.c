// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl demo, step [7]: a device DMA. A user-space driver for QEMU's
 * edu PCI DMA engine (hw/misc/edu.c, docs/specs/edu.rst), as u-dma-buf
 * users drive their FPGAs: it finds an edu no kernel driver has bound,
 * enables its bus mastering through sysfs config, maps its registers
 * through sysfs resource0, and has it copy one iobmd buffer into another
 * by the addresses GET_SEGMENTS gives, which are the device's own only
 * without an IOMMU (README.md, "DMA with a device").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iobmd_edu_regs.h>
#include <libiobmd.h>

#include "iobmdctl.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
/* QEMU's default dma_mask: the device ANDs addresses with it. */
#define EDU_MASK 0x0fffffffULL
#define PCI_COMMAND 0x4
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

struct edu_user {
	char name[256];
	int config;
	uint16_t command;	/* to restore */
	void *bar;		/* BAR0, EDU_BAR_SIZE long */
};

static long sysfs_hex(const char *dev, const char *attr)
{
	char path[512], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 16);
}

static bool sysfs_exists(const char *dev, const char *attr)
{
	char path[512];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", dev, attr);
	return !access(path, F_OK);
}

/* The first edu without a driver and without an IOMMU, or -ENODEV. */
static int edu_find(char *name, size_t size)
{
	DIR *dir = opendir(PCI_DEVICES);
	struct dirent *de;
	int ret = -ENODEV;

	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    sysfs_hex(de->d_name, "vendor") != 0x1234 ||
		    sysfs_hex(de->d_name, "device") != 0x11e8)
			continue;
		if (sysfs_exists(de->d_name, "driver"))
			continue;
		/* Behind an IOMMU, GET_SEGMENTS is not the device's address. */
		if (sysfs_exists(de->d_name, "iommu_group")) {
			ret = -EOPNOTSUPP;
			continue;
		}
		snprintf(name, size, "%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

static int edu_open(struct edu_user *e)
{
	char path[512];
	uint16_t cmd;
	void *bar;
	int fd, ret;

	ret = edu_find(e->name, sizeof(e->name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", e->name);
	e->config = open(path, O_RDWR | O_CLOEXEC);
	if (e->config < 0)
		return -errno;
	if (pread(e->config, &e->command, 2, PCI_COMMAND) != 2)
		goto err;
	cmd = e->command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(e->config, &cmd, 2, PCI_COMMAND) != 2)
		goto err;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0", e->name);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		goto err;
	bar = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		goto err;
	e->bar = bar;
	return 0;
err:
	ret = errno ? -errno : -EIO;
	pwrite(e->config, &e->command, 2, PCI_COMMAND);
	close(e->config);
	return ret;
}

static void edu_close(struct edu_user *e)
{
	munmap(e->bar, EDU_BAR_SIZE);
	if (pwrite(e->config, &e->command, 2, PCI_COMMAND) != 2)
		perror("iobmdctl: restoring the edu's PCI command register");
	close(e->config);
}

/* One transfer of up to EDU_MAX_XFER bytes; waits up to 5 s (100 ms is usual). */
static int edu_copy(struct edu_user *e, uint64_t src, uint64_t dst,
		    uint64_t len, bool to_ram)
{
	return edu_regs_copy(e->bar, src, dst, len, to_ram, 5000);
}

/* A buffer the edu can reach: within its 28-bit mask. */
static int edu_buffer(struct demo *d, const char *what, int *fd, void **map,
		      uint64_t *addr)
{
	struct libiobmd_create_args args = {
		.capacity = 64 * 1024,
		.options = IOBMD_DIRECTION_INOUT,
		.flags = LIBIOBMD_MAP_TASK,
		.physical_mask = EDU_MASK,
	};
	uint64_t len;
	int ret;

	*fd = libiobmd_create(d->dev, &args, map);
	if (*fd < 0) {
		demo_error(d, fail(-*fd, NULL, "demo: create %s", what));
		return *fd;
	}
	ret = libiobmd_get_physical_segment(*fd, 0, addr, &len);
	if (ret)
		demo_error(d, fail(-ret, NULL, "demo: getPhysicalSegment %s",
				   what));
	return ret;
}

void demo_device(struct demo *d)
{
	static const char msg[] = "written by the CPU, copied by edu's DMA engine";
	uint64_t src_addr = 0, dst_addr = 0;
	void *src = NULL, *dst = NULL;
	int src_fd, dst_fd, ret;
	struct edu_user e;

	ret = edu_open(&e);
	if (ret == -ENODEV || ret == -EOPNOTSUPP) {
		step(d, "[7] no edu PCI device %s: no device DMA",
		     ret == -ENODEV ? "without a driver" : "without an IOMMU");
		return;
	}
	if (ret) {
		demo_error(d, fail(-ret, "as root, in the test VM (make run)",
				   "demo: the edu PCI device"));
		return;
	}
	if (!edu_buffer(d, "the source", &src_fd, &src, &src_addr) &&
	    !edu_buffer(d, "the destination", &dst_fd, &dst, &dst_addr)) {
		memcpy(src, msg, sizeof(msg));
		ret = edu_copy(&e, src_addr, EDU_BUF_ADDR, sizeof(msg), false);
		if (!ret)
			ret = edu_copy(&e, EDU_BUF_ADDR, dst_addr, sizeof(msg),
				       true);
		if (ret)
			demo_error(d, fail(-ret, NULL, "demo: edu DMA"));
		else if (!check_same(d, "the edu's copy", src, dst, sizeof(msg)))
			step(d, "[7] edu %s copied 0x%llx -> its buffer -> 0x%llx: \"%s\"",
			     e.name, (unsigned long long)src_addr,
			     (unsigned long long)dst_addr, (char *)dst);
	}
	if (src)
		libiobmd_unmap(src, 64 * 1024);
	if (dst)
		libiobmd_unmap(dst, 64 * 1024);
	if (src)
		libiobmd_release(src_fd);
	if (dst)
		libiobmd_release(dst_fd);
	edu_close(&e);
}
