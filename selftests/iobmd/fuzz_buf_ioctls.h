/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's ioctls on buffer fds (fuzz_test.c): INFO, SET_LENGTH,
 * APPEND, SET_DIRECTION, PREPARE, COMPLETE, GET_SEGMENTS and SET_PURGEABLE
 * with random fields and struct sizes, sent now and then to the device's
 * fd instead (ENOTTY), and random ioctl numbers on either kind of fd. Each
 * answer is checked against the errnos uapi/linux/iobmd.h documents and
 * kept in the model; a buffer another process may change (shared) is
 * checked only for what does not depend on its state. The ioctl call
 * itself (struct fz_call) is in fuzz_ioctls.h.
 */
#ifndef IOBMD_FUZZ_BUF_IOCTLS_H
#define IOBMD_FUZZ_BUF_IOCTLS_H

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
	/*
	 * The shrinker may have emptied a volatile buffer: while it was not
	 * prepared, which may have been before the prepare the model counts
	 * now (purgeable_test and threads_test check that a prepared buffer
	 * is never emptied).
	 */
	if (m->purgeable == IOBMD_PURGEABLE_VOLATILE &&
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
	/* A child sharing the buffer may be appending: EBUSY then. */
	if (!wrong && b >= 0 && s->bufs[b].shared && l.length <= cap)
		allowed |= FZ_E(EBUSY);
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
		IOBMD_IOC_GET_SEGMENTS, IOBMD_IOC_SET_PURGEABLE,
		IOBMD_IOC_EXPORT_DMABUF };
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

#endif /* IOBMD_FUZZ_BUF_IOCTLS_H */
