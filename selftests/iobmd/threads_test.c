// SPDX-License-Identifier: GPL-2.0
/*
 * Threads on shared buffers: 8 threads x 10^4 mixed operations (prepare
 * and complete against the purge shrinker, which drop_caches drives, and
 * against Empty; set_purgeable; mmap and munmap; dup and close;
 * GET_SEGMENTS; set_length; pread and pwrite; MADV_PAGEOUT to swap). Each
 * thread owns a slice of every buffer and checks what must hold whatever
 * the others do:
 *
 * - a prepared buffer is never purged: a slice written while its thread
 *   holds a prepare reads back unchanged until the complete, drop_caches
 *   and the other threads' Volatile notwithstanding, and Empty is EBUSY;
 * - the segments of a prepared buffer cover its length exactly, as many
 *   as INFO counts;
 * - a slice of a buffer whose contents are kept (wired, or pageable and
 *   not purgeable, also after a page-out to swap) reads back through
 *   pread, the task mapping and a new mapping of a dup'ed fd;
 * - every errno is one the ABI documents for the situation.
 *
 * At the end, with nothing prepared, drop_caches must purge the volatile
 * buffers (the shrinker works, so the check above could fail), and the
 * debugfs stats and the module's references are back to their baseline.
 * IOBMD_THREADS_OPS (default 10000) is the operations per thread,
 * IOBMD_THREADS_SEED (default 1) the seed, IOBMD_THREADS_PAGEOUT
 * (default 1) the weight of MADV_PAGEOUT among the operations.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define THREADS 8
#define SIZE (64UL << 10)
#define SLICE (SIZE / THREADS)
#define INOUT IOBMD_DIRECTION_INOUT

/* The shared buffers and what may be checked of each. */
enum { B_PURGE0, B_PURGE1, B_PAGEABLE, B_SG, B_CONTIG, B_LENGTH, BUFS };

static const __u32 buf_options[BUFS] = {
	[B_PURGE0] = INOUT | IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE,
	[B_PURGE1] = INOUT | IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE,
	[B_PAGEABLE] = INOUT | IOBMD_MEMORY_PAGEABLE,
	[B_SG] = INOUT,
	[B_CONTIG] = INOUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	[B_LENGTH] = INOUT | IOBMD_MEMORY_KERNEL_USER_SHARED,
};

enum {
	OP_PREPARE, OP_PURGEABLE, OP_RECLAIM, OP_PAGEOUT, OP_MMAP,
	OP_DUP_CLOSE, OP_SEGMENTS, OP_SET_LENGTH, OP_RW, OP_INFO, OPS
};

static const char * const op_names[OPS] = { "prepare", "set_purgeable",
	"drop_caches", "pageout", "mmap", "dup_close", "get_segments",
	"set_length", "pread_pwrite", "info" };
/*
 * drop_caches is slow under TCG: thread 0 runs it every RECLAIM_EVERY.
 * IOBMD_THREADS_PAGEOUT (default 1) is the weight of pageout.
 */
static unsigned int op_weights[OPS] = { 10, 14, 0, 1, 8, 12, 16, 10,
					16, 12 };
#define RECLAIM_EVERY 200

static struct {
	int fd[BUFS];
	unsigned char *map[BUFS];
	__u64 seed, ops;
} g;

struct thread {
	pthread_t tid;
	int id;
	__u64 rng;
	unsigned int gen[BUFS];	/* the pattern now in its slice, 0: none */
	__u64 counts[OPS];
	__u64 purged_seen, failures;
	char first[256];
	unsigned int ref_gen;
	unsigned char ref[SLICE];
};

static __u64 rnd(struct thread *t, __u64 n)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return n ? (t->rng * 0x2545f4914f6cdd1dULL) % n : 0;
}

static void __printf(2, 3)
fail(struct thread *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->failures++) {
		va_start(ap, fmt);
		vsnprintf(t->first, sizeof(t->first), fmt, ap);
		va_end(ap);
	}
}

#define CHECK(t, cond, ...) do { if (!(cond)) fail(t, __VA_ARGS__); } while (0)

/* The pattern of a thread's slice for a generation: its bytes in ref. */
static void pattern(struct thread *t, unsigned int gen)
{
	size_t i;

	if (t->ref_gen == gen)
		return;
	for (i = 0; i < SLICE; i++)
		t->ref[i] = (unsigned char)(t->id * 37 + gen * 11 + i * 7 + 1);
	t->ref_gen = gen;
}

