// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the descriptor methods of kmod/methods.c: length,
 * contents, direction, prepare/complete. Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "iobmd_internal.h"

#define CAP (3 * PAGE_SIZE + 5)

static int iobmd_methods_init(struct kunit *test)
{
	struct iobmd *bmd = iobmd_with_options(IOBMD_DIRECTION_IN |
					       IOBMD_MEMORY_THREAD_SAFE,
					       CAP, 0);

	if (IS_ERR(bmd))
		return PTR_ERR(bmd);
	test->priv = bmd;
	return 0;
}

static void iobmd_methods_exit(struct kunit *test)
{
	iobmd_put(test->priv);
}

static void iobmd_test_set_length(struct kunit *test)
{
	struct iobmd *bmd = test->priv;
	dma_addr_t addr;
	u64 len;

	KUNIT_EXPECT_EQ(test, 0, iobmd_set_length(bmd, 10));
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), 10);
	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), CAP);
	/* Everything that looks at the length follows it. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_get_physical_segment(bmd, 9, &addr,
							    &len));
	KUNIT_EXPECT_EQ(test, len, 1);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_get_physical_segment(bmd, 10, &addr, &len));
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, 5, 6));
	KUNIT_EXPECT_NOT_NULL(test, iobmd_get_bytes_no_copy_range(bmd, 5, 5));

	KUNIT_EXPECT_EQ(test, 0, iobmd_set_length(bmd, 0));
	KUNIT_EXPECT_EQ(test, 0, iobmd_set_length(bmd, CAP));
	/* capacity + 1: XNU ignores it silently, iobmd refuses. */
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_set_length(bmd, CAP + 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_set_length(bmd, U64_MAX));
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), CAP);
}

static void iobmd_test_append_bytes(struct kunit *test)
{
	struct iobmd *bmd = test->priv;
	static const char hello[] = "hello";
	u8 *p = iobmd_get_bytes_no_copy(bmd);
	u8 big[64];

	KUNIT_ASSERT_EQ(test, 0, iobmd_set_length(bmd, 0));
	KUNIT_EXPECT_EQ(test, 5, iobmd_append_bytes(bmd, hello, 5));
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), 5);
	KUNIT_EXPECT_EQ(test, 0, memcmp(p, hello, 5));
	KUNIT_EXPECT_EQ(test, 5, iobmd_append_bytes(bmd, hello, 5));
	KUNIT_EXPECT_EQ(test, 0, memcmp(p + 5, hello, 5));

	/* Only what fits below the capacity is copied. */
	memset(big, 0x77, sizeof(big));
	KUNIT_ASSERT_EQ(test, 0, iobmd_set_length(bmd, CAP - 10));
	KUNIT_EXPECT_EQ(test, 10, iobmd_append_bytes(bmd, big, sizeof(big)));
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), CAP);
	KUNIT_EXPECT_EQ(test, p[CAP - 1], 0x77);
	KUNIT_EXPECT_EQ(test, 0, iobmd_append_bytes(bmd, big, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_append_bytes(bmd, big, 0));
}

static void iobmd_test_set_direction(struct kunit *test)
{
	struct iobmd *bmd = test->priv;
	u32 d;

	for (d = IOBMD_DIRECTION_NONE; d <= IOBMD_DIRECTION_INOUT; d++) {
		KUNIT_EXPECT_EQ(test, 0, iobmd_set_direction(bmd, d));
		KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd),
				IOBMD_MEMORY_THREAD_SAFE | d);
	}
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_set_direction(bmd, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_set_direction(bmd, U32_MAX));
	KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd),
			IOBMD_MEMORY_THREAD_SAFE | IOBMD_DIRECTION_INOUT);
}

static void iobmd_test_read_write_bytes(struct kunit *test)
{
	struct iobmd *bmd = test->priv;
	u8 in[32], out[32];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i + 1;
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, CAP - 32, in, 32));
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, CAP - 32, out, 32));
	KUNIT_EXPECT_EQ(test, 0, memcmp(in, out, 32));

	/* All or nothing: one byte past the length copies nothing. */
	memset(out, 0, sizeof(out));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_read_bytes(bmd, CAP - 31, out, 32));
	KUNIT_EXPECT_EQ(test, out[0], 0);
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_write_bytes(bmd, CAP - 31, in, 32));
	/* offset == length: only an empty range is inside. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, CAP, out, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_read_bytes(bmd, CAP, out, 1));
	/* offset + n overflows. */
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_read_bytes(bmd, 8, out,
							U64_MAX - 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_write_bytes(bmd, U64_MAX, in, 2));

	/* The length, not the capacity, bounds them. */
	KUNIT_ASSERT_EQ(test, 0, iobmd_set_length(bmd, 16));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_write_bytes(bmd, 0, in, 17));
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, 0, in, 16));
}

static void iobmd_test_prepare_complete(struct kunit *test)
{
	struct iobmd *bmd = test->priv;
	u8 b = 1;

	/* Unbalanced complete: XNU ignores it, iobmd refuses. */
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_complete(bmd, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_prepare(bmd, 4));

	/* Prepared for a device read only: writeBytes is refused. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_prepare(bmd, IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, -EBUSY, iobmd_write_bytes(bmd, 0, &b, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, 0, &b, 1));
	/* Counted: the read-only state lasts until the last complete. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_prepare(bmd, IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, -EBUSY, iobmd_write_bytes(bmd, 0, &b, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, -EBUSY, iobmd_write_bytes(bmd, 0, &b, 1));
	/* appendBytes is a write too. */
	KUNIT_ASSERT_EQ(test, 0, iobmd_set_length(bmd, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_append_bytes(bmd, &b, 1));
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), 1);
	KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, 0, &b, 1));
	KUNIT_EXPECT_EQ(test, 1, iobmd_append_bytes(bmd, &b, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_complete(bmd, 0));

	/* None means the buffer's own direction (In here): writable. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_prepare(bmd, IOBMD_DIRECTION_NONE));
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, 0, &b, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, IOBMD_DIRECTION_NONE));

	/* A buffer whose own direction is Out, prepared with None. */
	KUNIT_ASSERT_EQ(test, 0, iobmd_set_direction(bmd, IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, 0, iobmd_prepare(bmd, IOBMD_DIRECTION_NONE));
	KUNIT_EXPECT_EQ(test, -EBUSY, iobmd_write_bytes(bmd, 0, &b, 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_complete(bmd, IOBMD_DIRECTION_NONE));
}

static struct kunit_case iobmd_methods_cases[] = {
	KUNIT_CASE(iobmd_test_set_length),
	KUNIT_CASE(iobmd_test_append_bytes),
	KUNIT_CASE(iobmd_test_set_direction),
	KUNIT_CASE(iobmd_test_read_write_bytes),
	KUNIT_CASE(iobmd_test_prepare_complete),
	{}
};

static struct kunit_suite iobmd_methods_suite = {
	.name = "iobmd_methods",
	.init = iobmd_methods_init,
	.exit = iobmd_methods_exit,
	.test_cases = iobmd_methods_cases,
};

kunit_test_suite(iobmd_methods_suite);
