// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl demo: what make run shows. Creates buffers of several kinds,
 * moves bytes through their mappings and through read/write, prepares and
 * completes two, empties a purgeable one, prints their properties and the system-wide list while
 * they live, then releases them and lists again. Nothing is canned: every
 * line comes from the kernel's answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libiobmd.h>

#include "iobmdctl.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)

struct demo_buffer {
	const char *what;
	struct libiobmd_create_args args;
	int fd;
	void *mapped;		/* task mapping, or NULL */
	void *later;		/* mmap at an offset, or NULL */
	uint64_t later_len;
};

/* One line of what the demo did: printed, or kept for the JSON. */
__printf(2, 3) void step(struct demo *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (!opt_json) {
		fputs("  ", stdout);
		vprintf(fmt, ap);
		putchar('\n');
	} else if (d->nsteps < MAX_STEPS && vasprintf(&s, fmt, ap) >= 0) {
		d->steps[d->nsteps++] = s;
	}
	va_end(ap);
}

/* Record an error (printed by fail()) and keep the first exit status. */
void demo_error(struct demo *d, int status)
{
	if (!d->status)
		d->status = status;
}

int check_same(struct demo *d, const char *what, const void *a,
	       const void *b, size_t n)
{
	if (!memcmp(a, b, n))
		return 0;
	demo_error(d, fail(EIO, "the kernel gave back other bytes than were written",
			   "demo: %s", what));
	return -EIO;
}

static int demo_create(struct demo *d, struct demo_buffer *b)
{
	b->fd = libiobmd_create(d->dev, &b->args,
				b->args.flags ? &b->mapped : NULL);
	if (b->fd < 0) {
		demo_error(d, fail(-b->fd, NULL, "demo: create %s", b->what));
		return b->fd;
	}
	return 0;
}

/* [1] scatter-gather, write-back, 1 MiB, mapped: write the mapping. */
static void demo_sg(struct demo *d, struct demo_buffer *b)
{
	unsigned char *back, *p;
	uint64_t i, n = b->args.capacity;
	ssize_t got;

	if (demo_create(d, b))
		return;
	p = b->mapped;
	for (i = 0; i < n; i++)
		p[i] = i * 7 + (i >> 12);
	back = malloc(n);
	if (!back) {
		demo_error(d, fail(ENOMEM, NULL, "demo: malloc"));
		return;
	}
	got = libiobmd_read_bytes(b->fd, 0, back, n);
	if (got < 0)
		demo_error(d, fail(-got, NULL, "demo: readBytes %s", b->what));
	else if (!check_same(d, "readBytes after writing the mapping", p,
			     back, got))
		step(d, "[1] %s: %llu bytes written to the mapping, %zd read back",
		     b->what, (unsigned long long)n, got);
	free(back);
}

/* [2] contiguous, write-combined, 64 KiB: memset the WC mapping. */
static void demo_wc(struct demo *d, struct demo_buffer *b)
{
	unsigned char back[64 * KIB], want[64 * KIB];
	uint64_t address, length;
	ssize_t got;
	int ret;

	if (demo_create(d, b))
		return;
	memset(b->mapped, 0x5a, sizeof(want));
	memset(want, 0x5a, sizeof(want));
	got = libiobmd_read_bytes(b->fd, 0, back, sizeof(back));
	if (got != (ssize_t)sizeof(back)) {
		demo_error(d, fail(got < 0 ? -got : EIO, NULL,
				   "demo: readBytes %s", b->what));
		return;
	}
	if (check_same(d, "readBytes of the WC buffer", back, want,
		       sizeof(back)))
		return;
	ret = libiobmd_get_physical_segment(b->fd, 0, &address, &length);
	if (ret < 0 && ret != -EPERM) {
		demo_error(d, fail(-ret, NULL, "demo: getPhysicalSegment"));
		return;
	}
	if (ret < 0)
		step(d, "[2] %s: 0x5a x 64 KiB via the WC mapping, read back; no address",
		     b->what);
	else
		step(d, "[2] %s: 0x5a x 64 KiB via the WC mapping, read back; 0x%llx+%llu",
		     b->what, (unsigned long long)address,
		     (unsigned long long)length);
}

