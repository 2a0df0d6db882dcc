/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's ioctl call and its CREATE (fuzz_test.c). struct fz_call
 * issues one ioctl of uapi/linux/iobmd.h with a random struct size (in the
 * ioctl number), the struct in unreadable or read-only memory or running
 * into a guard page, and gives the errnos the struct itself allows; with
 * it, the helpers the buffer fd's ioctls share (the target fd, a random
 * direction). CREATE goes with random options, flags, capacities,
 * alignments, masks and data, now and then to a buffer fd instead
 * (ENOTTY); what it makes enters the model. The buffer fd's
 * ioctls are in fuzz_buf_ioctls.h, pread and pwrite in fuzz_rw.h.
 */
#ifndef IOBMD_FUZZ_IOCTLS_H
#define IOBMD_FUZZ_IOCTLS_H

/* One ioctl call: the struct as built, as the kernel reads it, as left. */
struct fz_call {
	unsigned int dir, nr;
	size_t ksize, ver0;
	int writes;		/* the kernel writes the struct back */
	int out_only;		/* INFO: nothing is read from it */
	unsigned char arg[128], view[128], out[128];
	size_t usize;
	unsigned char *where;
	int fault, e2big, ro;
};

static void fz_call_init(struct fz_call *c, unsigned long cmd, size_t ver0,
			 int writes, const void *arg)
{
	memset(c, 0, sizeof(*c));
	c->dir = _IOC_DIR(cmd);
	c->nr = _IOC_NR(cmd);
	c->ksize = _IOC_SIZE(cmd);
	c->ver0 = ver0;
	c->writes = writes;
	memcpy(c->arg, arg, c->ksize);
}

/* Pick the struct's size and place; build it there. */
static void fz_call_build(struct fz_state *s, struct fz_call *c)
{
	const __u64 sizes[] = { 0, 1, c->ver0 - 1, c->ver0, c->ksize + 8,
		c->ksize + fz_below(&s->rng, 64), fz_below(&s->rng, c->ksize),
		fz_below(&s->rng, 1 << 14), (1 << 14) - 1 };
	unsigned int k = fz_below(&s->rng, 100);
	unsigned char *end = s->scratch + FZ_SCRATCH;

	c->usize = k < 85 ? c->ksize : FZ_PICK(&s->rng, sizes);
	c->where = end - c->usize;
	memset(c->where, 0, c->usize);
	memcpy(c->where, c->arg, c->usize < c->ksize ? c->usize : c->ksize);
	if (c->usize > c->ksize && fz_chance(&s->rng, 1, 3)) {
		c->where[c->ksize + fz_below(&s->rng, c->usize - c->ksize)] = 1;
		c->e2big = !c->out_only;
	}
	memset(c->view, 0, sizeof(c->view));
	memcpy(c->view, c->arg, c->usize < c->ksize ? c->usize : c->ksize);
	k = fz_below(&s->rng, 100);
	if (c->usize && k < 3) {
		c->fault = 1;
		c->where = k ? s->hole + PAGE : (unsigned char *)0xffff888000000000ULL;
	} else if (c->usize && k < 6) {
		/* Runs into the guard page: its first bytes are there. */
		size_t in = fz_below(&s->rng, c->usize);

		memmove(end - in, c->where, in);
		c->where = end - in;
		c->fault = 1;
	} else if (c->usize && k < 9 && c->writes) {
		c->ro = 1;
	}
}

/* Errnos of the struct itself, ahead of what the fields would give. */
static __u64 fz_call_allowed(const struct fz_call *c, __u64 semantic)
{
	if (c->usize < c->ver0)
		return FZ_E(EINVAL);
	if (c->fault)
		return FZ_E(EFAULT) | (c->e2big ? FZ_E(E2BIG) : 0);
	if (c->e2big)
		return FZ_E(E2BIG) | (semantic & ~FZ_OK);
	if (c->ro)
		return FZ_E(EFAULT) | (semantic & ~FZ_OK);
	return semantic;
}

