// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd's byte limits, the module parameters max_buffer_bytes and
 * max_total_bytes: validated when set, EFBIG and ENOSPC when a create
 * passes them, nothing left behind, and 0 for no limit; and the memory
 * cgroup's, memory.max, which a wired buffer is charged to.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define PARAMS "/sys/module/iobmd/parameters/"
#define MAX_BUFFER PARAMS "max_buffer_bytes"
#define MAX_TOTAL PARAMS "max_total_bytes"

static long long read_param(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int set_param(const char *path, unsigned long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu", v);
	return iobmd_write_file(path, s);
}

FIXTURE(limits) {
	int dev;
	long buffers;
	long bytes;
	int next_fd;
};

FIXTURE_SETUP(limits)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, read_param(MAX_BUFFER));
	ASSERT_EQ(0, read_param(MAX_TOTAL));
	self->buffers = iobmd_stat("live_buffers");
	self->bytes = iobmd_stat("live_bytes");
	ASSERT_LE(0, self->bytes);
	self->next_fd = iobmd_next_fd();
}

FIXTURE_TEARDOWN(limits)
{
	EXPECT_EQ(0, set_param(MAX_BUFFER, 0));
	EXPECT_EQ(0, set_param(MAX_TOTAL, 0));
	/* Whatever failed left nothing behind. */
	EXPECT_EQ(self->buffers, iobmd_stat("live_buffers"));
	EXPECT_EQ(self->bytes, iobmd_stat("live_bytes"));
	EXPECT_EQ(self->next_fd, iobmd_next_fd());
	close(self->dev);
}

/* Not a number, or less than a page (but not 0): EINVAL, value kept. */
TEST_F(limits, bad_values_rejected)
{
	static const char * const bad[] = { "abc", "100", "-1", "4095", "1x" };
	unsigned int i;

	ASSERT_EQ(0, set_param(MAX_BUFFER, 1 << 20));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, iobmd_write_file(MAX_BUFFER, bad[i]))
			TH_LOG("max_buffer_bytes accepted \"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, iobmd_write_file(MAX_TOTAL, bad[i]))
			TH_LOG("max_total_bytes accepted \"%s\"", bad[i]);
	}
	EXPECT_EQ(1 << 20, read_param(MAX_BUFFER));
	EXPECT_EQ(0, read_param(MAX_TOTAL));
	EXPECT_EQ(0, iobmd_write_file(MAX_TOTAL, "0x100000"));
	EXPECT_EQ(1 << 20, read_param(MAX_TOTAL));
	EXPECT_EQ(0, iobmd_write_file(MAX_TOTAL, "4096"));
	EXPECT_EQ(PAGE, read_param(MAX_TOTAL));
}

/* The page-rounded size against max_buffer_bytes: EFBIG above it. */
TEST_F(limits, max_buffer_bytes)
{
	long failures = iobmd_stat("limit_failures");
	struct iobmd_create c;

	ASSERT_EQ(0, set_param(MAX_BUFFER, 2 * PAGE));
	ASSERT_EQ(0, iobmd_create(self->dev, 2 * PAGE, 0, 0, &c));
	close(c.fd);
	EXPECT_EQ(-EFBIG, iobmd_create(self->dev, 2 * PAGE + 1, 0, 0, &c));
	EXPECT_EQ(-EFBIG, iobmd_create(self->dev, 3 * PAGE,
				       IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
				       IOBMD_CREATE_MAP_TASK, &c));
	EXPECT_EQ(failures + 2, iobmd_stat("limit_failures"));
	/* 0 is no limit. */
	ASSERT_EQ(0, set_param(MAX_BUFFER, 0));
	ASSERT_EQ(0, iobmd_create(self->dev, 64 * PAGE, 0, 0, &c));
	close(c.fd);
}

/* All live buffers together against max_total_bytes: ENOSPC above it. */
TEST_F(limits, max_total_bytes)
{
	struct iobmd_create a, b;

	ASSERT_EQ(0, set_param(MAX_TOTAL, self->bytes + 4 * PAGE));
	ASSERT_EQ(0, iobmd_create(self->dev, 3 * PAGE + 1, 0, 0, &a));
	EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, 1, 0, 0, &b));
	EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, 1, 0,
					IOBMD_CREATE_MAP_TASK, &b));
	/* Freeing makes room again. */
	close(a.fd);
	ASSERT_EQ(0, iobmd_create(self->dev, 4 * PAGE, 0, 0, &b));
	close(b.fd);
	/* A limit below what is live refuses new buffers only. */
	ASSERT_EQ(0, iobmd_create(self->dev, 2 * PAGE, 0, 0, &a));
	ASSERT_EQ(0, set_param(MAX_TOTAL, PAGE));
	EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, PAGE, 0, 0, &b));
	EXPECT_EQ(self->bytes + 2 * PAGE, iobmd_stat("live_bytes"));
	close(a.fd);
}

/* With both set, the per-buffer limit is checked first. */
TEST_F(limits, both_limits)
{
	struct iobmd_create c;

	ASSERT_EQ(0, set_param(MAX_BUFFER, PAGE));
	ASSERT_EQ(0, set_param(MAX_TOTAL, PAGE));
	EXPECT_EQ(-EFBIG, iobmd_create(self->dev, 2 * PAGE, 0, 0, &c));
	if (self->bytes == 0) {
		ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &c));
		close(c.fd);
	} else {
		EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, PAGE, 0, 0, &c));
	}
}

#define CGROUP "/sys/fs/cgroup"
#define CHARGE_CG CGROUP "/iobmd_charge"

static long long cg_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), CHARGE_CG "/%s", file);
	return read_param(path);
}

/*
 * A wired buffer's pages are charged to the memory cgroup of the process
 * that creates it, as its own allocations would be: memory.current grows
 * by the buffer and comes back when it is freed, and memory.max refuses a
 * buffer that does not fit (ENOMEM, no OOM kill). Uncharged, a process
 * could hold most of RAM from a 64 MiB cgroup by passing its fds on.
 */
TEST(charged_to_the_creators_cgroup)
{
	const __u64 size = 32UL << 20;
	long long before, during, after;
	struct iobmd_create c;
	char pid[16];
	int dev;

	if (access(CGROUP "/cgroup.controllers", F_OK) &&
	    system("mount -t cgroup2 none " CGROUP))
		SKIP(return, "no cgroup2");
	if (iobmd_write_file(CGROUP "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller");
	ASSERT_TRUE(!mkdir(CHARGE_CG, 0755) || errno == EEXIST);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, iobmd_write_file(CHARGE_CG "/cgroup.procs", pid));
	dev = iobmd_open();
	ASSERT_LE(0, dev);

	before = cg_read("memory.current");
	ASSERT_EQ(0, iobmd_create(dev, size, 0, 0, &c));
	during = cg_read("memory.current");
	close(c.fd);
	after = cg_read("memory.current");
	TH_LOG("memory.current %lld, with 32 MiB buffer %lld, after %lld",
	       before, during, after);
	EXPECT_LE((long long)size, during - before);
	EXPECT_GT(4 << 20, after - before);

	ASSERT_EQ(0, iobmd_write_file(CHARGE_CG "/memory.max", "16M"));
	EXPECT_EQ(-ENOMEM, iobmd_create(dev, size, 0, 0, &c));
	EXPECT_GT(16LL << 20, cg_read("memory.current") - before + (1 << 20));
	ASSERT_EQ(0, iobmd_write_file(CHARGE_CG "/memory.max", "max"));
	close(dev);
	ASSERT_EQ(0, iobmd_write_file(CGROUP "/cgroup.procs", pid));
}

TEST_HARNESS_MAIN
