// SPDX-License-Identifier: GPL-2.0
/*
 * A real DMA engine, QEMU's edu device, copying between iobmd buffers:
 * A -> edu -> B at the same buffer offset, and B must then equal A there
 * and be untouched elsewhere. This binary: through the in-kernel DMA
 * command API, by the iobmd_edu test driver (edu/iobmd_edu_uapi.h), for
 * every kind of buffer on every edu device (edu_kernel); negative controls
 * that show the path would catch a wrong address, with the device only
 * ever made to READ a wrong one; the driver's bad input, the lifetime of a
 * held command across an unbind, and that an open fd pins the module
 * (edu); buffers the driver creates for the device (edu_for_device).
 * edu_user_test drives the device from user space: resource0
 * without an IOMMU, VFIO behind one.
 *
 * Needs the VM's edu devices and iobmd_vm.edu= (and iobmd_vm.iommu=1 in
 * the IOMMU boot) on the kernel command line; SKIPs without them.
 * edu moves one transfer per 100 ms of virtual time: a few ranges only.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "edu_helpers.h"

/* The out fields of a driver transfer of a range at [first, high]. */
static void check_out(struct __test_metadata *_metadata, const struct edu_env *e,
		      int i, const struct iobmd_edu_dma *d, int known,
		      __u64 first, __u64 high)
{
	__u64 mask = dma_mask_of(e->bits[i]);

	EXPECT_LE(1, d->segments);
	EXPECT_GE(mask, d->dma_addr);
	if (d->segments == 1)
		EXPECT_GE(mask, d->dma_addr + d->length - 1);
	if (e->iommu) {
		EXPECT_EQ(0, d->bounced);
	} else if (known) {
		EXPECT_EQ(high > mask, d->bounced)
			TH_LOG("memory at 0x%llx-0x%llx, mask 0x%llx",
			       (unsigned long long)first,
			       (unsigned long long)high,
			       (unsigned long long)mask);
		if (!d->bounced)
			EXPECT_EQ(first, d->dma_addr);
	}
}

/* A -> edu -> B through the driver on edu @i, at the sampled ranges. */
static void kernel_copy(struct __test_metadata *_metadata, const struct edu_env *e,
			int i, const struct kind *k, struct buf *a, struct buf *b)
{
	int known = !(k->options & IOBMD_MEMORY_PAGEABLE), r, ka, kb;
	__u64 off[NR], fa = 0, ha = 0, fb = 0, hb = 0;
	struct iobmd_edu_dma to, from;

	ranges(a->size, off);
	fill(a->p, a->size, e->seed + i);
	memset(b->p, 0, b->size);
	for (r = 0; r < NR; r++) {
		ka = known && range_span(a->fd, off[r], XLEN, &fa, &ha);
		kb = known && range_span(b->fd, off[r], XLEN, &fb, &hb);
		ASSERT_EQ(0, edu_dma(e->edu[i], a->fd, IOBMD_EDU_TO_DEVICE,
				     off[r], XLEN, edu_off[r], 0, &to))
			TH_LOG("%s %s to device: %s", k->name, e->name[i],
			       strerror(errno));
		check_out(_metadata, e, i, &to, ka, fa, ha);
		/* A driver that gave edu a wrong address must not write. */
		ASSERT_GE(dma_mask_of(e->bits[i]), to.dma_addr);
		ASSERT_EQ(0, edu_dma(e->edu[i], b->fd, IOBMD_EDU_FROM_DEVICE,
				     off[r], XLEN, edu_off[r], 0, &from))
			TH_LOG("%s %s from device: %s", k->name, e->name[i],
			       strerror(errno));
		check_out(_metadata, e, i, &from, kb, fb, hb);
		TH_LOG("%s on %s (%d bits): range %d: A 0x%llx -> dma 0x%llx bounced %u segs %u; "
		       "B 0x%llx -> dma 0x%llx bounced %u",
		       k->name, e->name[i], e->bits[i], r,
		       (unsigned long long)fa, (unsigned long long)to.dma_addr,
		       to.bounced, to.segments, (unsigned long long)fb,
		       (unsigned long long)from.dma_addr, from.bounced);
		EXPECT_EQ(0, memcmp(b->p + off[r], a->p + off[r], XLEN))
			TH_LOG("%s range %d differs", k->name, r);
	}
	EXPECT_TRUE(zero_outside(b->p, b->size, off));
}

/* A: every kind, every edu, through the kernel driver. */
FIXTURE(edu_kernel) {
	struct ctx c;
};