/* Issue it on @fd; 0 or the errno. c->out holds what was written back. */
static int fz_call_run(struct fz_state *s, struct fz_call *c, int fd)
{
	unsigned long cmd = _IOC(c->dir, IOBMD_IOC_MAGIC, c->nr, c->usize);
	unsigned char *page = (unsigned char *)((uintptr_t)c->where & ~(PAGE - 1));
	size_t span = c->where + c->usize - page;
	int ret, err;

	if (c->ro && mprotect(page, span, PROT_READ))
		_exit(2);
	ret = ioctl(fd, cmd, c->where);
	err = ret ? errno : 0;
	if (c->ro && mprotect(page, span, PROT_READ | PROT_WRITE))
		_exit(2);
	memset(c->out, 0, sizeof(c->out));
	if (!c->fault)
		memcpy(c->out, c->where, c->usize < c->ksize ? c->usize :
							       c->ksize);
	if (ret && ret != -1)
		fz_fail(s, "ioctl %#lx returned %d", cmd, ret);
	return err;
}

/* The fd an ioctl goes to: a buffer's, or now and then the device's. */
static int fz_target(struct fz_state *s, int *b, int *wrong)
{
	int i = fz_any_fd(s), d;

	*wrong = 0;
	if (i < 0 || fz_chance(&s->rng, 1, 40)) {
		d = fz_any_dev(s);
		if (d < 0)
			return -1;
		*wrong = 1;
		*b = -1;
		return s->devs[d];
	}
	*b = s->fds[i].buf;
	return s->fds[i].fd;
}

static __u32 fz_direction(struct fz_state *s)
{
	unsigned int k = fz_below(&s->rng, 100);

	if (k < 90)
		return k & 3;
	return k < 95 ? 4 + (k & 3) : (__u32)fz_next(&s->rng);
}

static int fz_contiguous(const struct fz_buf *b)
{
	return !(b->options & IOBMD_MEMORY_PAGEABLE) &&
	       (b->options & FZ_CONTIG);
}

