// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-kernel API's factories, lifetime and getters
 * (kmod/buffer.c, kmod/task.c, kmod/accessors.c). Built as the separate
 * module iobmd_kunit.ko, which needs iobmd.ko loaded.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "iobmd_internal.h"

/* Release the buffer when the test ends, whether it passed or not. */
static void iobmd_resource_free(struct kunit_resource *res)
{
	iobmd_put(res->data);
}

static struct iobmd *create_or_fail(struct kunit *test, u32 options,
				    u64 capacity, u64 alignment)
{
	struct iobmd *bmd = iobmd_with_options(options, capacity, alignment);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create failed: %ld",
			       PTR_ERR(bmd));
	if (!kunit_alloc_resource(test, NULL, iobmd_resource_free, GFP_KERNEL,
				  bmd)) {
		iobmd_put(bmd);
		bmd = NULL;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, bmd, "no memory for a KUnit resource");
	return bmd;
}

struct iobmd_size_case {
	u64 capacity;
	u32 options;
	const char *name;
};

static const struct iobmd_size_case size_cases[] = {
	{ 1, IOBMD_DIRECTION_INOUT, "1-byte" },
	{ 100, IOBMD_DIRECTION_IN, "100-bytes-in" },
	{ PAGE_SIZE, IOBMD_DIRECTION_OUT, "one-page-out" },
	{ PAGE_SIZE + 1, IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, "page-plus-one" },
	{ SZ_64K, IOBMD_MEMORY_KERNEL_USER_SHARED, "64K-shared" },
	{ SZ_1M, IOBMD_MAP_COPYBACK_CACHE, "1M-copyback" },
	{ SZ_4M - 5, IOBMD_MEMORY_THREAD_SAFE, "4M-minus-5" },
};

static void size_case_desc(const struct iobmd_size_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(size, size_cases, size_case_desc);

/* withOptions: capacity as asked, length = capacity, zero-filled, usable. */
static void iobmd_test_create(struct kunit *test)
{
	const struct iobmd_size_case *c = test->param_value;
	struct iobmd *bmd = create_or_fail(test, c->options, c->capacity, 0);
	u8 *p = iobmd_get_bytes_no_copy(bmd);
	u64 i, nonzero = 0;

	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), c->capacity);
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), c->capacity);
	KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd), c->options);
	KUNIT_ASSERT_NOT_NULL(test, p);

	for (i = 0; i < c->capacity; i++)
		nonzero += p[i] != 0;
	KUNIT_EXPECT_EQ(test, nonzero, 0);

	p[0] = 0xa5;
	KUNIT_EXPECT_EQ(test, p[0], 0xa5);
	p[c->capacity - 1] = 0x5a;
	KUNIT_EXPECT_EQ(test, p[c->capacity - 1], 0x5a);
}

/* The physical address behind a kernel address, linear map or vmap. */
static phys_addr_t iobmd_kunit_phys(const void *p)
{
	struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) :
						 virt_to_page(p);

	return page_to_phys(page) + offset_in_page(p);
}

static bool iobmd_kunit_contiguous(u32 options)
{
	return options & (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
			  IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS);
}

/*
 * Walking the segments with getPhysicalSegment covers the length exactly,
 * and each segment is the memory behind the kernel mapping (x86
 * dma-direct without an IOMMU: DMA address = physical address).
 */
static void iobmd_test_physical_segment(struct kunit *test)
{
	const struct iobmd_size_case *c = test->param_value;
	struct iobmd *bmd = create_or_fail(test, c->options, c->capacity, 0);
	u8 *p = iobmd_get_bytes_no_copy(bmd);
	unsigned int segs = 0;
	dma_addr_t base, addr;
	u64 off = 0, len;

	KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &base,
							    &len));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(base));
	while (off < c->capacity) {
		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, off,
								    &addr,
								    &len));
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_EXPECT_EQ(test, (u64)addr, (u64)iobmd_kunit_phys(p + off));
		KUNIT_EXPECT_EQ(test, (u64)addr + len - 1,
				(u64)iobmd_kunit_phys(p + off + len - 1));
		off += len;
		segs++;
	}
	KUNIT_EXPECT_EQ(test, off, c->capacity);
	if (iobmd_kunit_contiguous(c->options))
		KUNIT_EXPECT_EQ(test, segs, 1);

	/* The last byte alone. */
	KUNIT_ASSERT_EQ(test, 0,
			iobmd_get_physical_segment(bmd, c->capacity - 1, &addr,
						   &len));
	KUNIT_EXPECT_EQ(test, len, 1);
	/* The length out-parameter is optional. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &addr,
							    NULL));
	/* Offset == length is past the end. */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_get_physical_segment(bmd, c->capacity, &addr,
						   &len));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_get_physical_segment(bmd, U64_MAX, &addr, &len));
}

