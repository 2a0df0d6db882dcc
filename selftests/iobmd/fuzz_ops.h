/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's processes (fuzz_test.c): their model of what they hold
 * (device fds, buffer fds, buffers, mappings), and the operations on the
 * fds and mappings, each checked against what the ABI documents. The
 * ioctls are in fuzz_ioctls.h.
 */
#ifndef IOBMD_FUZZ_OPS_H
#define IOBMD_FUZZ_OPS_H

#define FZ_DEVS 4
#define FZ_FDS 48
#define FZ_BUFS 24
#define FZ_MAPS 96
/* Where ioctl structs and small data live: the page after is a guard. */
#define FZ_SCRATCH (64UL << 10)
/* Never mapped (PROT_NONE): pointers into it fault. */
#define FZ_HOLE 0x100000UL
/* Where mremap and MAP_FIXED put mappings. */
#define FZ_LANDING (256UL << 20)
#define FZ_RING 16

struct fz_buf {
	int used;
	int refs;		/* fds and mappings of it */
	int shared;		/* another process may change it */
	__u64 capacity, alloc, length;
	__u32 options;	/* as INFO reports them */
	unsigned int prepared;	/* IOBMD_IOC_PREPAREs not completed */
	int read_only;		/* prepared for Out only */
	int pin_dir;		/* a pageable buffer's pin: 1 in, 2 out, 3 both */
	__u32 purgeable;	/* IOBMD_PURGEABLE_* or 0 */
};

struct fz_fd {
	int fd;			/* -1 when the slot is free */
	int buf;
};

struct fz_map {
	unsigned char *addr;	/* NULL when the slot is free */
	size_t len;
	int prot;
	int buf;
	__u64 off;		/* offset in the buffer of addr */
	int dontfork;
};

struct fz_state {
	int id, child, failed, reports, low_room;
	struct fz_rng rng;
	int devs[FZ_DEVS];
	struct fz_fd fds[FZ_FDS];
	struct fz_buf bufs[FZ_BUFS];
	struct fz_map maps[FZ_MAPS];
	pid_t children[FZ_MAX_CHILDREN];
	unsigned char *scratch, *hole, *landing;
	__u64 step;
	char ring[FZ_RING][160];
	char *desc;
};

/* Touches fault into here: the fault is counted and the touch ends. */
static sigjmp_buf fz_jmp;
static int fz_in_touch;

static void fz_fault(int sig)
{
	if (!__atomic_load_n(&fz_in_touch, __ATOMIC_SEQ_CST)) {
		signal(sig, SIG_DFL);
		return;		/* the fault again, now fatal: a failure */
	}
	__atomic_store_n(&fz_in_touch, 0, __ATOMIC_SEQ_CST);
	siglongjmp(fz_jmp, sig);
}

static void fz_dump_ring(struct fz_state *s)
{
	unsigned int i;

	for (i = 1; i <= FZ_RING; i++) {
		const char *d = s->ring[(s->step + i) % FZ_RING];

		if (*d)
			fprintf(stderr, "#   w%d%s: %s\n", s->id,
				s->child ? "c" : "", d);
	}
}

