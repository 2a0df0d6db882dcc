// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd selftests: alignment and physical mask through the create ioctl.
 * Every buffer must start aligned as asked and lie at or below the mask's
 * highest address. The VM has memory above 4 GiB, and the last test shows
 * that unmasked buffers do land there, so a mask that was ignored would
 * be caught.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "iobmd_helpers.h"
#include "kselftest_harness.h"

FIXTURE(mask) {
	int dev;
	struct iobmd_create c;
	struct iobmd_info info;
};

FIXTURE_VARIANT(mask) {
	__u64 capacity;
	__u64 alignment;
	__u64 physical_mask;
	__u64 want_align;
	__u64 want_limit;
};

/* semantics.md's example: 0xFFFFF000 is page aligned, below 4 GiB. */
FIXTURE_VARIANT_ADD(mask, xnu_example_page_below_4g) {
	.capacity = 3 * PAGE + 7,
	.physical_mask = 0xFFFFF000,
	.want_align = PAGE,
	.want_limit = 0xFFFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, bits_32) {
	.capacity = 1 << 20,
	.physical_mask = 0xFFFFFFFF,
	.want_align = PAGE,
	.want_limit = 0xFFFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, bits_30) {
	.capacity = 64 << 10,
	.physical_mask = 0x3FFFFFFF,
	.want_align = PAGE,
	.want_limit = 0x3FFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, mask_alignment_64K) {
	.capacity = 100,
	.physical_mask = 0xFFFF0000,
	.want_align = 64 << 10,
	.want_limit = 0xFFFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, bits_32_and_1M_alignment) {
	.capacity = 5 * PAGE,
	.alignment = 1 << 20,
	.physical_mask = 0xFFFFFFFF,
	.want_align = 1 << 20,
	.want_limit = 0xFFFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, holes_reduced_to_31_bits) {
	.capacity = PAGE,
	.physical_mask = 0xF0FFF000,
	.want_align = PAGE,
	.want_limit = 0x7FFFFFFF,
};

FIXTURE_VARIANT_ADD(mask, alignment_8_is_a_page) {
	.capacity = 10,
	.alignment = 8,
	.want_align = PAGE,
	.want_limit = UINT64_MAX,
};

FIXTURE_VARIANT_ADD(mask, alignment_64K) {
	.capacity = 3 * PAGE,
	.alignment = 64 << 10,
	.want_align = 64 << 10,
	.want_limit = UINT64_MAX,
};

FIXTURE_VARIANT_ADD(mask, alignment_2M_small) {
	.capacity = 100,
	.alignment = 2 << 20,
	.want_align = 2 << 20,
	.want_limit = UINT64_MAX,
};

FIXTURE_VARIANT_ADD(mask, alignment_4M) {
	.capacity = 1 << 20,
	.alignment = 4 << 20,
	.want_align = 4 << 20,
	.want_limit = UINT64_MAX,
};

FIXTURE_SETUP(mask)
{
	struct iobmd_create *c = &self->c;

	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	memset(c, 0, sizeof(*c));
	c->capacity = variant->capacity;
	c->flags = IOBMD_CREATE_MAP_TASK;
	c->alignment = variant->alignment;
	c->physical_mask = variant->physical_mask;
	ASSERT_EQ(0, ioctl(self->dev, IOBMD_IOC_CREATE, c))
		TH_LOG("create: %s", strerror(errno));
	ASSERT_EQ(0, iobmd_info(c->fd, &self->info));
}

FIXTURE_TEARDOWN(mask)
{
	munmap((void *)(uintptr_t)self->c.address, self->info.alloc_size);
	close(self->c.fd);
	close(self->dev);
}

TEST_F(mask, aligned_and_below_limit)
{
	const struct iobmd_info *info = &self->info;
	__u64 total, highest;

	EXPECT_EQ(variant->want_align, info->alignment);
	EXPECT_EQ(variant->want_limit, info->physical_mask);
	EXPECT_EQ(0, info->dma_addr % variant->want_align)
		TH_LOG("dma_addr 0x%llx", (unsigned long long)info->dma_addr);
	/* Every segment of the buffer lies at or below the mask. */
	EXPECT_EQ(info->segments,
		  iobmd_walk_segments(self->c.fd, &total, &highest));
	EXPECT_EQ(variant->capacity, total);
	EXPECT_LE(highest, variant->want_limit)
		TH_LOG("highest address 0x%llx", (unsigned long long)highest);
}

TEST_F(mask, zero_filled_and_usable)
{
	unsigned char *p = (unsigned char *)(uintptr_t)self->c.address;
	size_t i, nonzero = 0;

	for (i = 0; i < self->info.alloc_size; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(0, nonzero);
	memset(p, 0x5a, self->info.alloc_size);
	EXPECT_EQ(0x5a, p[self->info.alloc_size - 1]);
}

/*
 * Without a mask, buffers do land above 4 GiB in this VM: otherwise a
 * mask test that passed would prove nothing.
 */
TEST(unmasked_buffers_reach_above_4G)
{
	struct iobmd_create c[16];
	struct iobmd_info info;
	int dev, i, above = 0;

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, iobmd_create(dev, 64 << 10, 0, 0, &c[i]));
		ASSERT_EQ(0, iobmd_info(c[i].fd, &info));
		above += info.dma_addr > 0xFFFFFFFFULL;
	}
	for (i = 0; i < 16; i++)
		close(c[i].fd);
	close(dev);
	EXPECT_LT(0, above);
}

/*
 * A mask below what the platform can allocate (16 MiB, ZONE_DMA) is
 * EOPNOTSUPP, and refused from memory the second time: the creates do not
 * register and unregister a device each (two uevents a create, which any
 * member of group iobmd could repeat without end). The kernel's uevent
 * sequence number counts them.
 */
TEST(low_mask_refused_without_uevents)
{
	unsigned long long before, after;
	struct iobmd_create c = { .capacity = PAGE, .physical_mask = 0xfffff };
	int dev = iobmd_open(), i;
	FILE *f;

	ASSERT_LE(0, dev);
	/* The first refusal may register the device once, and remember. */
	EXPECT_EQ(-1, ioctl(dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(EOPNOTSUPP, errno);
	f = fopen("/sys/kernel/uevent_seqnum", "re");
	if (!f)
		SKIP(return, "no /sys/kernel/uevent_seqnum");
	ASSERT_EQ(1, fscanf(f, "%llu", &before));
	fclose(f);
	for (i = 0; i < 20; i++) {
		memset(&c, 0, sizeof(c));
		c.capacity = PAGE;
		c.physical_mask = 0xfffff;
		EXPECT_EQ(-1, ioctl(dev, IOBMD_IOC_CREATE, &c));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
	f = fopen("/sys/kernel/uevent_seqnum", "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%llu", &after));
	fclose(f);
	TH_LOG("uevents during 20 refused creates: %llu", after - before);
	EXPECT_EQ(before, after);
	close(dev);
}

TEST_HARNESS_MAIN
