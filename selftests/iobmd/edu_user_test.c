// SPDX-License-Identifier: GPL-2.0
/*
 * A real DMA engine, QEMU's edu device, copying between iobmd buffers
 * from user space: A -> edu -> B at the same buffer offset, and B must
 * then equal A there and be untouched elsewhere. For every kind of buffer:
 *
 * - edu_user: without an IOMMU, programming the device's BAR (resource0)
 *   with the addresses IOBMD_IOC_GET_SEGMENTS gives (physical_mask = the
 *   device's mask);
 * - edu_vfio: behind an IOMMU, through VFIO type1, where page-backed
 *   buffers can be mapped and PFN-mapped ones cannot (EFAULT).
 *
 * Negative controls show each path would catch a wrong address, with the
 * device only ever made to READ a wrong one. edu_test covers the kernel
 * driver's path (iobmd_edu).
 *
 * Needs the VM's edu devices and iobmd_vm.edu= (and iobmd_vm.iommu=1 in
 * the IOMMU boot) on the kernel command line; SKIPs without them.
 * edu moves one transfer per 100 ms of virtual time: a few ranges only.
 */
#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "edu_helpers.h"

#define IOVA_A 0x100000ULL	/* VFIO: below edu's 28 bits */
#define IOVA_B 0x1100000ULL
#define IOVA_NEVER 0x8000000ULL	/* never mapped */

/*
 * E: user space programs edu's BAR with the addresses of
 * IOBMD_IOC_GET_SEGMENTS, one transfer per segment of a range, each
 * segment checked to lie in the device's mask first.
 */
static void user_xfer(struct __test_metadata *_metadata, void *bar, int fd,
		      __u64 off, __u32 eoff, int to_ram, __u64 mask)
{
	struct iobmd_segment seg[4];
	int n = range_segments(fd, off, XLEN, seg, 4), s;

	ASSERT_LT(0, n) TH_LOG("GET_SEGMENTS: %s", strerror(-n));
	for (s = 0; s < n; s++) {
		ASSERT_GE(mask, seg[s].address + seg[s].length - 1)
			TH_LOG("segment at 0x%llx", (unsigned long long)seg[s].address);
		ASSERT_EQ(0, edu_bar_dma(bar, seg[s].address, eoff,
					 seg[s].length, to_ram));
		eoff += seg[s].length;
	}
}

