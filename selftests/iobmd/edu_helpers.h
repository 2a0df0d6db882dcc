/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What edu_test and edu_user_test share on the kselftest harness: the
 * buffer kinds, the fixtures' context (the edu devices found, and what a
 * test took from the system for its teardown to give back), the buffers
 * and the sampled ranges. The plain device and VFIO helpers are in
 * pci_helpers.h.
 */
#ifndef IOBMD_EDU_HELPERS_H
#define IOBMD_EDU_HELPERS_H

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "pci_helpers.h"

#define EDU_DRIVER "iobmd_edu"
#define NR 3			/* sampled ranges per buffer */
#define XLEN 4000		/* bytes per range */
#define INOUT IOBMD_DIRECTION_INOUT
#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS
/*
 * Tests that enable or bind a device: on a loaded host one
 * pci_enable_device() took 30 s in the TCG VM (ACPI _PRT evaluation ran
 * into AE_AML_LOOP_TIMEOUT).
 */
#define BIND_TIMEOUT 240

/* A kind of buffer: each is a variant of the copy fixtures. */
struct kind {
	const char *name;
	__u32 options;
	__u64 size;
	int pfnmap;		/* its mmap is remap_pfn_range: VFIO EFAULT */
};

enum {
	K_SG_WB,
	K_CONTIG_64K,
	K_CONTIG_8M,
	K_UC,
	K_WC,
	K_KERNEL_USER_SHARED,
	K_PAGEABLE,
	K_CONTIG_16M,
};

static const struct kind kinds[] = {
	[K_SG_WB] = { "sg_wb", INOUT, 256 << 10, 0 },
	[K_CONTIG_64K] = { "contig_64k", INOUT | CONTIG, 64 << 10, 0 },
	[K_CONTIG_8M] = { "contig_8m", INOUT | CONTIG, 8 << 20, 1 },
	[K_UC] = { "uc", INOUT | IOBMD_MAP_INHIBIT_CACHE, 256 << 10, 1 },
	[K_WC] = { "wc", INOUT | IOBMD_MAP_WRITE_COMBINE_CACHE, 256 << 10, 1 },
	[K_KERNEL_USER_SHARED] = { "kernel_user_shared",
				   INOUT | IOBMD_MEMORY_KERNEL_USER_SHARED,
				   256 << 10, 0 },
	[K_PAGEABLE] = { "pageable", INOUT | IOBMD_MEMORY_PAGEABLE, 256 << 10, 0 },
	/* Under a mask below 4 GiB: alloc_contig_range() (kmod/contig.c). */
	[K_CONTIG_16M] = { "contig_16m", INOUT | CONTIG, 16 << 20, 1 },
};

/* What a test took from the system, given back by its teardown. */
struct ctx {
	struct edu_env e;
	int unbound;		/* edu unbound from EDU_DRIVER, or -1 */
	struct pci_user u;
	struct vfio_user v;
};

enum mode { KERNEL, USER, VFIO };

/* Every fixture's setup: find the edus; SKIP when the mode cannot run. */
static inline void ctx_setup(struct __test_metadata *_metadata,
			     struct ctx *c, enum mode mode)
{
	struct edu_env *e = &c->e;
	struct iobmd_edu_info info;
	const char *why;
	int i;

	c->unbound = -1;
	c->u.config = -1;
	c->v.container = -1;
	c->v.group = -1;
	c->v.device = -1;
	why = edu_env_init(e);
	if (why)
		SKIP(return, "%s", why);
	if (mode == USER && e->iommu)
		SKIP(return, "IOMMU boot: user space goes through VFIO");
	if (mode == VFIO && !e->iommu)
		SKIP(return, "no IOMMU (iobmd_vm.iommu=1): no VFIO");
	e->dev = iobmd_open();
	ASSERT_LE(0, e->dev);
	for (i = 0; mode == KERNEL && i < e->n; i++) {
		e->edu[i] = edu_open(e->name[i], &info, 1);
		ASSERT_LE(0, e->edu[i])
			TH_LOG("no /dev/iobmd_edu* for %s: %s.ko not loaded?",
			       e->name[i], EDU_DRIVER);
		EXPECT_EQ(e->bits[i], info.dma_bits) TH_LOG("%s", e->name[i]);
		EXPECT_EQ(e->iommu, info.iommu) TH_LOG("%s", e->name[i]);
	}
}

/* Give a device back to EDU_DRIVER, however it was taken. */
static inline void ctx_teardown(struct __test_metadata *_metadata,
				struct ctx *c)
{
	int vfio = c->v.overridden;
	char drv[64];

