/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's memory operations (fuzz_test.c): mmap of buffer fds,
 * munmap, mremap, mprotect and madvise of the mappings, and touches that
 * read and write them. A touch may fault only where the mapping's
 * protection forbids the access (man/iobmd.4 documents no other fault of
 * a mapping); what a touch or an madvise leaves must read the same
 * through pread. Mappings made at a fixed address go into the worker's
 * landing area, whose unused parts stay reserved (PROT_NONE).
 */
#ifndef IOBMD_FUZZ_MM_H
#define IOBMD_FUZZ_MM_H

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

static int fz_in_landing(struct fz_state *s, unsigned char *a)
{
	return a >= s->landing && a < s->landing + FZ_LANDING;
}

/* Reserve [a, a + len) of the landing area again, after it was unmapped. */
static void fz_reserve(struct fz_state *s, unsigned char *a, size_t len)
{
	if (!fz_in_landing(s, a))
		return;
	if (mmap(a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		 MAP_NORESERVE, -1, 0) == MAP_FAILED)
		_exit(2);
}

/* munmap, with the model and the landing area kept up to date. */
static int fz_munmap(struct fz_state *s, unsigned char *a, size_t len)
{
	int ret = munmap(a, len);

	if (!ret) {
		fz_model_unmap(s, a, len);
		fz_reserve(s, a, len);
	}
	return ret;
}

/* A free range of @len bytes in the landing area, or NULL. */
static unsigned char *fz_landing_free(struct fz_state *s, size_t len)
{
	unsigned char *a;
	int i, tries;

	if (len > FZ_LANDING / 4)
		return NULL;
	for (tries = 0; tries < 4; tries++) {
		a = s->landing + fz_below(&s->rng, (FZ_LANDING - len) / PAGE) *
				 PAGE;
		for (i = 0; i < FZ_MAPS; i++) {
			struct fz_map *m = &s->maps[i];

			if (m->addr && m->addr < a + len && a < m->addr + m->len)
				break;
		}
		if (i == FZ_MAPS)
			return a;
	}
	return NULL;
}

/* A random page-aligned range inside mapping @m: *a, returns its length. */
static size_t fz_subrange(struct fz_state *s, struct fz_map *m,
			  unsigned char **a)
{
	size_t pages = m->len / PAGE, first, n;

	if (fz_chance(&s->rng, 1, 2) || pages == 1) {
		*a = m->addr;
		return m->len;
	}
	first = fz_below(&s->rng, pages);
	n = 1 + fz_below(&s->rng, pages - first);
	*a = m->addr + first * PAGE;
	return n * PAGE;
}

/* Read or write one byte; the signal number if it faulted, else 0. */
static int fz_access(unsigned char *p, int write, unsigned char v,
		     unsigned char *got)
{
	int sig;

	__atomic_store_n(&fz_in_touch, 1, __ATOMIC_SEQ_CST);
	sig = sigsetjmp(fz_jmp, 1);
	if (!sig) {
		if (write)
			__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
		else
			*got = __atomic_load_n(p, __ATOMIC_SEQ_CST);
		__atomic_store_n(&fz_in_touch, 0, __ATOMIC_SEQ_CST);
	}
	return sig;
}

/*
 * The mapping and pread must agree on the byte at @a of mapping @m (and
 * @want, unless it is -1), where nothing else can change it meanwhile.
 */
static void fz_coherent(struct fz_state *s, struct fz_map *m,
			unsigned char *a, int want, const char *after)
{
	struct fz_buf *b = &s->bufs[m->buf];
	__u64 off = m->off + (a - m->addr);
	unsigned char mapped, read_back;
	int fd = fz_fd_of(s, m->buf);

	if (fd < 0 || b->shared || !(m->prot & PROT_READ) ||
	    off >= b->length || b->purgeable == IOBMD_PURGEABLE_VOLATILE)
		return;
	if (fz_access(a, 0, 0, &mapped)) {
		fz_fail(s, "%s: reading a readable mapping faulted", after);
		return;
	}
	if (pread(fd, &read_back, 1, off) != 1) {
		fz_fail(s, "%s: pread at %#llx: %s", after,
			(unsigned long long)off, strerror(errno));
		return;
	}
	FZ_CHECK(s, mapped == read_back && (want < 0 || mapped == want),
		 "%s: offset %#llx maps %#x, reads %#x, want %d", after,
		 (unsigned long long)off, mapped, read_back, want);
}