/* [3] 4 MiB aligned 64K under a 32-bit mask, uncached: writeBytes. */
static void demo_uc(struct demo *d, struct demo_buffer *b)
{
	static const char msg[] = "uncached bytes below 4 GiB";
	struct iobmd_info info;
	ssize_t put;
	int ret;

	if (demo_create(d, b))
		return;
	put = libiobmd_write_bytes(b->fd, 3 * MIB, msg, sizeof(msg));
	if (put != sizeof(msg)) {
		demo_error(d, fail(put < 0 ? -put : EIO, NULL,
				   "demo: writeBytes %s", b->what));
		return;
	}
	if (check_same(d, "the UC mapping after writeBytes",
		       (char *)b->mapped + 3 * MIB, msg, sizeof(msg)))
		return;
	ret = get_info(b->fd, &info);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: getInfo %s", b->what));
		return;
	}
	if (!info.dma_addr) {
		step(d, "[3] %s: writeBytes at 3 MiB seen in the UC mapping; no address",
		     b->what);
		return;
	}
	step(d, "[3] %s: writeBytes at 3 MiB seen in the UC mapping", b->what);
	step(d, "[3] DMA 0x%llx..0x%llx: %s 64K, %s 0xffffffff",
	     (unsigned long long)info.dma_addr,
	     (unsigned long long)(info.dma_addr + info.alloc_size - 1),
	     info.dma_addr % (64 * KIB) ? "NOT aligned to" : "aligned to",
	     info.dma_addr + info.alloc_size - 1 > 0xffffffffULL ?
	     "ABOVE" : "below");
	if (info.dma_addr % (64 * KIB) ||
	    info.dma_addr + info.alloc_size - 1 > 0xffffffffULL)
		demo_error(d, fail(ERANGE, NULL,
				   "demo: %s is outside its alignment or mask",
				   b->what));
}

/* [4] unmapped 256 KiB: writeBytes, then mmap 64 KiB at 128 KiB. */
static void demo_later(struct demo *d, struct demo_buffer *b)
{
	static const char msg[] = "written before the mapping existed";
	char back[sizeof(msg)];
	ssize_t n;
	int ret;

	if (demo_create(d, b))
		return;
	n = libiobmd_write_bytes(b->fd, 128 * KIB + 100, msg, sizeof(msg));
	if (n != sizeof(msg)) {
		demo_error(d, fail(n < 0 ? -n : EIO, NULL,
				   "demo: writeBytes %s", b->what));
		return;
	}
	ret = libiobmd_map(b->fd, 128 * KIB, 64 * KIB, &b->later);
	if (ret) {
		b->later = NULL;
		demo_error(d, fail(-ret, NULL, "demo: map %s at 128 KiB",
				   b->what));
		return;
	}
	b->later_len = 64 * KIB;
	if (check_same(d, "the later mapping", (char *)b->later + 100, msg,
		       sizeof(msg)))
		return;
	memcpy((char *)b->later + 200, "and back", 9);
	n = libiobmd_read_bytes(b->fd, 128 * KIB + 200, back, 9);
	if (n != 9) {
		demo_error(d, fail(n < 0 ? -n : EIO, NULL,
				   "demo: readBytes %s", b->what));
		return;
	}
	if (check_same(d, "readBytes after writing the later mapping", back,
		       "and back", 9))
		return;
	step(d, "[4] %s: writeBytes, then the mmap at 128 KiB shows it",
	     b->what);
	step(d, "[4] a write through that mapping reads back");
}

/* [5] withBytes: the buffer starts with the caller's bytes. */
static void demo_with_bytes(struct demo *d, struct demo_buffer *b)
{
	static const char msg[] = "IOBufferMemoryDescriptor::withBytes()";
	char back[sizeof(msg)];
	ssize_t n;

	b->fd = libiobmd_with_bytes(d->dev, msg, sizeof(msg),
				    b->args.options, 0, NULL);
	if (b->fd < 0) {
		demo_error(d, fail(-b->fd, NULL, "demo: withBytes"));
		return;
	}
	n = libiobmd_read_bytes(b->fd, 0, back, sizeof(back));
	if (n != sizeof(back)) {
		demo_error(d, fail(n < 0 ? -n : EIO, NULL,
				   "demo: readBytes %s", b->what));
		return;
	}
	if (!check_same(d, "readBytes of withBytes", back, msg, sizeof(msg)))
		step(d, "[5] %s: readBytes gives \"%s\" back", b->what, back);
}

