// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd selftests: the descriptor methods through a buffer fd - length,
 * append, pread/pwrite, direction, prepare/complete, segments - and their
 * errnos.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "iobmd_helpers.h"
#include "kselftest_harness.h"

#define CAP (3 * PAGE + 5)

FIXTURE(methods) {
	int dev;
	struct iobmd_create c;
};

FIXTURE_SETUP(methods)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_create(self->dev, CAP, IOBMD_DIRECTION_IN,
				  IOBMD_CREATE_MAP_TASK, &self->c));
}

FIXTURE_TEARDOWN(methods)
{
	munmap((void *)(uintptr_t)self->c.address, CAP);
	close(self->c.fd);
	close(self->dev);
}

static int set_length(int fd, __u64 length)
{
	struct iobmd_length l = { .length = length };

	return ioctl(fd, IOBMD_IOC_SET_LENGTH, &l) ? -errno : 0;
}

static int direction_ioctl(int fd, unsigned long cmd, __u32 direction)
{
	struct iobmd_direction d = { .direction = direction };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

static __u64 length_of(int fd)
{
	struct iobmd_info info;

	return iobmd_info(fd, &info) ? UINT64_MAX : info.length;
}

TEST_F(methods, set_length_bounds_and_eof)
{
	char buf[16];

	EXPECT_EQ(0, set_length(self->c.fd, 10));
	EXPECT_EQ(10, length_of(self->c.fd));
	EXPECT_EQ(0, set_length(self->c.fd, CAP));
	EXPECT_EQ(-EINVAL, set_length(self->c.fd, CAP + 1));
	EXPECT_EQ(CAP, length_of(self->c.fd));

	/* The length is the end of file for pread and pwrite. */
	ASSERT_EQ(0, set_length(self->c.fd, 10));
	EXPECT_EQ(10, pread(self->c.fd, buf, sizeof(buf), 0));
	EXPECT_EQ(2, pread(self->c.fd, buf, sizeof(buf), 8));
	EXPECT_EQ(0, pread(self->c.fd, buf, sizeof(buf), 10));
	EXPECT_EQ(0, pread(self->c.fd, buf, sizeof(buf), CAP + 100));
	EXPECT_EQ(4, pwrite(self->c.fd, "abcdefgh", 8, 6));
	EXPECT_EQ(-1, pwrite(self->c.fd, "x", 1, 10));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pread(self->c.fd, buf, 1, -1));
	EXPECT_EQ(EINVAL, errno);
}

/* pwrite lands in the memory the mapping shows, and pread reads it. */
TEST_F(methods, pread_pwrite_match_mapping)
{
	unsigned char *p = (unsigned char *)(uintptr_t)self->c.address;
	unsigned char buf[64];
	void *bad;
	int i;

	for (i = 0; i < 64; i++)
		buf[i] = i ^ 0x5a;
	ASSERT_EQ(64, pwrite(self->c.fd, buf, 64, CAP - 64));
	EXPECT_EQ(0, memcmp(p + CAP - 64, buf, 64));
	p[0] = 0xee;
	ASSERT_EQ(1, pread(self->c.fd, buf, 1, 0));
	EXPECT_EQ(0xee, buf[0]);
	/* read(2) and lseek(2) use the file position; the end is the length. */
	EXPECT_EQ(CAP, lseek(self->c.fd, 0, SEEK_END));
	ASSERT_EQ(CAP - 2, lseek(self->c.fd, CAP - 2, SEEK_SET));
	EXPECT_EQ(2, read(self->c.fd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->c.fd, buf, sizeof(buf)));
	/* A user buffer that cannot be written: EFAULT, nothing read. */
	bad = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	EXPECT_EQ(-1, pread(self->c.fd, bad, 8, 0));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, PAGE);
}

TEST_F(methods, append_grows_length_up_to_capacity)
{
	unsigned char *p = (unsigned char *)(uintptr_t)self->c.address;
	struct iobmd_append a = { 0 };
	char big[64];

	ASSERT_EQ(0, set_length(self->c.fd, 0));
	a.data = (uintptr_t)"hello";
	a.size = 5;
	ASSERT_EQ(0, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(5, a.copied);
	EXPECT_EQ(5, length_of(self->c.fd));
	EXPECT_EQ(0, memcmp(p, "hello", 5));

	memset(big, 'z', sizeof(big));
	ASSERT_EQ(0, set_length(self->c.fd, CAP - 3));
	a = (struct iobmd_append){ .data = (uintptr_t)big, .size = 64 };
	ASSERT_EQ(0, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(3, a.copied);
	EXPECT_EQ(CAP, length_of(self->c.fd));

	/* copied must be 0 on input; a bad source appends nothing. */
	a = (struct iobmd_append){ .data = (uintptr_t)big, .size = 1,
				   .copied = 1 };
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_length(self->c.fd, 0));
	a = (struct iobmd_append){ .data = 8, .size = 16 };
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, length_of(self->c.fd));
}

