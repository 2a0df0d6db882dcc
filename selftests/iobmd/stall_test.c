// SPDX-License-Identifier: GPL-2.0
/*
 * What a user of /dev/iobmd must not be able to do to others: hold a
 * buffer's lock for as long as it likes, or keep a CPU without a
 * reschedule for seconds.
 *
 * A copy from or to user memory can block for as long as user space
 * wants: a userfaultfd range faults only when its owner resolves it. Such
 * a copy, in pwrite, pread or APPEND, must not hold the buffer's lock, or
 * every other user of the buffer (a driver's prepare among them) would
 * wait with it. The tests block a copy on a userfaultfd page, check that
 * it really is blocked (the fault was reported), use the buffer meanwhile,
 * and then resolve the fault: the copy completes with the right bytes.
 * Were the lock held, the test would hang and the harness's timeout fail
 * it.
 *
 * A task-mapped create of gigabytes populates its mapping in batches with
 * reschedules: the kernel-log gate fails the run on an RCU stall or a
 * soft lockup, which the single vm_map_pages() of a million pages gave.
 */
#include <poll.h>
#include <pthread.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define LEN (1024 * 1024UL)

/* A copy between a buffer fd and a userfaultfd page, run in a thread. */
struct blocked_copy {
	int fd;
	unsigned long cmd;	/* 0: pwrite, 1: pread, else the ioctl */
	unsigned char *user;
	int uffd;
	pthread_t thread;
	ssize_t ret;
	int err;
};

static void *copy_thread(void *arg)
{
	struct blocked_copy *b = arg;

	if (b->cmd == 0) {
		b->ret = pwrite(b->fd, b->user, PAGE, 0);
	} else if (b->cmd == 1) {
		b->ret = pread(b->fd, b->user, PAGE, 0);
	} else {
		struct iobmd_append a = {
			.data = (uintptr_t)b->user,
			.size = PAGE,
		};

		b->ret = ioctl(b->fd, b->cmd, &a) ? -1 : (ssize_t)a.copied;
	}
	b->err = b->ret < 0 ? errno : 0;
	return NULL;
}

FIXTURE(stall) {
	int dev;
	struct iobmd_create c;
	int uffd;
	unsigned char *user;
	struct blocked_copy copy;
};

FIXTURE_SETUP(stall)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_create(self->dev, LEN, IOBMD_DIRECTION_INOUT, 0,
				  &self->c));
	self->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (self->uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	self->user = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->user);
	reg.range.start = (uintptr_t)self->user;
	reg.range.len = PAGE;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg));
}

FIXTURE_TEARDOWN(stall)
{
	if (self->uffd >= 0)
		close(self->uffd);
	munmap(self->user, PAGE);
	close(self->c.fd);
	close(self->dev);
}

/* Start the copy in a thread; return once its fault is reported. */
static int start_blocked(struct blocked_copy *b, int fd, unsigned long cmd,
			 int uffd, unsigned char *user)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	*b = (struct blocked_copy){
		.fd = fd, .cmd = cmd, .user = user, .uffd = uffd,
	};
	if (pthread_create(&b->thread, NULL, copy_thread, b))
		return -1;
	/* The negative control: the copy is really stuck in the fault. */
	if (poll(&p, 1, 20000) != 1)
		return -1;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	return 0;
}

/* Resolve the fault with a page of @byte, and wait for the copy. */
static ssize_t finish_blocked(struct blocked_copy *b, unsigned char byte)
{
	struct uffdio_copy copy = {
		.dst = (uintptr_t)b->user,
		.len = PAGE,
	};
	unsigned char *page;
	int ret;

	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -1;
	memset(page, byte, PAGE);
	copy.src = (uintptr_t)page;
	ret = ioctl(b->uffd, UFFDIO_COPY, &copy);
	munmap(page, PAGE);
	if (ret)
		return -1;
	pthread_join(b->thread, NULL);
	return b->ret;
}

/* What others do with the buffer while a copy is blocked: all return. */
static void use_buffer(struct __test_metadata *_metadata, int fd)
{
	struct iobmd_direction d = { .direction = IOBMD_DIRECTION_INOUT };
	struct iobmd_length l = { .length = LEN };
	struct iobmd_info info;

	EXPECT_EQ(0, ioctl(fd, IOBMD_IOC_SET_LENGTH, &l));
	EXPECT_EQ(0, iobmd_info(fd, &info));
	EXPECT_EQ(0, ioctl(fd, IOBMD_IOC_PREPARE, &d));
	EXPECT_EQ(0, ioctl(fd, IOBMD_IOC_COMPLETE, &d));
}

/* pwrite from a blocked source: the buffer stays usable. */
TEST_F_TIMEOUT(stall, pwrite_blocked_on_source, 60)
{
	unsigned char back[PAGE];

	ASSERT_EQ(0, start_blocked(&self->copy, self->c.fd, 0, self->uffd,
				   self->user));
	use_buffer(_metadata, self->c.fd);
	EXPECT_EQ(PAGE, pread(self->c.fd, back, PAGE, 0));
	ASSERT_EQ(PAGE, finish_blocked(&self->copy, 0x5a));
	ASSERT_EQ(PAGE, pread(self->c.fd, back, PAGE, 0));
	EXPECT_TRUE(iobmd_all_bytes(back, PAGE, 0x5a));
}

