/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's worker state (fuzz_test.c): what a process holds (device
 * fds, buffer fds, buffers, mappings) as its model of them; picking,
 * adding and dropping their slots; the model of munmap and mprotect on
 * the mappings; the failure reports (fz_fail, fz_expect, with the ring of
 * the last operations); and the data pointers the operations pass to the
 * kernel, with the outcomes a copy through them may have.
 */
#ifndef IOBMD_FUZZ_STATE_H
#define IOBMD_FUZZ_STATE_H

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

#endif /* IOBMD_FUZZ_STATE_H */