FIXTURE_VARIANT(edu_kernel) {
	const struct kind *k;
};

FIXTURE_SETUP(edu_kernel)
{
	ctx_setup(_metadata, &self->c, KERNEL);
}

FIXTURE_TEARDOWN(edu_kernel)
{
	ctx_teardown(_metadata, &self->c);
}

FIXTURE_VARIANT_ADD(edu_kernel, sg_wb) { .k = &kinds[K_SG_WB] };
FIXTURE_VARIANT_ADD(edu_kernel, contig_64k) { .k = &kinds[K_CONTIG_64K] };
FIXTURE_VARIANT_ADD(edu_kernel, contig_8m) { .k = &kinds[K_CONTIG_8M] };
FIXTURE_VARIANT_ADD(edu_kernel, uc) { .k = &kinds[K_UC] };
FIXTURE_VARIANT_ADD(edu_kernel, wc) { .k = &kinds[K_WC] };
FIXTURE_VARIANT_ADD(edu_kernel, kernel_user_shared) { .k = &kinds[K_KERNEL_USER_SHARED] };
FIXTURE_VARIANT_ADD(edu_kernel, pageable) { .k = &kinds[K_PAGEABLE] };

TEST_F_TIMEOUT(edu_kernel, copy, 180)
{
	struct buf a, b;
	int i;

	if (!new_bufs(_metadata, self->c.e.dev, variant->k, 0, &a, &b))
		return;
	for (i = 0; i < self->c.e.n; i++)
		kernel_copy(_metadata, &self->c.e, i, variant->k, &a, &b);
	buf_free(&a);
	buf_free(&b);
}

/* B, C, D: controls, bad input and lifetime, through the kernel driver. */
FIXTURE(edu) {
	struct ctx c;
};

FIXTURE_SETUP(edu)
{
	ctx_setup(_metadata, &self->c, KERNEL);
}

FIXTURE_TEARDOWN(edu)
{
	ctx_teardown(_metadata, &self->c);
}

/* B: the device reads iobmd's own address for A: B gets garbage. */
TEST_F_TIMEOUT(edu, raw_segment_reads_garbage, 60)
{
	int i = edu_pick(&self->c.e, 0), edu = self->c.e.edu[i];
	struct iobmd_edu_dma d;
	struct buf a, b;
	__u64 off;

	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], 0, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	if (!control_range(_metadata, &self->c.e, i, &a, &off))
		return;
	/* edu's buffer first holds B's zeros, not A's pattern. */
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_TO_DEVICE, off, XLEN, 0, 0, &d));
	ASSERT_EQ(0, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, off, XLEN, 0,
			     IOBMD_EDU_RAW_SEGMENT, &d)) TH_LOG("%s", strerror(errno));
	TH_LOG("raw: device read 0x%llx", (unsigned long long)d.dma_addr);
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_FROM_DEVICE, off, XLEN, 0, 0, &d));
	EXPECT_NE(0, memcmp(b.p + off, a.p + off, XLEN));
	/* The same range through a DMA command does arrive. */
	ASSERT_EQ(0, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, off, XLEN, 0, 0, &d));
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_FROM_DEVICE, off, XLEN, 0, 0, &d));
	EXPECT_EQ(0, memcmp(b.p + off, a.p + off, XLEN));
}

/* B: memory above the mask may not be bounced: ERANGE; below it, fine. */
TEST_F_TIMEOUT(edu, no_double_buffer_erange, 60)
{
	int i = edu_pick(&self->c.e, 0), edu = self->c.e.edu[i];
	__u64 mask = dma_mask_of(self->c.e.bits[i]);
	struct iobmd_edu_dma d;
	struct buf a, b;
	__u64 off;

	if (self->c.e.iommu)
		SKIP(return, "behind an IOMMU nothing needs bouncing");
	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], 0, &a, &b))
		return;
	if (!control_range(_metadata, &self->c.e, i, &a, &off))
		return;
	EXPECT_EQ(-ERANGE, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, off, XLEN,
				   0, IOBMD_EDU_NO_DOUBLE_BUFFER, &d));
	buf_free(&a);
	buf_free(&b);
	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], mask, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	ASSERT_EQ(0, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, off, XLEN, 0,
			     IOBMD_EDU_NO_DOUBLE_BUFFER, &d));
	EXPECT_EQ(0, d.bounced);
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_FROM_DEVICE, off, XLEN, 0,
			     IOBMD_EDU_NO_DOUBLE_BUFFER, &d));
	EXPECT_EQ(0, d.bounced);
	EXPECT_EQ(0, memcmp(b.p + off, a.p + off, XLEN));
}

