// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kmod/pageable.c and kmod/purgeable.c: the purgeable
 * state machine, every (state, request, prepared) triple with the
 * shrinker run after it;
 * prepare and segments of pageable buffers; and purges racing prepares.
 * Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "iobmd_internal.h"

#define CAP (4 * PAGE_SIZE)
#define PURGEABLE (IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE | \
		   IOBMD_MEMORY_PURGEABLE)
#define NV IOBMD_PURGEABLE_NON_VOLATILE
#define VOL IOBMD_PURGEABLE_VOLATILE
#define EMPTY IOBMD_PURGEABLE_EMPTY

static u32 iobmd_state(struct iobmd *bmd)
{
	u32 old = 0;

	return iobmd_set_purgeable(bmd, IOBMD_PURGEABLE_KEEP_CURRENT, &old) ?
	       0 : old;
}

/* Whether the buffer holds @marker in its first and last byte. */
static bool iobmd_has(struct iobmd *bmd, u8 marker)
{
	u8 first = ~marker, last = ~marker;

	return !iobmd_read_bytes(bmd, 0, &first, 1) &&
	       !iobmd_read_bytes(bmd, CAP - 1, &last, 1) &&
	       first == marker && last == marker;
}

static void iobmd_mark(struct kunit *test, struct iobmd *bmd, u8 marker)
{
	KUNIT_ASSERT_EQ(test, 0, iobmd_write_bytes(bmd, 0, &marker, 1));
	KUNIT_ASSERT_EQ(test, 0, iobmd_write_bytes(bmd, CAP - 1, &marker, 1));
}

struct iobmd_transition {
	u32 from;
	u32 request;
	bool prepared;
};

/* Every state x every request (two invalid ones) x prepared or not. */
static const u32 iobmd_requests[] = { 0, 1, 2, 3, 4, 5 };
static const u32 iobmd_states[] = { NV, VOL, EMPTY };
#define IOBMD_TRANSITIONS (ARRAY_SIZE(iobmd_states) * \
			   ARRAY_SIZE(iobmd_requests) * 2)

static void iobmd_transition_of(unsigned int i, struct iobmd_transition *t)
{
	t->prepared = i & 1;
	i >>= 1;
	t->request = iobmd_requests[i % ARRAY_SIZE(iobmd_requests)];
	t->from = iobmd_states[i / ARRAY_SIZE(iobmd_requests)];
}

static const void *iobmd_transition_gen(const void *prev, char *desc)
{
	static const char * const names[] = { "0", "keep", "nonvolatile",
					      "volatile", "empty", "5" };
	uintptr_t i = prev ? (uintptr_t)prev : 0;
	struct iobmd_transition t;

	/* Params are pointers, never NULL: case i is (void *)(i + 1). */
	if (i >= IOBMD_TRANSITIONS)
		return NULL;
	iobmd_transition_of(i, &t);
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s-%s%s", names[t.from],
		 names[t.request], t.prepared ? "-prepared" : "");
	return (const void *)(i + 1);
}

/*
 * The rules: 0 and 5 are -EINVAL and change nothing; KeepCurrent only
 * reads; NonVolatile always wins; Volatile after Empty stays Empty; Empty
 * discards, except while prepared (-EBUSY). The old state is always the
 * state before. Then the shrinker discards exactly the volatile buffers
 * that are not prepared.
 */
static void iobmd_test_transition(struct kunit *test)
{
	struct iobmd_transition t;
	u32 old = 0, want, after;
	struct iobmd *bmd;
	int ret, want_ret = 0;

	iobmd_transition_of((uintptr_t)test->param_value - 1, &t);
	bmd = iobmd_in_task_with_options(NULL, PURGEABLE, CAP, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(bmd));
	iobmd_mark(test, bmd, 0x5a);
	if (t.from != NV)
		KUNIT_ASSERT_EQ(test, 0, iobmd_set_purgeable(bmd, t.from, NULL));
	if (t.prepared)
		KUNIT_ASSERT_EQ(test, 0, iobmd_prepare(bmd, 0));

	want = t.from;
	switch (t.request) {
	case IOBMD_PURGEABLE_KEEP_CURRENT:
		break;
	case NV:
		want = NV;
		break;
	case VOL:
		if (t.from != EMPTY)
			want = VOL;
		break;
	case EMPTY:
		if (t.prepared)
			want_ret = -EBUSY;
		else
			want = EMPTY;
		break;
	default:
		want_ret = -EINVAL;
	}
	ret = iobmd_set_purgeable(bmd, t.request, &old);
	KUNIT_EXPECT_EQ(test, ret, want_ret);
	if (!ret)
		KUNIT_EXPECT_EQ(test, old, t.from);
	KUNIT_EXPECT_EQ(test, iobmd_state(bmd), want);
	/* Contents: kept unless discarded before or now. */
	KUNIT_EXPECT_EQ(test, iobmd_has(bmd, 0x5a),
			t.from != EMPTY && want != EMPTY);
	KUNIT_EXPECT_EQ(test, iobmd_has(bmd, 0),
			t.from == EMPTY || want == EMPTY);

	iobmd_purge_volatile(ULONG_MAX);
	after = want == VOL && !t.prepared ? EMPTY : want;
	KUNIT_EXPECT_EQ(test, iobmd_state(bmd), after);
	if (after == EMPTY)
		KUNIT_EXPECT_TRUE(test, iobmd_has(bmd, 0));
	if (t.prepared)
		KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, 0));
	iobmd_put(bmd);
}

