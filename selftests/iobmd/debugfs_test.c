// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd's debugfs: every live buffer's line in iobmd/buffers, with its
 * owner, sizes, kind, cache mode, segments and mappings, the DMA address
 * only for CAP_SYS_ADMIN; and the module-wide figures of iobmd/stats.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

static unsigned long long field_num(const char *line, const char *key)
{
	char v[64];

	return strtoull(iobmd_buffer_field(line, key, v, sizeof(v)), NULL, 0);
}

static int maps_of(__u64 capacity)
{
	char line[1024];

	if (iobmd_buffer_line(capacity, line, sizeof(line)))
		return -1;
	return field_num(line, "maps");
}

FIXTURE(debugfs) {
	int dev;
};

FIXTURE_SETUP(debugfs)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	if (access(IOBMD_BUFFERS, R_OK))
		SKIP(return, "no %s: debugfs not mounted", IOBMD_BUFFERS);
}

FIXTURE_TEARDOWN(debugfs)
{
	close(self->dev);
}

/* Every key of a scatter-gather buffer's line, in the documented order. */
TEST_F(debugfs, line_has_every_field)
{
	const __u64 cap = 3 * PAGE + 5;
	struct iobmd_length len = { .length = 100 };
	char line[1024], v[64], dma[40];
	struct iobmd_create c;
	struct iobmd_info info;
	static const char * const keys[] = {
		"id", "pid", "comm", "capacity", "length", "alloc", "options",
		"cache", "kind", "segments", "maps", "kmap", "purgeable", "dma",
	};
	const char *prev = line;
	unsigned int i;

	ASSERT_EQ(0, iobmd_create(self->dev, cap, IOBMD_DIRECTION_INOUT, 0,
				  &c));
	ASSERT_EQ(0, iobmd_info(c.fd, &info));
	ASSERT_EQ(0, iobmd_buffer_line(cap, line, sizeof(line)));
	TH_LOG("%s", line);

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		char want[32];
		const char *at;

		snprintf(want, sizeof(want), "%s%s=", i ? " " : "", keys[i]);
		at = strstr(prev, want);
		ASSERT_NE(NULL, at) TH_LOG("%s missing or out of order", keys[i]);
		prev = at + 1;
	}
	EXPECT_LT(0, field_num(line, "id"));
	EXPECT_STREQ("debugfs_test", iobmd_buffer_field(line, "comm", v, sizeof(v)));
	EXPECT_EQ(4 * PAGE, field_num(line, "alloc"));
	EXPECT_EQ(cap, field_num(line, "length"));
	EXPECT_EQ(IOBMD_DIRECTION_INOUT, field_num(line, "options"));
	EXPECT_STREQ("wb", iobmd_buffer_field(line, "cache", v, sizeof(v)));
	EXPECT_STREQ("sg", iobmd_buffer_field(line, "kind", v, sizeof(v)));
	EXPECT_EQ(info.segments, field_num(line, "segments"));
	EXPECT_EQ(0, field_num(line, "maps"));
	EXPECT_EQ(0, field_num(line, "kmap"));
	EXPECT_STREQ("none", iobmd_buffer_field(line, "purgeable", v, sizeof(v)));
	/* With CAP_SYS_ADMIN the address; the unprivileged run reads "-". */
	if (iobmd_sees_addresses())
		snprintf(dma, sizeof(dma), "%#llx",
			 (unsigned long long)info.dma_addr);
	else
		snprintf(dma, sizeof(dma), "-");
	EXPECT_STREQ(dma, iobmd_buffer_field(line, "dma", v, sizeof(v)));

	/* The line follows the buffer: its length, then its end. */
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_SET_LENGTH, &len));
	ASSERT_EQ(0, iobmd_buffer_line(cap, line, sizeof(line)));
	EXPECT_EQ(100, field_num(line, "length"));
	close(c.fd);
	EXPECT_EQ(-ENOENT, iobmd_buffer_line(cap, line, sizeof(line)));
}

FIXTURE(kinds) {
	int dev;
};

FIXTURE_VARIANT(kinds) {
	__u32 options;
	const char *cache;
	const char *kind;
	int kmap;
};

FIXTURE_VARIANT_ADD(kinds, sg_wb) {
	.options = IOBMD_DIRECTION_IN,
	.cache = "wb", .kind = "sg",
};

FIXTURE_VARIANT_ADD(kinds, sg_uc) {
	.options = IOBMD_DIRECTION_IN | IOBMD_MAP_INHIBIT_CACHE,
	.cache = "uc", .kind = "sg",
};

FIXTURE_VARIANT_ADD(kinds, contiguous_wc) {
	.options = IOBMD_DIRECTION_OUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
		   IOBMD_MAP_WRITE_COMBINE_CACHE,
	.cache = "wc", .kind = "contiguous",
};

FIXTURE_VARIANT_ADD(kinds, contiguous_copyback) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
		   IOBMD_MAP_COPYBACK_CACHE,
	.cache = "wb", .kind = "contiguous",
};

