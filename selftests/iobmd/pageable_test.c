// SPDX-License-Identifier: GPL-2.0
/*
 * Pageable buffers (kIOMemoryPageable): backed by shmem, populated as they
 * are touched, pinned and DMA-mapped only between prepare and complete
 * (seen in VmPin and the segments), and swapped out by memory.reclaim in
 * a memory cgroup when not prepared, but not while prepared; a pwrite
 * that brings a page back from swap shows at once in the task mapping.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define SIZE (4UL << 20)
#define PAGES (SIZE / PAGE)
#define PAGEABLE (IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE)

/* VmPin of this process, in kB; -1 when it cannot be read. */
static long vm_pin_kb(void)
{
	return iobmd_proc_kb("/proc/self/status", "VmPin");
}

/* This process's buffer of @capacity: its dma= in debugfs, or -1. */
static long long debugfs_dma(__u64 capacity)
{
	char line[1024], v[40];

	if (iobmd_buffer_line(capacity, line, sizeof(line)))
		return -1;
	return strtoull(iobmd_buffer_field(line, "dma", v, sizeof(v)), NULL,
			0);
}

static int direction_ioctl(int fd, unsigned long cmd, __u32 dir)
{
	struct iobmd_direction d = { .direction = dir };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

static int prepare(int fd, __u32 dir)
{
	return direction_ioctl(fd, IOBMD_IOC_PREPARE, dir);
}

static int complete(int fd, __u32 dir)
{
	return direction_ioctl(fd, IOBMD_IOC_COMPLETE, dir);
}

/* The first segment's address and the count, or -errno. */
static int first_segment(int fd, struct iobmd_segment *seg)
{
	struct iobmd_segments s = {
		.segments = (uintptr_t)seg,
		.count = 1,
	};

	return ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s) ? -errno : (int)s.count;
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed + i / PAGE);
}

static int check(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 31 + seed + i / PAGE))
			return -1;
	return 0;
}

FIXTURE(pageable) {
	int dev;
	struct iobmd_create c;
	unsigned char *map;
};

FIXTURE_SETUP(pageable)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, iobmd_create(self->dev, SIZE, PAGEABLE,
				  IOBMD_CREATE_MAP_TASK, &self->c));
	self->map = (unsigned char *)(uintptr_t)self->c.address;
}

FIXTURE_TEARDOWN(pageable)
{
	munmap(self->map, SIZE);
	close(self->c.fd);
	close(self->dev);
}

/* Nothing is allocated, pinned or DMA-mapped until used. */
TEST_F(pageable, lazy_and_unpinned)
{
	struct iobmd_segment seg;
	struct iobmd_info info;

	EXPECT_EQ(0, iobmd_resident_pages(self->map, SIZE));
	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(0, info.segments);
	EXPECT_EQ(0, info.dma_addr);
	EXPECT_EQ(0, info.prepare_count);
	EXPECT_EQ(0, info.purgeable_state);
	/* Without CAP_SYS_ADMIN, EPERM comes first. */
	EXPECT_EQ(iobmd_sees_addresses() ? -ENXIO : -EPERM,
		  first_segment(self->c.fd, &seg));
	EXPECT_EQ(0, vm_pin_kb());

	fill(self->map, SIZE, 1);
	EXPECT_EQ(PAGES, iobmd_resident_pages(self->map, SIZE));
	EXPECT_EQ(0, vm_pin_kb());
}

/* Pinned, with segments, exactly from the first prepare to the last complete. */
TEST_F(pageable, pinned_between_prepare_and_complete)
{
	int sees = iobmd_sees_addresses();
	__u64 total, highest;
	struct iobmd_segment seg;
	struct iobmd_info info;

	fill(self->map, SIZE, 2);
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(SIZE / 1024, vm_pin_kb());
	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(1, info.prepare_count);
	EXPECT_LT(0, info.segments);
	if (sees) {
		EXPECT_NE(0, info.dma_addr);
		EXPECT_EQ(info.segments,
			  iobmd_walk_segments(self->c.fd, &total, &highest));
		EXPECT_EQ(SIZE, total);
		EXPECT_EQ(info.dma_addr, debugfs_dma(SIZE));
	} else {
		/* The unprivileged run: pinned, but no address shown. */
		EXPECT_EQ(0, info.dma_addr);
		EXPECT_EQ(-EPERM, first_segment(self->c.fd, &seg));
	}

	/* Nested: still pinned once. */
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(SIZE / 1024, vm_pin_kb());
	ASSERT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(SIZE / 1024, vm_pin_kb());
	EXPECT_EQ(sees ? 1 : -EPERM, first_segment(self->c.fd, &seg));

	ASSERT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, vm_pin_kb());
	EXPECT_EQ(sees ? -ENXIO : -EPERM, first_segment(self->c.fd, &seg));
	if (sees)
		EXPECT_EQ(0, debugfs_dma(SIZE));
	EXPECT_EQ(-EINVAL, complete(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, check(self->map, SIZE, 2));
}

