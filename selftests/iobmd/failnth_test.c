// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection over every path of /dev/iobmd and its buffer fds: each
 * ioctl, pread/pwrite, mmap and the first touch of a page, for each kind
 * of buffer (scatter-gather, contiguous, kernel-mapped, pageable,
 * purgeable; write-back, UC and WC; task-mapped; with data).
 *
 * failslab and fail_page_alloc are set to fail nothing by themselves
 * (probability 0) but to count sleeping, highmem and order-0 allocations
 * too, without messages; /proc/thread-self/fail-nth then fails the n-th
 * allocation of the one call under test, for n = 1, 2, ... until the call
 * no longer reaches an n-th injection point (fail-nth reads non-zero
 * after it). Each injected call must either fail with an errno that
 * uapi/linux/iobmd.h documents for a shortage of memory on that path, or
 * succeed with a working result (the allocation had a fallback), and
 * leave nothing behind: no fd, no mapping, and the debugfs stats at the
 * baseline of a clean run (create_failures one higher for each failed
 * create); kmemleak's scan at the end of the VM run finds nothing.
 *
 * Each path prints how many injection points it reached. A path that
 * documents a shortage's errno must have failed with it at least once
 * (its negative control: the injection really happened); a page fault
 * has no errno, and is retried (VM_FAULT_OOM) or kills, never SIGBUS. A
 * path that reaches no injection point is reported as a skip, not a
 * pass. control.open_fails checks the mechanism itself on open(2), which
 * allocates a struct file.
 *
 * The paths (the fixture's variants) are in failnth_paths.h; this file
 * holds what they are made of and the runner.
 */
#include <setjmp.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "failnth_helpers.h"

#define ON_FAULT "/sys/module/iobmd/parameters/mmap_on_fault"

/* Four pages: few page allocations per step, yet more than one segment. */
#define SIZE (4 * PAGE)
/* A path with more injection points than this is a runaway. */
#define MAX_STEPS 4000

static sigjmp_buf touch_jmp;

static void touch_signal(int sig)
{
	siglongjmp(touch_jmp, sig);
}

enum op {
	OP_CREATE,
	OP_INFO,
	OP_SET_LENGTH,
	OP_APPEND,
	OP_SET_DIRECTION,
	OP_PREPARE,
	OP_COMPLETE,
	OP_GET_SEGMENTS,
	OP_SET_PURGEABLE,
	OP_PREAD,
	OP_PWRITE,
	OP_MMAP,
	OP_TOUCH,
};

/*
 * The device only reads (DMA_TO_DEVICE). That alone does not keep
 * fail-nth out of DMA-API debugging's cacheline tracking: a scatter-gather
 * buffer is mapped DMA_BIDIRECTIONAL for iobmd's device at create, and
 * dma_alloc_attrs() memory is tracked as bidirectional; the slab filter
 * of failnth_helpers.h does.
 */
#define DIR IOBMD_DIRECTION_OUT
#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS
#define PAGEABLE (DIR | IOBMD_MEMORY_PAGEABLE)
#define PURGEABLE (PAGEABLE | IOBMD_MEMORY_PURGEABLE)
#define UC IOBMD_MAP_INHIBIT_CACHE
#define WC IOBMD_MAP_WRITE_COMBINE_CACHE
#define SHARED IOBMD_MEMORY_KERNEL_USER_SHARED

/* The errnos uapi/linux/iobmd.h documents for a shortage, 0-terminated. */
static const int no_errno[] = { 0 };
static const int create_errnos[] = { ENOMEM, 0 };
/* With IOBMD_CREATE_MAP_TASK, also the task mapping's: mmap(2)'s. */
static const int create_task_errnos[] = { ENOMEM, EAGAIN, 0 };
/* With data, a pageable buffer's page may also not be read back. */
static const int create_data_errnos[] = { ENOMEM, EIO, 0 };
static const int pageable_errnos[] = { ENOMEM, EIO, 0 };
static const int prepare_errnos[] = { ENOMEM, EIO, EINTR, 0 };
static const int mmap_errnos[] = { ENOMEM, EAGAIN, 0 };
/* GET_SEGMENTS copies a batch of segments through a kernel array. */
static const int get_segments_errnos[] = { ENOMEM, 0 };

/* One step of a path: what it made, and its buffers. */
struct step {
	int dev;
	/* What setup made (not injected). */
	struct iobmd_create c;
	unsigned char *map;
	bool prepared;
	/* What the call under test made, undone after it. */
	struct iobmd_create made;
	void *mapped;
	struct iobmd_info info;
	struct iobmd_segment segs[8];
	unsigned char src[SIZE];
	unsigned char dst[SIZE];
	char on_fault[8];
};

FIXTURE(failnth) {
	struct step s;
};

#include "failnth_paths.h"

static const char *const op_names[] = {
	[OP_CREATE] = "CREATE", [OP_INFO] = "INFO",
	[OP_SET_LENGTH] = "SET_LENGTH", [OP_APPEND] = "APPEND",
	[OP_SET_DIRECTION] = "SET_DIRECTION", [OP_PREPARE] = "PREPARE",
	[OP_COMPLETE] = "COMPLETE", [OP_GET_SEGMENTS] = "GET_SEGMENTS",
	[OP_SET_PURGEABLE] = "SET_PURGEABLE", [OP_PREAD] = "pread",
	[OP_PWRITE] = "pwrite", [OP_MMAP] = "mmap", [OP_TOUCH] = "touch",
};

static int direction(int fd, unsigned long cmd, __u32 dir)
{
	struct iobmd_direction d = { .direction = dir };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

static int set_length(int fd, __u64 length)
{
	struct iobmd_length l = { .length = length };

	return ioctl(fd, IOBMD_IOC_SET_LENGTH, &l) ? -errno : 0;
}

/*
 * A 2 MiB-aligned address with nothing mapped around it: a touch there
 * needs a new page table too.
 */
static void *fresh_range(void)
{
	const size_t huge = 2UL << 20;
	void *r = mmap(NULL, 2 * huge, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	munmap(r, 2 * huge);
	return (void *)(((uintptr_t)r + huge - 1) & ~(huge - 1));
}

/* Setup of one step, not injected: 0 or -errno. */
static int step_setup(struct step *self,
		      const struct path *variant)
{
	int ret;

	self->map = NULL;
	self->mapped = MAP_FAILED;
	self->prepared = false;
	memset(&self->made, 0, sizeof(self->made));
	memset(&self->c, 0, sizeof(self->c));
	self->c.fd = -1;
	self->made.fd = -1;
	if (variant->op == OP_CREATE) {
		self->made.fd = 0;
		self->made.capacity = SIZE;
		self->made.options = variant->options;
		self->made.flags = variant->flags;
		if (variant->data)
			self->made.data = (uintptr_t)self->src;
		return 0;
	}
	ret = iobmd_create(self->dev, SIZE, variant->options, 0, &self->c);
	if (ret)
		return ret;
	if (variant->op == OP_APPEND)
		return set_length(self->c.fd, 0);
	if (variant->prepared) {
		ret = direction(self->c.fd, IOBMD_IOC_PREPARE, 0);
		self->prepared = !ret;
		return ret;
	}
	if (variant->op == OP_TOUCH) {
		if (variant->on_fault &&
		    iobmd_write_file(ON_FAULT, "Y"))
			return -EIO;
		self->map = mmap(fresh_range(), SIZE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED_NOREPLACE, self->c.fd, 0);
		if (variant->on_fault)
			iobmd_write_file(ON_FAULT, self->on_fault);
		if (self->map == MAP_FAILED) {
			self->map = NULL;
			return -errno;
		}
	}
	return 0;
}

/*
 * The call under test, with the n-th injection point failing: 0, -errno,
 * -EREMOTEIO for a short pread or pwrite, or -1000 - the signal a touch
 * got. Nothing but the call runs between inject(n) and its return.
 */
static int step_call(struct step *self,
		     const struct path *variant, unsigned int n)
{
	int fd = self->c.fd;
	struct iobmd_append a = {
		.data = (uintptr_t)self->src, .size = SIZE,
	};
	struct iobmd_segments s = {
		.segments = (uintptr_t)self->segs,
		.count = ARRAY_SIZE(self->segs),
	};
	struct iobmd_purgeable p = { .new_state = variant->state };
	struct iobmd_direction d = { .direction = IOBMD_DIRECTION_NONE };
	struct iobmd_length l = { .length = SIZE / 2 };
	ssize_t len = SIZE;
	int ret = 0, sig;
	void *m;

	if (variant->op == OP_TOUCH) {
		sig = sigsetjmp(touch_jmp, 1);
		if (sig)
			return -1000 - sig;
	}
	if (inject(n))
		return -EBADF;
	switch (variant->op) {
	case OP_CREATE:
		ret = ioctl(self->dev, IOBMD_IOC_CREATE, &self->made);
		break;
	case OP_INFO:
		ret = ioctl(fd, IOBMD_IOC_INFO, &self->info);
		break;
	case OP_SET_LENGTH:
		ret = ioctl(fd, IOBMD_IOC_SET_LENGTH, &l);
		break;
	case OP_APPEND:
		ret = ioctl(fd, IOBMD_IOC_APPEND, &a);
		break;
	case OP_SET_DIRECTION:
		ret = ioctl(fd, IOBMD_IOC_SET_DIRECTION, &d);
		break;
	case OP_PREPARE:
		ret = ioctl(fd, IOBMD_IOC_PREPARE, &d);
		break;
	case OP_COMPLETE:
		ret = ioctl(fd, IOBMD_IOC_COMPLETE, &d);
		break;
	case OP_GET_SEGMENTS:
		ret = ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s);
		break;
	case OP_SET_PURGEABLE:
		ret = ioctl(fd, IOBMD_IOC_SET_PURGEABLE, &p);
		break;
	case OP_PREAD:
		len = pread(fd, self->dst, SIZE, 0);
		break;
	case OP_PWRITE:
		len = pwrite(fd, self->src, SIZE, 0);
		break;
	case OP_MMAP:
		m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			ret = -1;
		else
			self->mapped = m;
		break;
	case OP_TOUCH:
		__atomic_store_n(&self->map[PAGE], 0x5a, __ATOMIC_RELAXED);
		break;
	}
	if (ret || len < 0)
		return -errno;
	if (len != SIZE)
		return -EREMOTEIO;
	if (variant->op == OP_PREPARE)
		self->prepared = true;
	if (variant->op == OP_COMPLETE)
		self->prepared = false;
	if (variant->op == OP_GET_SEGMENTS)
		self->info.segments = s.count;
	return 0;
}

/*
 * After a call that succeeded (injected or not): is its result whole?
 * Then undo what it made. Returns NULL, or what was wrong.
 */
static const char *step_check_undo(struct step *self,
				   const struct path *variant)
{
	static unsigned char zero[SIZE];
	struct iobmd_info info;
	const char *wrong = NULL;
	unsigned char byte;

	switch (variant->op) {
	case OP_CREATE:
		if (self->made.fd < 0 || iobmd_info(self->made.fd, &info) ||
		    info.alloc_size != SIZE || info.options != variant->options)
			wrong = "the new buffer fd does not describe the buffer";
		else if ((variant->flags & IOBMD_CREATE_MAP_TASK) &&
			 !self->made.address)
			wrong = "no task mapping";
		else if (variant->data &&
			 (pread(self->made.fd, self->dst, SIZE, 0) != SIZE ||
			  memcmp(self->dst, self->src, SIZE)))
			wrong = "the buffer does not hold the data";
		if (self->made.address)
			munmap((void *)(uintptr_t)self->made.address, SIZE);
		if (self->made.fd > 0)
			close(self->made.fd);
		break;
	case OP_APPEND:
		if (iobmd_info(self->c.fd, &info) || info.length != SIZE ||
		    pread(self->c.fd, self->dst, SIZE, 0) != SIZE ||
		    memcmp(self->dst, self->src, SIZE))
			wrong = "the bytes were not appended";
		break;
	case OP_PREAD:
		if (memcmp(self->dst, zero, SIZE))
			wrong = "pread did not read the new buffer's zeros";
		break;
	case OP_PWRITE:
		if (pread(self->c.fd, self->dst, SIZE, 0) != SIZE ||
		    memcmp(self->dst, self->src, SIZE))
			wrong = "pwrite did not write the bytes";
		break;
	case OP_GET_SEGMENTS:
		if (self->info.segments < 1)
			wrong = "no segment";
		break;
	case OP_MMAP:
		if (((unsigned char *)self->mapped)[SIZE - 1])
			wrong = "the new mapping does not read zeros";
		munmap(self->mapped, SIZE);
		self->mapped = MAP_FAILED;
		break;
	case OP_TOUCH:
		if (pread(self->c.fd, &byte, 1, PAGE) != 1 || byte != 0x5a)
			wrong = "the touched page is not the buffer's";
		break;
	default:
		break;
	}
	return wrong;
}

/* What setup made, and what a failed call left to undo. */
static void step_teardown(struct step *self)
{
	if (self->prepared)
		direction(self->c.fd, IOBMD_IOC_COMPLETE, 0);
	if (self->map)
		munmap(self->map, SIZE);
	if (self->c.fd >= 0)
		close(self->c.fd);
}

FIXTURE_SETUP(failnth)
{
	struct sigaction sa = { .sa_handler = touch_signal };
	struct step *st = &self->s;
	unsigned int i;

	for (i = 0; i < SIZE; i++)
		st->src[i] = i * 7 + 1;
	/* Touched now: no page fault of ours counts as a call's. */
	memset(st->dst, 0, SIZE);
	if (access(FAILSLAB "probability", W_OK) ||
	    access(FAILPAGE "probability", W_OK))
		SKIP(return, "no failslab and fail_page_alloc in debugfs");
	ASSERT_EQ(0, faults_setup());
	ASSERT_EQ(0, read_setting(ON_FAULT, st->on_fault,
				  sizeof(st->on_fault)));
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fail_nth_fd);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	st->dev = iobmd_open();
	ASSERT_LE(0, st->dev);
}

FIXTURE_TEARDOWN(failnth)
{
	struct step *st = &self->s;

	if (fail_nth_fd >= 0)
		inject(0);
	faults_restore();
	if (st->on_fault[0])
		iobmd_write_file(ON_FAULT, st->on_fault);
	close(st->dev);
}

static const char *errno_name(int err)
{
	static char s[24];

	if (err <= -1000) {
		snprintf(s, sizeof(s), "signal %d", -1000 - err);
		return s;
	}
	if (err == -EREMOTEIO)
		return "short count";
	return strerrorname_np(-err) ?: "?";
}

static bool documented(const int *errnos, int err)
{
	for (; *errnos; errnos++)
		if (-err == *errnos)
			return true;
	return false;
}

TEST_F_TIMEOUT(failnth, every_injection_point, 900)
{
	const struct path *path = &variant->p;
	const char *op = op_names[path->op];
	struct step *st = &self->s;
	unsigned int n, failed = 0, tolerated = 0, reports = 0;
	long long failures, expect_failures;
	int fds, maps, ret, last_errno = 0;
	long left, clean_points;
	struct stats base, now;
	const char *wrong;
	unsigned int i;

	/*
	 * A clean run first, counting its injection points: the baseline
	 * of the stats after it, and whatever the path sets up lazily once.
	 */
	ASSERT_EQ(0, step_setup(st, path));
	ret = step_call(st, path, 1000000);
	left = injection_left();
	ASSERT_EQ(0, ret) TH_LOG("%s failed without injection: %s", op,
				 errno_name(ret));
	clean_points = 1000000 - left;
	wrong = step_check_undo(st, path);
	ASSERT_EQ(NULL, wrong) TH_LOG("%s without injection: %s", op, wrong);
	step_teardown(st);
	ASSERT_EQ(0, read_stats(&base));
	fds = iobmd_next_fd();
	maps = iobmd_mappings();
	failures = stat_of(&base, "create_failures");
	expect_failures = failures;

	for (n = 1; n <= MAX_STEPS; n++) {
		ASSERT_EQ(0, step_setup(st, path))
			TH_LOG("setup of step %u failed", n);
		ret = step_call(st, path, n);
		left = injection_left();
		ASSERT_LE(0, left);
		if (left > 0) {
			/* Fewer than n points: the call ran uninjected. */
			EXPECT_EQ(0, ret)
				TH_LOG("%s failed with %s where nothing was injected (n=%u)",
				       op, errno_name(ret), n);
		} else if (!ret) {
			tolerated++;
		} else {
			failed++;
			last_errno = ret;
			if (path->op == OP_CREATE)
				expect_failures++;
			EXPECT_TRUE(documented(path->errnos, ret))
				TH_LOG("%s, n=%u: %s is not a documented errno",
				       op, n, errno_name(ret));
		}
		if (!ret) {
			wrong = step_check_undo(st, path);
			EXPECT_EQ(NULL, wrong)
				TH_LOG("%s, n=%u: %s", op, n, wrong);
		}
		step_teardown(st);

		/* Nothing left behind. */
		ASSERT_EQ(0, read_stats(&now));
		for (i = 0; i < base.n; i++) {
			long long want = base.value[i], got;

			if (!strcmp(base.name[i], "create_failures"))
				want = expect_failures;
			else if (!strcmp(base.name[i], "purged_bytes") &&
				 path->op == OP_SET_PURGEABLE)
				continue;
			got = stat_of(&now, base.name[i]);
			if (got != want && reports++ < 20)
				TH_LOG("%s, n=%u (%s): stats %s is %lld, baseline %lld",
				       op, n, ret ? errno_name(ret) : "success",
				       base.name[i], got, want);
			EXPECT_EQ(want, got);
		}
		EXPECT_EQ(fds, iobmd_next_fd())
			TH_LOG("%s, n=%u: an fd was left behind", op, n);
		EXPECT_EQ(maps, iobmd_mappings())
			TH_LOG("%s, n=%u: a mapping was left behind", op, n);
		if (left > 0)
			break;
	}
	ASSERT_GE(MAX_STEPS, n) TH_LOG("%s: more than %u injection points",
				       op, MAX_STEPS);
	ksft_print_msg("failnth %s: %u injection points (%ld uninjected): %u failed (%s), %u ok\n",
		       path->label, n - 1, clean_points, failed,
		       failed ? errno_name(last_errno) : "-", tolerated);
	if (n == 1)
		SKIP(return, "%s reached no injection point: nothing was tested",
		     op);
	/* The negative control: where failing is documented, it happened. */
	if (path->errnos[0])
		EXPECT_LT(0, failed)
			TH_LOG("%s: %u injections, no failure", op, n - 1);
}

/*
 * The mechanism itself: open(2) allocates a struct file, so failing its
 * first injection point fails it with ENOMEM, and fail-nth reads 0; a
 * count beyond its points leaves the call alone.
 */
FIXTURE(control) {
	int unused;
};

FIXTURE_SETUP(control)
{
	if (access(FAILSLAB "probability", W_OK))
		SKIP(return, "no failslab in debugfs");
	ASSERT_EQ(0, faults_setup());
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fail_nth_fd) TH_LOG("%s: %s", FAIL_NTH, strerror(errno));
}