static void __printf(2, 3)
fz_fail(struct fz_state *s, const char *fmt, ...)
{
	va_list ap;

	s->failed = 1;
	__atomic_add_fetch(&fz_sh->failures, 1, __ATOMIC_RELAXED);
	if (s->reports++ >= 10)
		return;
	fprintf(stderr, "# FAIL worker %d%s op %llu: ", s->id,
		s->child ? " (child)" : "", (unsigned long long)s->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (s->reports == 1) {
		fprintf(stderr, "#   the operations before it, oldest first:\n");
		fz_dump_ring(s);
	}
}

/* Names of the errnos of a set, for the failure messages. */
static const char *fz_set_names(__u64 set)
{
	static char buf[256];
	size_t n = 0;
	int e;

	buf[0] = 0;
	for (e = 0; e < 64 && n < sizeof(buf) - 16; e++)
		if (set & (1ULL << e))
			n += snprintf(buf + n, sizeof(buf) - n, "%s ",
				      e == 63 ? "EOPNOTSUPP" :
				      e == 62 ? "EOVERFLOW" : fz_errname(e));
	return buf;
}

/* Check a syscall's outcome (0 or an errno) against the allowed set. */
static int fz_expect(struct fz_state *s, int err, __u64 allowed,
		     const char *what)
{
	if (allowed & FZ_E(err))
		return 1;
	fz_fail(s, "%s: got %s, want one of: %s", what, fz_errname(err),
		fz_set_names(allowed));
	return 0;
}

#define FZ_CHECK(s, cond, ...) \
	do { if (!(cond)) fz_fail(s, __VA_ARGS__); } while (0)

static void fz_state_init(struct fz_state *s)
{
	struct sigaction sa = { .sa_handler = fz_fault };
	int i;

	for (i = 0; i < FZ_DEVS; i++)
		s->devs[i] = -1;
	for (i = 0; i < FZ_FDS; i++)
		s->fds[i].fd = -1;
	s->scratch = mmap(NULL, FZ_SCRATCH + PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->hole = mmap(NULL, FZ_HOLE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	s->landing = mmap(NULL, FZ_LANDING, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->scratch == MAP_FAILED || s->hole == MAP_FAILED ||
	    s->landing == MAP_FAILED ||
	    mprotect(s->scratch + FZ_SCRATCH, PAGE, PROT_NONE))
		_exit(2);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	s->devs[0] = iobmd_open();
	if (s->devs[0] < 0)
		_exit(2);
}

/* A random slot in [0, n) for which used(s, i, arg) holds, or -1. */
static int fz_random_slot(struct fz_state *s, int n,
			  int (*used)(struct fz_state *s, int i, __u64 arg),
			  __u64 arg)
{
	int k, i, start = fz_below(&s->rng, n);

	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (used(s, i, arg))
			return i;
	}
	return -1;
}

static int fz_fd_used(struct fz_state *s, int i, __u64 arg)
{
	return s->fds[i].fd >= 0;
}

static int fz_map_used(struct fz_state *s, int i, __u64 min_len)
{
	return s->maps[i].addr && s->maps[i].len >= min_len;
}

static int fz_dev_used(struct fz_state *s, int i, __u64 arg)
{
	return s->devs[i] >= 0;
}

static int fz_any_fd(struct fz_state *s)
{
	return fz_random_slot(s, FZ_FDS, fz_fd_used, 0);
}

static int fz_any_map(struct fz_state *s)
{
	return fz_random_slot(s, FZ_MAPS, fz_map_used, 0);
}

static int fz_any_dev(struct fz_state *s)
{
	return fz_random_slot(s, FZ_DEVS, fz_dev_used, 0);
}

static int fz_free_slot_fd(struct fz_state *s)
{
	int i;

	for (i = 0; i < FZ_FDS; i++)
		if (s->fds[i].fd < 0)
			return i;
	return -1;
}

static int fz_free_slot_map(struct fz_state *s)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (!s->maps[i].addr)
			return i;
	return -1;
}

static void fz_buf_put(struct fz_state *s, int b)
{
	if (--s->bufs[b].refs <= 0)
		memset(&s->bufs[b], 0, sizeof(s->bufs[b]));
}

static void fz_add_fd(struct fz_state *s, int fd, int b)
{
	int slot = fz_free_slot_fd(s);

	if (slot < 0) {		/* no room in the model: do not keep it */
		close(fd);
		return;
	}
	s->fds[slot].fd = fd;
	s->fds[slot].buf = b;
	s->bufs[b].refs++;
}

static int fz_add_map(struct fz_state *s, void *addr, size_t len, int prot,
		      int b, __u64 off)
{
	int slot = fz_free_slot_map(s);

	if (slot < 0) {
		munmap(addr, len);
		return -1;
	}
	s->maps[slot] = (struct fz_map){ addr, len, prot, b, off, 0 };
	s->bufs[b].refs++;
	return slot;
}

/* Split the mapping that holds @a inside it, at @a. */
static void fz_split_at(struct fz_state *s, unsigned char *a)
{
	int i, slot;

	for (i = 0; i < FZ_MAPS; i++) {
		struct fz_map *m = &s->maps[i];
		size_t head;

		if (!m->addr || a <= m->addr || a >= m->addr + m->len)
			continue;
		slot = fz_free_slot_map(s);
		if (slot < 0)
			_exit(3);	/* the callers keep room */
		head = a - m->addr;
		s->maps[slot] = *m;
		s->maps[slot].addr = a;
		s->maps[slot].len = m->len - head;
		s->maps[slot].off = m->off + head;
		m->len = head;
		s->bufs[m->buf].refs++;
		return;
	}
}

/* The model of munmap(a, len): every mapping inside is gone. */
static void fz_model_unmap(struct fz_state *s, unsigned char *a, size_t len)
{
	int i;

	fz_split_at(s, a);
	fz_split_at(s, a + len);
	for (i = 0; i < FZ_MAPS; i++) {
		struct fz_map *m = &s->maps[i];

		if (m->addr && m->addr >= a && m->addr + m->len <= a + len) {
			m->addr = NULL;
			fz_buf_put(s, m->buf);
		}
	}
}

static void fz_model_protect(struct fz_state *s, unsigned char *a,
			     size_t len, int prot)
{
	int i;

	fz_split_at(s, a);
	fz_split_at(s, a + len);
	for (i = 0; i < FZ_MAPS; i++) {
		struct fz_map *m = &s->maps[i];

		if (m->addr && m->addr >= a && m->addr + m->len <= a + len)
			m->prot = prot;
	}
}

static int fz_map_room(struct fz_state *s)
{
	int i, n = 0;

	for (i = 0; i < FZ_MAPS; i++)
		n += !s->maps[i].addr;
	return n;
}

/* A buffer fd of buffer @b, or -1. */
static int fz_fd_of(struct fz_state *s, int b)
{
	int i;

	for (i = 0; i < FZ_FDS; i++)
		if (s->fds[i].fd >= 0 && s->fds[i].buf == b)
			return s->fds[i].fd;
	return -1;
}

/*
 * A pointer for @n bytes of data from the pools: the scratch area
 * (fitting, or running into its guard page), a mapping of a buffer with
 * the n bytes inside it, a never-mapped hole, a kernel address. *valid:
 * the bytes from it the kernel can read (or with @write, write). Never
 * the fuzzer's own memory, nor past the end of a mapping.
 */
static void *fz_data_ptr(struct fz_state *s, __u64 n, int write,
			 __s64 *valid)
{
	unsigned int k = fz_below(&s->rng, 100);
	int i;

	if (k < 60 && n <= FZ_SCRATCH) {
		*valid = n;
		return s->scratch + fz_below(&s->rng, FZ_SCRATCH - n + 1);
	}
	if (k < 70 || (k < 60 && n > FZ_SCRATCH)) {
		__u64 back = 1 + fz_below(&s->rng, n && n < FZ_SCRATCH ?
					      n : FZ_SCRATCH);

		*valid = back < n ? back : n;
		return s->scratch + FZ_SCRATCH - back;
	}
	if (k < 90) {
		i = fz_random_slot(s, FZ_MAPS, fz_map_used, n);
		if (i >= 0) {
			struct fz_map *m = &s->maps[i];

			*valid = (m->prot & (write ? PROT_WRITE : PROT_READ)) ?
				 (__s64)n : 0;
			return m->addr + fz_below(&s->rng, m->len - n + 1);
		}
	}
	*valid = 0;
	if (k < 95)
		return s->hole + fz_below(&s->rng, FZ_HOLE / 2);
	return (void *)0xffff888000000000ULL;
}

/* Which of a copy's outcomes are allowed: n bytes, of which valid work. */
static __u64 fz_copy_allowed(__s64 valid, __u64 n)
{
	if (!n)
		return FZ_OK;
	if ((__u64)valid >= n)
		return FZ_OK;
	return valid ? FZ_OK | FZ_E(EFAULT) : FZ_E(EFAULT);
}

#include "fuzz_ioctls.h"
#include "fuzz_mm.h"

static void fz_op_close(struct fz_state *s)
{
	int i = fz_any_fd(s);

	if (i < 0)
		return;
	snprintf(s->desc, 160, "close fd %d", s->fds[i].fd);
	if (close(s->fds[i].fd))
		fz_fail(s, "close: %s", strerror(errno));
	s->fds[i].fd = -1;
	fz_buf_put(s, s->fds[i].buf);
}

static void fz_op_dup(struct fz_state *s)
{
	int i = fz_any_fd(s), fd;
	struct iobmd_info info;

	if (i < 0 || fz_free_slot_fd(s) < 0)
		return;
	fd = fz_chance(&s->rng, 1, 2) ? dup(s->fds[i].fd) :
		fcntl(s->fds[i].fd, F_DUPFD_CLOEXEC, 3);
	snprintf(s->desc, 160, "dup fd %d -> %d", s->fds[i].fd, fd);
	if (fd < 0) {
		fz_fail(s, "dup: %s", strerror(errno));
		return;
	}
	if (iobmd_info(fd, &info) ||
	    info.capacity != s->bufs[s->fds[i].buf].capacity)
		fz_fail(s, "dup: the new fd is not the buffer's");
	fz_add_fd(s, fd, s->fds[i].buf);
}

static void fz_op_open_dev(struct fz_state *s)
{
	int i;

	for (i = 0; i < FZ_DEVS; i++)
		if (s->devs[i] < 0)
			break;
	snprintf(s->desc, 160, "open /dev/iobmd");
	if (i == FZ_DEVS)
		return;
	s->devs[i] = iobmd_open();
	if (s->devs[i] < 0)
		fz_fail(s, "open /dev/iobmd: %s", strerror(errno));
}

/* Buffers outlive the device fd they were made through. */
static void fz_op_close_dev(struct fz_state *s)
{
	int i = fz_any_dev(s);

	snprintf(s->desc, 160, "close /dev/iobmd");
	if (i < 0)
		return;
	close(s->devs[i]);
	s->devs[i] = -1;
}

/* Run the purge shrinker (and every other) now and then. */
static void fz_op_reclaim(struct fz_state *s)
{
	snprintf(s->desc, 160, "drop_caches");
	if (iobmd_write_file("/proc/sys/vm/drop_caches", "2"))
		fz_fail(s, "drop_caches: %s", strerror(errno));
}

/*
 * Children: reaped as they end (a failed one fails the run). Once none
 * is left, what they shared is known again from INFO.
 */
static void fz_reap(struct fz_state *s, int wait)
{
	struct iobmd_info info;
	int i, live = 0, status, fd;

	for (i = 0; i < FZ_MAX_CHILDREN; i++) {
		if (s->children[i] <= 0)
			continue;
		if (waitpid(s->children[i], &status, wait ? 0 : WNOHANG) !=
		    s->children[i]) {
			live++;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fz_fail(s, "child %d: status %#x", s->children[i],
				status);
		s->children[i] = 0;
	}
	if (live || s->child)
		return;
	for (i = 0; i < FZ_BUFS; i++) {
		struct fz_buf *b = &s->bufs[i];

		if (!b->used || !b->shared)
			continue;
		fd = fz_fd_of(s, i);
		if (fd < 0 || iobmd_info(fd, &info))
			continue;
		b->shared = 0;
		b->length = info.length;
		b->options = info.options;
		b->prepared = info.prepare_count;
		b->read_only = 0;
		b->purgeable = info.purgeable_state;
		/* What a child left prepared is not known: keep it weak. */
		if (b->prepared)
			b->shared = 1;
	}
}

static void fz_step(struct fz_state *s);
static void fz_teardown(struct fz_state *s);

static void fz_op_fork(struct fz_state *s)
{
	__u64 seed = fz_next(&s->rng), n = 50 + fz_below(&s->rng, 200), i;
	int slot, k;
	pid_t pid;

	snprintf(s->desc, 160, "fork, child of %llu ops",
		 (unsigned long long)n);
	if (s->child)
		return;
	for (slot = 0; slot < FZ_MAX_CHILDREN; slot++)
		if (s->children[slot] <= 0)
			break;
	if (slot == FZ_MAX_CHILDREN)
		return;
	for (k = 0; k < FZ_BUFS; k++)
		s->bufs[k].shared = 1;
	pid = fork();
	if (pid < 0) {
		fz_fail(s, "fork: %s", strerror(errno));
		return;
	}
	if (pid) {
		s->children[slot] = pid;
		__atomic_add_fetch(&fz_sh->children, 1, __ATOMIC_RELAXED);
		return;
	}
	/* The child: what it inherited, minus MADV_DONTFORK mappings. */
	s->child = 1;
	s->reports = 0;
	fz_seed(&s->rng, seed);
	for (k = 0; k < FZ_MAPS; k++)
		if (s->maps[k].addr && s->maps[k].dontfork) {
			s->maps[k].addr = NULL;
			fz_buf_put(s, s->maps[k].buf);
		}
	for (i = 0; i < n; i++)
		fz_step(s);
	/* Half the children leave everything to exit. */
	if (fz_chance(&s->rng, 1, 2))
		fz_teardown(s);
	_exit(s->failed ? 1 : 0);
}

static void fz_teardown(struct fz_state *s)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (s->maps[i].addr && munmap(s->maps[i].addr, s->maps[i].len))
			fz_fail(s, "teardown munmap: %s", strerror(errno));
	for (i = 0; i < FZ_FDS; i++)
		if (s->fds[i].fd >= 0)
			close(s->fds[i].fd);
	for (i = 0; i < FZ_DEVS; i++)
		if (s->devs[i] >= 0)
			close(s->devs[i]);
	memset(s->maps, 0, sizeof(s->maps));
	for (i = 0; i < FZ_FDS; i++)
		s->fds[i].fd = -1;
	for (i = 0; i < FZ_DEVS; i++)
		s->devs[i] = -1;
}

static void (* const fz_ops[OP_COUNT])(struct fz_state *s) = {
	[OP_CREATE] = fz_op_create, [OP_CLOSE] = fz_op_close,
	[OP_DUP] = fz_op_dup, [OP_FORK] = fz_op_fork,
	[OP_MMAP] = fz_op_mmap, [OP_MUNMAP] = fz_op_munmap,
	[OP_MREMAP] = fz_op_mremap, [OP_MPROTECT] = fz_op_mprotect,
	[OP_MADVISE] = fz_op_madvise, [OP_TOUCH] = fz_op_touch,
	[OP_INFO] = fz_op_info, [OP_SET_LENGTH] = fz_op_set_length,
	[OP_APPEND] = fz_op_append, [OP_SET_DIRECTION] = fz_op_set_direction,
	[OP_PREPARE] = fz_op_prepare, [OP_COMPLETE] = fz_op_complete,
	[OP_GET_SEGMENTS] = fz_op_get_segments,
	[OP_SET_PURGEABLE] = fz_op_set_purgeable,
	[OP_RANDOM_IOCTL] = fz_op_random_ioctl, [OP_PREAD] = fz_op_pread,
	[OP_PWRITE] = fz_op_pwrite, [OP_OPEN_DEV] = fz_op_open_dev,
	[OP_CLOSE_DEV] = fz_op_close_dev, [OP_RECLAIM] = fz_op_reclaim,
};

static void fz_step(struct fz_state *s)
{
	unsigned int total = 0, k, op;
	struct timespec t0, t1;
	double took;

	for (op = 0; op < OP_COUNT; op++)
		total += fz_op_weights[op];
	k = fz_below(&s->rng, total);
	for (op = 0; k >= fz_op_weights[op]; op++)
		k -= fz_op_weights[op];
	s->step++;
	/* The watchdog shows what a worker is doing: write it there. */
	s->desc = s->child ? s->ring[s->step % FZ_RING] : fz_sh->current[s->id];
	snprintf(s->desc, 160, "%s", fz_op_names[op]);
	/* Keep room for the splits of munmap and mprotect. */
	s->low_room = fz_map_room(s) < 5;
	if (s->low_room && (op == OP_MMAP || op == OP_CREATE ||
			    op == OP_MPROTECT || op == OP_MADVISE ||
			    op == OP_MREMAP))
		op = OP_MUNMAP;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fz_ops[op](s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (took > fz_sh->slowest_s[s->id]) {
		fz_sh->slowest_s[s->id] = took;
		snprintf(fz_sh->slowest[s->id], 160, "%s%s",
			 s->child ? "(child) " : "", s->desc);
	}
	__atomic_add_fetch(&fz_sh->ops[op], 1, __ATOMIC_RELAXED);
	if (!s->child)
		memcpy(s->ring[s->step % FZ_RING], s->desc, 160);
	if (fz_sh->verbose)
		fprintf(stderr, "# w%d%s %llu: %s\n", s->id,
			s->child ? "c" : "", (unsigned long long)s->step,
			s->desc);
}

#endif /* IOBMD_FUZZ_OPS_H */
