/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's ioctls, pread and pwrite (fuzz_test.c): every ioctl of
 * uapi/linux/iobmd.h with random fields, random struct sizes (in the ioctl
 * number), structs in unreadable or read-only memory, and random ioctl
 * numbers; each answer checked against the errnos the ABI documents.
 * A buffer another process may change (shared) is checked only for what
 * does not depend on its state.
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
	allowed = fz_create_expect(&v, fz_sh->pat);
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

static void fz_op_info(struct fz_state *s)
{
	struct iobmd_info info = { 0 };
	struct fz_call c;
	int b, wrong, fd = fz_target(s, &b, &wrong), err;
	struct fz_buf *m;
	size_t i;

	if (fd < 0)
		return;
	fz_call_init(&c, IOBMD_IOC_INFO, IOBMD_INFO_SIZE_VER0, 1, &info);
	c.out_only = 1;
	fz_call_build(s, &c);
	snprintf(s->desc, 160, "info fd %d size %zu", fd, c.usize);
	err = fz_call_run(s, &c, fd);
	if (!fz_expect(s, err, wrong ? FZ_E(ENOTTY) :
		       fz_call_allowed(&c, FZ_OK), s->desc) || err || wrong)
		return;
	for (i = c.ksize; i < c.usize; i++)
		if (c.where[i]) {
			fz_fail(s, "info: byte %zu past the struct not zeroed", i);
			break;
		}
	memcpy(&info, c.out, sizeof(info));
	m = &s->bufs[b];
	FZ_CHECK(s, info.capacity == m->capacity &&
		 info.alloc_size == m->alloc, "info: capacity %llu",
		 (unsigned long long)info.capacity);
	FZ_CHECK(s, info.cache_mode == fz_cache_mode(m->options),
		 "info: cache mode %#x", info.cache_mode);
	if (m->shared)
		return;
	FZ_CHECK(s, info.length == m->length && info.options == m->options,
		 "info: length %llu options %#x, model %llu %#x",
		 (unsigned long long)info.length, info.options,
		 (unsigned long long)m->length, m->options);
	if (m->options & IOBMD_MEMORY_PAGEABLE)
		FZ_CHECK(s, !!info.segments == !!m->prepared,
			 "info: %u segments, prepared %u", info.segments,
			 m->prepared);
	else if (fz_contiguous(m))
		FZ_CHECK(s, info.segments == 1, "info: %u segments",
			 info.segments);
	if (c.usize < IOBMD_INFO_SIZE_VER2)
		return;
	FZ_CHECK(s, info.prepare_count == m->prepared,
		 "info: prepare_count %u, model %u", info.prepare_count,
		 m->prepared);
	/* The shrinker may have emptied a volatile buffer. */
	if (m->purgeable == IOBMD_PURGEABLE_VOLATILE && !m->prepared &&
	    info.purgeable_state == IOBMD_PURGEABLE_EMPTY)
		m->purgeable = IOBMD_PURGEABLE_EMPTY;
	FZ_CHECK(s, info.purgeable_state == m->purgeable,
		 "info: purgeable %u, model %u", info.purgeable_state,
		 m->purgeable);
}

static void fz_op_set_length(struct fz_state *s)
{
	int b, wrong, fd = fz_target(s, &b, &wrong), err;
	struct iobmd_length l;
	struct fz_call c;
	__u64 cap, allowed;

	if (fd < 0)
		return;
	cap = b >= 0 ? s->bufs[b].capacity : 0;
	switch (fz_below(&s->rng, 6)) {
	case 0:
		l.length = 0;
		break;
	case 1:
		l.length = cap;
		break;
	case 2:
		l.length = cap + 1;
		break;
	case 3:
		l.length = fz_next(&s->rng);
		break;
	default:
		l.length = fz_below(&s->rng, cap + 1);
		break;
	}
	fz_call_init(&c, IOBMD_IOC_SET_LENGTH, sizeof(l), 0, &l);
	fz_call_build(s, &c);
	memcpy(&l, c.view, sizeof(l));
	snprintf(s->desc, 160, "set_length fd %d size %zu length %#llx", fd,
		 c.usize, (unsigned long long)l.length);
	err = fz_call_run(s, &c, fd);
	allowed = wrong ? FZ_E(ENOTTY) :
		  fz_call_allowed(&c, l.length > cap ? FZ_E(EINVAL) : FZ_OK);
	if (fz_expect(s, err, allowed, s->desc) && !err && !wrong)
		s->bufs[b].length = l.length;
}

