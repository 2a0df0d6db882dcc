// SPDX-License-Identifier: GPL-2.0
/*
 * The share of swiotlb that iobmd's mappings may hold (kmod/bounce.c).
 *
 * Booted with swiotlb=force (make check boots each kernel once so, for
 * this test alone), every DMA mapping bounces, as in SEV and TDX guests:
 * a wired buffer holds its bounce buffer for its whole life. iobmd's
 * buffers together may take a quarter of the pool (64 MiB: 16 MiB), and a
 * create past it fails with ENOBUFS, so that the members of the group the
 * device is given to cannot fill the pool every other driver needs.
 * Without swiotlb=force the same creates never bounce: the control.
 */
#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define SIZE (4UL << 20)
#define MAX_BUFFERS 8

/* Whether the kernel was booted with swiotlb=force. */
static int swiotlb_forced(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	return !!strstr(cmdline, "swiotlb=force");
}

FIXTURE(bounce) {
	int dev;
	struct iobmd_create c[MAX_BUFFERS];
	int n;
};

FIXTURE_SETUP(bounce)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_stat("bounced_bytes"));
	self->n = 0;
}

FIXTURE_TEARDOWN(bounce)
{
	int i;

	for (i = 0; i < self->n; i++)
		close(self->c[i].fd);
	EXPECT_EQ(0, iobmd_stat("bounced_bytes"));
	close(self->dev);
}

/*
 * Scatter-gather buffers of 4 MiB until the share is reached: at most 16
 * MiB bounced, ENOBUFS past it, and nothing of the refused create left.
 */
TEST_F_TIMEOUT(bounce, wired_buffers_within_a_share, 600)
{
	long live = iobmd_stat("live_buffers");
	int ret = 0;

	while (self->n < MAX_BUFFERS) {
		ret = iobmd_create(self->dev, SIZE, IOBMD_DIRECTION_INOUT, 0,
				   &self->c[self->n]);
		if (ret)
			break;
		self->n++;
		EXPECT_GE(16L << 20, iobmd_stat("bounced_bytes"));
	}
	TH_LOG("%d buffers of 4 MiB, %ld bytes bounced", self->n,
	       iobmd_stat("bounced_bytes"));
	if (!swiotlb_forced()) {
		/* The control: nothing bounces, nothing is refused. */
		EXPECT_EQ(0, ret);
		EXPECT_EQ(MAX_BUFFERS, self->n);
		EXPECT_EQ(0, iobmd_stat("bounced_bytes"));
		return;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	EXPECT_EQ(4, self->n);
	EXPECT_EQ(16L << 20, iobmd_stat("bounced_bytes"));
	EXPECT_EQ(live + self->n, iobmd_stat("live_buffers"));
	/* Freeing one makes room for one. */
	close(self->c[--self->n].fd);
	EXPECT_EQ(0, iobmd_create(self->dev, SIZE, IOBMD_DIRECTION_INOUT, 0,
				  &self->c[self->n]));
	self->n++;
}

/*
 * A contiguous buffer from dma_alloc_attrs() is allocated for the device
 * and never bounces: it is made even while the share is full.
 */
TEST_F_TIMEOUT(bounce, contiguous_does_not_bounce, 600)
{
	struct iobmd_create c;
	int ret = 0;

	while (self->n < MAX_BUFFERS && !ret) {
		ret = iobmd_create(self->dev, SIZE, IOBMD_DIRECTION_INOUT, 0,
				   &self->c[self->n]);
		if (!ret)
			self->n++;
	}
	ASSERT_EQ(0, iobmd_create(self->dev, 8 * PAGE,
				  IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, 0, &c));
	close(c.fd);
}

TEST_HARNESS_MAIN