/* Contents written through every path read back through every path. */
TEST_F(pageable, contents_through_every_path)
{
	static unsigned char buf[SIZE];

	fill(buf, SIZE, 3);
	ASSERT_EQ(SIZE, pwrite(self->c.fd, buf, SIZE, 0));
	EXPECT_EQ(0, check(self->map, SIZE, 3));
	fill(self->map, SIZE, 4);
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_OUT));
	/* Prepared for Out: the device only reads, so no pwrite. */
	EXPECT_EQ(-1, pwrite(self->c.fd, buf, 1, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_OUT));
	memset(buf, 0, SIZE);
	ASSERT_EQ(SIZE, pread(self->c.fd, buf, SIZE, 0));
	EXPECT_EQ(0, check(buf, SIZE, 4));
}

/* A mapping for Out cannot serve In, nor the reverse: EBUSY. */
TEST_F(pageable, nested_prepare_must_fit)
{
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(-EBUSY, prepare(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(-EBUSY, prepare(self->c.fd, IOBMD_DIRECTION_INOUT));
	EXPECT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_OUT));
	/* InOut maps both ways: anything nests. */
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_INOUT));
	EXPECT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_INOUT));
	EXPECT_EQ(0, vm_pin_kb());
}

/* Pins count against RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM. */
TEST_F(pageable, memlock_limit)
{
	struct rlimit small = { 64 << 10, 64 << 10 };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (iobmd_drop_cap(CAP_IPC_LOCK) || setrlimit(RLIMIT_MEMLOCK, &small))
			_exit(2);
		if (prepare(self->c.fd, IOBMD_DIRECTION_IN) != -ENOMEM)
			_exit(3);
		if (vm_pin_kb() != 0)
			_exit(4);
		/* Nothing was prepared: nothing to complete. */
		_exit(complete(self->c.fd, IOBMD_DIRECTION_IN) == -EINVAL ?
		      0 : 5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * The pins are charged to the user, not only to the process that
 * prepared: children that prepare and exit while their parent keeps the
 * fds leave their pins charged, so the third child is over the limit of
 * two buffers. Before, each child started from a VmPin of 0 and any
 * number of them could pin. Completing frees the charge again.
 */
TEST_F(pageable, memlock_outlives_the_preparer)
{
	struct rlimit two = { 2 * SIZE, 2 * SIZE }, now;
	struct iobmd_create c[4];
	int i, status;
	pid_t pid;

	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &now));
	if (now.rlim_max < two.rlim_max)
		SKIP(return, "RLIMIT_MEMLOCK's hard limit is below 8 MiB");
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, iobmd_create(self->dev, SIZE, PAGEABLE, 0, &c[i]));
	for (i = 0; i < 4; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (iobmd_drop_cap(CAP_IPC_LOCK) ||
			    setrlimit(RLIMIT_MEMLOCK, &two))
				_exit(100);
			/* Prepared, and left prepared at exit. */
			_exit(-prepare(c[i == 3 ? 0 : i].fd,
				       IOBMD_DIRECTION_IN));
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		if (i < 2)
			EXPECT_EQ(0, WEXITSTATUS(status));
		if (i == 2)
			EXPECT_EQ(ENOMEM, WEXITSTATUS(status));
		/* The parent completes the first: room for one again. */
		if (i == 2)
			ASSERT_EQ(0, complete(c[0].fd, IOBMD_DIRECTION_IN));
		if (i == 3)
			EXPECT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(0, complete(c[0].fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, complete(c[1].fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(-EINVAL, complete(c[2].fd, IOBMD_DIRECTION_IN));
	for (i = 0; i < 4; i++)
		close(c[i].fd);
}

/*
 * madvise(MADV_REMOVE) would punch a hole in the shmem file and take the
 * pinned pages out of it: the device would then write to pages the
 * mapping no longer shows. The file is sealed against holes: EPERM,
 * prepared or not, and the contents stay. The control: the same call on
 * a memfd's mapping does punch the hole.
 */
TEST_F(pageable, madv_remove_refused)
{
	unsigned char *m;
	int memfd;

	fill(self->map, SIZE, 7);
	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(-1, madvise(self->map, SIZE, MADV_REMOVE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, check(self->map, SIZE, 7));
	ASSERT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(-1, madvise(self->map, SIZE, MADV_REMOVE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, check(self->map, SIZE, 7));

	memfd = memfd_create("control", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, PAGE));
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	m[0] = 1;
	EXPECT_EQ(0, madvise(m, PAGE, MADV_REMOVE));
	EXPECT_EQ(0, m[0]);
	munmap(m, PAGE);
	close(memfd);
}

/*
 * The physical mask holds at prepare: pages above 4 GiB are bounced
 * through swiotlb (64 MiB in the VM), and iobmd's mappings may hold at
 * most a quarter of it, module-wide (kmod/bounce.c), so that a group's
 * members cannot fill the pool every other device needs. 160 MiB of
 * pages, which shmem takes from above 4 GiB first, is refused with
 * ENOBUFS and leaves nothing pinned; buffers of 4 MiB prepare until the
 * quarter is reached, never past it, and give it back at complete. A
 * small buffer under the same mask is bounced and lies below 4 GiB. (Slow
 * under TCG and KASAN: 120 s.)
 */
TEST_F_TIMEOUT(pageable, masked_prepare_bounces_within_a_share, 120)
{
	const __u64 big = 160UL << 20, quarter = 16UL << 20;
	struct iobmd_create c = {
		.capacity = big,
		.options = PAGEABLE,
		.physical_mask = 0xffffffff,
	};
	struct iobmd_create small[10];
	struct iobmd_segment seg;
	struct iobmd_info info;
	__u64 total, highest;
	int dev = self->dev, i, n, ret = 0;

	if (!iobmd_sees_addresses())
		SKIP(return, "unprivileged: max_buffer_bytes and RLIMIT_MEMLOCK come first");
	ASSERT_EQ(0, iobmd_stat("bounced_bytes"));
	ASSERT_EQ(0, ioctl(dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(-ENOBUFS, prepare(c.fd, IOBMD_DIRECTION_IN));
	EXPECT_EQ(0, vm_pin_kb());
	EXPECT_EQ(0, iobmd_stat("bounced_bytes"));
	ASSERT_EQ(0, iobmd_info(c.fd, &info));
	EXPECT_EQ(0, info.prepare_count);
	EXPECT_EQ(-ENXIO, first_segment(c.fd, &seg));
	close(c.fd);

	/* 40 MiB would fit the pool; iobmd stops at its quarter. */
	for (n = 0; n < 10 && !ret; n++) {
		memset(&small[n], 0, sizeof(small[n]));
		small[n].capacity = SIZE;
		small[n].options = PAGEABLE;
		small[n].physical_mask = 0xffffffff;
		ASSERT_EQ(0, ioctl(dev, IOBMD_IOC_CREATE, &small[n]));
		ret = prepare(small[n].fd, IOBMD_DIRECTION_OUT);
		EXPECT_GE(quarter, iobmd_stat("bounced_bytes"));
	}
	EXPECT_EQ(-ENOBUFS, ret);
	TH_LOG("%d buffers of 4 MiB prepared under a 32-bit mask", n - 1);
	EXPECT_LT(0, iobmd_stat("bounced_bytes"));
	for (i = 0; i < n; i++) {
		if (i < n - 1)
			EXPECT_EQ(0, complete(small[i].fd, IOBMD_DIRECTION_OUT));
		close(small[i].fd);
	}
	EXPECT_EQ(0, iobmd_stat("bounced_bytes"));

	memset(&c, 0, sizeof(c));
	c.capacity = SIZE;
	c.options = PAGEABLE;
	c.physical_mask = 0xffffffff;
	ASSERT_EQ(0, ioctl(dev, IOBMD_IOC_CREATE, &c));
	ASSERT_EQ(0, prepare(c.fd, IOBMD_DIRECTION_IN));
	ASSERT_LT(0, iobmd_walk_segments(c.fd, &total, &highest));
	EXPECT_EQ(SIZE, total);
	EXPECT_GE(0xffffffffULL, highest);
	EXPECT_EQ(0, complete(c.fd, IOBMD_DIRECTION_IN));
	close(c.fd);
}

/*
 * Below 4 GiB swiotlb cannot bounce (its pool lies below 4 GiB: the DMA
 * API WARNs), and shmem cannot keep faults from failing for ever in so
 * small a zone: a pageable buffer under such a mask is refused at create.
 * Reported: 16 MiB under 0x3fffffff, written, then prepared, WARNed.
 */
TEST_F(pageable, mask_below_4g_refused)
{
	static const __u64 masks[] = { 0x7fffffff, 0x3fffffff, 0xffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		struct iobmd_create c = {
			.capacity = 16UL << 20,
			.options = PAGEABLE,
			.physical_mask = masks[i],
		};

		EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, &c));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
}

#define CGROUP "/sys/fs/cgroup"
#define TEST_CG CGROUP "/iobmd_pageable"

/*
 * Memory pressure confined to a memory cgroup: swap on a brd RAM disk,
 * cgroup v2 with the memory controller, and this test's cgroup. Returns
 * NULL when ready, else why not.
 */
static const char *pressure_setup(void)
{
	if (access(CGROUP "/cgroup.controllers", F_OK) &&
	    system("mount -t cgroup2 none " CGROUP))
		return "no cgroup2";
	if (iobmd_write_file(CGROUP "/cgroup.subtree_control", "+memory"))
		return "no memory controller";
	if (mkdir(TEST_CG, 0755) && errno != EEXIST)
		return "cannot make a cgroup";
	if (access(TEST_CG "/memory.reclaim", W_OK))
		return "no memory.reclaim";
	if (iobmd_swap_on())
		return "no swap on " IOBMD_SWAP_DEV;
	return NULL;
}

/* Ask the cgroup to give back 64 MiB: EAGAIN when it had less, fine. */
static void press(void)
{
	iobmd_write_file(TEST_CG "/memory.reclaim", "64M");
}

/*
 * memory.reclaim in the buffer's memory cgroup swaps a pageable buffer
 * out when it is not prepared, and cannot while it is: the pages stay
 * resident at the same DMA addresses. The contents survive both.
 */
TEST_F(pageable, swapped_out_unless_prepared)
{
	struct iobmd_segment before, after;
	const char *why = pressure_setup();
	char pid[16];
	long out;

	if (why)
		SKIP(return, "%s", why);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, iobmd_write_file(TEST_CG "/cgroup.procs", pid));

	/* Charged to this cgroup as it is touched. */
	fill(self->map, SIZE, 5);
	ASSERT_EQ(PAGES, iobmd_resident_pages(self->map, SIZE));
	press();
	out = PAGES - iobmd_resident_pages(self->map, SIZE);
	TH_LOG("not prepared: %ld of %lu pages swapped out", out, PAGES);
	EXPECT_LT(PAGES / 2, out);
	EXPECT_EQ(0, check(self->map, SIZE, 5));

	ASSERT_EQ(0, prepare(self->c.fd, IOBMD_DIRECTION_INOUT));
	ASSERT_EQ(1, first_segment(self->c.fd, &before));
	press();
	EXPECT_EQ(PAGES, iobmd_resident_pages(self->map, SIZE));
	ASSERT_EQ(1, first_segment(self->c.fd, &after));
	EXPECT_EQ(before.address, after.address);
	EXPECT_EQ(0, check(self->map, SIZE, 5));
	ASSERT_EQ(0, complete(self->c.fd, IOBMD_DIRECTION_INOUT));

	ASSERT_EQ(0, iobmd_write_file(CGROUP "/cgroup.procs", pid));
}

/*
 * pwrite() then a load through the mapping, by threads that each own two
 * pages of a small buffer, while they MADV_PAGEOUT the whole of it to
 * swap. Reclaim flushes the TLBs of what it unmapped only after the page
 * has left the swap cache: a pwrite that reads the page back in writes a
 * new page, and the load may use the stale TLB entry of the old one
 * (kmod/pageable.c, iobmd_pageable_page()). The same on a memfd is the
 * kernel's own race, counted, not judged.
 */
#define RACE_SIZE (64UL << 10)
#define RACE_THREADS 8
#define RACE_SLICE (RACE_SIZE / RACE_THREADS)
#define RACE_OPS 1000

struct race {
	pthread_t tid;
	int fd, id;
	unsigned char *map;
	unsigned long rng, swapped, stale;
	unsigned char want[RACE_SLICE], got[RACE_SLICE];
};

static void *race_run(void *arg)
{
	struct race *r = arg;
	unsigned char *s = r->map + r->id * RACE_SLICE;
	off_t off = r->id * RACE_SLICE;
	unsigned int i, gen;
	size_t k;

	for (gen = 1; gen <= RACE_OPS; gen++) {
		r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		if (r->rng >> 63) {
			madvise(r->map, RACE_SIZE, MADV_PAGEOUT);
			continue;
		}
		for (k = 0; k < RACE_SLICE; k++)
			r->want[k] = (unsigned char)(r->id * 37 + gen * 11 + k * 7);
		if (iobmd_resident_pages(s, RACE_SLICE) < (long)(RACE_SLICE / PAGE))
			r->swapped++;
		i = pwrite(r->fd, r->want, RACE_SLICE, off) == RACE_SLICE &&
		    pread(r->fd, r->got, RACE_SLICE, off) == RACE_SLICE &&
		    !memcmp(r->got, r->want, RACE_SLICE);
		if (!i)
			return "pwrite or pread";
		if (memcmp(s, r->want, RACE_SLICE))
			r->stale++;
	}
	return NULL;
}

/* Run the threads on @fd mapped at @map; the stale loads, or -1. */
static long race(int fd, unsigned char *map, unsigned long *swapped)
{
	static struct race r[RACE_THREADS];
	long stale = 0;
	void *ret;
	int i;

	*swapped = 0;
	for (i = 0; i < RACE_THREADS; i++) {
		r[i] = (struct race){ .fd = fd, .id = i, .map = map,
				      .rng = 0x9e3779b97f4a7c15ULL * (i + 1) };
		if (pthread_create(&r[i].tid, NULL, race_run, &r[i]))
			return -1;
	}
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(r[i].tid, &ret);
		if (ret)
			stale = -1;
		if (stale >= 0)
			stale += r[i].stale;
		*swapped += r[i].swapped;
	}
	return stale;
}

TEST_F_TIMEOUT(pageable, pwrite_after_pageout_in_the_mapping, 900)
{
	unsigned long swapped, memfd_swapped;
	long stale, memfd_stale;
	struct iobmd_create c;
	unsigned char *m;
	int memfd;

	if (iobmd_swap_on())
		SKIP(return, "no swap on " IOBMD_SWAP_DEV);
	ASSERT_EQ(0, iobmd_create(self->dev, RACE_SIZE, PAGEABLE,
				  IOBMD_CREATE_MAP_TASK, &c));
	stale = race(c.fd, (unsigned char *)(uintptr_t)c.address, &swapped);
	EXPECT_EQ(0, munmap((void *)(uintptr_t)c.address, RACE_SIZE));
	EXPECT_EQ(0, close(c.fd));

	memfd = memfd_create("control", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, RACE_SIZE));
	m = mmap(NULL, RACE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	memfd_stale = race(memfd, m, &memfd_swapped);
	munmap(m, RACE_SIZE);
	close(memfd);

	TH_LOG("iobmd: %lu pwrites of a swapped-out slice, %ld stale loads; memfd: %lu, %ld",
	       swapped, stale, memfd_swapped, memfd_stale);
	/* The window was open: pwrites brought pages back from swap. */
	EXPECT_LE(RACE_OPS / 8, swapped);
	EXPECT_LE(RACE_OPS / 8, memfd_swapped);
	EXPECT_LE(0, memfd_stale);
	EXPECT_EQ(0, stale);
}

TEST_HARNESS_MAIN
