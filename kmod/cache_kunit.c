// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for what the cache modes share on every architecture
 * (kmod/cache.c and the architecture's iobmd_cache_mode_check()); each
 * mode's memory type is tested in cache_x86_kunit.c or
 * cache_arm64_kunit.c. Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>

#include "iobmd_internal.h"

/*
 * WriteThru cannot be given for RAM (x86: no interface a module may call
 * sets WT; arm64: no such type in MAIR_EL1): refused, nothing left behind.
 */
static void iobmd_test_cache_write_thru(struct kunit *test)
{
	long live = iobmd_live_buffer_count();

	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_with_options(IOBMD_MAP_WRITE_THRU_CACHE,
						   PAGE_SIZE, 0)));
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_with_options(IOBMD_MAP_WRITE_THRU_CACHE |
						   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
						   PAGE_SIZE, 0)));
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

static struct kunit_case iobmd_cache_modes_cases[] = {
	KUNIT_CASE(iobmd_test_cache_write_thru),
	{}
};

static struct kunit_suite iobmd_cache_modes_suite = {
	.name = "iobmd_cache_modes",
	.test_cases = iobmd_cache_modes_cases,
};

kunit_test_suite(iobmd_cache_modes_suite);