/* Forced double buffering bounces both ways and still copies right. */
TEST_F_TIMEOUT(edu, force_double_buffer, 60)
{
	int i = edu_pick(&self->c.e, 0), edu = self->c.e.edu[i];
	struct iobmd_edu_dma d;
	struct buf a, b;
	__u64 off = 2 * PAGE + 77;

	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], 0, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	ASSERT_EQ(0, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, off, XLEN, 0,
			     IOBMD_EDU_FORCE_DOUBLE_BUFFER, &d));
	EXPECT_EQ(1, d.bounced);
	EXPECT_GE(dma_mask_of(self->c.e.bits[i]), d.dma_addr);
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_FROM_DEVICE, off, XLEN, 0,
			     IOBMD_EDU_FORCE_DOUBLE_BUFFER, &d));
	EXPECT_EQ(1, d.bounced);
	EXPECT_EQ(0, memcmp(b.p + off, a.p + off, XLEN));
	EXPECT_TRUE(iobmd_all_bytes(b.p, off, 0));
}

/*
 * 16 MiB contiguous buffers created under each edu's own mask (28 and 32
 * bits): what CMA above 4 GiB cannot give, alloc_contig_range() does. The
 * device copies their first, middle and last pages at the addresses the
 * buffers have, without a bounce (check_out).
 */
TEST_F_TIMEOUT(edu, contig_16m_under_mask, 180)
{
	const struct kind *k = &kinds[K_CONTIG_16M];
	struct buf a, b;
	int i;

	for (i = 0; i < self->c.e.n; i++) {
		__u64 mask = dma_mask_of(self->c.e.bits[i]);

		ASSERT_EQ(0, buf_new(self->c.e.dev, k, mask, 1, &a))
			TH_LOG("%s under 0x%llx: %s", k->name,
			       (unsigned long long)mask, strerror(errno));
		ASSERT_EQ(0, buf_new(self->c.e.dev, k, mask, 0, &b));
		kernel_copy(_metadata, &self->c.e, i, k, &a, &b);
		buf_free(&a);
		buf_free(&b);
	}
}

/* C: bad input. Each would otherwise abort QEMU or misprogram edu. */
TEST_F(edu, bad_input)
{
	static const struct { __u32 eoff; __u64 len; } bad_len[] = {
		{ 0, 0 }, { 0, 4096 }, { 1, 4095 }, { 96, 4000 }, { 4095, 1 },
	};
	int edu = self->c.e.edu[0], p[2];
	struct iobmd_edu_dma d;
	struct buf a, c;
	unsigned int j;

	ASSERT_EQ(0, buf_new(self->c.e.dev, &kinds[K_SG_WB],
			     dma_mask_of(self->c.e.bits[0]), 1, &a));
	ASSERT_EQ(0, buf_new(self->c.e.dev, &kinds[K_CONTIG_64K], 0, 1, &c));
	for (j = 0; j < ARRAY_SIZE(bad_len); j++)
		EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, 0,
					   bad_len[j].len, bad_len[j].eoff, 0, &d))
			TH_LOG("edu_offset %u length %llu", bad_len[j].eoff,
			       (unsigned long long)bad_len[j].len);
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, 0, 0, 16, 0, 0, &d));
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, 3, 0, 16, 0, 0, &d));
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, ~0u, 0, 16, 0, 0, &d));
	/* RAW only ever reads: the buffer lies in the mask, in case. */
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, IOBMD_EDU_FROM_DEVICE, 0, 16, 0,
				   IOBMD_EDU_RAW_SEGMENT, &d));
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, a.size,
				   16, 0, 0, &d));
	EXPECT_EQ(-EINVAL, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE,
				   a.size + PAGE, 16, 0, 0, &d));
	/* Not a buffer: a pipe, /dev/iobmd itself, no fd. */
	ASSERT_EQ(0, pipe(p));
	j = -edu_dma(edu, p[0], IOBMD_EDU_TO_DEVICE, 0, 16, 0, 0, &d);
	EXPECT_TRUE(j == EINVAL || j == EBADF) TH_LOG("pipe: %s", strerror(j));
	j = -edu_dma(edu, self->c.e.dev, IOBMD_EDU_TO_DEVICE, 0, 16, 0, 0, &d);
	EXPECT_TRUE(j == EINVAL || j == EBADF) TH_LOG("/dev/iobmd: %s",
						      strerror(j));
	EXPECT_EQ(-EBADF, edu_dma(edu, -1, IOBMD_EDU_TO_DEVICE, 0, 16, 0, 0, &d));
	/* The specification: segments and address bits. */
	memset(&d, 0, sizeof(d));
	d.fd = c.fd;
	d.direction = IOBMD_EDU_TO_DEVICE;
	d.length = XLEN;
	d.max_segment_size = 512;
	EXPECT_EQ(-EMSGSIZE, edu_ioc(edu, &d));
	/* A segment so short the copy would hold the device for minutes. */
	d.max_segment_size = 511;
	EXPECT_EQ(-EINVAL, edu_ioc(edu, &d));
	d.max_segment_size = 0;
	d.address_bits = 65;
	EXPECT_EQ(-EINVAL, edu_ioc(edu, &d));
	close(p[0]);
	close(p[1]);
	buf_free(&a);
	buf_free(&c);
}

