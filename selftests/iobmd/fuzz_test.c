// SPDX-License-Identifier: GPL-2.0
/*
 * A random-sequence fuzzer of /dev/iobmd. Several processes create
 * buffers with random and invalid arguments, close, dup, fork children
 * that keep using what they inherited, map, unmap, remap, protect, advise
 * and touch the mappings, issue every ioctl with random fields and struct
 * sizes, random ioctl numbers, pread and pwrite. Each answer is checked
 * against the errnos uapi/linux/iobmd.h documents (fuzz_ops.h, with the
 * model in fuzz_model.h); a fault of a touch is allowed only where the
 * mapping's protection forbids the access. At the end every fd is closed,
 * the debugfs stats are back to their baseline and the module is not
 * pinned. The kernel-log gate of the VM job catches WARN, KASAN, lockdep
 * and stalls.
 *
 * Seeded and reproducible: IOBMD_FUZZ_SEED (default 1) seeds worker i with
 * (seed, i); IOBMD_FUZZ_PROCS=1 reruns worker 0's sequence alone.
 * IOBMD_FUZZ_OPS is the number of operations of the workers together
 * (default 24000; children's operations come on top), IOBMD_FUZZ_PROCS the
 * number of workers (default 4), IOBMD_FUZZ_STALL the seconds without
 * progress after which the run fails as stalled (default 120), and
 * IOBMD_FUZZ_VERBOSE=1 prints every operation.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "fuzz_model.h"

#define FZ_MAX_WORKERS 16
#define FZ_MAX_CHILDREN 2
/* What the workers may lock: pageable prepares beyond it are ENOMEM. */
#define FZ_MEMLOCK (64UL << 20)

enum fz_op {
	OP_CREATE, OP_CLOSE, OP_DUP, OP_FORK, OP_MMAP, OP_MUNMAP, OP_MREMAP,
	OP_MPROTECT, OP_MADVISE, OP_TOUCH, OP_INFO, OP_SET_LENGTH, OP_APPEND,
	OP_SET_DIRECTION, OP_PREPARE, OP_COMPLETE, OP_GET_SEGMENTS,
	OP_SET_PURGEABLE, OP_RANDOM_IOCTL, OP_PREAD, OP_PWRITE, OP_OPEN_DEV,
	OP_CLOSE_DEV, OP_RECLAIM, OP_COUNT
};

static const char * const fz_op_names[OP_COUNT] = {
	"create", "close", "dup", "fork", "mmap", "munmap", "mremap",
	"mprotect", "madvise", "touch", "info", "set_length", "append",
	"set_direction", "prepare", "complete", "get_segments",
	"set_purgeable", "random_ioctl", "pread", "pwrite", "open_dev",
	"close_dev", "reclaim",
};

/* Weights of the operations, out of their sum. */
static const unsigned int fz_op_weights[OP_COUNT] = {
	[OP_CREATE] = 120, [OP_CLOSE] = 55, [OP_DUP] = 25, [OP_FORK] = 3,
	[OP_MMAP] = 80, [OP_MUNMAP] = 45, [OP_MREMAP] = 30,
	[OP_MPROTECT] = 40, [OP_MADVISE] = 50, [OP_TOUCH] = 140,
	[OP_INFO] = 50, [OP_SET_LENGTH] = 30, [OP_APPEND] = 30,
	[OP_SET_DIRECTION] = 20, [OP_PREPARE] = 50, [OP_COMPLETE] = 40,
	[OP_GET_SEGMENTS] = 50, [OP_SET_PURGEABLE] = 45,
	[OP_RANDOM_IOCTL] = 30, [OP_PREAD] = 40, [OP_PWRITE] = 40,
	[OP_OPEN_DEV] = 5, [OP_CLOSE_DEV] = 5, [OP_RECLAIM] = 2,
};

/* Shared by every process of the run (MAP_SHARED | MAP_ANONYMOUS). */
struct fz_shared {
	__u64 ops[OP_COUNT];
	__u64 sigsegv, sigbus, failures, children;
	__u64 progress[FZ_MAX_WORKERS];
	char current[FZ_MAX_WORKERS][160];
	/* Each worker's slowest operation (its children's included). */
	double slowest_s[FZ_MAX_WORKERS];
	char slowest[FZ_MAX_WORKERS][160];
	int verbose;
	int pat;
	/* max_buffer_bytes (0: none): a larger create is EFBIG. */
	__u64 max_buffer;
};

static struct fz_shared *fz_sh;

#include "fuzz_ops.h"

/* One worker: ops operations, then close and unmap everything. */
static void fz_worker(int id, __u64 seed, __u64 ops)
{
	struct fz_state *s = calloc(1, sizeof(*s));
	__u64 i;

	if (!s)
		_exit(2);
	s->id = id;
	fz_seed(&s->rng, seed ^ ((__u64)id << 32));
	fz_state_init(s);
	for (i = 0; i < ops; i++) {
		fz_step(s);
		__atomic_add_fetch(&fz_sh->progress[id], 1, __ATOMIC_RELAXED);
		fz_reap(s, 0);
	}
	fz_reap(s, 1);
	fz_teardown(s);
	_exit(s->failed ? 1 : 0);
}

