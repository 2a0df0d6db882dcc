// SPDX-License-Identifier: GPL-2.0
/*
 * Cache modes, proven from the kernel's page tables rather than from
 * iobmd: every mode x {contiguous, scatter-gather} x {task-mapped, mmap
 * later}. The user mapping's PTEs (page_tables/current_kernel) and the
 * direct map of the same physical pages (page_tables/kernel) must have the
 * mode's memory type, and the direct map must be write-back again once
 * the buffer is freed. The frames come from GET_SEGMENTS, checked against
 * /proc/self/pagemap where pagemap can show them (write-back buffers).
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "ptdump.h"

#define LEN (3 * PAGE + 100)
#define NPAGES 4

FIXTURE(cache) {
	int dev;
	struct iobmd_create c;
	unsigned char *map;
	__u64 pfn[NPAGES];
};

FIXTURE_VARIANT(cache) {
	__u32 options;
	__u32 flags;
	__u32 reported;
	int type;
};

#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS

/* Every mode x {scatter-gather, contiguous} x {task-mapped, mmap later}. */
FIXTURE_VARIANT_ADD(cache, default_sg_task) {
	.options = IOBMD_MAP_DEFAULT_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, default_sg_later) {
	.options = IOBMD_MAP_DEFAULT_CACHE,
	.flags = 0,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, default_contiguous_task) {
	.options = IOBMD_MAP_DEFAULT_CACHE | CONTIG,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, default_contiguous_later) {
	.options = IOBMD_MAP_DEFAULT_CACHE | CONTIG,
	.flags = 0,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, copyback_sg_task) {
	.options = IOBMD_MAP_COPYBACK_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, copyback_sg_later) {
	.options = IOBMD_MAP_COPYBACK_CACHE,
	.flags = 0,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, copyback_contiguous_task) {
	.options = IOBMD_MAP_COPYBACK_CACHE | CONTIG,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, copyback_contiguous_later) {
	.options = IOBMD_MAP_COPYBACK_CACHE | CONTIG,
	.flags = 0,
	.reported = IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

FIXTURE_VARIANT_ADD(cache, inhibit_sg_task) {
	.options = IOBMD_MAP_INHIBIT_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_INHIBIT_CACHE,
	.type = MT_UC_MINUS,
};

FIXTURE_VARIANT_ADD(cache, inhibit_sg_later) {
	.options = IOBMD_MAP_INHIBIT_CACHE,
	.flags = 0,
	.reported = IOBMD_MAP_INHIBIT_CACHE,
	.type = MT_UC_MINUS,
};

FIXTURE_VARIANT_ADD(cache, inhibit_contiguous_task) {
	.options = IOBMD_MAP_INHIBIT_CACHE | CONTIG,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_INHIBIT_CACHE,
	.type = MT_UC_MINUS,
};

FIXTURE_VARIANT_ADD(cache, inhibit_contiguous_later) {
	.options = IOBMD_MAP_INHIBIT_CACHE | CONTIG,
	.flags = 0,
	.reported = IOBMD_MAP_INHIBIT_CACHE,
	.type = MT_UC_MINUS,
};

FIXTURE_VARIANT_ADD(cache, write_combine_sg_task) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_sg_later) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.flags = 0,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_contiguous_task) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE | CONTIG,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_contiguous_later) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE | CONTIG,
	.flags = 0,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_shared_sg_task) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE |
		   IOBMD_MEMORY_KERNEL_USER_SHARED,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_shared_sg_later) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE |
		   IOBMD_MEMORY_KERNEL_USER_SHARED,
	.flags = 0,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_shared_contiguous_task) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE |
		   IOBMD_MEMORY_KERNEL_USER_SHARED | CONTIG,
	.flags = IOBMD_CREATE_MAP_TASK,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