static void fz_op_append(struct fz_state *s)
{
	static const __u64 sizes[] = { 0, 1, 7, 4096, 65536, ~0ULL };
	int b, wrong, fd = fz_target(s, &b, &wrong), err;
	struct iobmd_append a = { 0 };
	__u64 allowed, n = 0;
	struct fz_call c;
	struct fz_buf *m;
	__s64 valid;

	if (fd < 0)
		return;
	a.size = fz_chance(&s->rng, 1, 2) ? fz_below(&s->rng, 8192) :
					    FZ_PICK(&s->rng, sizes);
	a.data = (uintptr_t)fz_data_ptr(s, a.size, 0, &valid);
	if (fz_chance(&s->rng, 1, 30))
		a.copied = 1;
	fz_call_init(&c, IOBMD_IOC_APPEND, sizeof(a), 1, &a);
	fz_call_build(s, &c);
	memcpy(&a, c.view, sizeof(a));
	snprintf(s->desc, 160, "append fd %d size %zu n %#llx copied %llu data %s",
		 fd, c.usize, (unsigned long long)a.size,
		 (unsigned long long)a.copied, valid < 0 ? "map" :
		 (__u64)valid >= a.size ? "ok" : "short");
	m = b >= 0 ? &s->bufs[b] : NULL;
	if (wrong) {
		allowed = FZ_E(ENOTTY);
	} else if (a.copied) {
		allowed = FZ_E(EINVAL);
	} else if (m->shared) {
		allowed = FZ_OK | FZ_E(EBUSY) | FZ_E(EFAULT);
	} else if (m->read_only) {
		allowed = FZ_E(EBUSY);
	} else {
		n = a.size < m->capacity - m->length ? a.size :
						       m->capacity - m->length;
		allowed = fz_copy_allowed(valid, n);
		/* All or nothing: a short source is EFAULT. */
		if (valid >= 0 && (__u64)valid < n)
			allowed = FZ_E(EFAULT);
	}
	err = fz_call_run(s, &c, fd);
	if (!fz_expect(s, err, wrong ? allowed :
		       fz_call_allowed(&c, allowed), s->desc) || err ||
	    wrong)
		return;
	memcpy(&a, c.out, sizeof(a));
	if (!m->shared) {
		FZ_CHECK(s, a.copied == n, "append: copied %llu, want %llu",
			 (unsigned long long)a.copied, (unsigned long long)n);
		m->length += a.copied;
	}
}

