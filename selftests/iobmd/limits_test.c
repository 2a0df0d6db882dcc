// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd's byte limits, the module parameters max_buffer_bytes and
 * max_total_bytes: validated when set, EFBIG and ENOSPC when a create
 * passes them, nothing left behind, 0 for no limit, and half the RAM by
 * default; and the memory
 * cgroup's, memory.max, which a wired buffer is charged to.
 *
 * Unprivileged (the VM job's run as a member of the group iobmd), the
 * parameters cannot be changed (EACCES) and the limits the job set hold:
 * EFBIG above max_buffer_bytes, ENOSPC above max_total_bytes; the charge
 * goes to the user's own (delegated) cgroup.
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

/*
 * The default of both limits: half the RAM, in whole pages (MemTotal is
 * totalram_pages() in KiB).
 */
static long long default_limit(void)
{
	long long kb = -1;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : (kb * 1024 / PAGE / 2) * PAGE;
}

FIXTURE(limits) {
	int dev;
	long buffers;
	long bytes;
	int next_fd;
	/* Whether the parameters can be set (root), else their values. */
	bool settable;
	long long max_buffer;
	long long max_total;
};

/*
 * Unprivileged: the parameters stay what they are. Returns whether
 * writing @path was refused with EACCES and left its value.
 */
static bool refused(const char *path, const char *value)
{
	long long before = read_param(path);

	return iobmd_write_file(path, value) == -EACCES &&
	       read_param(path) == before;
}

/* Create buffers of @size until the next would pass max_total_bytes. */
static int fill_to_total(int dev, long long max_total, __u64 size,
			 struct iobmd_create *c, int max)
{
	int n = 0;

	while (n < max && iobmd_stat("live_bytes") + (long long)size <= max_total &&
	       !iobmd_create(dev, size, 0, 0, &c[n]))
		n++;
	return n;
}

FIXTURE_SETUP(limits)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	self->settable = !access(MAX_BUFFER, W_OK);
	self->max_buffer = read_param(MAX_BUFFER);
	self->max_total = read_param(MAX_TOTAL);
	ASSERT_LT(0, self->max_buffer);
	ASSERT_LT(0, self->max_total);
	if (self->settable) {
		ASSERT_EQ(0, set_param(MAX_BUFFER, 0));
		ASSERT_EQ(0, set_param(MAX_TOTAL, 0));
	}
	self->buffers = iobmd_stat("live_buffers");
	self->bytes = iobmd_stat("live_bytes");
	ASSERT_LE(0, self->bytes);
	self->next_fd = iobmd_next_fd();
}

FIXTURE_TEARDOWN(limits)
{
	if (self->settable) {
		EXPECT_EQ(0, set_param(MAX_BUFFER, self->max_buffer));
		EXPECT_EQ(0, set_param(MAX_TOTAL, self->max_total));
	}
	/* Whatever failed left nothing behind. */
	EXPECT_EQ(self->buffers, iobmd_stat("live_buffers"));
	EXPECT_EQ(self->bytes, iobmd_stat("live_bytes"));
	EXPECT_EQ(self->next_fd, iobmd_next_fd());
	close(self->dev);
}

/*
 * Both limits default to half the RAM, so that a group's members cannot
 * take all memory through /dev/iobmd. (The fixture saw the values the
 * module has now: every test puts them back, so they are the defaults
 * unless iobmd was loaded with others.)
 */
TEST_F(limits, defaults_are_half_the_ram)
{
	struct iobmd_create c;

	if (!self->settable)
		SKIP(return, "the job set this user's limits");
	EXPECT_EQ(default_limit(), self->max_buffer);
	EXPECT_EQ(default_limit(), self->max_total);
	/* And they hold: a buffer of more than half the RAM is refused. */
	ASSERT_EQ(0, set_param(MAX_BUFFER, self->max_buffer));
	ASSERT_EQ(0, set_param(MAX_TOTAL, self->max_total));
	EXPECT_EQ(-EFBIG, iobmd_create(self->dev, self->max_buffer + PAGE,
				       IOBMD_MEMORY_PAGEABLE, 0, &c));
	EXPECT_EQ(0, iobmd_create(self->dev, self->max_buffer,
				  IOBMD_MEMORY_PAGEABLE, 0, &c));
	close(c.fd);
}

