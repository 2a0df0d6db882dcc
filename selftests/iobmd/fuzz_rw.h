/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's pread and pwrite of buffer fds (fuzz_test.c): random
 * positions (negative, at and past the end of file, overflowing) and
 * lengths, from and into the data pointers of fuzz_state.h; the count and
 * errno checked against the VFS's order of checks and the buffer's
 * length, and what was written read back.
 */
#ifndef IOBMD_FUZZ_RW_H
#define IOBMD_FUZZ_RW_H

static __s64 fz_pos(struct fz_state *s, __u64 len)
{
	static const __s64 odd[] = { -1, INT64_MIN, INT64_MAX, 1LL << 40 };
	unsigned int k = fz_below(&s->rng, 100);

	if (k < 80)
		return fz_below(&s->rng, len + 1);
	if (k < 92)
		return len + fz_below(&s->rng, 2);
	return odd[fz_below(&s->rng, 4)];
}

/* pread and pwrite: the length is the end of file. */
static void fz_op_rw(struct fz_state *s, int write)
{
	static unsigned char back[FZ_SCRATCH];
	int i = fz_any_fd(s), fd;
	__u64 n, m = 0;
	__u64 allowed;
	__s64 pos, valid;
	struct fz_buf *b;
	unsigned char *p;
	ssize_t r;
	int err;

	if (i < 0)
		return;
	fd = s->fds[i].fd;
	b = &s->bufs[s->fds[i].buf];
	n = fz_chance(&s->rng, 1, 8) ? 0 : fz_chance(&s->rng, 1, 2) ?
	    1 + fz_below(&s->rng, 64) : fz_below(&s->rng, FZ_SCRATCH + 1);
	pos = fz_pos(s, b->length);
	p = fz_data_ptr(s, n, !write, &valid);
	if (write && valid > 0 && p >= s->scratch &&
	    p < s->scratch + FZ_SCRATCH)
		for (i = 0; i < (int)n && i < valid; i++)
			p[i] = fz_next(&s->rng);
	if (pos >= 0 && (__u64)pos < b->length)
		m = n < b->length - pos ? n : b->length - pos;
	snprintf(s->desc, 160, "%s fd %d pos %lld n %llu (%llu in the length) buf %p valid %lld",
		 write ? "pwrite" : "pread", fd, (long long)pos,
		 (unsigned long long)n, (unsigned long long)m, p,
		 (long long)valid);
	/*
	 * The VFS refuses, in this order, a negative position, a buffer
	 * outside user space (access_ok(), even for 0 bytes) and a position
	 * that n overflows.
	 */
	if (pos < 0)
		allowed = FZ_E(EINVAL);
	else if ((uintptr_t)p >= 0x800000000000ULL)
		allowed = FZ_E(EFAULT);
	else if (n && (__u64)pos + n > INT64_MAX)
		allowed = FZ_E(EINVAL);
	else if (b->shared)
		allowed = FZ_OK | FZ_E(EFAULT) | FZ_E(EBUSY) | FZ_E(ENOSPC);
	else if (write && !n)
		allowed = FZ_OK;
	else if (write && b->read_only)
		allowed = FZ_E(EBUSY);
	else if (!m)
		allowed = write ? FZ_E(ENOSPC) : FZ_OK;
	else
		allowed = fz_copy_allowed(valid, m);
	r = write ? pwrite(fd, p, n, pos) : pread(fd, p, n, pos);
	err = r < 0 ? errno : 0;
	if (!fz_expect(s, err, allowed, s->desc) || err)
		return;
	if (b->shared) {
		FZ_CHECK(s, (__u64)r <= n, "%s: %zd of %llu", s->desc, r,
			 (unsigned long long)n);
		return;
	}
	if (valid >= 0 && (__u64)valid >= m)
		FZ_CHECK(s, (__u64)r == m, "%s: %zd, want %llu", s->desc, r,
			 (unsigned long long)m);
	else
		FZ_CHECK(s, (__u64)r <= m && (r || !m),
			 "%s: %zd of %llu", s->desc, r, (unsigned long long)m);
	/* What was written reads back (unless the shrinker may purge it). */
	if (write && r > 0 && valid >= (__s64)m && p >= s->scratch &&
	    p < s->scratch + FZ_SCRATCH &&
	    b->purgeable != IOBMD_PURGEABLE_VOLATILE)
		FZ_CHECK(s, pread(fd, back, r, pos) == r && !memcmp(back, p, r),
			 "pwrite of %zd at %lld does not read back", r,
			 (long long)pos);
}

static void fz_op_pread(struct fz_state *s)
{
	fz_op_rw(s, 0);
}

static void fz_op_pwrite(struct fz_state *s)
{
	fz_op_rw(s, 1);
}

#endif /* IOBMD_FUZZ_RW_H */