/* setPurgeable(@state); the old state must be @want (or Empty, see below). */
static int demo_purgeable(struct demo *d, struct demo_buffer *b,
			  uint32_t state, uint32_t want, uint32_t *old)
{
	int ret = libiobmd_set_purgeable(b->fd, state, old);

	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: setPurgeable(%s)",
				   purgeable_name(state)));
		return ret;
	}
	/* The shrinker may empty a volatile buffer at any time. */
	if (*old == want || (want == IOBMD_PURGEABLE_VOLATILE &&
			     *old == IOBMD_PURGEABLE_EMPTY))
		return 0;
	demo_error(d, fail(EIO, "the kernel reported another old state",
			   "demo: setPurgeable(%s) gave old state %s, not %s",
			   purgeable_name(state), purgeable_name(*old),
			   purgeable_name(want)));
	return -EIO;
}

/*
 * [6] pageable and purgeable, 256 KiB, task-mapped: bytes written to the
 * mapping; prepare pins it and gives it segments; complete; Volatile,
 * Empty (the mapping then reads zeros), NonVolatile again.
 */
static void demo_pageable(struct demo *d, struct demo_buffer *b)
{
	static const char msg[] = "pageable bytes, written to the mapping";
	uint64_t n = b->args.capacity, i;
	struct iobmd_info info;
	char back[sizeof(msg)];
	unsigned char *p;
	uint32_t old;
	ssize_t got;
	int ret;

	if (demo_create(d, b))
		return;
	p = b->mapped;
	memcpy(p + 64 * KIB, msg, sizeof(msg));
	got = libiobmd_read_bytes(b->fd, 64 * KIB, back, sizeof(back));
	if (got != (ssize_t)sizeof(back)) {
		demo_error(d, fail(got < 0 ? -got : EIO, NULL,
				   "demo: readBytes %s", b->what));
		return;
	}
	if (check_same(d, "readBytes of the pageable buffer", back, msg,
		       sizeof(msg)))
		return;
	ret = get_info(b->fd, &info);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: getInfo %s", b->what));
		return;
	}
	step(d, "[6] %s: written through the mapping, read back; %u segments before prepare",
	     b->what, info.segments);
	ret = libiobmd_prepare(b->fd, IOBMD_DIRECTION_INOUT);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: prepare(inout) %s",
				   b->what));
		return;
	}
	ret = get_info(b->fd, &info);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: getInfo %s", b->what));
		libiobmd_complete(b->fd, IOBMD_DIRECTION_INOUT);
		return;
	}
	if (info.dma_addr)
		step(d, "[6] prepare(inout): pinned, %u segment%s, first 0x%llx, prepared %u",
		     info.segments, info.segments == 1 ? "" : "s",
		     (unsigned long long)info.dma_addr, info.prepare_count);
	else
		step(d, "[6] prepare(inout): pinned, %u segment%s, prepared %u; no address",
		     info.segments, info.segments == 1 ? "" : "s",
		     info.prepare_count);
	ret = libiobmd_complete(b->fd, IOBMD_DIRECTION_INOUT);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: complete(inout) %s",
				   b->what));
		return;
	}
	if (!info.segments) {
		demo_error(d, fail(EIO, "a prepared pageable buffer has segments",
				   "demo: %s has none while prepared",
				   b->what));
		return;
	}
	ret = get_info(b->fd, &info);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: getInfo %s", b->what));
		return;
	}
	step(d, "[6] complete(inout): unpinned, %u segments again", info.segments);
	if (demo_purgeable(d, b, IOBMD_PURGEABLE_VOLATILE,
			   IOBMD_PURGEABLE_NON_VOLATILE, &old))
		return;
	step(d, "[6] setPurgeable(volatile): old state %s", purgeable_name(old));
	if (demo_purgeable(d, b, IOBMD_PURGEABLE_EMPTY,
			   IOBMD_PURGEABLE_VOLATILE, &old))
		return;
	for (i = 0; i < n && !p[i]; i++)
		;
	if (i < n) {
		demo_error(d, fail(EIO, "a purged buffer reads zero-filled pages",
				   "demo: byte %llu of the emptied mapping is 0x%02x",
				   (unsigned long long)i, p[i]));
		return;
	}
	step(d, "[6] setPurgeable(empty): old state %s; the mapping reads %llu zero bytes",
	     purgeable_name(old), (unsigned long long)n);
	if (demo_purgeable(d, b, IOBMD_PURGEABLE_NON_VOLATILE,
			   IOBMD_PURGEABLE_EMPTY, &old))
		return;
	step(d, "[6] setPurgeable(nonvolatile): old state %s (the contents were discarded)",
	     purgeable_name(old));
}