FIXTURE_VARIANT_ADD(kinds, kernel_user_shared) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_KERNEL_USER_SHARED,
	.cache = "wb", .kind = "sg", .kmap = 1,
};

FIXTURE_SETUP(kinds)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	if (access(IOBMD_BUFFERS, R_OK))
		SKIP(return, "no %s: debugfs not mounted", IOBMD_BUFFERS);
}

FIXTURE_TEARDOWN(kinds)
{
	close(self->dev);
}

/* Kind, cache mode, segments and kernel mapping as the buffer has them. */
TEST_F(kinds, reported)
{
	const __u64 cap = 5 * PAGE + 7;
	struct iobmd_create c;
	struct iobmd_info info;
	char line[1024], v[64];

	ASSERT_EQ(0, iobmd_create(self->dev, cap, variant->options, 0, &c));
	ASSERT_EQ(0, iobmd_info(c.fd, &info));
	ASSERT_EQ(0, iobmd_buffer_line(cap, line, sizeof(line)));
	TH_LOG("%s", line);
	EXPECT_EQ(variant->options, field_num(line, "options"));
	EXPECT_STREQ(variant->cache, iobmd_buffer_field(line, "cache", v, sizeof(v)));
	EXPECT_STREQ(variant->kind, iobmd_buffer_field(line, "kind", v, sizeof(v)));
	EXPECT_EQ(info.segments, field_num(line, "segments"));
	EXPECT_EQ(variant->kmap, field_num(line, "kmap"));
	close(c.fd);
}

/* maps= counts VMAs: the task mapping, mmaps, and the halves of a split. */
TEST_F(debugfs, maps_counts_mappings)
{
	const __u64 cap = 4 * PAGE + 1;
	struct iobmd_create c;
	unsigned char *p;

	ASSERT_EQ(0, iobmd_create(self->dev, cap, IOBMD_DIRECTION_INOUT,
				  IOBMD_CREATE_MAP_TASK, &c));
	EXPECT_EQ(1, maps_of(cap));
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(2, maps_of(cap));
	/* A hole in the middle leaves two VMAs. */
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	EXPECT_EQ(3, maps_of(cap));
	ASSERT_EQ(0, munmap(p, 4 * PAGE));
	EXPECT_EQ(1, maps_of(cap));
	ASSERT_EQ(0, munmap((void *)(uintptr_t)c.address, 5 * PAGE));
	EXPECT_EQ(0, maps_of(cap));
	/* A mapping outlives the fd, and keeps the buffer listed. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, c.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(c.fd);
	EXPECT_EQ(1, maps_of(cap));
	ASSERT_EQ(0, munmap(p, PAGE));
	EXPECT_EQ(-1, maps_of(cap));
}

/* The creator's comm, with the separators escaped as \ooo. */
TEST_F(debugfs, comm_escaped)
{
	const __u64 cap = 2 * PAGE + 9;
	char line[1024], v[64], old[16] = "";
	struct iobmd_create c;
	int ret;

	ASSERT_EQ(0, prctl(PR_GET_NAME, old));
	ASSERT_EQ(0, prctl(PR_SET_NAME, "a b=c\\d"));
	ret = iobmd_create(self->dev, cap, IOBMD_DIRECTION_IN, 0, &c);
	ASSERT_EQ(0, prctl(PR_SET_NAME, old));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, iobmd_buffer_line(cap, line, sizeof(line)));
	EXPECT_STREQ("a\\040b\\075c\\134d", iobmd_buffer_field(line, "comm", v, sizeof(v)));
	close(c.fd);
}

/* Without CAP_SYS_ADMIN at open, the DMA address reads "-". */
TEST_F(debugfs, dma_hidden_without_sys_admin)
{
	const __u64 cap = 6 * PAGE + 3;
	char line[1024], v[64], want[40];
	struct iobmd_create c;
	int status;
	pid_t pid;

	snprintf(want, sizeof(want), " capacity=%llu ",
		 (unsigned long long)cap);
	ASSERT_EQ(0, iobmd_create(self->dev, cap, IOBMD_DIRECTION_IN, 0, &c));
	ASSERT_EQ(0, iobmd_buffer_line(cap, line, sizeof(line)));
	if (!iobmd_sees_addresses()) {
		/* The unprivileged run: hidden from the start. */
		EXPECT_STREQ("-", iobmd_buffer_field(line, "dma", v, sizeof(v)));
		close(c.fd);
		return;
	}
	EXPECT_EQ(0, strncmp(iobmd_buffer_field(line, "dma", v, sizeof(v)), "0x", 2));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child reads the parent's buffer: match on capacity. */
		char child_line[1024];
		FILE *f;

		if (iobmd_drop_cap(CAP_SYS_ADMIN))
			_exit(2);
		f = fopen(IOBMD_BUFFERS, "re");
		if (!f)
			_exit(3);
		while (fgets(child_line, sizeof(child_line), f)) {
			child_line[strcspn(child_line, "\n")] = 0;
			if (!strstr(child_line, want))
				continue;
			iobmd_buffer_field(child_line, "dma", v, sizeof(v));
			_exit(strcmp(v, "-") ? 4 : 0);
		}
		_exit(5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(c.fd);
}

/* A stats line, for the name built from @kind and @mode. */
static long kind_stat(const char *what, const char *kind, const char *mode)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_%s_%s", what, kind, mode);
	return iobmd_stat(name);
}