FIXTURE_VARIANT_ADD(cache, write_combine_shared_contiguous_later) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE |
		   IOBMD_MEMORY_KERNEL_USER_SHARED | CONTIG,
	.flags = 0,
	.reported = IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

/* The physical address of byte @off, from GET_SEGMENTS (root only). */
static __u64 seg_phys(int fd, __u64 off)
{
	struct iobmd_segment seg = { 0 };
	struct iobmd_segments s = {
		.offset = off,
		.segments = (uintptr_t)&seg,
		.count = 1,
	};

	return ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s) ? 0 : seg.address;
}

FIXTURE_SETUP(cache)
{
	int i;

	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_create(self->dev, LEN, variant->options,
				  variant->flags, &self->c));
	self->map = iobmd_map_buffer(self->c.fd, LEN, &self->c.address);
	ASSERT_NE(NULL, self->map);
	for (i = 0; i < NPAGES; i++) {
		self->map[i * PAGE] = i + 1;
		self->pfn[i] = seg_phys(self->c.fd, i * PAGE) / PAGE;
		ASSERT_NE(0, self->pfn[i]);
		/*
		 * pagemap shows the frames of page-backed (write-back)
		 * mappings and proves GET_SEGMENTS right; UC- and WC pages
		 * are mapped by PFN, which pagemap does not show.
		 */
		EXPECT_EQ(variant->type == MT_WB ? self->pfn[i] : 0,
			  pagemap_pfn(self->map + i * PAGE));
	}
}

FIXTURE_TEARDOWN(cache)
{
	if (self->map)
		munmap(self->map, LEN);
	if (self->c.fd >= 0)
		close(self->c.fd);
	close(self->dev);
}

/* Pages whose type is not @want; each one is logged. */
static int count_wrong(struct __test_metadata *_metadata, const int *types,
		       int want, const char *what)
{
	int i, bad = 0;

	for (i = 0; i < NPAGES; i++) {
		if (types[i] == want)
			continue;
		TH_LOG("%s page %d: %s, want %s", what, i,
		       mem_type_name(types[i]), mem_type_name(want));
		bad++;
	}
	return bad;
}

/* The direct map's type for each of the buffer's frames. */
static int direct_map_types(const __u64 *pfn, int *types)
{
	__u64 base = ptdump_page_offset(), addrs[NPAGES];
	int i;

	if (!base)
		return -1;
	for (i = 0; i < NPAGES; i++)
		addrs[i] = base + pfn[i] * PAGE;
	return ptdump_types(PTDUMP_KERNEL, addrs, NPAGES, types);
}

TEST_F(cache, info_reports_mode)
{
	struct iobmd_info info;

	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(variant->reported, info.cache_mode);
}

TEST_F(cache, user_mapping_has_type)
{
	__u64 addrs[NPAGES];
	int types[NPAGES], i;

	for (i = 0; i < NPAGES; i++)
		addrs[i] = (uintptr_t)self->map + i * PAGE;
	ASSERT_EQ(0, ptdump_types(PTDUMP_CURRENT, addrs, NPAGES, types));
	EXPECT_EQ(0, count_wrong(_metadata, types, variant->type, "user"));
}