/* Only purgeable buffers have a purgeable state. */
static void iobmd_test_not_purgeable(struct kunit *test)
{
	static const u32 options[] = { IOBMD_DIRECTION_IN,
				       IOBMD_MEMORY_PAGEABLE };
	unsigned int i;
	u32 old = 7;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		struct iobmd *bmd = iobmd_in_task_with_options(NULL, options[i],
							       CAP, 0);

		KUNIT_ASSERT_FALSE(test, IS_ERR(bmd));
		KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
				iobmd_set_purgeable(bmd, VOL, &old));
		KUNIT_EXPECT_EQ(test, old, 7);
		iobmd_put(bmd);
	}
}

/*
 * A pageable buffer has segments only while prepared, covering it all;
 * the contents written before prepare are there after complete.
 */
static void iobmd_test_pageable_segments(struct kunit *test)
{
	struct iobmd *bmd = iobmd_in_task_with_options(NULL,
						       IOBMD_MEMORY_PAGEABLE |
						       IOBMD_DIRECTION_INOUT,
						       CAP, 0);
	dma_addr_t addr;
	u64 len, total = 0;

	KUNIT_ASSERT_FALSE(test, IS_ERR(bmd));
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy(bmd));
	KUNIT_EXPECT_EQ(test, -ENXIO,
			iobmd_get_physical_segment(bmd, 0, &addr, &len));
	iobmd_mark(test, bmd, 0x77);
	KUNIT_ASSERT_EQ(test, 0, iobmd_prepare(bmd, IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, -EBUSY, iobmd_prepare(bmd, IOBMD_DIRECTION_IN));
	while (total < CAP) {
		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, total,
								    &addr,
								    &len));
		KUNIT_EXPECT_NE(test, addr, 0);
		total += len;
	}
	KUNIT_EXPECT_EQ(test, total, CAP);
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_get_physical_segment(bmd, CAP,
								  &addr, &len));
	KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, -ENXIO,
			iobmd_get_physical_segment(bmd, 0, &addr, &len));
	KUNIT_EXPECT_TRUE(test, iobmd_has(bmd, 0x77));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_complete(bmd, 0));
	iobmd_put(bmd);
}

/*
 * A kernel mapping of pageable memory is refused: withOptions() (the
 * kernel task) of a pageable buffer is -EINVAL in iobmd.
 */
static void iobmd_test_pageable_kernel_task(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_options(IOBMD_MEMORY_PAGEABLE, CAP,
						   0)));
}

struct iobmd_race {
	struct iobmd *bmd;
	struct completion done;
	atomic_t stop;
	atomic_t bad;
	atomic_t purged;
};

/*
 * The purger: the shrinker's work, as fast as it can, in reclaim context
 * as direct reclaim enters it (__perform_reclaim()), so that lockdep
 * checks the purge's locks against every allocation made under them.
 */
static int iobmd_race_purger(void *arg)
{
	struct iobmd_race *r = arg;
	unsigned int noreclaim;
	unsigned long freed;

	while (!atomic_read(&r->stop)) {
		fs_reclaim_acquire(GFP_KERNEL);
		noreclaim = memalloc_noreclaim_save();
		freed = iobmd_purge_volatile(ULONG_MAX);
		memalloc_noreclaim_restore(noreclaim);
		fs_reclaim_release(GFP_KERNEL);
		if (freed)
			atomic_inc(&r->purged);
		cond_resched();
	}
	complete(&r->done);
	return 0;
}

/*
 * Purges race prepares: a buffer seen Volatile once prepared must stay
 * Volatile, with its contents, until it is completed; and purges do
 * happen between the prepares.
 */
static void iobmd_test_purge_races_prepare(struct kunit *test)
{
	struct iobmd_race r = { };
	struct task_struct *purger;
	unsigned int i;

	r.bmd = iobmd_in_task_with_options(NULL, PURGEABLE, CAP, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r.bmd));
	init_completion(&r.done);
	purger = kthread_run(iobmd_race_purger, &r, "iobmd-purger");
	KUNIT_ASSERT_FALSE(test, IS_ERR(purger));

	for (i = 0; i < 200; i++) {
		u8 marker = i | 1;
		u32 s1, s2;

		iobmd_set_purgeable(r.bmd, NV, NULL);
		iobmd_mark(test, r.bmd, marker);
		iobmd_set_purgeable(r.bmd, VOL, NULL);
		if (i & 1)
			usleep_range(50, 100);
		KUNIT_ASSERT_EQ(test, 0, iobmd_prepare(r.bmd, 0));
		s1 = iobmd_state(r.bmd);
		if (s1 == VOL && !iobmd_has(r.bmd, marker))
			atomic_inc(&r.bad);
		usleep_range(50, 100);
		s2 = iobmd_state(r.bmd);
		if (s1 == VOL && (s2 != VOL || !iobmd_has(r.bmd, marker)))
			atomic_inc(&r.bad);
		KUNIT_ASSERT_EQ(test, 0, iobmd_complete(r.bmd, 0));
	}
	atomic_set(&r.stop, 1);
	wait_for_completion(&r.done);
	KUNIT_EXPECT_EQ(test, atomic_read(&r.bad), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r.purged), 0);
	kunit_info(test, "%d purges in 200 prepare/complete rounds\n",
		   atomic_read(&r.purged));
	iobmd_put(r.bmd);
}

static struct kunit_case iobmd_pageable_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_transition, iobmd_transition_gen),
	KUNIT_CASE(iobmd_test_not_purgeable),
	KUNIT_CASE(iobmd_test_pageable_segments),
	KUNIT_CASE(iobmd_test_pageable_kernel_task),
	KUNIT_CASE(iobmd_test_purge_races_prepare),
	{}
};

static struct kunit_suite iobmd_pageable_suite = {
	.name = "iobmd_pageable",
	.test_cases = iobmd_pageable_cases,
};

kunit_test_suite(iobmd_pageable_suite);
