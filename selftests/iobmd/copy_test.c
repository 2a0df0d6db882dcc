// SPDX-License-Identifier: GPL-2.0
/*
 * withCopy through libiobmd: from the caller's memory (IOBMD_IOC_CREATE
 * with data) and from another process named by a pidfd
 * (process_vm_readv), byte-exact, with its permission check and errors.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "../../tools/lib/libiobmd.h"

#define LEN (3 * PAGE + 5)

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 7;
}

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/*
 * A child that holds LEN bytes of its own pattern (seed 0x5a, unlike the
 * parent's) at *addr until it is told to exit by closing *release.
 */
static pid_t spawn_source(unsigned char **addr, int *release)
{
	int ready[2], hold[2];
	unsigned char *p;
	pid_t pid;
	char c;

	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || pipe(ready) || pipe(hold))
		return -1;
	fill(p, LEN, 1);
	pid = fork();
	if (pid == 0) {
		fill(p, LEN, 0x5a);
		close(hold[1]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Returns 0 (EOF) when the parent closes its end. */
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	*addr = p;
	*release = hold[1];
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

FIXTURE(copy) {
	int dev;
	unsigned char *src;
	unsigned char *out;
};

FIXTURE_VARIANT(copy) {
	__u32 options;
	__u32 info_flags;
};

FIXTURE_VARIANT_ADD(copy, scatter_gather) {
	.options = IOBMD_DIRECTION_INOUT,
};

FIXTURE_VARIANT_ADD(copy, contiguous) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | IOBMD_DIRECTION_OUT,
};

FIXTURE_VARIANT_ADD(copy, kernel_user_shared) {
	.options = IOBMD_MEMORY_KERNEL_USER_SHARED,
	.info_flags = IOBMD_INFO_KERNEL_MAPPED,
};

FIXTURE_VARIANT_ADD(copy, shared_contiguous_copyback) {
	.options = IOBMD_MEMORY_KERNEL_USER_SHARED |
		   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | IOBMD_MAP_COPYBACK_CACHE,
	.info_flags = IOBMD_INFO_KERNEL_MAPPED,
};

FIXTURE_SETUP(copy)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	self->src = malloc(LEN);
	self->out = malloc(LEN);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->out);
	fill(self->src, LEN, 1);
}

FIXTURE_TEARDOWN(copy)
{
	free(self->src);
	free(self->out);
	close(self->dev);
}

/* The caller's memory: byte-exact, with the options and length asked for. */
TEST_F(copy, self)
{
	struct iobmd_info info;
	void *mapped;
	int fd;

	fd = libiobmd_with_copy(self->dev, variant->options, 0, LIBIOBMD_SELF,
				(uintptr_t)self->src, LEN, &mapped);
	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, mapped);
	ASSERT_EQ(LEN, pread(fd, self->out, LEN, 0));
	EXPECT_EQ(0, memcmp(self->src, self->out, LEN));
	ASSERT_EQ(0, iobmd_info(fd, &info));
	EXPECT_EQ(LEN, info.capacity);
	EXPECT_EQ(LEN, info.length);
	EXPECT_EQ(variant->options, info.options);
	EXPECT_EQ(variant->info_flags, info.flags);
	close(fd);
}

/* Task-mapped: the mapping shows the copy. */
TEST_F(copy, self_mapped)
{
	void *mapped;
	int fd;

	fd = libiobmd_with_copy(self->dev, variant->options,
				IOBMD_CREATE_MAP_TASK, LIBIOBMD_SELF,
				(uintptr_t)self->src, LEN, &mapped);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, mapped);
	EXPECT_EQ(0, memcmp(self->src, mapped, LEN));
	EXPECT_EQ(0, munmap(mapped, LEN));
	close(fd);
}