static void fz_op_create(struct fz_state *s)
{
	struct iobmd_create a = { 0 };
	struct fz_create_in v;
	struct iobmd_info info;
	struct fz_call c;
	__u64 highest = 0, malign = 0;
	__u64 allowed;
	__s64 valid = 0;
	int d = fz_any_dev(s), fd, err, wrong = 0, next, slot, i;
	struct fz_buf *b;

	if (d < 0)
		return;
	fd = s->devs[d];
	i = fz_chance(&s->rng, 1, 50) ? fz_any_fd(s) : -1;
	if (i >= 0) {
		fd = s->fds[i].fd;
		wrong = 1;
	}
	a.capacity = fz_capacity(&s->rng);
	a.options = fz_options(&s->rng);
	a.flags = fz_chance(&s->rng, 2, 5) ? IOBMD_CREATE_MAP_TASK : 0;
	if (fz_chance(&s->rng, 1, 40))
		a.flags |= 1u << fz_below(&s->rng, 32);
	a.alignment = fz_alignment(&s->rng);
	a.physical_mask = fz_mask(&s->rng);
	if (fz_chance(&s->rng, 1, 10))
		a.data = (uintptr_t)fz_data_ptr(s, a.capacity, 0, &valid);
	if (fz_chance(&s->rng, 1, 50))
		a.address = 0x1000;
	if (fz_chance(&s->rng, 1, 50))
		a.fd = 3;
	if (fz_chance(&s->rng, 1, 50))
		a.__reserved = 1;
	/* Populating a large task mapping is slow under TCG: rarely. */
	if (a.capacity > (4UL << 20) && a.capacity < (1ULL << 40) &&
	    !(a.options & IOBMD_MEMORY_PAGEABLE) && fz_chance(&s->rng, 3, 4))
		a.flags &= ~IOBMD_CREATE_MAP_TASK;
	fz_call_init(&c, IOBMD_IOC_CREATE, IOBMD_CREATE_SIZE_VER0, 1, &a);
	fz_call_build(s, &c);
	memcpy(&v, c.view, sizeof(v));
	snprintf(s->desc, 160,
		 "create%s size %zu cap %#llx opt %#x flags %#x align %#llx mask %#llx data %s",
		 wrong ? " on a buffer fd" : "", c.usize,
		 (unsigned long long)v.capacity, v.options, v.flags,
		 (unsigned long long)v.alignment,
		 (unsigned long long)v.physical_mask,
		 v.data ? (valid < 0 ? "map" : valid ? "ok" : "bad") : "-");
	allowed = fz_create_expect(&v, fz_sh->pat, fz_sh->max_buffer);
	if (v.data && valid >= 0 && (__u64)valid < v.capacity)
		allowed = (allowed & ~FZ_OK) | FZ_E(EFAULT);
	allowed = wrong ? FZ_E(ENOTTY) : fz_call_allowed(&c, allowed);
	next = iobmd_next_fd();
	err = fz_call_run(s, &c, fd);
	memcpy(&a, c.out, sizeof(a));
	if (!fz_expect(s, err, allowed, s->desc) && !err) {
		close(a.fd);
		if (a.address)
			munmap((void *)(uintptr_t)a.address, a.capacity);
		return;
	}
	if (err) {
		FZ_CHECK(s, next == iobmd_next_fd(),
			 "failed create left an fd behind");
		return;
	}
	FZ_CHECK(s, a.fd >= 0, "create: fd %d", a.fd);
	FZ_CHECK(s, !!a.address == !!(v.flags & IOBMD_CREATE_MAP_TASK) &&
		 !(a.address & (PAGE - 1)), "create: address %#llx",
		 (unsigned long long)a.address);
	for (slot = 0; slot < FZ_BUFS && s->bufs[slot].used; slot++)
		;
	if (slot == FZ_BUFS || fz_free_slot_fd(s) < 0 || fz_map_room(s) < 5) {
		close(a.fd);
		if (a.address)
			munmap((void *)(uintptr_t)a.address, a.capacity);
		return;
	}
	b = &s->bufs[slot];
	memset(b, 0, sizeof(*b));
	b->used = 1;
	b->capacity = v.capacity;
	b->length = v.capacity;
	b->alloc = (v.capacity + PAGE - 1) & ~(PAGE - 1);
	b->options = v.options;
	b->purgeable = v.options & IOBMD_MEMORY_PURGEABLE ?
		       IOBMD_PURGEABLE_NON_VOLATILE : 0;
	if (iobmd_info(a.fd, &info)) {
		fz_fail(s, "info of a new buffer: %s", strerror(errno));
	} else {
		if (v.physical_mask)
			fz_mask_limits(v.physical_mask, &highest, &malign);
		FZ_CHECK(s, info.capacity == b->capacity &&
			 info.length == b->length && info.alloc_size == b->alloc,
			 "create: info capacity %llu length %llu alloc %llu",
			 (unsigned long long)info.capacity,
			 (unsigned long long)info.length,
			 (unsigned long long)info.alloc_size);
		FZ_CHECK(s, info.options == v.options ||
			 info.options == (v.options |
					  IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS),
			 "create: info options %#x", info.options);
		FZ_CHECK(s, info.cache_mode == fz_cache_mode(v.options),
			 "create: cache mode %#x", info.cache_mode);
		FZ_CHECK(s, info.purgeable_state == b->purgeable &&
			 !info.prepare_count, "create: purgeable %u prepared %u",
			 info.purgeable_state, info.prepare_count);
		FZ_CHECK(s, info.alignment >= PAGE &&
			 !(info.alignment & (info.alignment - 1)) &&
			 info.alignment >= v.alignment &&
			 info.alignment >= malign, "create: alignment %#llx",
			 (unsigned long long)info.alignment);
		FZ_CHECK(s, !v.physical_mask || info.physical_mask <= highest,
			 "create: physical mask %#llx above %#llx",
			 (unsigned long long)info.physical_mask,
			 (unsigned long long)highest);
		FZ_CHECK(s, (v.options & IOBMD_MEMORY_PAGEABLE) ?
			 !info.segments : info.segments >= 1,
			 "create: %u segments", info.segments);
		b->options = info.options;
	}
	/* withBytes: the contents are the data's (unless the answer overwrote them). */
	if (v.data && valid > 0 &&
	    ((unsigned char *)(uintptr_t)v.data + 64 <= c.where ||
	     (unsigned char *)(uintptr_t)v.data >= c.where + c.usize)) {
		unsigned char got[64];
		size_t n = v.capacity < sizeof(got) ? v.capacity : sizeof(got);

		FZ_CHECK(s, pread(a.fd, got, n, 0) == (ssize_t)n &&
			 !memcmp(got, (void *)(uintptr_t)v.data, n),
			 "create: the contents are not the data's");
	}
	fz_add_fd(s, a.fd, slot);
	if (a.address)
		fz_add_map(s, (void *)(uintptr_t)a.address, b->alloc,
			   PROT_READ | PROT_WRITE, slot, 0);
}

#endif /* IOBMD_FUZZ_IOCTLS_H */