/* SET_DIRECTION, PREPARE and COMPLETE share their struct. */
static void fz_op_direction(struct fz_state *s, unsigned long cmd)
{
	int b, wrong, fd = fz_target(s, &b, &wrong), err, pageable;
	struct iobmd_direction d = { fz_direction(s), 0 };
	__u32 eff;
	__u64 allowed = FZ_OK;
	struct fz_call c;
	struct fz_buf *m;

	if (fd < 0)
		return;
	if (fz_chance(&s->rng, 1, 30))
		d.__reserved = 1;
	fz_call_init(&c, cmd, sizeof(d), 0, &d);
	fz_call_build(s, &c);
	memcpy(&d, c.view, sizeof(d));
	snprintf(s->desc, 160, "%s fd %d size %zu dir %#x reserved %u",
		 cmd == IOBMD_IOC_PREPARE ? "prepare" : cmd == IOBMD_IOC_COMPLETE ?
		 "complete" : "set_direction", fd, c.usize, d.direction,
		 d.__reserved);
	m = b >= 0 ? &s->bufs[b] : NULL;
	pageable = m && (m->options & IOBMD_MEMORY_PAGEABLE);
	eff = d.direction ? d.direction : (m ? m->options & 3 : 0);
	eff = eff == IOBMD_DIRECTION_NONE ? 3 : eff;
	if (wrong) {
		allowed = FZ_E(ENOTTY);
	} else if (d.direction > IOBMD_DIRECTION_INOUT || d.__reserved) {
		allowed = FZ_E(EINVAL);
	} else if (cmd == IOBMD_IOC_PREPARE) {
		if (m->shared)
			allowed = FZ_OK | (pageable ? FZ_E(ENOMEM) |
					   FZ_E(EBUSY) : 0);
		else if (pageable && !m->prepared)
			allowed = m->alloc > FZ_MEMLOCK ? FZ_E(ENOMEM) :
				  FZ_OK | FZ_E(ENOMEM);
		else if (pageable && m->pin_dir != 3 && eff != m->pin_dir)
			allowed = FZ_E(EBUSY);
	} else if (cmd == IOBMD_IOC_COMPLETE) {
		allowed = m->shared ? FZ_OK | FZ_E(EINVAL) :
			  m->prepared ? FZ_OK : FZ_E(EINVAL);
	}
	err = fz_call_run(s, &c, fd);
	if (!fz_expect(s, err, wrong ? allowed :
		       fz_call_allowed(&c, allowed), s->desc) || err ||
	    wrong)
		return;
	if (cmd == IOBMD_IOC_SET_DIRECTION) {
		m->options = (m->options & ~7u) | d.direction;
	} else if (cmd == IOBMD_IOC_PREPARE) {
		if (!m->prepared) {
			m->read_only = d.direction ? d.direction == 2 :
				       (m->options & 3) == 2;
			m->pin_dir = eff;
		}
		m->prepared++;
	} else if (m->prepared && !--m->prepared) {
		m->read_only = 0;
	}
}

static void fz_op_set_direction(struct fz_state *s)
{
	fz_op_direction(s, IOBMD_IOC_SET_DIRECTION);
}

static void fz_op_prepare(struct fz_state *s)
{
	fz_op_direction(s, IOBMD_IOC_PREPARE);
}

static void fz_op_complete(struct fz_state *s)
{
	fz_op_direction(s, IOBMD_IOC_COMPLETE);
}