static unsigned char *slice(int b, int id)
{
	return g.map[b] + id * SLICE;
}

static void fill(struct thread *t, int b)
{
	pattern(t, ++t->gen[b]);
	memcpy(slice(b, t->id), t->ref, SLICE);
}

/* Offset of the first byte of p[0..SLICE) not the pattern, or -1. */
static long mismatch(struct thread *t, int b, const unsigned char *p)
{
	size_t i;

	pattern(t, t->gen[b]);
	if (!memcmp(p, t->ref, SLICE))
		return -1;
	for (i = 0; p[i] == t->ref[i]; i++)
		;
	return i;
}

static int dir_ioctl(int fd, unsigned long cmd)
{
	struct iobmd_direction d = { .direction = INOUT };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

static int set_purgeable(int fd, __u32 state)
{
	struct iobmd_purgeable p = { .new_state = state };

	return ioctl(fd, IOBMD_IOC_SET_PURGEABLE, &p) ? -errno :
							(int)p.old_state;
}

/* Whether contents are kept whatever the other threads do. */
static int kept(int b)
{
	return b == B_PAGEABLE || b == B_SG || b == B_CONTIG;
}

/*
 * Prepare, write the slice, walk the segments, try Empty, give the others
 * (and the shrinker) time, check the slice, complete.
 */
static void op_prepare(struct thread *t)
{
	int b = rnd(t, 5), ret, k;
	unsigned int n, info_segments;
	struct iobmd_info info;
	__u64 total, highest;
	long bad;

	ret = dir_ioctl(g.fd[b], IOBMD_IOC_PREPARE);
	if (ret) {
		fail(t, "prepare of buffer %d: %d", b, ret);
		return;
	}
	fill(t, b);
	if (!iobmd_info(g.fd[b], &info)) {
		info_segments = info.segments;
		n = iobmd_walk_segments(g.fd[b], &total, &highest);
		CHECK(t, n && n == info_segments && total == SIZE,
		      "buffer %d prepared: %u segments (info %u) cover %llu",
		      b, n, info_segments, (unsigned long long)total);
		CHECK(t, info.prepare_count >= 1, "buffer %d: prepare_count 0",
		      b);
	}
	if (b <= B_PURGE1) {
		ret = set_purgeable(g.fd[b], IOBMD_PURGEABLE_EMPTY);
		CHECK(t, ret == -EBUSY, "Empty of prepared buffer %d: %d", b,
		      ret);
	}
	for (k = rnd(t, 4); k > 0; k--)
		sched_yield();
	bad = mismatch(t, b, slice(b, t->id));
	CHECK(t, bad < 0, "buffer %d prepared: slice of thread %d lost at %ld (%#x)",
	      b, t->id, bad, bad < 0 ? 0 : slice(b, t->id)[bad]);
	ret = dir_ioctl(g.fd[b], IOBMD_IOC_COMPLETE);
	CHECK(t, !ret, "complete of buffer %d: %d", b, ret);
	/* A purgeable slice is not kept once the buffer may be purged. */
	if (!kept(b))
		t->gen[b] = 0;
}

static void op_purgeable(struct thread *t)
{
	static const __u32 states[] = { IOBMD_PURGEABLE_VOLATILE,
		IOBMD_PURGEABLE_VOLATILE, IOBMD_PURGEABLE_NON_VOLATILE,
		IOBMD_PURGEABLE_KEEP_CURRENT, IOBMD_PURGEABLE_NON_VOLATILE,
		IOBMD_PURGEABLE_KEEP_CURRENT, IOBMD_PURGEABLE_VOLATILE,
		IOBMD_PURGEABLE_EMPTY };
	__u32 state = states[rnd(t, ARRAY_SIZE(states))];
	int b = rnd(t, 2), ret = set_purgeable(g.fd[b], state);

	if (ret == IOBMD_PURGEABLE_EMPTY)
		t->purged_seen++;
	CHECK(t, (ret >= IOBMD_PURGEABLE_NON_VOLATILE &&
		  ret <= IOBMD_PURGEABLE_EMPTY) ||
	      (ret == -EBUSY && state == IOBMD_PURGEABLE_EMPTY),
	      "set_purgeable(%u) of buffer %d: %d", state, b, ret);
	/* Not purgeable: not a pageable buffer, nor a wired one. */
	ret = set_purgeable(g.fd[B_SG], IOBMD_PURGEABLE_KEEP_CURRENT);
	CHECK(t, ret == -EOPNOTSUPP, "set_purgeable of a wired buffer: %d",
	      ret);
}

static void op_reclaim(struct thread *t)
{
	int ret = iobmd_write_file("/proc/sys/vm/drop_caches", "2");

	CHECK(t, !ret, "drop_caches: %d", ret);
}

/* Swap the pageable buffer's pages out; a kept slice comes back. */
static void op_pageout(struct thread *t)
{
	long bad;

	if (!t->gen[B_PAGEABLE])
		fill(t, B_PAGEABLE);
	madvise(g.map[B_PAGEABLE], SIZE, 21 /* MADV_PAGEOUT */);
	bad = mismatch(t, B_PAGEABLE, slice(B_PAGEABLE, t->id));
	CHECK(t, bad < 0, "pageable slice of thread %d lost at %ld after page-out",
	      t->id, bad);
}

/* A new mapping (of a dup'ed fd, closed at once) shows the kept slice. */
static void op_mmap(struct thread *t)
{
	static const int kinds[] = { B_PAGEABLE, B_SG, B_CONTIG, B_PURGE0,
				     B_LENGTH };
	int b = kinds[rnd(t, 5)], fd = g.fd[b], dup_fd = -1;
	unsigned char *p;
	long bad;

	if (rnd(t, 2)) {
		dup_fd = dup(g.fd[b]);
		CHECK(t, dup_fd >= 0, "dup: %s", strerror(errno));
		if (dup_fd < 0)
			return;
		fd = dup_fd;
	}
	p = mmap(NULL, SLICE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 t->id * SLICE);
	if (dup_fd >= 0)
		close(dup_fd);
	if (p == MAP_FAILED) {
		fail(t, "mmap of buffer %d: %s", b, strerror(errno));
		return;
	}
	if (kept(b)) {
		if (!t->gen[b])
			fill(t, b);
		bad = mismatch(t, b, p);
		CHECK(t, bad < 0, "buffer %d: new mapping differs at %ld", b,
		      bad);
	} else {
		/* Whatever is there: the two mappings agree. */
		CHECK(t, p[SLICE / 2] == slice(b, t->id)[SLICE / 2] || b <= B_PURGE1,
		      "buffer %d: two mappings differ", b);
	}
	CHECK(t, !munmap(p, SLICE), "munmap: %s", strerror(errno));
}

static void op_dup_close(struct thread *t)
{
	int b = rnd(t, BUFS), fd = dup(g.fd[b]);
	struct iobmd_info info;

	if (fd < 0) {
		fail(t, "dup: %s", strerror(errno));
		return;
	}
	CHECK(t, !iobmd_info(fd, &info) && info.capacity == SIZE &&
	      info.length <= SIZE, "info through a dup of buffer %d", b);
	CHECK(t, !close(fd), "close of a dup: %s", strerror(errno));
}

/* One GET_SEGMENTS from a random offset: what it gives is consistent. */
static void op_segments(struct thread *t)
{
	struct iobmd_segment seg[8];
	struct iobmd_segments s = { .segments = (uintptr_t)seg };
	int b = rnd(t, BUFS), ret;
	__u64 sum = 0;
	unsigned int i;

	unsigned int want;

	s.offset = rnd(t, SIZE + 1);
	want = 1 + rnd(t, 8);
	s.count = want;
	ret = ioctl(g.fd[b], IOBMD_IOC_GET_SEGMENTS, &s) ? -errno : 0;
	if (ret) {
		/* Not prepared by anyone now; or past a length another set. */
		CHECK(t, (ret == -ENXIO && b <= B_PAGEABLE) ||
		      (ret == -EINVAL && (s.offset == SIZE || b == B_LENGTH)),
		      "get_segments of buffer %d at %llu: %d", b,
		      (unsigned long long)s.offset, ret);
		return;
	}
	for (i = 0; i < s.count && i < want; i++)
		sum += seg[i].length;
	CHECK(t, s.count >= 1 && s.count <= want && s.offset + sum <= SIZE,
	      "get_segments of buffer %d: %u covering %llu from %llu", b,
	      s.count, (unsigned long long)sum, (unsigned long long)s.offset);
	/* Fewer than asked for: the walk reached the (fixed) length. */
	if (b != B_LENGTH && s.count < want)
		CHECK(t, s.offset + sum == SIZE,
		      "get_segments of buffer %d: %u of %u cover %llu from %llu",
		      b, s.count, want, (unsigned long long)sum,
		      (unsigned long long)s.offset);
}

static void op_set_length(struct thread *t)
{
	struct iobmd_length l = { rnd(t, SIZE + 1) };
	int ret = ioctl(g.fd[B_LENGTH], IOBMD_IOC_SET_LENGTH, &l) ? -errno : 0;

	CHECK(t, !ret, "set_length %llu: %d", (unsigned long long)l.length,
	      ret);
	l.length = SIZE + 1 + rnd(t, 4096);
	ret = ioctl(g.fd[B_LENGTH], IOBMD_IOC_SET_LENGTH, &l) ? -errno : 0;
	CHECK(t, ret == -EINVAL, "set_length above the capacity: %d", ret);
}

/* pwrite a new pattern into the slice, pread it back. */
static void op_rw(struct thread *t)
{
	static unsigned char buf[THREADS][SLICE];
	unsigned char *p = buf[t->id];
	int b = B_PAGEABLE + rnd(t, 4);
	ssize_t r;
	long bad;

	if (b == B_LENGTH) {
		/* The length moves: whatever comes back is within it. */
		r = pread(g.fd[b], p, SLICE, t->id * SLICE);
		CHECK(t, r >= 0 && r <= (ssize_t)SLICE, "pread: %zd", r);
		r = pwrite(g.fd[b], p, SLICE, t->id * SLICE);
		CHECK(t, (r >= 0 && r <= (ssize_t)SLICE) ||
		      (r < 0 && errno == ENOSPC), "pwrite: %zd", r);
		return;
	}
	pattern(t, ++t->gen[b]);
	memcpy(p, t->ref, SLICE);
	r = pwrite(g.fd[b], p, SLICE, t->id * SLICE);
	CHECK(t, r == (ssize_t)SLICE, "pwrite of buffer %d: %zd", b, r);
	memset(p, 0, SLICE);
	r = pread(g.fd[b], p, SLICE, t->id * SLICE);
	bad = mismatch(t, b, p);
	CHECK(t, r == (ssize_t)SLICE && bad < 0,
	      "pread of buffer %d: %zd, differs at %ld", b, r, bad);
	bad = mismatch(t, b, slice(b, t->id));
	CHECK(t, bad < 0,
	      "buffer %d: the task mapping differs at %ld: %#x, pread %#x (generation %u)",
	      b, bad, bad < 0 ? 0 : slice(b, t->id)[bad],
	      bad < 0 ? 0 : p[bad], t->gen[b]);
}

static void op_info(struct thread *t)
{
	int b = rnd(t, BUFS);
	struct iobmd_info info;

	CHECK(t, !iobmd_info(g.fd[b], &info) && info.capacity == SIZE &&
	      info.length <= SIZE && info.alloc_size == SIZE &&
	      info.options == buf_options[b], "info of buffer %d", b);
}

static void (* const ops[OPS])(struct thread *t) = {
	op_prepare, op_purgeable, op_reclaim, op_pageout, op_mmap,
	op_dup_close, op_segments, op_set_length, op_rw, op_info,
};

static void *run(void *arg)
{
	struct thread *t = arg;
	unsigned int total = 0, k, op;
	__u64 i;

	for (op = 0; op < OPS; op++)
		total += op_weights[op];
	for (i = 0; i < g.ops; i++) {
		k = rnd(t, total);
		for (op = 0; k >= op_weights[op]; op++)
			k -= op_weights[op];
		ops[op](t);
		t->counts[op]++;
		if (!t->id && !(i % RECLAIM_EVERY)) {
			op_reclaim(t);
			t->counts[OP_RECLAIM]++;
		}
	}
	return NULL;
}

static __u64 env(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

FIXTURE(threads) {
	int dev;
};

FIXTURE_SETUP(threads)
{
	self->dev = -1;
}

FIXTURE_TEARDOWN(threads)
{
}

TEST_F_TIMEOUT(threads, shared_buffers, 1800)
{
	long refcnt = iobmd_module_refcnt(), buffers, bytes, vol, purged;
	struct thread *th = calloc(THREADS, sizeof(*th));
	__u64 counts[OPS] = { 0 }, total = 0, purged_seen = 0;
	int next_fd = iobmd_next_fd(), i, b, op;
	struct timespec t0, t1;
	struct iobmd_create c;

	ASSERT_NE(NULL, th);
	buffers = iobmd_stat("live_buffers");
	bytes = iobmd_stat("live_bytes");
	vol = iobmd_stat("volatile_bytes");
	ASSERT_LE(0, buffers) TH_LOG("no debugfs stats: is iobmd loaded?");
	ASSERT_EQ(0, refcnt);
	/* Swap, so that MADV_PAGEOUT moves pageable pages out. */
	if (iobmd_swap_on())
		TH_LOG("no swap on " IOBMD_SWAP_DEV ": page-outs do nothing");
	g.seed = env("IOBMD_THREADS_SEED", 1);
	g.ops = env("IOBMD_THREADS_OPS", 10000);
	op_weights[OP_PAGEOUT] = env("IOBMD_THREADS_PAGEOUT", 1);
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	for (b = 0; b < BUFS; b++) {
		ASSERT_EQ(0, iobmd_create(self->dev, SIZE, buf_options[b],
					  IOBMD_CREATE_MAP_TASK, &c));
		g.fd[b] = c.fd;
		g.map[b] = (unsigned char *)(uintptr_t)c.address;
	}
	TH_LOG("seed %llu, %d threads x %llu operations",
	       (unsigned long long)g.seed, THREADS, (unsigned long long)g.ops);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < THREADS; i++) {
		th[i].id = i;
		th[i].rng = g.seed * 0x9e3779b97f4a7c15ULL + i + 1;
		ASSERT_EQ(0, pthread_create(&th[i].tid, NULL, run, &th[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(th[i].tid, NULL));
		EXPECT_EQ(0, th[i].failures)
			TH_LOG("thread %d: %llu failures, the first: %s", i,
			       (unsigned long long)th[i].failures, th[i].first);
		for (op = 0; op < OPS; op++) {
			counts[op] += th[i].counts[op];
			total += th[i].counts[op];
		}
		purged_seen += th[i].purged_seen;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%llu operations in %.1f s; Empty seen %llu times",
	       (unsigned long long)total,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)purged_seen);
	for (op = 0; op < OPS; op++)
		TH_LOG("  %-14s %llu", op_names[op],
		       (unsigned long long)counts[op]);
	EXPECT_LE(THREADS * g.ops, total);

	/* Nothing prepared now: the shrinker purges what is volatile. */
	for (b = 0; b < BUFS; b++) {
		struct iobmd_info info;

		ASSERT_EQ(0, iobmd_info(g.fd[b], &info));
		EXPECT_EQ(0, info.prepare_count) TH_LOG("buffer %d", b);
	}
	purged = iobmd_stat("purged_bytes");
	for (b = B_PURGE0; b <= B_PURGE1; b++) {
		ASSERT_LE(0, set_purgeable(g.fd[b],
					   IOBMD_PURGEABLE_NON_VOLATILE));
		memset(g.map[b], 0x5a, SIZE);
		ASSERT_EQ(IOBMD_PURGEABLE_NON_VOLATILE,
			  set_purgeable(g.fd[b], IOBMD_PURGEABLE_VOLATILE));
	}
	ASSERT_EQ(0, iobmd_write_file("/proc/sys/vm/drop_caches", "2"));
	for (b = B_PURGE0; b <= B_PURGE1; b++) {
		EXPECT_EQ(IOBMD_PURGEABLE_EMPTY,
			  set_purgeable(g.fd[b], IOBMD_PURGEABLE_KEEP_CURRENT));
		EXPECT_TRUE(iobmd_all_bytes(g.map[b], SIZE, 0));
	}
	EXPECT_LE(purged + 2 * (long)SIZE, iobmd_stat("purged_bytes"));

	for (b = 0; b < BUFS; b++) {
		EXPECT_EQ(0, munmap(g.map[b], SIZE));
		EXPECT_EQ(0, close(g.fd[b]));
	}
	close(self->dev);
	EXPECT_EQ(next_fd, iobmd_next_fd());
	EXPECT_EQ(buffers, iobmd_stat("live_buffers"));
	EXPECT_EQ(bytes, iobmd_stat("live_bytes"));
	EXPECT_EQ(vol, iobmd_stat("volatile_bytes"));
	EXPECT_EQ(0, iobmd_stat("live_buffers"));
	EXPECT_EQ(0, iobmd_module_refcnt());
	free(th);
}

TEST_HARNESS_MAIN