/* pread into a blocked destination: the buffer stays usable. */
TEST_F_TIMEOUT(stall, pread_blocked_on_destination, 60)
{
	unsigned char page[PAGE];

	memset(page, 0xc3, PAGE);
	ASSERT_EQ(PAGE, pwrite(self->c.fd, page, PAGE, 0));
	ASSERT_EQ(0, start_blocked(&self->copy, self->c.fd, 1, self->uffd,
				   self->user));
	use_buffer(_metadata, self->c.fd);
	memset(page, 0x3c, PAGE);
	EXPECT_EQ(PAGE, pwrite(self->c.fd, page, PAGE, PAGE));
	/* The copy faulted before writing: it reads what is there now. */
	ASSERT_EQ(PAGE, finish_blocked(&self->copy, 0));
	EXPECT_TRUE(iobmd_all_bytes(self->user, PAGE, 0xc3));
}

/*
 * APPEND from a blocked source: others may use the buffer, a second
 * append and SET_LENGTH are refused with EBUSY meanwhile (they would
 * write where the first does, or move where it writes), and the first
 * grows the length once its bytes are in.
 */
TEST_F_TIMEOUT(stall, append_blocked_on_source, 60)
{
	struct iobmd_length l = { .length = 0 };
	unsigned char page[PAGE], back[PAGE];
	struct iobmd_append a = {
		.data = (uintptr_t)page,
		.size = PAGE,
	};
	struct iobmd_info info;

	ASSERT_EQ(0, ioctl(self->c.fd, IOBMD_IOC_SET_LENGTH, &l));
	ASSERT_EQ(0, start_blocked(&self->copy, self->c.fd, IOBMD_IOC_APPEND,
				   self->uffd, self->user));
	memset(page, 1, PAGE);
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_APPEND, &a));
	EXPECT_EQ(EBUSY, errno);
	/* The bytes past the length are the append's until it is done. */
	EXPECT_EQ(-1, ioctl(self->c.fd, IOBMD_IOC_SET_LENGTH, &l));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(0, info.length);
	ASSERT_EQ(PAGE, finish_blocked(&self->copy, 0x77));
	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(PAGE, info.length);
	ASSERT_EQ(PAGE, pread(self->c.fd, back, PAGE, 0));
	EXPECT_TRUE(iobmd_all_bytes(back, PAGE, 0x77));
}

#define PARAMS "/sys/module/iobmd/parameters/"

/*
 * A task-mapped create of gigabytes: up to 4 GiB, as much as the VM has
 * to spare. Under TCG and KASAN it takes tens of seconds, which the
 * kernel's RCU and soft-lockup detectors report unless the populate
 * reschedules; the kernel-log gate fails the run on those reports.
 */
FIXTURE(big) {
	int dev;
};

FIXTURE_SETUP(big)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(big)
{
	close(self->dev);
}

TEST_F_TIMEOUT(big, task_mapped_create_of_gigabytes, 600)
{
	long long max_buffer = iobmd_param("max_buffer_bytes");
	long long max_total = iobmd_param("max_total_bytes");
	long avail = iobmd_proc_kb("/proc/meminfo", "MemAvailable");
	unsigned long long size;
	struct iobmd_create big;
	unsigned char *p;
	char s[32];

	ASSERT_LT(0, avail);
	size = ((unsigned long long)avail << 10) - (1ULL << 30);
	if (size > 4ULL << 30)
		size = 4ULL << 30;
	size &= ~((1ULL << 20) - 1);
	if (size < 2ULL << 30)
		SKIP(return, "only %ld KiB available", avail);
	ASSERT_EQ(0, iobmd_write_file(PARAMS "max_buffer_bytes", "0"));
	ASSERT_EQ(0, iobmd_write_file(PARAMS "max_total_bytes", "0"));
	TH_LOG("task-mapped create of %llu MiB", size >> 20);
	EXPECT_EQ(0, iobmd_create(self->dev, size, IOBMD_DIRECTION_INOUT,
				  IOBMD_CREATE_MAP_TASK, &big));
	if (big.fd > 0) {
		p = (unsigned char *)(uintptr_t)big.address;
		EXPECT_EQ(0, p[0]);
		EXPECT_EQ(0, p[size - 1]);
		p[size - 1] = 1;
		EXPECT_EQ(0, munmap(p, size));
		close(big.fd);
	}
	snprintf(s, sizeof(s), "%lld", max_buffer);
	EXPECT_EQ(0, iobmd_write_file(PARAMS "max_buffer_bytes", s));
	snprintf(s, sizeof(s), "%lld", max_total);
	EXPECT_EQ(0, iobmd_write_file(PARAMS "max_total_bytes", s));
}

TEST_HARNESS_MAIN