/* Not a number, or less than a page (but not 0): EINVAL, value kept. */
TEST_F(limits, bad_values_rejected)
{
	static const char * const bad[] = { "abc", "100", "-1", "4095", "1x" };
	unsigned int i;

	if (!self->settable) {
		/* No way to raise or lift a limit: not even 0. */
		EXPECT_TRUE(refused(MAX_BUFFER, "0"));
		EXPECT_TRUE(refused(MAX_TOTAL, "0"));
		EXPECT_TRUE(refused(MAX_BUFFER, "1099511627776"));
		return;
	}
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

	if (!self->settable) {
		ASSERT_LT(0, self->max_buffer) TH_LOG("the job set no limit");
		EXPECT_EQ(-EFBIG, iobmd_create(self->dev, self->max_buffer + 1,
					       0, 0, &c));
		EXPECT_EQ(-EFBIG, iobmd_create(self->dev, self->max_buffer + 1,
					       IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
					       IOBMD_CREATE_MAP_TASK, &c));
		EXPECT_EQ(failures + 2, iobmd_stat("limit_failures"));
		ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &c));
		close(c.fd);
		return;
	}
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
	struct iobmd_create a, b, held[16];
	int n, i;

	if (!self->settable) {
		ASSERT_LT(0, self->max_total) TH_LOG("the job set no limit");
		n = fill_to_total(self->dev, self->max_total, 16 << 20, held,
				  ARRAY_SIZE(held));
		n += fill_to_total(self->dev, self->max_total, PAGE, held + n,
				   ARRAY_SIZE(held) - n);
		EXPECT_GT((long)ARRAY_SIZE(held), n);
		EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, PAGE, 0, 0, &b));
		EXPECT_EQ(-ENOSPC, iobmd_create(self->dev, PAGE, 0,
						IOBMD_CREATE_MAP_TASK, &b));
		/* Over both: the per-buffer limit is checked first. */
		if (self->max_buffer > 0)
			EXPECT_EQ(-EFBIG, iobmd_create(self->dev,
						       self->max_buffer + 1,
						       0, 0, &b));
		for (i = 0; i < n; i++)
			close(held[i].fd);
		ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &b));
		close(b.fd);
		return;
	}
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

	if (!self->settable)
		SKIP(return, "the limits cannot be set: max_total_bytes checks the order");
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

/* The cgroup the test charges to, a sibling of the process's own. */
static char charge_cg[320];

static long long cg_read(const char *file)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", charge_cg, file);
	return read_param(path);
}

static int cg_write(const char *dir, const char *file, const char *value)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return iobmd_write_file(path, value);
}

/*
 * This process's cgroup (v2) directory into @own and the one to make
 * children in into @base: the root for root's tests, in the root cgroup;
 * the parent of its own for the unprivileged run, whose cgroup the VM job
 * delegated (a process may not sit in a cgroup that has children with
 * controllers). 0 or -errno.
 */
static int find_cgroups(char *own, char *base, size_t size)
{
	char line[128], *path = NULL, *slash;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			path = line + 3;
	fclose(f);
	if (!path)
		return -ENOENT;
	path[strcspn(path, "\n")] = 0;
	snprintf(own, size, CGROUP "%s", strcmp(path, "/") ? path : "");
	snprintf(base, size, "%s", own);
	slash = strrchr(base, '/');
	if (strcmp(path, "/") && slash)
		*slash = 0;
	return 0;
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
	char own[256], base[256];
	struct iobmd_create c;
	char pid[16];
	int dev;

	if (access(CGROUP "/cgroup.controllers", F_OK) &&
	    system("mount -t cgroup2 none " CGROUP))
		SKIP(return, "no cgroup2");
	ASSERT_EQ(0, find_cgroups(own, base, sizeof(own)));
	if (cg_write(base, "cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in %s", base);
	snprintf(charge_cg, sizeof(charge_cg), "%s/iobmd_charge", base);
	ASSERT_TRUE(!mkdir(charge_cg, 0755) || errno == EEXIST);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, cg_write(charge_cg, "cgroup.procs", pid));
	dev = iobmd_open();
	ASSERT_LE(0, dev);

	before = cg_read("memory.current");
	ASSERT_EQ(0, iobmd_create(dev, size, 0, 0, &c));
	during = cg_read("memory.current");
	close(c.fd);
	after = cg_read("memory.current");
	TH_LOG("%s (uid %d) memory.current %lld, with 32 MiB buffer %lld, after %lld",
	       charge_cg, (int)geteuid(), before, during, after);
	EXPECT_LE((long long)size, during - before);
	EXPECT_GT(4 << 20, after - before);

	ASSERT_EQ(0, cg_write(charge_cg, "memory.max", "16M"));
	EXPECT_EQ(-ENOMEM, iobmd_create(dev, size, 0, 0, &c));
	EXPECT_GT(16LL << 20, cg_read("memory.current") - before + (1 << 20));
	ASSERT_EQ(0, cg_write(charge_cg, "memory.max", "max"));
	close(dev);
	ASSERT_EQ(0, cg_write(own, "cgroup.procs", pid));
}

TEST_HARNESS_MAIN
