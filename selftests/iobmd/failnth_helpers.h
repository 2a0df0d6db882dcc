/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the iobmd selftests: failslab and fail_page_alloc
 * set to fail only what /proc/thread-self/fail-nth asks for (the kernel's
 * Documentation/fault-injection/fault-injection.rst), and the module's
 * state to compare before and after: debugfs iobmd/stats, and the
 * process's iobmd mappings.
 */
#ifndef IOBMD_FAILNTH_HELPERS_H
#define IOBMD_FAILNTH_HELPERS_H

#include <stdbool.h>

#include "iobmd_helpers.h"

#define FAILSLAB "/sys/kernel/debug/failslab/"
#define FAILPAGE "/sys/kernel/debug/fail_page_alloc/"
#define FAIL_NTH "/proc/thread-self/fail-nth"

/* The fault attributes set for the test, and their defaults to restore. */
static const struct fault_setting {
	const char *file;
	const char *value;
} fault_settings[] = {
	{ FAILSLAB "probability", "0" },
	{ FAILSLAB "interval", "1" },
	{ FAILSLAB "times", "-1" },
	{ FAILSLAB "space", "0" },
	{ FAILSLAB "verbose", "0" },
	{ FAILSLAB "task-filter", "N" },
	{ FAILSLAB "ignore-gfp-wait", "N" },
	/* Y when the slabs are flagged (slab_filter() below), else N. */
	{ FAILSLAB "cache-filter", "N" },
	{ FAILPAGE "probability", "0" },
	{ FAILPAGE "interval", "1" },
	{ FAILPAGE "times", "-1" },
	{ FAILPAGE "space", "0" },
	{ FAILPAGE "verbose", "0" },
	{ FAILPAGE "task-filter", "N" },
	{ FAILPAGE "ignore-gfp-wait", "N" },
	{ FAILPAGE "ignore-gfp-highmem", "N" },
	{ FAILPAGE "min-order", "0" },
};

#define N_SETTINGS ARRAY_SIZE(fault_settings)

static int read_setting(const char *file, char *value, size_t size)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, value, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	value[n] = 0;
	value[strcspn(value, "\n")] = 0;
	return 0;
}

static char saved[N_SETTINGS][32];
static bool saved_ok[N_SETTINGS];

/*
 * DMA-API debugging tracks the cachelines of every mapping a device may
 * write in a radix tree, whose nodes it allocates GFP_ATOMIC from the
 * slab radix_tree_node; if one fails, it prints "cacheline tracking
 * ENOMEM" and disables itself for the rest of the boot, and a fail-nth
 * that lands there fails the kernel-log gate of the whole VM run.
 * fail-nth passes every other filter of failslab, but not cache-filter:
 * the test VM boots with slub_debug=A;-,radix_tree_node,kmemleak_object
 * (tools/check), which flags every slab cache for failslab but those two
 * (kmemleak's objects would disable kmemleak the same way), and
 * cache-filter=Y then fails only flagged caches. Nothing iobmd allocates
 * comes from them; the shmem page cache's XArray nodes do, and are not
 * failed.
 */
#define SLABS "/sys/kernel/slab/"
#define SLAB_FILTER "slub_debug=A;-,radix_tree_node,kmemleak_object"
#define DMA_DEBUG_DISABLED "/sys/kernel/debug/dma-api/disabled"

static bool slab_flagged(const char *cache)
{
	char path[128], value[8];

	snprintf(path, sizeof(path), SLABS "%s/failslab", cache);
	return !read_setting(path, value, sizeof(value)) && value[0] == '1';
}

/*
 * 0 if failslab can be filtered as above (or need not be: no DMA-API
 * debugging), -ENOEXEC if it must be and cannot.
 */
static int slab_filter(bool *on)
{
	*on = slab_flagged("kmalloc-64") && slab_flagged("filp") &&
	      !slab_flagged("radix_tree_node");
	if (*on || access(DMA_DEBUG_DISABLED, F_OK))
		return 0;
	fprintf(stderr, "failnth: DMA-API debugging would disable itself: boot with %s\n",
		SLAB_FILTER);
	return -ENOEXEC;
}

/* Set the fault attributes for fail-nth alone: 0 or -errno. */
static int faults_setup(void)
{
	const char *value;
	unsigned int i;
	bool filter;
	int ret;

	ret = slab_filter(&filter);
	if (ret)
		return ret;
	for (i = 0; i < N_SETTINGS; i++) {
		saved_ok[i] = !read_setting(fault_settings[i].file, saved[i],
					    sizeof(saved[i]));
		value = fault_settings[i].value;
		if (filter && !strcmp(fault_settings[i].file,
				      FAILSLAB "cache-filter"))
			value = "Y";
		ret = iobmd_write_file(fault_settings[i].file, value);
		if (ret)
			return ret;
	}
	return 0;
}

static void faults_restore(void)
{
	unsigned int i;

	for (i = 0; i < N_SETTINGS; i++)
		if (saved_ok[i])
			iobmd_write_file(fault_settings[i].file, saved[i]);
}

static int fail_nth_fd = -1;

/* Fail the n-th injection point from now on (0: none). */
static int inject(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(fail_nth_fd, s, len, 0) == len ? 0 : -errno;
}

/* What is left of the count, then no more injection: 0 if it failed. */
static long injection_left(void)
{
	char s[16];
	ssize_t n = pread(fail_nth_fd, s, sizeof(s) - 1, 0);

	if (n <= 0)
		return -1;
	s[n] = 0;
	inject(0);
	return strtol(s, NULL, 10);
}

/* The module-wide figures of debugfs iobmd/stats. */
#define MAX_STATS 64

struct stats {
	unsigned int n;
	char name[MAX_STATS][40];
	long long value[MAX_STATS];
};

static int read_stats(struct stats *s)
{
	FILE *f = fopen(IOBMD_STATS, "re");

	s->n = 0;
	if (!f)
		return -errno;
	while (s->n < MAX_STATS &&
	       fscanf(f, "%39s %lld", s->name[s->n], &s->value[s->n]) == 2)
		s->n++;
	fclose(f);
	return s->n ? 0 : -ENODATA;
}

static long long stat_of(const struct stats *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->value[i];
	return -1;
}

/* Lines of /proc/self/maps that map an iobmd buffer or its shmem file. */
static int iobmd_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "iobmd"))
			n++;
	fclose(f);
	return n;
}

#endif /* IOBMD_FAILNTH_HELPERS_H */
