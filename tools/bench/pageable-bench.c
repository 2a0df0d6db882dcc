// SPDX-License-Identifier: GPL-2.0
/*
 * pageable-bench: what pageable and purgeable buffers cost and give back,
 * in one VM run:
 *   - prepare + complete of a 64 MiB pageable buffer (first prepare of an
 *     untouched buffer, which allocates; then of a resident one, which
 *     pins and DMA-maps), against the same on a wired scatter-gather
 *     buffer (a cache sync only);
 *   - one memory-pressure run: reclaim asked of the root memory cgroup
 *     (memory.reclaim, which also runs the shrinkers) with volatile,
 *     non-volatile and prepared pageable buffers alive: bytes purged,
 *     bytes swapped out, and whether contents survived.
 * Swap is a brd RAM disk (/dev/ram1). Times are medians; TCG with KASAN
 * makes them slow, the ratios are what matters.
 *
 *   pageable-bench [runs]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iobmd.h>

#include "bench.h"
#include "iobmd_util.h"

#define BIG (64UL << 20)
#define PIECE (8UL << 20)
#define PIECES 4
#define MAX_RUNS 15

static double now_ms(void)
{
	return now_us() / 1e3;
}

/* A new buffer of @len bytes, mapped into *@map: its fd, or -errno. */
static int create(int dev, size_t len, unsigned int options, void **map)
{
	struct iobmd_create c = {
		.capacity = len,
		.options = options,
		.flags = IOBMD_CREATE_MAP_TASK,
	};

	if (ioctl(dev, IOBMD_IOC_CREATE, &c))
		return -errno;
	*map = (void *)(uintptr_t)c.address;
	return c.fd;
}

static int direction_ioctl(int fd, unsigned long cmd)
{
	struct iobmd_direction d = { .direction = IOBMD_DIRECTION_INOUT };

	return ioctl(fd, cmd, &d) ? -errno : 0;
}

static int set_purgeable(int fd, unsigned int state)
{
	struct iobmd_purgeable p = { .new_state = state };

	return ioctl(fd, IOBMD_IOC_SET_PURGEABLE, &p) ? -errno : 0;
}

struct timing {
	double first;		/* ms: the first prepare + complete */
	double again;		/* ms: one more, median */
	unsigned int segments;	/* DMA segments while prepared */
};

/* One prepare + complete, or @reps of them; -errno. */
static int prepare_complete(int fd, int reps)
{
	while (reps--)
		if (direction_ioctl(fd, IOBMD_IOC_PREPARE) ||
		    direction_ioctl(fd, IOBMD_IOC_COMPLETE))
			return -errno;
	return 0;
}

/*
 * Milliseconds of prepare + complete; the first is timed apart. Each
 * later sample times @reps of them (a wired buffer's takes microseconds).
 */
static int time_prepare(int dev, unsigned int options, int touch, int runs,
			int reps, struct timing *t)
{
	struct iobmd_info info = { 0 };
	double v[MAX_RUNS], t0;
	void *map = NULL;
	int fd, i;

	fd = create(dev, BIG, options, &map);
	if (fd < 0)
		return fd;
	if (touch)
		memset(map, 1, BIG);
	t0 = now_ms();
	if (prepare_complete(fd, 1))
		return -errno;
	t->first = now_ms() - t0;
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (prepare_complete(fd, reps))
			return -errno;
		v[i] = (now_ms() - t0) / reps;
	}
	t->again = median(v, runs);
	if (direction_ioctl(fd, IOBMD_IOC_PREPARE) ||
	    ioctl(fd, IOBMD_IOC_INFO, &info) ||
	    direction_ioctl(fd, IOBMD_IOC_COMPLETE))
		return -errno;
	t->segments = info.segments;
	munmap(map, BIG);
	close(fd);
	return 0;
}

/*
 * PIECES buffers of each kind, filled: volatile (purgeable), non-volatile
 * pageable, and pageable prepared. Then one reclaim of the whole system.
 */