/*
 * prepare(out) makes the buffer read-only for writeBytes until complete;
 * then setLength and appendBytes change its length.
 */
static void demo_prepare(struct demo *d, struct demo_buffer *b)
{
	static const char tail[] = "appendBytes";
	uint64_t appended = 0, length = 0;
	ssize_t n;
	int ret;

	if (b->fd < 0)
		return;
	ret = libiobmd_prepare(b->fd, IOBMD_DIRECTION_OUT);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: prepare(out)"));
		return;
	}
	n = libiobmd_write_bytes(b->fd, 0, "x", 1);
	ret = libiobmd_complete(b->fd, IOBMD_DIRECTION_OUT);
	if (ret) {
		demo_error(d, fail(-ret, NULL, "demo: complete(out)"));
		return;
	}
	if (n != -EBUSY) {
		demo_error(d, fail(n < 0 ? -n : EIO,
				   "a buffer prepared for out must refuse writes (EBUSY)",
				   "demo: writeBytes while prepared"));
		return;
	}
	n = libiobmd_write_bytes(b->fd, 0, "x", 1);
	if (n != 1) {
		demo_error(d, fail(n < 0 ? -n : EIO, NULL,
				   "demo: writeBytes after complete"));
		return;
	}
	step(d, "[1] prepare(out): writeBytes fails with %s",
	     strerrorname_np(EBUSY));
	step(d, "[1] complete(out): writeBytes works again");
	ret = libiobmd_set_length(b->fd, 512 * KIB);
	if (!ret)
		ret = libiobmd_append_bytes(b->fd, tail, sizeof(tail) - 1,
					    &appended);
	if (ret >= 0)
		ret = libiobmd_get_length(b->fd, &length);
	if (ret < 0) {
		demo_error(d, fail(-ret, NULL, "demo: setLength/appendBytes"));
		return;
	}
	step(d, "[1] setLength(512 KiB), appendBytes(\"%s\"): +%llu, length %llu",
	     tail, (unsigned long long)appended, (unsigned long long)length);
}

static void release(struct demo_buffer *b)
{
	if (b->later)
		libiobmd_unmap(b->later, b->later_len);
	if (b->mapped)
		libiobmd_unmap(b->mapped, b->args.capacity);
	if (b->fd >= 0)
		libiobmd_release(b->fd);
	b->later = NULL;
	b->mapped = NULL;
	b->fd = -1;
}

/* The system-wide list, or why there is none (which is no failure). */
static void demo_list(struct demo *d, const char *title, const char *key)
{
	struct list_entry *e;
	const char *hint;
	char what[256];
	size_t n, i, ours = 0;
	int ret;

	ret = list_read(&e, &n, what, sizeof(what), &hint);
	if (ret) {
		if (opt_json) {
			printf(", \"%s\": null, \"%s_error\": ", key, key);
			json_string(stdout, strerrorname_np(-ret));
			return;
		}
		printf("\n%s: not available\n", title);
		fail(-ret, hint, "list: %s", what);
		printf("  (the kernel gives no buffer list here; the demo goes on)\n");
		return;
	}
	for (i = 0; i < n; i++)
		ours += e[i].pid == (uint64_t)getpid();
	if (opt_json) {
		printf(", \"%s\": ", key);
		list_print(stdout, e, n);
	} else {
		printf("\n%s (%zu buffer%s, %zu of them the demo's, pid %d):\n",
		       title, n, n == 1 ? "" : "s", ours, (int)getpid());
		list_print(stdout, e, n);
	}
	free(e);
	(void)d;
}