FIXTURE_TEARDOWN(control)
{
	if (fail_nth_fd >= 0)
		inject(0);
	faults_restore();
}

TEST_F(control, open_fails)
{
	long left;
	int fd, err;

	ASSERT_EQ(0, inject(1));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	err = errno;
	left = injection_left();
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENOMEM, err);
	EXPECT_EQ(0, left);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, inject(1000));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	left = injection_left();
	EXPECT_LE(0, fd);
	EXPECT_LT(0, left);
	EXPECT_GT(1000, left);
	ksft_print_msg("failnth control: open(2) reached %ld injection points\n",
		       1000 - left);
	close(fd);
}

/*
 * Last, after every path: DMA-API debugging is still on (failslab's cache
 * filter kept fail-nth out of its cacheline tracking), where it exists.
 */
TEST_F(control, dma_debug_still_enabled)
{
	char value[8];
	bool filter;

	if (access(DMA_DEBUG_DISABLED, R_OK))
		SKIP(return, "no DMA-API debugging");
	ASSERT_EQ(0, slab_filter(&filter));
	ASSERT_TRUE(filter);
	ASSERT_EQ(0, read_setting(DMA_DEBUG_DISABLED, value, sizeof(value)));
	EXPECT_STREQ("N", value);
}

TEST_HARNESS_MAIN