static void fz_op_mmap(struct fz_state *s)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ,
		PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC };
	int i = fz_any_fd(s), prot, flags = MAP_SHARED, d, fd;
	__u64 alloc, off, len, pages;
	__u64 allowed = FZ_OK;
	unsigned char *fixed = NULL;
	struct fz_buf *b;
	void *p;

	if (i < 0 || fz_map_room(s) < 5)
		return;
	fd = s->fds[i].fd;
	b = &s->bufs[s->fds[i].buf];
	alloc = b->alloc;
	pages = alloc / PAGE;
	off = fz_below(&s->rng, pages) * PAGE;
	/* At most 16 MiB, so that the landing area and TCG cope. */
	len = (1 + fz_below(&s->rng, (pages - off / PAGE) < 4096 ?
			    pages - off / PAGE : 4096)) * PAGE;
	if (fz_chance(&s->rng, 1, 4) && alloc <= (16UL << 20)) {
		off = 0;
		len = alloc;
	}
	switch (fz_below(&s->rng, 40)) {
	case 0:
		off = alloc;
		break;
	case 1:
		len = alloc - off + PAGE;
		break;
	case 2:
		off += 1 + fz_below(&s->rng, PAGE - 1);
		break;
	case 3:
		len = 0;
		break;
	case 4:
		off = fz_next(&s->rng) & ~(PAGE - 1);
		break;
	case 5:
		flags = MAP_PRIVATE;
		break;
	case 6:
		flags = MAP_SHARED_VALIDATE;
		break;
	}
	prot = fz_chance(&s->rng, 4, 5) ? PROT_READ | PROT_WRITE :
	       prots[fz_below(&s->rng, 5)];
	if (fz_chance(&s->rng, 1, 10) && len <= (1UL << 20))
		flags |= MAP_POPULATE;
	if (fz_chance(&s->rng, 1, 8) && len && len <= (16UL << 20))
		fixed = fz_landing_free(s, len);
	if (fixed)
		flags |= MAP_FIXED;
	d = fz_chance(&s->rng, 1, 50) ? fz_any_dev(s) : -1;
	if (d >= 0)
		fd = s->devs[d];
	snprintf(s->desc, 160, "mmap fd %d off %#llx len %#llx prot %#x flags %#x%s",
		 fd, (unsigned long long)off, (unsigned long long)len, prot,
		 flags, fixed ? " fixed" : "");
	if (d >= 0)	/* no mmap there, after mmap's own checks */
		allowed = FZ_E(ENODEV) | FZ_E(EINVAL) | FZ_E(ENOMEM) |
			  FZ_E(EOVERFLOW) | FZ_E(EPERM);
	else if ((flags & MAP_TYPE) == MAP_PRIVATE)
		allowed = FZ_E(EINVAL) | (prot & PROT_EXEC ? FZ_E(EPERM) : 0);
	else if (!len || (off & (PAGE - 1)) || off >= alloc ||
		 len > alloc - off)
		allowed = FZ_E(EINVAL) | FZ_E(ENOMEM) | FZ_E(EOVERFLOW) |
			  (prot & PROT_EXEC ? FZ_E(EPERM) : 0);
	else if (prot & PROT_EXEC)
		allowed = FZ_E(EINVAL) | FZ_E(EPERM);
	p = mmap(fixed, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		fz_expect(s, errno, allowed, s->desc);
		if (fixed)
			fz_reserve(s, fixed, len);
		return;
	}
	if (!fz_expect(s, 0, allowed, s->desc) || d >= 0) {
		munmap(p, len);
		if (fixed)
			fz_reserve(s, fixed, len);
		return;
	}
	FZ_CHECK(s, !fixed || p == fixed, "mmap: fixed at %p, got %p",
		 fixed, p);
	if (prot & PROT_WRITE)
		prot |= PROT_READ;
	fz_add_map(s, p, len, prot, s->fds[i].buf, off);
}