/* Pages below a 32-bit limit for a 1 MiB scatter-gather buffer. */
static void iobmd_test_sg_below_mask(struct kunit *test)
{
	struct iobmd *bmd;
	dma_addr_t addr;
	u64 off = 0, len;

	bmd = iobmd_in_task_with_physical_mask(NULL, 0, SZ_1M, 0xFFFFFFFF);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_NOT_NULL(test, bmd->sgt);
	while (off < SZ_1M) {
		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, off,
								    &addr,
								    &len));
		KUNIT_EXPECT_LE(test, (u64)addr + len - 1, 0xFFFFFFFFULL);
		off += len;
	}
	iobmd_put(bmd);
}

static void iobmd_test_bytes_no_copy_range(struct kunit *test)
{
	struct iobmd *bmd = create_or_fail(test, 0, 3 * PAGE_SIZE + 7, 0);
	u8 *base = iobmd_get_bytes_no_copy(bmd);
	u64 len = iobmd_get_length(bmd);

	KUNIT_EXPECT_PTR_EQ(test, iobmd_get_bytes_no_copy_range(bmd, 0, len),
			    (void *)base);
	KUNIT_EXPECT_PTR_EQ(test, iobmd_get_bytes_no_copy_range(bmd, 5, 10),
			    (void *)(base + 5));
	KUNIT_EXPECT_PTR_EQ(test,
			    iobmd_get_bytes_no_copy_range(bmd, len - 1, 1),
			    (void *)(base + len - 1));
	/* As in XNU, the start must be below the length, even for 0 bytes. */
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, len, 0));
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, 0, len + 1));
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, len, 1));
	/* start + length overflows. */
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, 8,
							      U64_MAX - 4));
}

struct iobmd_align_case {
	u64 capacity;
	u64 alignment;
	const char *name;
};

static const struct iobmd_align_case align_cases[] = {
	{ 100, 0, "none" },
	{ 100, 1, "1" },
	{ 100, 2, "2" },
	{ 100, 64, "64" },
	{ 3 * PAGE_SIZE + 7, 256, "256-4pages" },
	{ 100, PAGE_SIZE, "page" },
	{ 100, 2 * PAGE_SIZE, "2-pages" },
	{ 5 * PAGE_SIZE, SZ_64K, "64K-5pages" },
	{ SZ_64K + 1, SZ_64K, "64K-64K+1" },
	{ 100, SZ_1M, "1M-small" },
	{ SZ_1M + PAGE_SIZE, SZ_1M, "1M-1M+page" },
	{ 100, SZ_2M, "2M-small" },
	{ SZ_2M, SZ_2M, "2M-2M" },
	{ 100, SZ_4M, "4M-small" },
	{ SZ_1M, SZ_4M, "4M-1M" },
};

static void align_case_desc(const struct iobmd_align_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(align, align_cases, align_case_desc);

/* The start is aligned as asked, for every size; the rest is as usual. */
static void iobmd_test_alignment(struct kunit *test)
{
	const struct iobmd_align_case *c = test->param_value;
	struct iobmd *bmd = create_or_fail(test, 0, c->capacity, c->alignment);
	u8 *p = iobmd_get_bytes_no_copy(bmd);
	u64 i, len, nonzero = 0;
	dma_addr_t addr;

	KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &addr,
							    &len));
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(addr, max_t(u64, c->alignment, 1)),
			      "%pad not aligned to %llu", &addr, c->alignment);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(addr));
	if (c->alignment > PAGE_SIZE) {
		/* XNU: an alignment above a page makes it contiguous. */
		KUNIT_EXPECT_TRUE(test, iobmd_kunit_contiguous(iobmd_get_options(bmd)));
		KUNIT_EXPECT_EQ(test, len, c->capacity);
	}
	KUNIT_EXPECT_LE(test, len, c->capacity);
	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), c->capacity);
	KUNIT_EXPECT_EQ(test, (u64)addr, (u64)iobmd_kunit_phys(p));
	for (i = 0; i < c->capacity; i++)
		nonzero += p[i] != 0;
	KUNIT_EXPECT_EQ(test, nonzero, 0);
}

struct iobmd_mask_case {
	u64 mask;
	u64 alignment;
	u64 capacity;
	u64 want_align;
	u64 want_limit;
	const char *name;
};