/* D: a held command across an unbind of its device, then a rebind. */
TEST_F_TIMEOUT(edu, hold_across_unbind, BIND_TIMEOUT)
{
	struct iobmd_edu_hold h = { .direction = IOBMD_EDU_TO_DEVICE };
	int edu = self->c.e.edu[0], r;
	struct iobmd_edu_info info;
	struct iobmd_info binfo;
	struct iobmd_edu_dma d;
	char drv[64];
	struct buf a, b;

	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], 0, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	h.fd = a.fd;
	ASSERT_EQ(0, ioctl(edu, IOBMD_EDU_IOC_HOLD, &h)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, ioctl(edu, IOBMD_EDU_IOC_HOLD, &h));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, pci_drv_write(EDU_DRIVER, "unbind", self->c.e.name[0]));
	self->c.unbound = 0;
	EXPECT_STREQ("", pci_driver(self->c.e.name[0], drv, sizeof(drv)));
	EXPECT_EQ(-ENODEV, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, 0, 16, 0, 0, &d));
	r = ioctl(edu, IOBMD_EDU_IOC_RELEASE, 0);
	EXPECT_TRUE(r == 0 || errno == ENODEV) TH_LOG("release: %s", strerror(errno));
	/* The unbind completed the held command. */
	ASSERT_EQ(0, iobmd_info(a.fd, &binfo));
	EXPECT_EQ(0, binfo.prepare_count);
	EXPECT_EQ(0, close(edu));
	self->c.e.edu[0] = -1;

	ASSERT_EQ(0, pci_drv_write(EDU_DRIVER, "bind", self->c.e.name[0]));
	self->c.unbound = -1;
	edu = edu_open(self->c.e.name[0], &info, 20);
	self->c.e.edu[0] = edu;
	ASSERT_LE(0, edu);
	ASSERT_EQ(0, edu_dma(edu, a.fd, IOBMD_EDU_TO_DEVICE, PAGE + 1, XLEN, 0, 0, &d));
	ASSERT_EQ(0, edu_dma(edu, b.fd, IOBMD_EDU_FROM_DEVICE, PAGE + 1, XLEN, 0, 0, &d));
	EXPECT_EQ(0, memcmp(b.p + PAGE + 1, a.p + PAGE + 1, XLEN));
}

/*
 * D: what a driver's command prepared, the buffer fd cannot complete: a
 * pageable buffer held by the driver stays pinned (its pages cannot be
 * freed under the device) whatever IOBMD_IOC_COMPLETE is called, and the
 * fd completes only its own prepares.
 */
TEST_F(edu, user_cannot_complete_a_command)
{
	struct iobmd_edu_hold h = { .direction = IOBMD_EDU_FROM_DEVICE };
	struct iobmd_direction in = { .direction = IOBMD_DIRECTION_IN };
	int edu = self->c.e.edu[0];
	struct iobmd_info info;
	struct buf a, b;

	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_PAGEABLE], 0, &a, &b))
		return;
	h.fd = a.fd;
	ASSERT_EQ(0, ioctl(edu, IOBMD_EDU_IOC_HOLD, &h)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, ioctl(a.fd, IOBMD_IOC_COMPLETE, &in));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, iobmd_info(a.fd, &info));
	EXPECT_EQ(1, info.prepare_count);
	EXPECT_LT(0, info.segments);
	/* Its own prepare the fd completes, once. */
	ASSERT_EQ(0, ioctl(a.fd, IOBMD_IOC_PREPARE, &in));
	EXPECT_EQ(0, ioctl(a.fd, IOBMD_IOC_COMPLETE, &in));
	EXPECT_EQ(-1, ioctl(a.fd, IOBMD_IOC_COMPLETE, &in));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, iobmd_info(a.fd, &info));
	EXPECT_EQ(1, info.prepare_count);
	EXPECT_EQ(0, ioctl(edu, IOBMD_EDU_IOC_RELEASE, 0));
	ASSERT_EQ(0, iobmd_info(a.fd, &info));
	EXPECT_EQ(0, info.prepare_count);
	EXPECT_EQ(0, info.segments);
	buf_free(&a);
	buf_free(&b);
}