int cmd_demo(int argc, char **argv)
{
	struct demo_buffer bufs[] = {
		{ .what = "sg WB 1 MiB, task-mapped",
		  .args = { .capacity = MIB,
			    .options = IOBMD_DIRECTION_INOUT |
				       IOBMD_MAP_COPYBACK_CACHE,
			    .flags = LIBIOBMD_MAP_TASK } },
		{ .what = "contiguous 64 KiB, write-combined",
		  .args = { .capacity = 64 * KIB,
			    .options = IOBMD_DIRECTION_OUT |
				       IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
				       IOBMD_MAP_WRITE_COMBINE_CACHE,
			    .flags = LIBIOBMD_MAP_TASK } },
		{ .what = "4 MiB, aligned 64K, mask 0xffffffff, uncached",
		  .args = { .capacity = 4 * MIB,
			    .options = IOBMD_DIRECTION_IN |
				       IOBMD_MAP_INHIBIT_CACHE,
			    .flags = LIBIOBMD_MAP_TASK,
			    .alignment = 64 * KIB,
			    .physical_mask = 0xffffffffULL } },
		{ .what = "unmapped 256 KiB, mmapped later at 128 KiB",
		  .args = { .capacity = 256 * KIB,
			    .options = IOBMD_DIRECTION_INOUT } },
		{ .what = "withBytes",
		  .args = { .options = IOBMD_DIRECTION_OUT } },
		{ .what = "pageable purgeable 256 KiB, task-mapped",
		  .args = { .capacity = 256 * KIB,
			    .options = IOBMD_DIRECTION_INOUT |
				       IOBMD_MEMORY_PAGEABLE |
				       IOBMD_MEMORY_PURGEABLE,
			    .flags = LIBIOBMD_MAP_TASK } },
	};
	const size_t nbufs = ARRAY_SIZE(bufs);
	struct demo d = { .dev = -1 };
	struct iobmd_info info;
	unsigned int i;
	bool first = true;
	int ret;

	if (argc > 1)
		return usage_error("demo: unexpected argument '%s'", argv[1]);
	for (i = 0; i < nbufs; i++)
		bufs[i].fd = -1;
	d.dev = libiobmd_open();
	if (d.dev < 0)
		return fail(-d.dev, "is the iobmd module loaded? see the udev rule / group iobmd",
			    "demo: open /dev/iobmd");

	if (!opt_json)
		printf("iobmdctl demo (pid %d): six buffers through /dev/iobmd, %s\n",
		       (int)getpid(), "then a device DMA");
	demo_sg(&d, &bufs[0]);
	demo_wc(&d, &bufs[1]);
	demo_uc(&d, &bufs[2]);
	demo_later(&d, &bufs[3]);
	demo_with_bytes(&d, &bufs[4]);
	demo_prepare(&d, &bufs[0]);
	demo_pageable(&d, &bufs[5]);
	demo_device(&d);

	if (opt_json) {
		printf("{\"pid\": %d, \"steps\": [", (int)getpid());
		for (i = 0; i < d.nsteps; i++) {
			printf("%s", i ? ", " : "");
			json_string(stdout, d.steps[i]);
			free(d.steps[i]);
		}
		printf("], \"buffers\": [");
	} else {
		printf("\nThe buffers' properties (IOBMD_IOC_INFO):\n");
	}
	for (i = 0; i < nbufs; i++) {
		if (bufs[i].fd < 0)
			continue;
		ret = get_info(bufs[i].fd, &info);
		if (ret) {
			demo_error(&d, fail(-ret, NULL, "demo: getInfo %s",
					    bufs[i].what));
			continue;
		}
		if (opt_json) {
			printf("%s{\"name\": ", first ? "" : ", ");
			json_string(stdout, bufs[i].what);
			printf(", \"info\": ");
		} else {
			printf("\n[%u] %s, ", i + 1, bufs[i].what);
		}
		show_info(stdout, bufs[i].fd, &info, bufs[i].mapped, -1);
		if (opt_json)
			putchar('}');
		first = false;
	}
	if (opt_json)
		putchar(']');
	fflush(stdout);
	demo_list(&d, "The system-wide list from debugfs", "list");

	for (i = 0; i < nbufs; i++)
		release(&bufs[i]);
	close(d.dev);
	if (!opt_json)
		printf("\nReleased all six (munmap, close).\n");
	demo_list(&d, "The list after release", "list_after_release");
	if (opt_json)
		printf("}\n");
	return d.status;
}