static const struct iobmd_mask_case mask_cases[] = {
	/* semantics.md's examples: 0xFFFFF000 is 4K aligned below 4 GiB. */
	{ 0xFFFFF000, 0, PAGE_SIZE, PAGE_SIZE, 0xFFFFFFFF, "0xFFFFF000" },
	{ 0xFFFFF000, 0, SZ_1M + 3, PAGE_SIZE, 0xFFFFFFFF, "0xFFFFF000-1M" },
	{ 0xFFFFFFFF, 0, 3 * PAGE_SIZE, PAGE_SIZE, 0xFFFFFFFF, "0xFFFFFFFF" },
	{ 0x3FFFFFFF, 0, SZ_64K, PAGE_SIZE, 0x3FFFFFFF, "30-bit" },
	{ 0xFFFF0000, 0, 100, SZ_64K, 0xFFFFFFFF, "0xFFFF0000-64K-align" },
	/* Both honoured: the mask's limit and the larger alignment. */
	{ 0xFFFFF000, SZ_1M, 100, SZ_1M, 0xFFFFFFFF, "32-bit-1M-align" },
	{ 0x3FFFFFFF, SZ_2M, SZ_64K, SZ_2M, 0x3FFFFFFF, "30-bit-2M-align" },
	/* A hole: only the highest address counts, reduced to 2^n - 1. */
	{ 0xF0FFF000, 0, PAGE_SIZE, PAGE_SIZE, 0x7FFFFFFF, "holes" },
	{ U64_MAX, 0, PAGE_SIZE, PAGE_SIZE, U64_MAX, "all-bits" },
};

static void mask_case_desc(const struct iobmd_mask_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mask, mask_cases, mask_case_desc);

/* The whole buffer lies at or below the mask's highest address. */
static void iobmd_test_physical_mask(struct kunit *test)
{
	const struct iobmd_mask_case *c = test->param_value;
	struct iobmd *bmd;
	dma_addr_t addr;
	u64 off, len;

	bmd = iobmd_init_with_physical_mask(NULL, IOBMD_DIRECTION_IN,
					    c->capacity, c->alignment, c->mask);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &addr,
							    &len));
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(addr, c->want_align),
			      "%pad not aligned to %llu", &addr, c->want_align);
	/* Every segment, and the page-rounded tail, below the limit. */
	for (off = 0; off < c->capacity; off += len) {
		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, off,
								    &addr,
								    &len));
		KUNIT_EXPECT_LE_MSG(test, (u64)PAGE_ALIGN(addr + len) - 1,
				    c->want_limit, "segment at %pad", &addr);
	}
	KUNIT_EXPECT_EQ(test, bmd->physical_mask, c->want_limit);
	KUNIT_EXPECT_EQ(test, bmd->alignment, c->want_align);
	iobmd_put(bmd);
}

/* The factories are initWithPhysicalMask with their fixed arguments. */
static void iobmd_test_factories(struct kunit *test)
{
	struct iobmd *bmd;

	bmd = iobmd_in_task_with_physical_mask(NULL, 0, 100, 0xFFFF0000);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, bmd->alignment, SZ_64K);
	KUNIT_EXPECT_EQ(test, bmd->physical_mask, 0xFFFFFFFF);
	iobmd_put(bmd);

	bmd = iobmd_in_task_with_options(IOBMD_KERNEL_TASK, 0, 100, SZ_64K);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, bmd->alignment, SZ_64K);
	KUNIT_EXPECT_EQ(test, bmd->physical_mask, U64_MAX);
	iobmd_put(bmd);

	bmd = iobmd_with_options(0, 100, 8);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, bmd->alignment, PAGE_SIZE);
	iobmd_put(bmd);
}

static void iobmd_test_with_capacity_and_bytes(struct kunit *test)
{
	static const char text[] = "IOBufferMemoryDescriptor";
	struct iobmd *bmd;
	dma_addr_t addr;

	bmd = iobmd_with_capacity(3 * PAGE_SIZE, IOBMD_DIRECTION_OUT, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd),
			IOBMD_DIRECTION_OUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS);
	/* Contiguous: aligned to its capacity, rounded to a power of two. */
	KUNIT_EXPECT_EQ(test, bmd->alignment, 2 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &addr,
							    NULL));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(addr, 2 * PAGE_SIZE));
	iobmd_put(bmd);

	bmd = iobmd_with_capacity(100, IOBMD_DIRECTION_IN, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd), IOBMD_DIRECTION_IN);
	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), 100);
	iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_capacity(100, 4, false)));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_capacity(0, 0, true)));

	bmd = iobmd_with_bytes(text, sizeof(text), IOBMD_DIRECTION_INOUT,
			       false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), sizeof(text));
	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), sizeof(text));
	KUNIT_EXPECT_EQ(test, 0, memcmp(iobmd_get_bytes_no_copy(bmd), text,
					sizeof(text)));
	iobmd_put(bmd);
	/* Length 0 fails, as in XNU. */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_bytes(text, 0, 0, false)));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_bytes(text, 1, 5, true)));
}