/* D: an open /dev/iobmd_edu pins the module. (Last of its fixture.) */
TEST_F(edu, module_busy_while_open)
{
	long r = syscall(SYS_delete_module, EDU_DRIVER, O_NONBLOCK);
	int err = errno;

	EXPECT_EQ(-1, r);
	EXPECT_TRUE(err == EBUSY || err == EWOULDBLOCK) TH_LOG("%s", strerror(err));
	if (!r && system("insmod /lib/iobmd/" EDU_DRIVER ".ko"))
		TH_LOG("unloaded, and could not load it again");
}

/*
 * E: buffers the driver creates for the edu itself (iobmd_init_for_device):
 * within the device's mask without an IOMMU, anywhere behind one; a
 * contiguous one is one segment for the device; the device's copy
 * arrives; and nothing is double buffered but a pageable buffer's pages,
 * which shmem places anywhere. Not to be had: a contiguous 8 MiB buffer
 * below 4 GiB without an IOMMU (the CMA area lies above), and a pageable
 * one under the 28-bit mask (EOPNOTSUPP: below 4 GiB).
 */
FIXTURE(edu_for_device) {
	struct ctx c;
};

FIXTURE_VARIANT(edu_for_device) {
	const struct kind *k;
};

FIXTURE_SETUP(edu_for_device)
{
	ctx_setup(_metadata, &self->c, KERNEL);
}

FIXTURE_TEARDOWN(edu_for_device)
{
	ctx_teardown(_metadata, &self->c);
}

FIXTURE_VARIANT_ADD(edu_for_device, sg_wb) { .k = &kinds[K_SG_WB] };
FIXTURE_VARIANT_ADD(edu_for_device, contig_64k) { .k = &kinds[K_CONTIG_64K] };
FIXTURE_VARIANT_ADD(edu_for_device, contig_8m) { .k = &kinds[K_CONTIG_8M] };
FIXTURE_VARIANT_ADD(edu_for_device, uc) { .k = &kinds[K_UC] };
FIXTURE_VARIANT_ADD(edu_for_device, wc) { .k = &kinds[K_WC] };
FIXTURE_VARIANT_ADD(edu_for_device, kernel_user_shared) { .k = &kinds[K_KERNEL_USER_SHARED] };
FIXTURE_VARIANT_ADD(edu_for_device, pageable) { .k = &kinds[K_PAGEABLE] };
FIXTURE_VARIANT_ADD(edu_for_device, contig_16m) { .k = &kinds[K_CONTIG_16M] };

TEST_F_TIMEOUT(edu_for_device, copy, 180)
{
	const struct kind *k = variant->k;
	const struct edu_env *e = &self->c.e;
	int i;

	for (i = 0; i < e->n; i++) {
		struct iobmd_edu_for_device fd = {
			.options = k->options,
			.size = k->size,
		};
		int low = !e->iommu && e->bits[i] < 32;
		int ret = ioctl(e->edu[i], IOBMD_EDU_IOC_FOR_DEVICE, &fd) ?
			  errno : 0;

		TH_LOG("%s for %s (%d bits%s): %s, %u segments, bounced %u",
		       k->name, e->name[i], e->bits[i],
		       e->iommu ? ", IOMMU" : "", strerror(ret), fd.segments,
		       fd.bounced);
		if ((k->options & IOBMD_MEMORY_PAGEABLE) && low) {
			EXPECT_EQ(EOPNOTSUPP, ret);
			continue;
		}
		ASSERT_EQ(0, ret);
		EXPECT_LE(1, fd.segments);
		if (k->options & CONTIG)
			EXPECT_EQ(1, fd.segments);
		if (!(k->options & IOBMD_MEMORY_PAGEABLE) || e->iommu)
			EXPECT_EQ(0, fd.bounced);
	}
}

TEST_HARNESS_MAIN
