// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-kernel API of kmod/buffer.c. Built as the separate
 * module iobmd_kunit.ko, which needs iobmd.ko loaded.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>

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

/* One contiguous segment covers the whole length, page aligned. */
static void iobmd_test_physical_segment(struct kunit *test)
{
	const struct iobmd_size_case *c = test->param_value;
	struct iobmd *bmd = create_or_fail(test, c->options, c->capacity, 0);
	dma_addr_t base, addr;
	u64 len;

	KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &base,
							    &len));
	KUNIT_EXPECT_EQ(test, len, c->capacity);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(base));
	/* x86 dma-direct without an IOMMU: the DMA address is physical. */
	KUNIT_EXPECT_EQ(test, base,
			(dma_addr_t)virt_to_phys(iobmd_get_bytes_no_copy(bmd)));

	KUNIT_ASSERT_EQ(test, 0,
			iobmd_get_physical_segment(bmd, c->capacity - 1, &addr,
						   &len));
	KUNIT_EXPECT_EQ(test, addr, base + c->capacity - 1);
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

static void iobmd_test_alignment(struct kunit *test)
{
	static const u64 ok[] = { 0, 1, 2, 64, 512, PAGE_SIZE };
	dma_addr_t addr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		struct iobmd *bmd = create_or_fail(test, 0, 3000, ok[i]);

		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0,
								    &addr,
								    NULL));
		KUNIT_EXPECT_TRUE_MSG(test, ok[i] <= 1 || IS_ALIGNED(addr, ok[i]),
				      "alignment %llu", ok[i]);
	}
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
	{ 0, 1ULL << 46, 0, -ENOMEM, "capacity-64T" },
	{ 0x8, PAGE_SIZE, 0, -EINVAL, "direction-bit-3" },
	{ 0x4, PAGE_SIZE, 0, -EINVAL, "direction-4" },
	{ 0x7, PAGE_SIZE, 0, -EINVAL, "direction-7" },
	{ 0x1000, PAGE_SIZE, 0, -EINVAL, "unknown-0x1000" },
	{ 0x80000000, PAGE_SIZE, 0, -EINVAL, "unknown-bit-31" },
	{ IOBMD_MEMORY_PURGEABLE, PAGE_SIZE, 0, -EINVAL, "purgeable-alone" },
	{ 0x500, PAGE_SIZE, 0, -EINVAL, "cache-0x500" },
	{ 0x700, PAGE_SIZE, 0, -EINVAL, "cache-0x700" },
	{ 0xf00, PAGE_SIZE, 0, -EINVAL, "cache-0x700-mapper-none" },
	{ IOBMD_MAP_INHIBIT_CACHE, PAGE_SIZE, 0, -EOPNOTSUPP, "inhibit" },
	{ IOBMD_MAP_WRITE_THRU_CACHE, PAGE_SIZE, 0, -EOPNOTSUPP, "writethru" },
	{ IOBMD_MAP_WRITE_COMBINE_CACHE, PAGE_SIZE, 0, -EOPNOTSUPP, "wc" },
	{ IOBMD_MEMORY_PAGEABLE, PAGE_SIZE, 0, -EOPNOTSUPP, "pageable" },
	{ IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE, PAGE_SIZE, 0,
	  -EOPNOTSUPP, "purgeable" },
	{ IOBMD_MEMORY_MAPPER_NONE, PAGE_SIZE, 0, -EOPNOTSUPP, "mapper-none" },
	{ IOBMD_MEMORY_CLEAR_ENCRYPT, PAGE_SIZE, 0, -EOPNOTSUPP,
	  "clear-encrypt" },
	{ IOBMD_MEMORY_USE_RESERVE, PAGE_SIZE, 0, -EOPNOTSUPP, "use-reserve" },
	{ 0, PAGE_SIZE, 3, -EINVAL, "alignment-3" },
	{ 0, PAGE_SIZE, PAGE_SIZE + 1, -EINVAL, "alignment-page-plus-1" },
	{ 0, PAGE_SIZE, 2 * PAGE_SIZE, -EOPNOTSUPP, "alignment-2-pages" },
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

static struct kunit_case iobmd_buffer_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_create, size_gen_params),
	KUNIT_CASE_PARAM(iobmd_test_physical_segment, size_gen_params),
	KUNIT_CASE(iobmd_test_bytes_no_copy_range),
	KUNIT_CASE(iobmd_test_alignment),
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