	edu_env_close(&c->e);
	if (c->unbound >= 0)
		EXPECT_EQ(0, pci_drv_write(EDU_DRIVER, "bind",
					   c->e.name[c->unbound]));
	EXPECT_EQ(0, pci_user_give_back(&c->u, EDU_DRIVER));
	vfio_give_back(&c->v);
	if (vfio)
		EXPECT_STREQ(EDU_DRIVER, pci_driver(c->v.name, drv, sizeof(drv)));
}

struct buf {
	int fd;
	unsigned char *p;
	__u64 size;
};

/* A mapped buffer (task-mapped, or mmap of its fd): 0 or -errno. */
static inline int buf_new(int dev, const struct kind *k, __u64 mask,
			  int task, struct buf *b)
{
	struct iobmd_create c = {
		.capacity = k->size,
		.options = k->options,
		.flags = task ? IOBMD_CREATE_MAP_TASK : 0,
		.physical_mask = mask,
	};

	b->fd = -1;
	b->p = NULL;
	b->size = k->size;
	if (ioctl(dev, IOBMD_IOC_CREATE, &c))
		return -errno;
	b->fd = c.fd;
	b->p = iobmd_map_buffer(c.fd, k->size, &c.address);
	return b->p ? 0 : -errno;
}

static inline void buf_free(struct buf *b)
{
	if (b->p)
		munmap(b->p, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->p = NULL;
	b->fd = -1;
}

/*
 * Create A (task-mapped) and B (mmap) on /dev/iobmd @dev: true, or false
 * after a SKIP of what the platform lacks (the test must return then).
 */
static inline bool new_bufs(struct __test_metadata *_metadata, int dev,
			    const struct kind *k, __u64 mask, struct buf *a,
			    struct buf *b)
{
	int r = buf_new(dev, k, mask, 1, a);

	if (!r)
		r = buf_new(dev, k, mask, 0, b);
	if (r == -ENOMEM && k->size > (1 << 20))
		SKIP(return false,
		     "%s: no contiguous memory under mask 0x%llx (ENOMEM)",
		     k->name, (unsigned long long)mask);
	if (r == -EOPNOTSUPP &&
	    (k->options & IOBMD_MAP_CACHE_MASK) == IOBMD_MAP_WRITE_COMBINE_CACHE)
		SKIP(return false, "%s: no PAT (EOPNOTSUPP)", k->name);
	ASSERT_EQ(0, r) TH_LOG("create %s: %s", k->name, strerror(-r));
	return true;
}

static inline void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 13 + seed + (i >> 12) * 101);
}

/* The sampled ranges: in the first page, across a middle page, the last. */
static inline void ranges(__u64 size, __u64 off[NR])
{
	off[0] = 5;
	off[1] = size / 2 + 2049;
	off[2] = size - PAGE + 13;
}

/* Where in edu's buffer each sampled range goes. */
static const __u32 edu_off[NR] = { 0, 33, IOBMD_EDU_MAX_XFER - XLEN };

/* Whether a buffer is zero outside the sampled ranges. */
static inline int zero_outside(const unsigned char *p, __u64 size,
			       const __u64 *off)
{
	__u64 at = 0;
	int r;

	for (r = 0; r < NR; r++) {
		if (!iobmd_all_bytes(p + at, off[r] - at, 0))
			return 0;
		at = off[r] + XLEN;
	}
	return iobmd_all_bytes(p + at, size - at, 0);
}

/*
 * A range of A for the controls, at *@off, and its address: without an
 * IOMMU a page above the mask of edu @i whose masked address is RAM (so
 * the device only reads RAM), under an IOMMU any page. True, or false
 * after a SKIP when there is none (the test must return then).
 */
static inline bool control_range(struct __test_metadata *_metadata,
				 const struct edu_env *e, int i,
				 const struct buf *a, __u64 *off)
{
	__u64 mask = dma_mask_of(e->bits[i]), addr = 0;
	long long o = e->iommu ? 3 * (long long)PAGE :
		page_above(a->fd, a->size, mask, &addr);

	if (o < 0)
		SKIP(return false, "no page of A above mask 0x%llx",
		     (unsigned long long)mask);
	if (!e->iommu && !iomem_is_ram((addr + 5) & mask, XLEN))
		SKIP(return false, "0x%llx & mask is not RAM",
		     (unsigned long long)addr);
	*off = o + 5;
	range_span(a->fd, *off, XLEN, &addr, &addr);
	TH_LOG("A at 0x%llx (offset 0x%llx), mask 0x%llx",
	       (unsigned long long)addr, (unsigned long long)*off,
	       (unsigned long long)mask);
	return true;
}

#endif /* IOBMD_EDU_HELPERS_H */