static void fz_op_munmap(struct fz_state *s)
{
	int i = fz_any_map(s);
	unsigned char *a;
	size_t len;

	if (i < 0)
		return;
	if (s->low_room) {
		a = s->maps[i].addr;
		len = s->maps[i].len;
	} else {
		len = fz_subrange(s, &s->maps[i], &a);
	}
	snprintf(s->desc, 160, "munmap %p len %#zx of %#zx", (void *)a, len,
		 s->maps[i].len);
	if (fz_munmap(s, a, len))
		fz_fail(s, "munmap: %s", strerror(errno));
}

static void fz_op_mremap(struct fz_state *s)
{
	int i = fz_any_map(s), flags = 0, err = 0;
	unsigned char *old, *target = NULL;
	__u64 allowed = FZ_OK;
	size_t len, new_len;
	struct fz_map m;
	void *p;

	if (i < 0)
		return;
	m = s->maps[i];
	old = m.addr;
	len = m.len;
	switch (fz_below(&s->rng, 6)) {
	case 0:			/* shrink in place */
		if (len == PAGE)
			return;
		new_len = (1 + fz_below(&s->rng, len / PAGE - 1)) * PAGE;
		break;
	case 1:			/* grow: VM_DONTEXPAND */
	case 2:
		new_len = len + (1 + fz_below(&s->rng, 4)) * PAGE;
		flags = fz_chance(&s->rng, 1, 2) ? MREMAP_MAYMOVE : 0;
		allowed = FZ_E(EFAULT);
		break;
	case 3:			/* a second mapping of the same pages */
		new_len = len;
		len = 0;
		flags = MREMAP_MAYMOVE;
		allowed = FZ_E(EFAULT);
		break;
	case 4:
		new_len = len;
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		allowed = FZ_E(EINVAL);
		break;
	default:		/* move into the landing area */
		new_len = (1 + fz_below(&s->rng, len / PAGE)) * PAGE;
		target = fz_landing_free(s, new_len);
		if (!target || (target < old + len && old < target + new_len))
			return;
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	}
	snprintf(s->desc, 160, "mremap %p len %#zx -> %#zx flags %#x%s",
		 (void *)old, len, new_len, flags, target ? " to landing" : "");
	p = mremap(old, len, new_len, flags, target);
	if (p == MAP_FAILED)
		err = errno;
	if (!fz_expect(s, err, allowed, s->desc) || err) {
		if (!err && p != old)
			munmap(p, new_len);
		if (target)
			fz_reserve(s, target, new_len);
		return;
	}
	/* The model: the first new_len bytes now live at p. */
	s->bufs[m.buf].refs++;		/* the mapping may be its last */
	fz_model_unmap(s, old, len);
	if (p == old)
		fz_reserve(s, old + new_len, len - new_len);
	else
		fz_reserve(s, old, len);
	i = fz_add_map(s, p, new_len, m.prot, m.buf, m.off);
	if (i >= 0)
		s->maps[i].dontfork = m.dontfork;
	fz_buf_put(s, m.buf);
	FZ_CHECK(s, target ? p == target : p == old, "mremap: moved to %p", p);
}

static void fz_op_mprotect(struct fz_state *s)
{
	static const int prots[] = { PROT_NONE, PROT_READ,
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_READ | PROT_EXEC };
	int i = fz_any_map(s), prot, err;
	unsigned char *a;
	size_t len;

	if (i < 0)
		return;
	len = fz_subrange(s, &s->maps[i], &a);
	prot = prots[fz_below(&s->rng, 5)];
	snprintf(s->desc, 160, "mprotect %p len %#zx prot %#x", (void *)a, len,
		 prot);
	err = mprotect(a, len, prot) ? errno : 0;
	/* VM_MAYEXEC is never set: PROT_EXEC is EACCES. */
	if (fz_expect(s, err, prot & PROT_EXEC ? FZ_E(EACCES) : FZ_OK,
		      s->desc) && !err)
		fz_model_protect(s, a, len, prot);
}