/* Another process by pidfd: its bytes, not the caller's at that address. */
TEST_F(copy, other_process)
{
	unsigned char *addr, *mapped;
	int fd, pidfd, release;
	pid_t pid;

	pid = spawn_source(&addr, &release);
	ASSERT_LT(0, pid);
	pidfd = pidfd_open(pid);
	ASSERT_LE(0, pidfd);

	fd = libiobmd_with_copy(self->dev, variant->options,
				IOBMD_CREATE_MAP_TASK, pidfd, (uintptr_t)addr,
				LEN, (void **)&mapped);
	ASSERT_LE(0, fd);
	fill(self->out, LEN, 0x5a);
	EXPECT_EQ(0, memcmp(self->out, mapped, LEN));
	EXPECT_NE(0, memcmp(addr, mapped, LEN));
	ASSERT_EQ(LEN, pread(fd, self->src, LEN, 0));
	EXPECT_EQ(0, memcmp(self->out, self->src, LEN));
	EXPECT_EQ(0, munmap(mapped, LEN));
	close(fd);

	close(release);
	EXPECT_EQ(0, reap(pid));
	close(pidfd);
}

/* Errors: nothing is left behind (no fd, no buffer). */
TEST_F(copy, errors)
{
	long live = iobmd_stat("live_buffers");
	int next = iobmd_next_fd(), null_fd;
	unsigned char *addr;
	int pidfd, release;
	pid_t pid;

	/* The caller's memory, unreadable. */
	EXPECT_EQ(-EFAULT, libiobmd_with_copy(self->dev, variant->options, 0,
					      LIBIOBMD_SELF, 8, LEN, NULL));
	/* Not a pidfd. */
	null_fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, libiobmd_with_copy(self->dev, variant->options, 0,
					      null_fd, (uintptr_t)self->src,
					      LEN, NULL));
	close(null_fd);
	EXPECT_EQ(-EBADF, libiobmd_with_copy(self->dev, variant->options, 0,
					     -2, (uintptr_t)self->src, LEN,
					     NULL));

	pid = spawn_source(&addr, &release);
	ASSERT_LT(0, pid);
	pidfd = pidfd_open(pid);
	ASSERT_LE(0, pidfd);
	/* A range the other process does not have. */
	EXPECT_EQ(-EFAULT, libiobmd_with_copy(self->dev, variant->options, 0,
					      pidfd, 8, LEN, NULL));
	/* Part of it only: still nothing. */
	EXPECT_EQ(-EFAULT, libiobmd_with_copy(self->dev, variant->options, 0,
					      pidfd, (uintptr_t)addr,
					      LEN + 8 * PAGE, NULL));
	/* The process has exited and been reaped. */
	close(release);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(-ESRCH, libiobmd_with_copy(self->dev, variant->options, 0,
					     pidfd, (uintptr_t)addr, LEN,
					     NULL));
	close(pidfd);

	EXPECT_EQ(next, iobmd_next_fd());
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
}

/*
 * Without the permission process_vm_readv needs (an unprivileged caller
 * and a root-owned source), the copy fails with EPERM.
 */
TEST(copy_without_permission)
{
	int dev, pidfd, release, ret;
	unsigned char *addr;
	pid_t pid, caller;

	if (geteuid() != 0)
		SKIP(return, "needs root: the source must be another user's");
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	pid = spawn_source(&addr, &release);
	ASSERT_LT(0, pid);
	pidfd = pidfd_open(pid);
	ASSERT_LE(0, pidfd);

	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		/* Keep the open fds; give up root. */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		ret = libiobmd_with_copy(dev, 0, 0, pidfd, (uintptr_t)addr,
					 LEN, NULL);
		_exit(ret == -EPERM ? 0 : 1);
	}
	EXPECT_EQ(0, reap(caller));

	/* The same call as root works. */
	ret = libiobmd_with_copy(dev, 0, 0, pidfd, (uintptr_t)addr, LEN, NULL);
	EXPECT_LE(0, ret);
	if (ret >= 0)
		close(ret);
	close(release);
	EXPECT_EQ(0, reap(pid));
	close(pidfd);
	close(dev);
}

TEST_HARNESS_MAIN
