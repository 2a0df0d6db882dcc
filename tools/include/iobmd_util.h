/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What iobmd's selftests (selftests/iobmd) and benchmarks (tools/bench)
 * share, in user space: the device and debugfs paths, module parameters
 * and counters, writing sysfs/debugfs/tracefs files, /proc figures,
 * residency, the swap device, and the clock (microseconds, the
 * clocksource, the step of a clock). Plain libc, no kselftest harness.
 */
#ifndef IOBMD_UTIL_H
#define IOBMD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define IOBMD_DEV "/dev/iobmd"
#define IOBMD_STATS "/sys/kernel/debug/iobmd/stats"

/* iobmd is x86-only so far: 4 KiB pages, usable in static initialisers. */
#define PAGE 4096UL

/* A module parameter of iobmd (as a number); -1 when unreadable. */
static inline long long iobmd_param(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/iobmd/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A line of debugfs iobmd/stats ("name value"); -1 when missing. */
static inline long iobmd_stat(const char *name)
{
	FILE *f = fopen(IOBMD_STATS, "r");
	char key[64];
	long value, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &value) == 2)
		if (!strcmp(key, name))
			found = value;
	fclose(f);
	return found;
}

/* A "Key: N kB" line of a /proc file (status, meminfo): N, or -1. */
static inline long iobmd_proc_kb(const char *path, const char *key)
{
	char line[128];
	long kb = -1, n;
	size_t len = strlen(key);
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%ld kB", &n) == 1)
			kb = n;
	fclose(f);
	return kb;
}

/* Whether every byte of [p, p + len) is @c. */
static inline int iobmd_all_bytes(const unsigned char *p, size_t len,
				  unsigned char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* Pages of [p, p + len) resident (page cache or swap cache), or -1. */
static inline long iobmd_resident_pages(void *p, size_t len)
{
	unsigned char *vec = malloc(len / PAGE + 1);
	long n = 0;
	size_t i;

	if (!vec || mincore(p, len, vec)) {
		free(vec);
		return -1;
	}
	for (i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

/* The swap device of the pageable tests: a brd RAM disk (brd.rd_size). */
#define IOBMD_SWAP_DEV "/dev/ram1"
#define IOBMD_SWAP_ON "grep -q " IOBMD_SWAP_DEV " /proc/swaps || " \
	"{ mkswap " IOBMD_SWAP_DEV " && swapon " IOBMD_SWAP_DEV "; } >/dev/null"

/* Swap on IOBMD_SWAP_DEV unless it already is: 0, or system()'s status. */
static inline int iobmd_swap_on(void)
{
	return system(IOBMD_SWAP_ON);
}

/* Write @s to a sysfs, debugfs or tracefs file: 0 or -errno. */
static inline int iobmd_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* A clock in nanoseconds; -1 on error. */
static inline long long iobmd_clock_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CLOCK_MONOTONIC_RAW in microseconds, for timing. */
static inline double iobmd_now_us(void)
{
	return iobmd_clock_ns(CLOCK_MONOTONIC_RAW) / 1e3;
}

#define IOBMD_CLOCKSOURCE \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

/* The kernel's current clocksource, into @name: 0 or -errno. */
static inline int iobmd_clocksource(char *name, size_t size)
{
	FILE *f = fopen(IOBMD_CLOCKSOURCE, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(name, size, f))
		ret = -EIO;
	else
		name[strcspn(name, "\n")] = 0;
	fclose(f);
	return ret;
}

/*
 * Whether a clocksource counts in steps of a microsecond or less on x86:
 * the TSC, the HPET (10 MHz or more) and the ACPI PM timer (3.58 MHz).
 * Not jiffies (the tick) nor tsc-early (before calibration).
 */
static inline int iobmd_clocksource_fine(const char *name)
{
	return !strcmp(name, "tsc") || !strcmp(name, "hpet") ||
	       !strcmp(name, "acpi_pm");
}

/*
 * The step of @clock in nanoseconds: the smallest difference between a
 * read and the first later read that differs, over @tries such pairs.
 * -1 when the clock cannot be read, or did not move in 10^7 reads.
 */
static inline long long iobmd_clock_step_ns(clockid_t clock, int tries)
{
	long long best = -1;

	while (tries-- > 0) {
		long long t0 = iobmd_clock_ns(clock), t1 = t0;
		long spins = 0;

		while (t1 == t0 && t0 >= 0 && ++spins < 10000000)
			t1 = iobmd_clock_ns(clock);
		if (t0 < 0 || t1 <= t0)
			return -1;
		if (best < 0 || t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

#endif /* IOBMD_UTIL_H */