TEST_F(methods, set_direction)
{
	struct iobmd_info info;
	struct iobmd_direction d = { .direction = 1, .__reserved = 1 };

	EXPECT_EQ(0, direction_ioctl(self->c.fd, IOBMD_IOC_SET_DIRECTION,
				     IOBMD_DIRECTION_OUT));
	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(IOBMD_DIRECTION_OUT, info.options);
	EXPECT_EQ(-EINVAL, direction_ioctl(self->c.fd, IOBMD_IOC_SET_DIRECTION,
					   4));
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_SET_DIRECTION, &d));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(methods, prepare_complete_counted)
{
	struct iobmd_append a = { .data = (uintptr_t)"x", .size = 1 };

	EXPECT_EQ(-EINVAL, direction_ioctl(self->c.fd, IOBMD_IOC_COMPLETE, 0));
	ASSERT_EQ(0, direction_ioctl(self->c.fd, IOBMD_IOC_PREPARE,
				     IOBMD_DIRECTION_OUT));
	/* Prepared for a device read only: pwrite and append are refused. */
	EXPECT_EQ(-1, pwrite(self->c.fd, "x", 1, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, set_length(self->c.fd, 0));
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, length_of(self->c.fd));
	ASSERT_EQ(0, set_length(self->c.fd, CAP));
	ASSERT_EQ(0, direction_ioctl(self->c.fd, IOBMD_IOC_PREPARE,
				     IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, direction_ioctl(self->c.fd, IOBMD_IOC_COMPLETE, 0));
	EXPECT_EQ(-1, pwrite(self->c.fd, "x", 1, 0));
	EXPECT_EQ(0, direction_ioctl(self->c.fd, IOBMD_IOC_COMPLETE, 0));
	EXPECT_EQ(1, pwrite(self->c.fd, "x", 1, 0));
	EXPECT_EQ(-EINVAL, direction_ioctl(self->c.fd, IOBMD_IOC_COMPLETE, 0));
	EXPECT_EQ(-EINVAL, direction_ioctl(self->c.fd, IOBMD_IOC_PREPARE, 7));
}

TEST_F(methods, get_segments)
{
	struct iobmd_segment seg[2];
	struct iobmd_segments s = {
		.segments = (uintptr_t)seg,
		.count = 2,
	};
	struct iobmd_info info;

	__u64 total, highest;

	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	if (!iobmd_sees_addresses()) {
		/* Created without CAP_SYS_ADMIN: no addresses at all. */
		EXPECT_EQ(0, info.dma_addr);
		EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
		EXPECT_EQ(EPERM, errno);
		s = (struct iobmd_segments){ .segments = (uintptr_t)seg };
		EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
	EXPECT_LE(1, s.count);
	EXPECT_EQ(info.dma_addr, seg[0].address);
	EXPECT_EQ(info.segments, iobmd_walk_segments(self->c.fd, &total,
						     &highest));
	EXPECT_EQ(CAP, total);

	s = (struct iobmd_segments){ .offset = CAP - 1,
				     .segments = (uintptr_t)seg, .count = 1 };
	ASSERT_EQ(0, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
	EXPECT_EQ(1, s.count);
	EXPECT_EQ(1, seg[0].length);
	EXPECT_NE(0, seg[0].address);

	s.offset = CAP;
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = (struct iobmd_segments){ .segments = (uintptr_t)seg };
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = (struct iobmd_segments){ .segments = 8, .count = 1 };
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_GET_SEGMENTS, &s));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A buffer created without CAP_SYS_ADMIN shows no addresses: dma_addr
 * reads 0 and GET_SEGMENTS is EPERM, as /proc/pid/pagemap hides PFNs.
 */
TEST_F(methods, addresses_hidden_without_cap_sys_admin)
{
	int status, root = iobmd_sees_addresses();
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iobmd_segment seg;
		struct iobmd_segments s = { .segments = (uintptr_t)&seg,
					    .count = 1 };
		struct iobmd_info info;
		struct iobmd_create c;

		/* The device stays open; the creds of the create count. */
		if (iobmd_become_unprivileged())
			_exit(10);
		if (iobmd_create(self->dev, PAGE, 0, 0, &c))
			_exit(11);
		if (iobmd_info(c.fd, &info) || info.dma_addr != 0)
			_exit(12);
		if (!ioctl(c.fd, IOBMD_IOC_GET_SEGMENTS, &s) || errno != EPERM)
			_exit(13);
		/* A root-created buffer still shows its address. */
		if (iobmd_info(self->c.fd, &info) || !info.dma_addr != !root)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