static __u64 fz_env(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * The whole run, bounded by its own watchdog (IOBMD_FUZZ_STALL) rather
 * than the harness's timeout, which would have to fit both the CI run and
 * make fuzz's long one.
 */
TEST_F_TIMEOUT(fuzz, random_sequences, 24 * 3600)
{
	__u64 seed = fz_env("IOBMD_FUZZ_SEED", 1);
	__u64 total = fz_env("IOBMD_FUZZ_OPS", 24000);
	__u64 procs = fz_env("IOBMD_FUZZ_PROCS", 4);
	__u64 stall = fz_env("IOBMD_FUZZ_STALL", 120);
	long refcnt = iobmd_module_refcnt();
	long buffers = iobmd_stat("live_buffers");
	long bytes = iobmd_stat("live_bytes");
	long vol = iobmd_stat("volatile_bytes");
	int next_fd = iobmd_next_fd(), alive, i, status, dev;
	pid_t pids[FZ_MAX_WORKERS];
	__u64 last[FZ_MAX_WORKERS] = { 0 }, still[FZ_MAX_WORKERS] = { 0 };
	__u64 now, sum;
	int stalled;
	struct rlimit rl = { FZ_MEMLOCK, FZ_MEMLOCK };
	struct iobmd_create c;
	struct timespec t0, t1;

	ASSERT_LE(0, buffers) TH_LOG("no debugfs stats: is iobmd loaded?");
	ASSERT_EQ(0, refcnt) TH_LOG("iobmd is pinned before the run");
	ASSERT_LE(1, procs);
	ASSERT_GE(FZ_MAX_WORKERS, procs);
	fz_sh = mmap(NULL, sizeof(*fz_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fz_sh);
	fz_sh->verbose = fz_env("IOBMD_FUZZ_VERBOSE", 0);
	/* Whether write-combining is there (PAT): the model needs to know. */
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	fz_sh->pat = !iobmd_create(dev, PAGE, IOBMD_MAP_WRITE_COMBINE_CACHE,
				   0, &c);
	if (fz_sh->pat)
		close(c.fd);
	close(dev);
	fz_sh->max_buffer = iobmd_param("max_buffer_bytes");
	/* Pins are held to RLIMIT_MEMLOCK, as for a user without it. */
	ASSERT_EQ(0, iobmd_drop_cap(CAP_IPC_LOCK));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));

	TH_LOG("seed %llu, %llu operations in %llu processes, pat %d",
	       (unsigned long long)seed, (unsigned long long)total,
	       (unsigned long long)procs, fz_sh->pat);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < (int)procs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			fz_worker(i, seed, total / procs +
				  (i < (int)(total % procs)));
	}
	for (alive = procs; alive;) {
		sleep(1);
		for (i = 0; i < (int)procs; i++) {
			if (pids[i] <= 0 || waitpid(pids[i], &status, WNOHANG)
					    != pids[i])
				continue;
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
				TH_LOG("worker %d: status %#x", i, status);
			pids[i] = 0;
			alive--;
		}
		/* A worker without progress for stall seconds is stuck. */
		for (stalled = 0, i = 0; i < (int)procs; i++) {
			if (pids[i] <= 0)
				continue;
			still[i] = fz_sh->progress[i] == last[i] ?
				   still[i] + 1 : 0;
			last[i] = fz_sh->progress[i];
			if (still[i] >= stall) {
				TH_LOG("stalled for %llu s: worker %d in: %s",
				       (unsigned long long)still[i], i,
				       fz_sh->current[i]);
				stalled = 1;
			}
		}
		if (!stalled)
			continue;
		for (i = 0; i < (int)procs; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGKILL);
		ASSERT_TRUE(0) TH_LOG("no progress for %llu s",
				      (unsigned long long)stall);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (sum = 0, i = 0; i < (int)procs; i++)
		sum += fz_sh->progress[i];

	for (now = 0, i = 0; i < OP_COUNT; i++)
		now += fz_sh->ops[i];
	TH_LOG("seed %llu: %llu operations (%llu in %llu forked children) in %.1f s",
	       (unsigned long long)seed, (unsigned long long)now,
	       (unsigned long long)(now - sum),
	       (unsigned long long)fz_sh->children,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < OP_COUNT; i++)
		TH_LOG("  %-14s %llu", fz_op_names[i],
		       (unsigned long long)fz_sh->ops[i]);
	for (i = 0; i < (int)procs; i++)
		TH_LOG("  slowest of worker %d: %.2f s: %s", i,
		       fz_sh->slowest_s[i], fz_sh->slowest[i]);
	TH_LOG("  faults allowed by the protection: %llu SIGSEGV, %llu SIGBUS",
	       (unsigned long long)fz_sh->sigsegv,
	       (unsigned long long)fz_sh->sigbus);
	EXPECT_EQ(0, fz_sh->failures);
	EXPECT_LE(total, now);
	/* Nothing left behind: fds, buffers, bytes, module references. */
	EXPECT_EQ(next_fd, iobmd_next_fd());
	EXPECT_EQ(buffers, iobmd_stat("live_buffers"));
	EXPECT_EQ(bytes, iobmd_stat("live_bytes"));
	EXPECT_EQ(vol, iobmd_stat("volatile_bytes"));
	EXPECT_EQ(0, iobmd_stat("live_buffers"));
	EXPECT_EQ(0, iobmd_stat("live_bytes"));
	EXPECT_EQ(0, iobmd_module_refcnt());
}

TEST_HARNESS_MAIN