struct iobmd_mask_thread {
	u64 mask;
	atomic_t *bad;
	struct completion done;
};

static int iobmd_mask_thread_fn(void *data)
{
	struct iobmd_mask_thread *t = data;
	dma_addr_t addr;
	int i;

	for (i = 0; i < 16; i++) {
		struct iobmd *bmd = iobmd_in_task_with_physical_mask(NULL,
						IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
						SZ_64K, t->mask);

		if (IS_ERR(bmd) ||
		    iobmd_get_physical_segment(bmd, 0, &addr, NULL) ||
		    addr + SZ_64K - 1 > t->mask || bmd->physical_mask != t->mask)
			atomic_inc(t->bad);
		if (!IS_ERR(bmd))
			iobmd_put(bmd);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

/*
 * Concurrent creates with different masks each get their own mask. The
 * masks are used by no other case, so their devices are created here, by
 * threads racing for them: two threads per mask.
 */
static void iobmd_test_concurrent_masks(struct kunit *test)
{
	static const u64 masks[] = { 0x1FFFFFFFFULL, 0x3FFFFFFFFULL,
				     0x1FFFFFFFFULL, 0x3FFFFFFFFULL,
				     0xFFFFFFFFFULL, 0xFFFFFFFFFULL };
	struct iobmd_mask_thread t[ARRAY_SIZE(masks)];
	atomic_t bad = ATOMIC_INIT(0);
	unsigned int i, started = 0;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		t[i].mask = masks[i];
		t[i].bad = &bad;
		init_completion(&t[i].done);
	}
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		if (IS_ERR(kthread_run(iobmd_mask_thread_fn, &t[i],
				       "iobmd-mask-%u", i)))
			break;
		started++;
	}
	/* Wait for every thread started: they use this stack frame. */
	for (i = 0; i < started; i++)
		wait_for_completion(&t[i].done);
	KUNIT_EXPECT_EQ(test, started, ARRAY_SIZE(masks));
	KUNIT_EXPECT_EQ(test, atomic_read(&bad), 0);
}

/* References: each get needs a put; the buffer is freed by the last. */
static void iobmd_test_refcount(struct kunit *test)
{
	long live = iobmd_live_buffer_count();
	struct iobmd *bmd = iobmd_with_options(0, PAGE_SIZE, 0);
	u8 *p;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live + 1);
	KUNIT_EXPECT_PTR_EQ(test, iobmd_get(bmd), bmd);
	iobmd_put(bmd);
	/* Still one reference: alive, and usable (KASAN checks). */
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live + 1);
	p = iobmd_get_bytes_no_copy(bmd);
	p[PAGE_SIZE - 1] = 1;
	KUNIT_EXPECT_EQ(test, p[PAGE_SIZE - 1], 1);
	iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
	/* NULL is a no-op, as kfree(NULL). */
	iobmd_put(NULL);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