static void fz_op_madvise(struct fz_state *s)
{
	static const int advice[] = { MADV_DONTNEED, MADV_REMOVE,
		MADV_PAGEOUT, MADV_COLD, MADV_WILLNEED, MADV_NORMAL,
		MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTFORK, MADV_DOFORK,
		MADV_DONTDUMP, MADV_DODUMP, MADV_FREE, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_REMOVE, MADV_DONTNEED };
	int i = fz_any_map(s), adv, err, k, was_zero = -1;
	struct fz_map *m;
	struct fz_buf *b;
	unsigned char *a;
	size_t len;

	if (i < 0)
		return;
	len = fz_subrange(s, &s->maps[i], &a);
	adv = advice[fz_below(&s->rng, ARRAY_SIZE(advice))];
	/* Populating a huge pageable mapping would take all memory. */
	if ((adv == MADV_POPULATE_READ || adv == MADV_POPULATE_WRITE ||
	     adv == MADV_WILLNEED) && len > (4UL << 20))
		adv = MADV_COLD;
	snprintf(s->desc, 160, "madvise %p len %#zx advice %d", (void *)a, len,
		 adv);
	fz_split_at(s, a);
	fz_split_at(s, a + len);
	err = madvise(a, len, adv) ? errno : 0;
	if (adv == MADV_DONTFORK || adv == MADV_DOFORK) {
		/* DOFORK is EINVAL on a VM_IO (PFN) mapping. */
		if (!fz_expect(s, err, FZ_OK | (adv == MADV_DOFORK ?
					       FZ_E(EINVAL) : 0), s->desc) ||
		    err)
			return;
		for (k = 0; k < FZ_MAPS; k++) {
			m = &s->maps[k];
			if (m->addr && m->addr >= a && m->addr + m->len <= a + len)
				m->dontfork = adv == MADV_DONTFORK;
		}
		return;
	}
	if (err)
		return;
	/* Find the mapping that now starts at a, and check its first byte. */
	for (k = 0; k < FZ_MAPS && s->maps[k].addr != a; k++)
		;
	if (k == FZ_MAPS)
		return;
	m = &s->maps[k];
	b = &s->bufs[m->buf];
	/* A hole punched in a pageable buffer not prepared reads zeros. */
	if (adv == MADV_REMOVE && (b->options & IOBMD_MEMORY_PAGEABLE) &&
	    !b->prepared)
		was_zero = 0;
	fz_coherent(s, m, a, was_zero, s->desc);
}

static void fz_op_touch(struct fz_state *s)
{
	int i = fz_any_map(s), write, sig, may;
	unsigned char v, got;
	struct fz_map *m;
	unsigned char *a;

	if (i < 0)
		return;
	m = &s->maps[i];
	a = m->addr + fz_below(&s->rng, m->len);
	write = fz_chance(&s->rng, 1, 2);
	v = fz_next(&s->rng);
	may = m->prot & (write ? PROT_WRITE : PROT_READ);
	snprintf(s->desc, 160, "touch %s %p (offset %#llx of buffer %d) prot %#x",
		 write ? "write" : "read", (void *)a,
		 (unsigned long long)(m->off + (a - m->addr)), m->buf, m->prot);
	sig = fz_access(a, write, v, &got);
	if (sig) {
		if (may)
			fz_fail(s, "%s: signal %d where the protection allows it",
				s->desc, sig);
		__atomic_add_fetch(sig == SIGBUS ? &fz_sh->sigbus :
				   &fz_sh->sigsegv, 1, __ATOMIC_RELAXED);
		return;
	}
	if (!may) {
		fz_fail(s, "%s: no fault where the protection forbids it",
			s->desc);
		return;
	}
	if (write)
		fz_coherent(s, m, a, v, s->desc);
}

#endif /* IOBMD_FUZZ_MM_H */