static int direction(int fd, unsigned long cmd)
{
	struct iobmd_direction d = { .direction = INOUT };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

/* Take edu @i (the widest: 32 bits if there is one) from its driver. */
static void user_take(struct __test_metadata *_metadata, struct ctx *c, int i)
{
	const char *why = pci_user_take(c->e.name[i], &c->u);

	ASSERT_EQ(NULL, why) TH_LOG("%s: %s: %s", c->e.name[i], why,
				    strerror(errno));
}

FIXTURE(edu_user) {
	struct ctx c;
};

FIXTURE_VARIANT(edu_user) {
	const struct kind *k;
};

FIXTURE_SETUP(edu_user)
{
	ctx_setup(_metadata, &self->c, USER);
}

FIXTURE_TEARDOWN(edu_user)
{
	ctx_teardown(_metadata, &self->c);
}

FIXTURE_VARIANT_ADD(edu_user, sg_wb) { .k = &kinds[K_SG_WB] };
FIXTURE_VARIANT_ADD(edu_user, contig_64k) { .k = &kinds[K_CONTIG_64K] };
FIXTURE_VARIANT_ADD(edu_user, contig_8m) { .k = &kinds[K_CONTIG_8M] };
FIXTURE_VARIANT_ADD(edu_user, uc) { .k = &kinds[K_UC] };
FIXTURE_VARIANT_ADD(edu_user, wc) { .k = &kinds[K_WC] };
FIXTURE_VARIANT_ADD(edu_user, kernel_user_shared) { .k = &kinds[K_KERNEL_USER_SHARED] };
FIXTURE_VARIANT_ADD(edu_user, pageable) { .k = &kinds[K_PAGEABLE] };

TEST_F_TIMEOUT(edu_user, copy, BIND_TIMEOUT)
{
	int i = edu_pick(&self->c.e, 1), r, ret;
	__u64 mask = dma_mask_of(self->c.e.bits[i]), off[NR], fa, ha;
	struct buf a, b;

	if (!new_bufs(_metadata, self->c.e.dev, variant->k, mask, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	ret = direction(a.fd, IOBMD_IOC_PREPARE);
	if (!ret)
		ret = direction(b.fd, IOBMD_IOC_PREPARE);
	if (ret == -EIO && (variant->k->options & IOBMD_MEMORY_PAGEABLE))
		SKIP(return, "no bounce buffer under mask 0x%llx (EIO)",
		     (unsigned long long)mask);
	ASSERT_EQ(0, ret) TH_LOG("prepare: %s", strerror(-ret));
	user_take(_metadata, &self->c, i);
	ranges(a.size, off);
	for (r = 0; r < NR; r++) {
		user_xfer(_metadata, self->c.u.bar, a.fd, off[r], edu_off[r], 0, mask);
		user_xfer(_metadata, self->c.u.bar, b.fd, off[r], edu_off[r], 1, mask);
		range_span(a.fd, off[r], XLEN, &fa, &ha);
		TH_LOG("%s on %s (%d bits): range %d at 0x%llx", variant->k->name,
		       self->c.e.name[i], self->c.e.bits[i], r, (unsigned long long)fa);
	}
	/* A bounced pageable B is copied back at complete. */
	EXPECT_EQ(0, direction(a.fd, IOBMD_IOC_COMPLETE));
	EXPECT_EQ(0, direction(b.fd, IOBMD_IOC_COMPLETE));
	for (r = 0; r < NR; r++)
		EXPECT_EQ(0, memcmp(b.p + off[r], a.p + off[r], XLEN))
			TH_LOG("%s range %d differs", variant->k->name, r);
	EXPECT_TRUE(zero_outside(b.p, b.size, off));
}

/* E's control: A's real address is above the mask; edu reads elsewhere. */
FIXTURE(edu_user_control) {
	struct ctx c;
};

FIXTURE_SETUP(edu_user_control)
{
	ctx_setup(_metadata, &self->c, USER);
}

FIXTURE_TEARDOWN(edu_user_control)
{
	ctx_teardown(_metadata, &self->c);
}

TEST_F_TIMEOUT(edu_user_control, above_mask_reads_elsewhere, BIND_TIMEOUT)
{
	static const struct kind big = { "sg_wb", INOUT, 1 << 20, 0 };
	int i = edu_pick(&self->c.e, 1);
	__u64 mask = dma_mask_of(self->c.e.bits[i]), off, addr, high;
	struct buf a, b;

	ASSERT_EQ(0, buf_new(self->c.e.dev, &big, 0, 1, &a));
	ASSERT_EQ(0, buf_new(self->c.e.dev, &big, mask, 0, &b));
	fill(a.p, a.size, self->c.e.seed);
	if (!control_range(_metadata, &self->c.e, i, &a, &off))
		return;
	ASSERT_TRUE(range_span(a.fd, off, XLEN, &addr, &high));
	user_take(_metadata, &self->c, i);
	user_xfer(_metadata, self->c.u.bar, b.fd, off, 0, 0, mask);	/* zeros */
	/* Only a read, of RAM (control_range()): edu masks the address. */
	ASSERT_EQ(0, edu_bar_dma(self->c.u.bar, addr, 0, XLEN, 0));
	user_xfer(_metadata, self->c.u.bar, b.fd, off, 0, 1, mask);
	EXPECT_NE(0, memcmp(b.p + off, a.p + off, XLEN));
}

/*
 * F: behind the IOMMU, through VFIO, on the second edu. The VM boots with
 * vfio_iommu_type1.allow_unsafe_interrupts=1 (no interrupt remapping);
 * vfio_take() sets it only as a fallback, and it is logged then.
 */
static void vfio_take_edu(struct __test_metadata *_metadata, struct ctx *c)
{
	const char *why = vfio_take(c->e.name[c->e.n > 1], &c->v);

	ASSERT_EQ(NULL, why) TH_LOG("%s: %s", why, strerror(errno));
	if (c->v.unsafe_irqs)
		TH_LOG("VFIO_SET_IOMMU EPERM: set allow_unsafe_interrupts=Y (fallback)");
}

FIXTURE(edu_vfio) {
	struct ctx c;
};

FIXTURE_VARIANT(edu_vfio) {
	const struct kind *k;
};

FIXTURE_SETUP(edu_vfio)
{
	ctx_setup(_metadata, &self->c, VFIO);
}

FIXTURE_TEARDOWN(edu_vfio)
{
	ctx_teardown(_metadata, &self->c);
}

FIXTURE_VARIANT_ADD(edu_vfio, sg_wb) { .k = &kinds[K_SG_WB] };
FIXTURE_VARIANT_ADD(edu_vfio, contig_64k) { .k = &kinds[K_CONTIG_64K] };
FIXTURE_VARIANT_ADD(edu_vfio, contig_8m) { .k = &kinds[K_CONTIG_8M] };
FIXTURE_VARIANT_ADD(edu_vfio, uc) { .k = &kinds[K_UC] };
FIXTURE_VARIANT_ADD(edu_vfio, wc) { .k = &kinds[K_WC] };
FIXTURE_VARIANT_ADD(edu_vfio, kernel_user_shared) { .k = &kinds[K_KERNEL_USER_SHARED] };
FIXTURE_VARIANT_ADD(edu_vfio, pageable) { .k = &kinds[K_PAGEABLE] };

TEST_F_TIMEOUT(edu_vfio, copy, BIND_TIMEOUT)
{
	const struct kind *k = variant->k;
	void *bar;
	__u64 off[NR];
	struct buf a, b;
	int ra, rb, r;

	vfio_take_edu(_metadata, &self->c);
	bar = self->c.v.bar;
	if (!new_bufs(_metadata, self->c.e.dev, k, 0, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	ra = vfio_map(&self->c.v, a.p, IOVA_A, a.size);
	rb = vfio_map(&self->c.v, b.p, IOVA_B, b.size);
	TH_LOG("%s: VFIO_IOMMU_MAP_DMA of A %s, of B %s", k->name,
	       strerror(-ra), strerror(-rb));
	if (k->pfnmap) {
		EXPECT_EQ(-EFAULT, ra);
		EXPECT_EQ(-EFAULT, rb);
		return;
	}
	ASSERT_EQ(0, ra);
	ASSERT_EQ(0, rb);
	ranges(a.size, off);
	for (r = 0; r < NR; r++) {
		ASSERT_EQ(0, edu_bar_dma(bar, IOVA_A + off[r], edu_off[r], XLEN, 0));
		ASSERT_EQ(0, edu_bar_dma(bar, IOVA_B + off[r], edu_off[r], XLEN, 1));
		EXPECT_EQ(0, memcmp(b.p + off[r], a.p + off[r], XLEN))
			TH_LOG("%s range %d differs", k->name, r);
	}
	EXPECT_TRUE(zero_outside(b.p, b.size, off));
	EXPECT_EQ(0, vfio_unmap(&self->c.v, IOVA_A, a.size));
	EXPECT_EQ(0, vfio_unmap(&self->c.v, IOVA_B, b.size));
}

/* F's control: edu reads an IOVA that was never mapped: nothing of A. */
FIXTURE(edu_vfio_control) {
	struct ctx c;
};

FIXTURE_SETUP(edu_vfio_control)
{
	ctx_setup(_metadata, &self->c, VFIO);
}

FIXTURE_TEARDOWN(edu_vfio_control)
{
	ctx_teardown(_metadata, &self->c);
}

TEST_F_TIMEOUT(edu_vfio_control, unmapped_iova_reads_nothing, BIND_TIMEOUT)
{
	__u64 off = PAGE + 7;
	struct buf a, b;
	void *bar;

	vfio_take_edu(_metadata, &self->c);
	bar = self->c.v.bar;
	if (!new_bufs(_metadata, self->c.e.dev, &kinds[K_SG_WB], 0, &a, &b))
		return;
	fill(a.p, a.size, self->c.e.seed);
	ASSERT_EQ(0, vfio_map(&self->c.v, a.p, IOVA_A, a.size));
	ASSERT_EQ(0, vfio_map(&self->c.v, b.p, IOVA_B, b.size));
	/* edu's buffer first holds B's zeros. */
	ASSERT_EQ(0, edu_bar_dma(bar, IOVA_B + off, 0, XLEN, 0));
	ASSERT_EQ(0, edu_bar_dma(bar, IOVA_NEVER + off, 0, XLEN, 0));
	ASSERT_EQ(0, edu_bar_dma(bar, IOVA_B + off, 0, XLEN, 1));
	EXPECT_NE(0, memcmp(b.p + off, a.p + off, XLEN));
	/* The mapped IOVA does carry A. */
	ASSERT_EQ(0, edu_bar_dma(bar, IOVA_A + off, 0, XLEN, 0));
	ASSERT_EQ(0, edu_bar_dma(bar, IOVA_B + off, 0, XLEN, 1));
	EXPECT_EQ(0, memcmp(b.p + off, a.p + off, XLEN));
}

TEST_HARNESS_MAIN
