// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kmod/cache_x86.c: the memory type of a buffer's direct map
 * and kernel mapping, read back from the page tables (lookup_address()),
 * and write-back again after free. Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/pgtable.h>

#include "iobmd_internal.h"

#define NPAGES 4
#define LEN (3 * PAGE_SIZE + 5)

/* The PWT/PCD/PAT bits of the kernel PTE that maps @addr, 4K layout. */
static unsigned long cache_bits(unsigned long addr)
{
	unsigned int level;
	unsigned long flags;
	pte_t *pte = lookup_address(addr, &level);

	if (!pte || !pte_present(*pte))
		return ULONG_MAX;
	flags = pte_flags(*pte);
	if (level != PG_LEVEL_4K)
		flags = protval_large_2_4k(flags);
	return flags & _PAGE_CACHE_MASK;
}

struct iobmd_cache_case {
	u32 options;
	enum page_cache_mode type;
	const char *name;
};

static const struct iobmd_cache_case cache_cases[] = {
	{ IOBMD_MAP_DEFAULT_CACHE, _PAGE_CACHE_MODE_WB, "default-sg" },
	{ IOBMD_MAP_COPYBACK_CACHE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	  _PAGE_CACHE_MODE_WB, "copyback-contiguous" },
	{ IOBMD_MAP_INHIBIT_CACHE, _PAGE_CACHE_MODE_UC_MINUS, "inhibit-sg" },
	{ IOBMD_MAP_INHIBIT_CACHE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	  _PAGE_CACHE_MODE_UC_MINUS, "inhibit-contiguous" },
	{ IOBMD_MAP_WRITE_COMBINE_CACHE, _PAGE_CACHE_MODE_WC, "wc-sg" },
	{ IOBMD_MAP_WRITE_COMBINE_CACHE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	  _PAGE_CACHE_MODE_WC, "wc-contiguous" },
};

static void cache_case_desc(const struct iobmd_cache_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cache, cache_cases, cache_case_desc);

/*
 * A kernel-task buffer: its direct map and its kernel mapping have the
 * mode's type while it lives; the direct map is write-back after free.
 */
static void iobmd_test_cache_type(struct kunit *test)
{
	const struct iobmd_cache_case *c = test->param_value;
	unsigned long want = cachemode2protval(c->type);
	unsigned long wb = cachemode2protval(_PAGE_CACHE_MODE_WB);
	unsigned long direct[NPAGES];
	struct iobmd *bmd;
	u8 out[8];
	u8 *p;
	int i;

	bmd = iobmd_with_options(c->options, LEN, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	p = iobmd_get_bytes_no_copy(bmd);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < NPAGES; i++) {
		direct[i] = bmd->pages ?
			    (unsigned long)page_address(bmd->pages[i]) :
			    (unsigned long)p + i * PAGE_SIZE;
		KUNIT_EXPECT_EQ_MSG(test, cache_bits(direct[i]), want,
				    "direct map, page %d", i);
		KUNIT_EXPECT_EQ_MSG(test, cache_bits((unsigned long)p +
						     i * PAGE_SIZE), want,
				    "kernel mapping, page %d", i);
	}

	/* The contents through the mapping and through the methods agree. */
	memcpy(p + LEN - 8, "cachemod", 8);
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, LEN - 8, out, 8));
	KUNIT_EXPECT_EQ(test, 0, memcmp(out, "cachemod", 8));

	iobmd_put(bmd);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, cache_bits(direct[i]), wb,
				    "freed page %d", i);
}

static struct kunit_case iobmd_cache_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_cache_type, cache_gen_params),
	{}
};

static struct kunit_suite iobmd_cache_suite = {
	.name = "iobmd_cache",
	.test_cases = iobmd_cache_cases,
};

kunit_test_suite(iobmd_cache_suite);