/* A second mapping, made later, has the same type as the first. */
TEST_F(cache, second_mapping_has_type)
{
	__u64 addrs[NPAGES];
	int types[NPAGES], i;
	unsigned char *p;

	p = mmap(NULL, LEN, PROT_READ, MAP_SHARED, self->c.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Mappings are populated on fault: read each page first. */
	for (i = 0; i < NPAGES; i++) {
		EXPECT_EQ(i + 1, p[i * PAGE]);
		addrs[i] = (uintptr_t)p + i * PAGE;
	}
	ASSERT_EQ(0, ptdump_types(PTDUMP_CURRENT, addrs, NPAGES, types));
	EXPECT_EQ(0, count_wrong(_metadata, types, variant->type, "second"));
	munmap(p, LEN);
}

/*
 * The kernel's direct map of the same frames has the same type while the
 * buffer lives, and write-back again after the last reference is gone.
 */
TEST_F(cache, direct_map_has_type_then_write_back)
{
	int types[NPAGES];

	ASSERT_EQ(0, direct_map_types(self->pfn, types));
	EXPECT_EQ(0, count_wrong(_metadata, types, variant->type, "direct"));

	ASSERT_EQ(0, munmap(self->map, LEN));
	self->map = NULL;
	ASSERT_EQ(0, close(self->c.fd));
	self->c.fd = -1;
	ASSERT_EQ(0, direct_map_types(self->pfn, types));
	EXPECT_EQ(0, count_wrong(_metadata, types, MT_WB, "freed"));
}

/* Contents written through a mapping of any type read back by pread. */
TEST_F(cache, contents_through_mapping)
{
	unsigned char buf[LEN];
	size_t i;

	for (i = 0; i < LEN; i++)
		self->map[i] = i * 3;
	ASSERT_EQ(LEN, pread(self->c.fd, buf, LEN, 0));
	for (i = 0; i < LEN; i++)
		if (buf[i] != (unsigned char)(i * 3))
			break;
	EXPECT_EQ(LEN, i);
}

/*
 * A contiguous buffer larger than the page allocator's largest block
 * (4 MiB) comes from dma_alloc_attrs() (CMA) and is mapped by PFN; its
 * mappings and direct map follow the mode too. pagemap shows no frames for
 * a PFN mapping, so the frames come from the buffer's segment here.
 */
TEST(large_contiguous_modes)
{
	static const struct { __u32 mode; int type; } modes[] = {
		{ IOBMD_MAP_COPYBACK_CACHE, MT_WB },
		{ IOBMD_MAP_INHIBIT_CACHE, MT_UC_MINUS },
		{ IOBMD_MAP_WRITE_COMBINE_CACHE, MT_WC },
	};
	const size_t len = 8 << 20;
	struct iobmd_segment seg;
	struct iobmd_segments s;
	struct iobmd_create c;
	__u64 user[NPAGES], direct[NPAGES], base;
	int types[NPAGES], dev, m, i;
	unsigned char *p;

	base = ptdump_page_offset();
	ASSERT_NE(0, base);
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	for (m = 0; m < 3; m++) {
		ASSERT_EQ(0, iobmd_create(dev, len, modes[m].mode |
					  IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
					  IOBMD_MEMORY_MAPPER_NONE,
					  IOBMD_CREATE_MAP_TASK, &c));
		p = (unsigned char *)(uintptr_t)c.address;
		memset(&s, 0, sizeof(s));
		s.segments = (uintptr_t)&seg;
		s.count = 1;
		ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
		ASSERT_EQ(len, seg.length);
		for (i = 0; i < NPAGES; i++) {
			/* First, middle and last pages. */
			size_t off = i * (len / NPAGES);

			if (i == NPAGES - 1)
				off = len - PAGE;
			p[off] = i;
			user[i] = (uintptr_t)p + off;
			direct[i] = base + seg.address + off;
		}
		ASSERT_EQ(0, ptdump_types(PTDUMP_CURRENT, user, NPAGES, types));
		EXPECT_EQ(0, count_wrong(_metadata, types, modes[m].type,
					 "large user"));
		ASSERT_EQ(0, ptdump_types(PTDUMP_KERNEL, direct, NPAGES, types));
		EXPECT_EQ(0, count_wrong(_metadata, types, modes[m].type,
					 "large direct"));
		ASSERT_EQ(0, munmap(p, len));
		ASSERT_EQ(0, close(c.fd));
		ASSERT_EQ(0, ptdump_types(PTDUMP_KERNEL, direct, NPAGES, types));
		EXPECT_EQ(0, count_wrong(_metadata, types, MT_WB,
					 "large freed"));
	}
	close(dev);
}

TEST_HARNESS_MAIN
