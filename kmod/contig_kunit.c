// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kmod/contig.c: a contiguous buffer above the page
 * allocator's largest block under a 32-bit mask, from alloc_contig_range()
 * when no CMA area lies below the mask (the test VM's is above 4 GiB);
 * a fatal signal stops the search; a page still referenced at free is not
 * given to free_contig_range() (which would WARN). Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/sizes.h>

#include "iobmd_internal.h"

#define LEN (SZ_8M + 5)
#define MASK32 0xFFFFFFFFULL

static u64 contig_count(enum iobmd_contig_result r)
{
	u64 counts[IOBMD_CONTIG_RESULTS];

	iobmd_contig_stats(counts);
	return counts[r];
}

/* Skip where CMA lies below 4 GiB: the buffer would come from there. */
static struct iobmd *create_range(struct kunit *test, struct mm_struct *task)
{
	u64 before = contig_count(IOBMD_CONTIG_ALLOCATED);
	struct iobmd *bmd;

	bmd = iobmd_init_with_physical_mask(task,
					    IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
					    LEN, 0, MASK32);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bmd);
	if (!bmd->contig_range) {
		iobmd_put(bmd);
		kunit_skip(test, "8 MiB below 4 GiB came from CMA here");
	}
	KUNIT_EXPECT_EQ(test, before + 1,
			contig_count(IOBMD_CONTIG_ALLOCATED));
	return bmd;
}

/* One physically contiguous, zeroed segment below the mask. */
static void iobmd_test_contig_range(struct kunit *test)
{
	struct iobmd *bmd = create_range(test, IOBMD_KERNEL_TASK);
	unsigned long n = bmd->alloc_size >> PAGE_SHIFT, i, bad = 0;
	unsigned long pfn = page_to_pfn(bmd->pages[0]);
	u8 *p = iobmd_get_bytes_no_copy(bmd);
	dma_addr_t addr;
	u64 len;

	KUNIT_EXPECT_EQ(test, 0, iobmd_get_physical_segment(bmd, 0, &addr,
							    &len));
	KUNIT_EXPECT_EQ(test, len, (u64)LEN);
	KUNIT_EXPECT_EQ(test, (u64)addr, (u64)PFN_PHYS(pfn));
	KUNIT_EXPECT_LE(test, (u64)addr + bmd->alloc_size - 1, MASK32);
	for (i = 0; i < n; i++)
		bad += page_to_pfn(bmd->pages[i]) != pfn + i;
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, (void *)p, page_address(bmd->pages[0]));
	for (i = 0, bad = 0; i < LEN; i++)
		bad += p[i] != 0;
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	iobmd_put(bmd);
}

/* A SIGKILL pending: the search ends at once with -EINTR, nothing left. */
static void iobmd_test_contig_fatal_signal(struct kunit *test)
{
	u64 interrupted = contig_count(IOBMD_CONTIG_INTERRUPTED);
	long live = iobmd_live_buffer_count();
	struct iobmd *bmd;

	allow_signal(SIGKILL);
	send_sig(SIGKILL, current, 1);
	KUNIT_ASSERT_TRUE(test, fatal_signal_pending(current));
	bmd = iobmd_init_with_physical_mask(NULL,
					    IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
					    LEN, 0, MASK32);
	flush_signals(current);
	disallow_signal(SIGKILL);
	if (!IS_ERR(bmd)) {
		/* Only CMA below 4 GiB gives it without a search. */
		KUNIT_EXPECT_FALSE(test, bmd->contig_range);
		iobmd_put(bmd);
		kunit_skip(test, "8 MiB below 4 GiB came from CMA here");
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(bmd), -EINTR);
	KUNIT_EXPECT_EQ(test, interrupted + 1,
			contig_count(IOBMD_CONTIG_INTERRUPTED));
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
	/* The control: without the signal the same create passes. */
	iobmd_put(create_range(test, NULL));
}

/*
 * A page with a reference the buffer does not own (a pin through a user
 * mapping that outlives it) at free: free_contig_range() would WARN (and
 * panic_on_warn panic); each page is put instead, and the last holder
 * frees it.
 */
static void iobmd_test_contig_free_held_page(struct kunit *test)
{
	struct iobmd *bmd = create_range(test, NULL);
	struct page *page = bmd->pages[bmd->alloc_size / PAGE_SIZE / 2];

	get_page(page);
	iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	put_page(page);
}

static struct kunit_case iobmd_contig_cases[] = {
	KUNIT_CASE(iobmd_test_contig_range),
	KUNIT_CASE(iobmd_test_contig_fatal_signal),
	KUNIT_CASE(iobmd_test_contig_free_held_page),
	{}
};

static struct kunit_suite iobmd_contig_suite = {
	.name = "iobmd_contig",
	.test_cases = iobmd_contig_cases,
};

kunit_test_suite(iobmd_contig_suite);
