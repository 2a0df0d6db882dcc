/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's operations (fuzz_test.c), each checked against what the
 * ABI documents. The state they work on is in fuzz_state.h; the ioctl
 * call and CREATE in fuzz_ioctls.h, the buffer fd's ioctls and random
 * ioctl numbers in fuzz_buf_ioctls.h, pread and pwrite in fuzz_rw.h, the
 * mappings in fuzz_mm.h. Here: the operations on the fds themselves
 * (close, dup, open and close of the device, reclaim, fork of children
 * that keep using what they inherited), the teardown, and fz_step, which
 * picks each operation by its weight.
 */
#ifndef IOBMD_FUZZ_OPS_H
#define IOBMD_FUZZ_OPS_H

#include "fuzz_state.h"
#include "fuzz_ioctls.h"
#include "fuzz_buf_ioctls.h"
#include "fuzz_rw.h"
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
