/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading x86 memory types from the kernel's own page-table dump
 * (CONFIG_PTDUMP_DEBUGFS), so that the cache-mode tests do not trust
 * iobmd's bookkeeping: the PTE bits PWT, PCD and PAT of a user mapping in
 * /sys/kernel/debug/page_tables/current_kernel, and of the direct map in
 * .../kernel, decoded with the PAT table Linux programs on x86.
 */
#ifndef IOBMD_SELFTEST_PTDUMP_H
#define IOBMD_SELFTEST_PTDUMP_H

#include <stdint.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PTDUMP_CURRENT "/sys/kernel/debug/page_tables/current_kernel"
#define PTDUMP_KERNEL "/sys/kernel/debug/page_tables/kernel"

/* Memory types, named as in IOKit's cache modes where they match. */
enum mem_type { MT_UNMAPPED = -1, MT_WB, MT_WC, MT_UC_MINUS, MT_UC, MT_WP,
		MT_WT };

static inline const char *mem_type_name(int t)
{
	static const char * const names[] = { "WB", "WC", "UC-", "UC", "WP",
					      "WT" };

	return t >= 0 && t <= MT_WT ? names[t] : "unmapped";
}

/*
 * Linux's PAT MSR on x86 (arch/x86/mm/pat/memtype.c): index PAT*4 + PCD*2
 * + PWT gives WB, WC, UC-, UC, WB, WP, UC-, WT.
 */
static inline int ptdump_line_type(const char *line)
{
	static const int pat[8] = { MT_WB, MT_WC, MT_UC_MINUS, MT_UC, MT_WB,
				    MT_WP, MT_UC_MINUS, MT_WT };
	int idx = 0;

	if (strstr(line, " PWT "))
		idx |= 1;
	if (strstr(line, " PCD "))
		idx |= 2;
	if (strstr(line, " PAT "))
		idx |= 4;
	return pat[idx];
}

/*
 * The memory type of the page at each of addrs[0..n) in one dump file:
 * types[i], or MT_UNMAPPED where no present entry covers it. Returns 0, or
 * -1 when the file cannot be read.
 */
static inline int ptdump_types(const char *path, const __u64 *addrs,
			       size_t n, int *types)
{
	__u64 lo, hi;
	char line[512];
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		types[i] = MT_UNMAPPED;
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "0x%llx-0x%llx", &lo, &hi) != 2)
			continue;
		/* Not present: no flags, only blanks before the level. */
		if (!strstr(line, " RW ") && !strstr(line, " ro "))
			continue;
		for (i = 0; i < n; i++)
			if (addrs[i] >= lo && addrs[i] < hi)
				types[i] = ptdump_line_type(line);
	}
	fclose(f);
	return 0;
}

/*
 * The start of the direct map, PAGE_OFFSET: the first range after the
 * "Low Kernel Mapping" marker in the kernel's dump, read once per
 * process (it is fixed at boot). 0 when not found.
 */
static inline __u64 ptdump_page_offset(void)
{
	static __u64 found;
	char line[512];
	__u64 lo = 0, hi;
	int after = 0;
	FILE *f;

	if (found)
		return found;
	f = fopen(PTDUMP_KERNEL, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "Low Kernel Mapping")) {
			after = 1;
			continue;
		}
		if (after && sscanf(line, "0x%llx-0x%llx", &lo, &hi) == 2)
			break;
	}
	fclose(f);
	found = after ? lo : 0;
	return found;
}

/* The physical frame of a mapped user page, from /proc/self/pagemap. */
static inline __u64 pagemap_pfn(const void *addr)
{
	__u64 entry = 0;
	FILE *f = fopen("/proc/self/pagemap", "re");

	if (!f)
		return 0;
	if (fseek(f, (uintptr_t)addr / 4096 * 8, SEEK_SET) ||
	    fread(&entry, sizeof(entry), 1, f) != 1)
		entry = 0;
	fclose(f);
	/* Bit 63: present; bits 0-54: the PFN (shown to root only). */
	return entry >> 63 ? entry & ((1ULL << 55) - 1) : 0;
}

#endif /* IOBMD_SELFTEST_PTDUMP_H */