/* A failed create allocates nothing that outlives it. */
static void iobmd_test_errno_leaves_nothing(struct kunit *test)
{
	long live = iobmd_live_buffer_count();

	KUNIT_EXPECT_TRUE(test, IS_ERR(iobmd_with_options(0, 1ULL << 46, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(iobmd_with_options(0x1000, 1, 0)));
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

struct iobmd_errno_case {
	u32 options;
	u64 capacity;
	u64 alignment;
	int err;
	const char *name;
};

static const struct iobmd_errno_case errno_cases[] = {
	{ 0, 0, 0, -EINVAL, "capacity-0" },
	{ 0, U64_MAX, 0, -EINVAL, "capacity-overflows" },
	{ 0, U64_MAX - PAGE_SIZE + 2, 0, -EINVAL, "capacity-rounds-over" },
	/* Above max_buffer_bytes, whose default is half the RAM. */
	{ 0, 1ULL << 46, 0, -EFBIG, "capacity-64T" },
	{ 0x8, PAGE_SIZE, 0, -EINVAL, "direction-bit-3" },
	{ 0x4, PAGE_SIZE, 0, -EINVAL, "direction-4" },
	{ 0x7, PAGE_SIZE, 0, -EINVAL, "direction-7" },
	{ 0x1000, PAGE_SIZE, 0, -EINVAL, "unknown-0x1000" },
	{ 0x80000000, PAGE_SIZE, 0, -EINVAL, "unknown-bit-31" },
	{ IOBMD_MEMORY_PURGEABLE, PAGE_SIZE, 0, -EINVAL, "purgeable-alone" },
	{ 0x500, PAGE_SIZE, 0, -EINVAL, "cache-0x500" },
	{ 0x700, PAGE_SIZE, 0, -EINVAL, "cache-0x700" },
	{ 0xf00, PAGE_SIZE, 0, -EINVAL, "cache-0x700-mapper-none" },
	{ IOBMD_MAP_WRITE_THRU_CACHE, PAGE_SIZE, 0, -EOPNOTSUPP, "writethru" },
	{ IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, PAGE_SIZE,
	  0, -EINVAL, "pageable-contiguous" },
	{ IOBMD_MEMORY_PAGEABLE, PAGE_SIZE, SZ_64K, -EINVAL,
	  "pageable-aligned-64K" },
	{ IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_MAPPER_NONE, PAGE_SIZE, 0,
	  -EINVAL, "pageable-mapper-none" },
	{ IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_KERNEL_USER_SHARED, PAGE_SIZE, 0,
	  -EINVAL, "pageable-kernel-user-shared" },
	{ IOBMD_MEMORY_PAGEABLE | IOBMD_MAP_INHIBIT_CACHE, PAGE_SIZE, 0,
	  -EINVAL, "pageable-inhibit" },
	{ IOBMD_MEMORY_CLEAR_ENCRYPT, PAGE_SIZE, 0, -EOPNOTSUPP,
	  "clear-encrypt" },
	{ IOBMD_MEMORY_USE_RESERVE, PAGE_SIZE, 0, -EOPNOTSUPP, "use-reserve" },
	{ 0, PAGE_SIZE, 3, -EINVAL, "alignment-3" },
	{ 0, PAGE_SIZE, PAGE_SIZE + 1, -EINVAL, "alignment-page-plus-1" },
	{ 0, U64_MAX - PAGE_SIZE, SZ_1M, -EINVAL, "alignment-overflows" },
	{ 0, PAGE_SIZE, 1ULL << 63, -ENOMEM, "alignment-2^63" },
	{ 0, 1ULL << 63, 1ULL << 63, -EINVAL, "capacity-and-alignment-2^63" },
};

static void errno_case_desc(const struct iobmd_errno_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(errno, errno_cases, errno_case_desc);

static void iobmd_test_errno(struct kunit *test)
{
	const struct iobmd_errno_case *c = test->param_value;
	struct iobmd *bmd = iobmd_with_options(c->options, c->capacity,
					       c->alignment);

	if (!IS_ERR(bmd))
		iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bmd), (long)c->err);
}

/* Masks the platform cannot allocate under, and a user mm as task. */
static void iobmd_test_mask_errno(struct kunit *test)
{
	/* Stands for a user mm; refused before it would be used. */
	struct mm_struct *user_mm = kunit_kzalloc(test, 64, GFP_KERNEL);
	long live = iobmd_live_buffer_count();

	KUNIT_ASSERT_NOT_NULL(test, user_mm);
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_in_task_with_physical_mask(NULL, 0, 100,
								 0xFFFFF)));
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_in_task_with_physical_mask(NULL, 0, 100,
								 0x1)));
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_in_task_with_options(user_mm, 0, 100, 0)));
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

static struct kunit_case iobmd_buffer_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_create, size_gen_params),
	KUNIT_CASE_PARAM(iobmd_test_physical_segment, size_gen_params),
	KUNIT_CASE(iobmd_test_sg_below_mask),
	KUNIT_CASE(iobmd_test_bytes_no_copy_range),
	KUNIT_CASE_PARAM(iobmd_test_alignment, align_gen_params),
	KUNIT_CASE_PARAM(iobmd_test_physical_mask, mask_gen_params),
	KUNIT_CASE(iobmd_test_factories),
	KUNIT_CASE(iobmd_test_with_capacity_and_bytes),
	KUNIT_CASE(iobmd_test_concurrent_masks),
	KUNIT_CASE(iobmd_test_mask_errno),
	KUNIT_CASE(iobmd_test_refcount),
	KUNIT_CASE(iobmd_test_errno_leaves_nothing),
	KUNIT_CASE_PARAM(iobmd_test_errno, errno_gen_params),
	{}
};

static struct kunit_suite iobmd_buffer_suite = {
	.name = "iobmd_buffer",
	.test_cases = iobmd_buffer_cases,
};

kunit_test_suite(iobmd_buffer_suite);

MODULE_DESCRIPTION("KUnit tests for iobmd buffers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
