// SPDX-License-Identifier: GPL-2.0
/*
 * Purgeable buffers (kIOMemoryPurgeable, setPurgeable): the old-state
 * answers, Empty discarding at once, volatile buffers discarded by
 * drop_caches (the shrinker) while non-volatile and prepared ones are
 * not, zero-filled pages through a mapping after a discard, the figures in
 * debugfs, and every errno of IOBMD_IOC_SET_PURGEABLE.
 */
#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define SIZE (2UL << 20)
#define PURGEABLE (IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE | \
		   IOBMD_MEMORY_PURGEABLE)
#define KEEP IOBMD_PURGEABLE_KEEP_CURRENT
#define NONVOL IOBMD_PURGEABLE_NON_VOLATILE
#define VOL IOBMD_PURGEABLE_VOLATILE
#define EMPTY IOBMD_PURGEABLE_EMPTY

/* IOBMD_IOC_SET_PURGEABLE: the old state, or -errno. */
static int set_purgeable(int fd, __u32 state)
{
	struct iobmd_purgeable p = { .new_state = state };

	return ioctl(fd, IOBMD_IOC_SET_PURGEABLE, &p) ? -errno :
							(int)p.old_state;
}

static int direction_ioctl(int fd, unsigned long cmd, __u32 dir)
{
	struct iobmd_direction d = { .direction = dir };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

/* echo 2 > drop_caches: every shrinker, the purge shrinker among them. */
#define DROP_CACHES "/proc/sys/vm/drop_caches"
static int shrink_all(void)
{
	return iobmd_write_file(DROP_CACHES, "2");
}

/* Shmem: in /proc/meminfo, in kB. */
static long shmem_kb(void)
{
	return iobmd_proc_kb("/proc/meminfo", "Shmem");
}

FIXTURE(purgeable) {
	int dev;
	struct iobmd_create a;
	struct iobmd_create b;
	unsigned char *map_a;
	unsigned char *map_b;
};

/* Two purgeable buffers, mapped and filled: a with 0xaa, b with 0xbb. */
FIXTURE_SETUP(purgeable)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_create(self->dev, SIZE, PURGEABLE,
				  IOBMD_CREATE_MAP_TASK, &self->a));
	ASSERT_EQ(0, iobmd_create(self->dev, SIZE, PURGEABLE,
				  IOBMD_CREATE_MAP_TASK, &self->b));
	self->map_a = (unsigned char *)(uintptr_t)self->a.address;
	self->map_b = (unsigned char *)(uintptr_t)self->b.address;
	memset(self->map_a, 0xaa, SIZE);
	memset(self->map_b, 0xbb, SIZE);
}

FIXTURE_TEARDOWN(purgeable)
{
	munmap(self->map_a, SIZE);
	munmap(self->map_b, SIZE);
	close(self->a.fd);
	close(self->b.fd);
	close(self->dev);
}

/* The old state comes back, and the info ioctl agrees. */
TEST_F(purgeable, old_state_answers)
{
	struct iobmd_info info;

	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, KEEP));
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, VOL));
	EXPECT_EQ(VOL, set_purgeable(self->a.fd, KEEP));
	ASSERT_EQ(0, iobmd_info(self->a.fd, &info));
	EXPECT_EQ(VOL, info.purgeable_state);
	EXPECT_EQ(VOL, set_purgeable(self->a.fd, VOL));
	EXPECT_EQ(VOL, set_purgeable(self->a.fd, NONVOL));
	/* Not purged: the contents are all there. */
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0xaa));
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, EMPTY));
	/* Volatile after Empty stays Empty. */
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, VOL));
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, KEEP));
	/* NonVolatile reports the loss once. */
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, NONVOL));
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, NONVOL));
	ASSERT_EQ(0, iobmd_info(self->a.fd, &info));
	EXPECT_EQ(NONVOL, info.purgeable_state);
}

/*
 * Empty discards now: the pages go back (Shmem drops, purged_bytes
 * grows), the mapping reads zeros, and new writes stick.
 */
TEST_F(purgeable, empty_discards_now)
{
	long shmem = shmem_kb(), purged = iobmd_stat("purged_bytes");

	ASSERT_LE(0, purged);
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, EMPTY));
	EXPECT_LE(purged + (long)SIZE, iobmd_stat("purged_bytes"));
	/* Shmem lags by the per-CPU vmstat deltas: half is proof enough. */
	EXPECT_GE(shmem - (long)(SIZE >> 11), shmem_kb());
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0));
	EXPECT_TRUE(iobmd_all_bytes(self->map_b, SIZE, 0xbb));
	memset(self->map_a, 0xcc, SIZE);
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, NONVOL));
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0xcc));
}