/* Live, peak and per-kind figures move with buffers; failures count. */
TEST_F(debugfs, stats_follow_buffers)
{
	long buffers = kind_stat("buffers", "contiguous", "wc");
	long bytes = kind_stat("bytes", "contiguous", "wc");
	long live = iobmd_stat("live_bytes");
	long failures = iobmd_stat("create_failures");
	long limit_failures = iobmd_stat("limit_failures");
	struct iobmd_create c;

	ASSERT_LE(0, buffers);
	ASSERT_LE(0, live);
	ASSERT_EQ(0, iobmd_create(self->dev, 2 * PAGE,
				  IOBMD_DIRECTION_IN |
				  IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
				  IOBMD_MAP_WRITE_COMBINE_CACHE, 0, &c));
	EXPECT_EQ(buffers + 1, kind_stat("buffers", "contiguous", "wc"));
	EXPECT_EQ(bytes + 2 * PAGE, kind_stat("bytes", "contiguous", "wc"));
	EXPECT_EQ(live + 2 * PAGE, iobmd_stat("live_bytes"));
	EXPECT_LE(live + 2 * PAGE, iobmd_stat("peak_bytes"));
	EXPECT_LE(iobmd_stat("live_buffers"), iobmd_stat("peak_buffers"));
	close(c.fd);
	EXPECT_EQ(buffers, kind_stat("buffers", "contiguous", "wc"));
	EXPECT_EQ(bytes, kind_stat("bytes", "contiguous", "wc"));
	EXPECT_EQ(live, iobmd_stat("live_bytes"));

	/* A refused create is a failure, not a limit failure. */
	EXPECT_EQ(-EINVAL, iobmd_create(self->dev, 0, 0, 0, &c));
	EXPECT_EQ(failures + 1, iobmd_stat("create_failures"));
	EXPECT_EQ(limit_failures, iobmd_stat("limit_failures"));
}

/*
 * A create that fails in the ioctl after the buffer was made (its data
 * unreadable, here) is a failure too, and leaves no live buffer.
 */
TEST_F(debugfs, ioctl_failures_count)
{
	struct iobmd_create c = { .capacity = PAGE, .data = 4096 };
	long failures = iobmd_stat("create_failures");
	long live = iobmd_stat("live_buffers");

	ASSERT_LE(0, failures);
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(failures + 1, iobmd_stat("create_failures"));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
}

#define PARAMS "/sys/module/iobmd/parameters/"

/*
 * The peaks count buffers whose create succeeded: a pageable terabyte
 * whose contents cannot be copied in (EFAULT) existed for a moment, but
 * was never the caller's, and leaves peak_bytes as it was. The control:
 * the same create without the bad data raises it.
 */
TEST_F(debugfs, peak_ignores_failed_creates)
{
	const __u64 tib = 1ULL << 40;
	struct iobmd_create c = {
		.capacity = tib,
		.options = IOBMD_MEMORY_PAGEABLE,
		.data = 4096,
	};
	char max_buffer[32] = "", max_total[32] = "";
	long peak = iobmd_stat("peak_bytes");
	FILE *f;

	ASSERT_LE(0, peak);
	if (access(PARAMS "max_buffer_bytes", W_OK))
		SKIP(return, "the limits cannot be lifted: not root");
	ASSERT_GT((long)tib, peak);
	f = fopen(PARAMS "max_buffer_bytes", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(max_buffer, sizeof(max_buffer), f));
	fclose(f);
	f = fopen(PARAMS "max_total_bytes", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(max_total, sizeof(max_total), f));
	fclose(f);
	ASSERT_EQ(0, iobmd_write_file(PARAMS "max_buffer_bytes", "0"));
	ASSERT_EQ(0, iobmd_write_file(PARAMS "max_total_bytes", "0"));

	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(peak, iobmd_stat("peak_bytes"));

	EXPECT_EQ(0, iobmd_create(self->dev, tib, IOBMD_MEMORY_PAGEABLE, 0,
				  &c));
	EXPECT_LE((long)tib, iobmd_stat("peak_bytes"));
	close(c.fd);

	EXPECT_EQ(0, iobmd_write_file(PARAMS "max_buffer_bytes", max_buffer));
	EXPECT_EQ(0, iobmd_write_file(PARAMS "max_total_bytes", max_total));
}

TEST_HARNESS_MAIN