static void fz_op_get_segments(struct fz_state *s)
{
	static const __u32 counts[] = { 0, 1, 2, 16, 4096, 4097,
					   0x7fffffff, 0xffffffff };
	int b, wrong, fd = fz_target(s, &b, &wrong), err;
	struct iobmd_segments g = { 0 };
	struct iobmd_segment *seg;
	__u64 allowed, len, space, sum = 0;
	struct fz_call c;
	struct fz_buf *m;
	unsigned int i, req;

	if (fd < 0)
		return;
	m = b >= 0 ? &s->bufs[b] : NULL;
	len = m ? m->length : 0;
	g.count = fz_chance(&s->rng, 1, 3) ? counts[fz_below(&s->rng, 8)] :
					     1 + fz_below(&s->rng, 64);
	g.offset = fz_chance(&s->rng, 3, 4) ? fz_below(&s->rng, len + 1) :
		   fz_chance(&s->rng, 1, 2) ? len + fz_below(&s->rng, 2) :
					      fz_next(&s->rng);
	if (fz_chance(&s->rng, 1, 30))
		g.__reserved = 1;
	space = (__u64)g.count * sizeof(*seg);
	space = space < FZ_SCRATCH / 2 ? space : FZ_SCRATCH / 2;
	/* The array: the scratch area's first half, or nowhere at all. */
	seg = fz_chance(&s->rng, 1, 20) ? (void *)s->hole :
	      (void *)(s->scratch + FZ_SCRATCH / 2 - space);
	g.segments = (uintptr_t)seg;
	fz_call_init(&c, IOBMD_IOC_GET_SEGMENTS, sizeof(g), 1, &g);
	fz_call_build(s, &c);
	memcpy(&g, c.view, sizeof(g));
	snprintf(s->desc, 160, "get_segments fd %d size %zu offset %#llx count %u%s",
		 fd, c.usize, (unsigned long long)g.offset, g.count,
		 (void *)seg == s->hole ? " into a hole" : "");
	if (wrong) {
		allowed = FZ_E(ENOTTY);
	} else if (!g.count || g.__reserved) {
		allowed = FZ_E(EINVAL);
	} else if (m->shared) {
		allowed = FZ_OK | FZ_E(EINVAL) | FZ_E(ENXIO) | FZ_E(EFAULT);
	} else if (g.offset >= len) {
		allowed = FZ_E(EINVAL);
	} else if ((m->options & IOBMD_MEMORY_PAGEABLE) && !m->prepared) {
		allowed = FZ_E(ENXIO);
	} else if ((void *)seg == s->hole) {
		allowed = FZ_E(EFAULT);
	} else {
		allowed = (__u64)g.count * sizeof(*seg) <= space ? FZ_OK :
			  FZ_OK | FZ_E(EFAULT);
	}
	req = g.count;
	err = fz_call_run(s, &c, fd);
	if (!fz_expect(s, err, wrong ? allowed :
		       fz_call_allowed(&c, allowed), s->desc) || err ||
	    wrong || m->shared || (__u64)req * sizeof(*seg) > space)
		return;
	memcpy(&g, c.out, sizeof(g));
	FZ_CHECK(s, g.count >= 1 && g.count <= space / sizeof(*seg),
		 "get_segments: %u filled", g.count);
	for (i = 0; i < g.count && i < space / sizeof(*seg); i++) {
		FZ_CHECK(s, seg[i].length && seg[i].address,
			 "get_segments: segment %u: %#llx+%#llx", i,
			 (unsigned long long)seg[i].address,
			 (unsigned long long)seg[i].length);
		sum += seg[i].length;
	}
	/* Fewer than asked for: the walk reached the length. */
	if (g.count < req)
		FZ_CHECK(s, g.offset + sum == len,
			 "get_segments: %u segments cover %#llx of %#llx from %#llx",
			 g.count, (unsigned long long)sum,
			 (unsigned long long)len, (unsigned long long)g.offset);
	else
		FZ_CHECK(s, g.offset + sum <= len, "get_segments: past the length");
	if (fz_contiguous(m))
		FZ_CHECK(s, g.count == 1, "get_segments: contiguous in %u",
			 g.count);
}

static void fz_op_set_purgeable(struct fz_state *s)
{
	static const __u32 states[] = { 1, 2, 3, 3, 4, 0, 5 };
	int b, wrong, fd = fz_target(s, &b, &wrong), err, purgeable;
	struct iobmd_purgeable p = { 0 };
	__u64 allowed;
	struct fz_call c;
	struct fz_buf *m;
	__u32 cur, old;

	if (fd < 0)
		return;
	p.new_state = fz_chance(&s->rng, 1, 30) ? (__u32)fz_next(&s->rng) :
		      states[fz_below(&s->rng, 7)];
	if (fz_chance(&s->rng, 1, 30))
		p.old_state = 1;
	fz_call_init(&c, IOBMD_IOC_SET_PURGEABLE, sizeof(p), 1, &p);
	fz_call_build(s, &c);
	memcpy(&p, c.view, sizeof(p));
	snprintf(s->desc, 160, "set_purgeable fd %d size %zu new %u old %u",
		 fd, c.usize, p.new_state, p.old_state);
	m = b >= 0 ? &s->bufs[b] : NULL;
	purgeable = m && (m->options & IOBMD_MEMORY_PURGEABLE);
	if (wrong)
		allowed = FZ_E(ENOTTY);
	else if (p.old_state)
		allowed = FZ_E(EINVAL);
	else if (!purgeable)
		allowed = FZ_E(EOPNOTSUPP) |
			  (p.new_state - 1 > 3 ? FZ_E(EINVAL) : 0);
	else if (p.new_state - 1 > 3)
		allowed = FZ_E(EINVAL);
	else if (m->shared)
		allowed = FZ_OK | FZ_E(EBUSY);
	else if (p.new_state == IOBMD_PURGEABLE_EMPTY && m->prepared)
		allowed = FZ_E(EBUSY);
	else
		allowed = FZ_OK;
	err = fz_call_run(s, &c, fd);
	if (!fz_expect(s, err, wrong ? allowed :
		       fz_call_allowed(&c, allowed), s->desc) || err ||
	    wrong)
		return;
	memcpy(&p, c.out, sizeof(p));
	old = p.old_state;
	if (m->shared) {
		FZ_CHECK(s, old >= 2 && old <= 4, "set_purgeable: old %u", old);
		return;
	}
	cur = m->purgeable;
	FZ_CHECK(s, old == cur || (cur == IOBMD_PURGEABLE_VOLATILE &&
				   !m->prepared &&
				   old == IOBMD_PURGEABLE_EMPTY),
		 "set_purgeable: old state %u, model %u", old, cur);
	switch (p.new_state) {
	case IOBMD_PURGEABLE_KEEP_CURRENT:
		m->purgeable = old;
		break;
	case IOBMD_PURGEABLE_VOLATILE:
		m->purgeable = old == IOBMD_PURGEABLE_EMPTY ? old :
			       IOBMD_PURGEABLE_VOLATILE;
		break;
	default:
		m->purgeable = p.new_state;
		break;
	}
}