static int pressure_run(int dev)
{
	const unsigned int pageable = IOBMD_DIRECTION_INOUT |
				      IOBMD_MEMORY_PAGEABLE;
	long purged, swapped = 0, pinned_out = 0, kept = 1;
	int vol[PIECES], nv[PIECES], pin[PIECES], i;
	void *mv[PIECES], *mn[PIECES], *mp[PIECES];
	double t0, ms;

	if (iobmd_swap_on() ||
	    (access("/sys/fs/cgroup/memory.reclaim", W_OK) &&
	     system("mount -t cgroup2 none /sys/fs/cgroup")))
		return -ENODEV;
	for (i = 0; i < PIECES; i++) {
		vol[i] = create(dev, PIECE, pageable | IOBMD_MEMORY_PURGEABLE,
				&mv[i]);
		nv[i] = create(dev, PIECE, pageable, &mn[i]);
		pin[i] = create(dev, PIECE, pageable, &mp[i]);
		if (vol[i] < 0 || nv[i] < 0 || pin[i] < 0)
			return -ENOMEM;
		memset(mv[i], 0x11, PIECE);
		memset(mn[i], 0x22, PIECE);
		memset(mp[i], 0x33, PIECE);
		if (set_purgeable(vol[i], IOBMD_PURGEABLE_VOLATILE) ||
		    direction_ioctl(pin[i], IOBMD_IOC_PREPARE))
			return -EIO;
	}
	purged = iobmd_stat("purged_bytes");
	t0 = now_ms();
	iobmd_write_file("/sys/fs/cgroup/memory.reclaim", "512M");
	ms = now_ms() - t0;
	purged = iobmd_stat("purged_bytes") - purged;
	for (i = 0; i < PIECES; i++) {
		swapped += PIECE - iobmd_resident_pages(mn[i], PIECE) * PAGE;
		pinned_out += PIECE - iobmd_resident_pages(mp[i], PIECE) * PAGE;
		kept &= iobmd_all_bytes(mn[i], PIECE, 0x22) &&
			iobmd_all_bytes(mp[i], PIECE, 0x33);
	}
	printf("memory pressure: memory.reclaim of 512M at the root cgroup, %.0f ms\n"
	       "  volatile    %3lu MiB: %ld MiB purged (contents discarded)\n"
	       "  nonvolatile %3lu MiB: %ld MiB swapped out, contents %s\n"
	       "  prepared    %3lu MiB: %ld MiB swapped out (pinned)\n",
	       ms, PIECES * PIECE >> 20, purged >> 20, PIECES * PIECE >> 20,
	       swapped >> 20, kept ? "intact" : "LOST", PIECES * PIECE >> 20,
	       pinned_out >> 20);
	for (i = 0; i < PIECES; i++) {
		direction_ioctl(pin[i], IOBMD_IOC_COMPLETE);
		munmap(mv[i], PIECE);
		munmap(mn[i], PIECE);
		munmap(mp[i], PIECE);
		close(vol[i]);
		close(nv[i]);
		close(pin[i]);
	}
	return kept ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	const unsigned int pageable = IOBMD_DIRECTION_INOUT |
				      IOBMD_MEMORY_PAGEABLE;
	struct timing t[3];
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	int dev, ret;

	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	dev = open("/dev/iobmd", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/iobmd");
		return 1;
	}
	if (time_prepare(dev, IOBMD_DIRECTION_INOUT, 1, runs, 100, &t[0]) ||
	    time_prepare(dev, pageable, 0, runs, 1, &t[1]) ||
	    time_prepare(dev, pageable, 1, runs, 1, &t[2])) {
		perror("prepare");
		return 1;
	}
	printf("pageable-bench: prepare + complete of 64 MiB (medians of %d)\n"
	       "  wired scatter-gather   first %8.1f ms  again %8.2f ms  %5u segments\n"
	       "  pageable, untouched    first %8.1f ms  again %8.2f ms  %5u segments  (x%.0f of wired)\n"
	       "  pageable, resident     first %8.1f ms  again %8.2f ms  %5u segments  (x%.0f of wired)\n",
	       runs, t[0].first, t[0].again, t[0].segments, t[1].first,
	       t[1].again, t[1].segments, t[1].again / t[0].again, t[2].first,
	       t[2].again, t[2].segments, t[2].again / t[0].again);
	ret = pressure_run(dev);
	if (ret)
		fprintf(stderr, "pressure run: %s\n", strerror(-ret));
	close(dev);
	return ret ? 1 : 0;
}