/* drop_caches runs the shrinker: volatile goes, non-volatile stays. */
TEST_F(purgeable, drop_caches_purges_volatile_only)
{
	long volatile_bytes = iobmd_stat("volatile_bytes");
	unsigned char byte;

	if (access(DROP_CACHES, W_OK))
		SKIP(return, "only root runs the shrinker (drop_caches)");
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, VOL));
	EXPECT_EQ(volatile_bytes + (long)SIZE, iobmd_stat("volatile_bytes"));
	ASSERT_EQ(0, shrink_all());
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, KEEP));
	EXPECT_EQ(volatile_bytes, iobmd_stat("volatile_bytes"));
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0));
	ASSERT_EQ(1, pread(self->a.fd, &byte, 1, SIZE - 1));
	EXPECT_EQ(0, byte);
	EXPECT_EQ(NONVOL, set_purgeable(self->b.fd, KEEP));
	EXPECT_TRUE(iobmd_all_bytes(self->map_b, SIZE, 0xbb));
}

/* A prepared volatile buffer is never purged; after complete it may be. */
TEST_F(purgeable, prepared_never_purged)
{
	if (access(DROP_CACHES, W_OK))
		SKIP(return, "only root runs the shrinker (drop_caches)");
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, VOL));
	ASSERT_EQ(0, direction_ioctl(self->a.fd, IOBMD_IOC_PREPARE,
				     IOBMD_DIRECTION_OUT));
	ASSERT_EQ(0, shrink_all());
	EXPECT_EQ(VOL, set_purgeable(self->a.fd, KEEP));
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0xaa));
	/* Nor emptied on request. */
	EXPECT_EQ(-EBUSY, set_purgeable(self->a.fd, EMPTY));
	EXPECT_TRUE(iobmd_all_bytes(self->map_a, SIZE, 0xaa));
	ASSERT_EQ(0, direction_ioctl(self->a.fd, IOBMD_IOC_COMPLETE,
				     IOBMD_DIRECTION_OUT));
	ASSERT_EQ(0, shrink_all());
	EXPECT_EQ(EMPTY, set_purgeable(self->a.fd, KEEP));
}

/* debugfs shows each buffer's state. */
TEST_F(purgeable, state_in_debugfs)
{
	static const char * const names[] = {
		[NONVOL] = "nonvolatile", [VOL] = "volatile", [EMPTY] = "empty",
	};
	__u32 state;

	for (state = NONVOL; state <= EMPTY; state++) {
		char line[1024], want[40];
		FILE *f = fopen("/sys/kernel/debug/iobmd/buffers", "re");
		int found = 0;

		ASSERT_NE(NULL, f);
		ASSERT_LE(0, set_purgeable(self->a.fd, state));
		snprintf(want, sizeof(want), " purgeable=%s ", names[state]);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " kind=pageable ") &&
			    strstr(line, want))
				found = 1;
		fclose(f);
		EXPECT_TRUE(found) TH_LOG("no buffer with%s", want);
	}
}

/* Every errno of IOBMD_IOC_SET_PURGEABLE. */
TEST_F(purgeable, errnos)
{
	struct iobmd_purgeable p = { .new_state = KEEP, .old_state = 1 };
	struct iobmd_create c;

	EXPECT_EQ(-EINVAL, set_purgeable(self->a.fd, 0));
	EXPECT_EQ(-EINVAL, set_purgeable(self->a.fd, 5));
	EXPECT_EQ(-EINVAL, set_purgeable(self->a.fd, 0xffffffff));
	EXPECT_EQ(-1, ioctl(self->a.fd, IOBMD_IOC_SET_PURGEABLE, &p));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->a.fd, IOBMD_IOC_SET_PURGEABLE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->a.fd, _IOWR(IOBMD_IOC_MAGIC, 0x08, __u32),
			    &p));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing changed by the failures. */
	EXPECT_EQ(NONVOL, set_purgeable(self->a.fd, KEEP));

	/* Wired, and pageable but not purgeable: EOPNOTSUPP. */
	ASSERT_EQ(0, iobmd_create(self->dev, PAGE, IOBMD_DIRECTION_IN, 0, &c));
	EXPECT_EQ(-EOPNOTSUPP, set_purgeable(c.fd, VOL));
	close(c.fd);
	ASSERT_EQ(0, iobmd_create(self->dev, PAGE, IOBMD_MEMORY_PAGEABLE, 0,
				  &c));
	EXPECT_EQ(-EOPNOTSUPP, set_purgeable(c.fd, KEEP));
	close(c.fd);
}

TEST_HARNESS_MAIN