/* Whether (dir, nr) is one of the ioctls of that kind of fd. */
static int fz_known_ioctl(unsigned long cmd, int dev)
{
	static const unsigned long buffer_cmds[] = { IOBMD_IOC_INFO,
		IOBMD_IOC_SET_LENGTH, IOBMD_IOC_APPEND,
		IOBMD_IOC_SET_DIRECTION, IOBMD_IOC_PREPARE, IOBMD_IOC_COMPLETE,
		IOBMD_IOC_GET_SEGMENTS, IOBMD_IOC_SET_PURGEABLE };
	unsigned int i;

	if (dev)
		return _IOC_NR(cmd) == 0 &&
		       _IOC_DIR(cmd) == _IOC_DIR(IOBMD_IOC_CREATE);
	for (i = 0; i < ARRAY_SIZE(buffer_cmds); i++)
		if (_IOC_NR(cmd) == _IOC_NR(buffer_cmds[i]) &&
		    _IOC_DIR(cmd) == _IOC_DIR(buffer_cmds[i]))
			return 1;
	return 0;
}

/*
 * Random ioctl numbers: ours with another direction or number are
 * ENOTTY; other types go to the VFS's and the driver's, and only must not
 * hurt. The argument is the scratch area.
 */
static void fz_op_random_ioctl(struct fz_state *s)
{
	int b, wrong, fd = fz_target(s, &b, &wrong), err;
	unsigned long cmd;

	if (fd < 0)
		return;
	if (fz_chance(&s->rng, 4, 5))
		cmd = _IOC(fz_below(&s->rng, 4), IOBMD_IOC_MAGIC,
			   fz_chance(&s->rng, 1, 2) ? fz_below(&s->rng, 16) :
						      fz_below(&s->rng, 256),
			   fz_below(&s->rng, 1 << 14));
	else
		cmd = (__u32)fz_next(&s->rng);
	snprintf(s->desc, 160, "ioctl fd %d cmd %#lx", fd, cmd);
	if (_IOC_TYPE(cmd) == IOBMD_IOC_MAGIC && fz_known_ioctl(cmd, wrong))
		return;		/* the ioctl ops do those */
	memset(s->scratch, 0, FZ_SCRATCH);
	err = ioctl(fd, cmd, s->scratch) ? errno : 0;
	if (_IOC_TYPE(cmd) == IOBMD_IOC_MAGIC)
		fz_expect(s, err, FZ_E(ENOTTY), s->desc);
}

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

#endif /* IOBMD_FUZZ_IOCTLS_H */
