// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl: what a buffer looks like on stdout - its properties as a table
 * or a JSON object, and its bytes as hexdump -C prints them.
 */
#include <errno.h>
#include <string.h>

#include <libiobmd.h>

#include "iobmdctl.h"

/* @s as a JSON string, quoted, with every character JSON requires escaped. */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The memory options of @options, comma separated, or "". */
static void option_names(uint32_t options, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, "contiguous" },
		{ IOBMD_MEMORY_PAGEABLE, "pageable" },
		{ IOBMD_MEMORY_PURGEABLE, "purgeable" },
		{ IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS, "host-contiguous" },
		{ IOBMD_MEMORY_MAPPER_NONE, "mapper-none" },
		{ IOBMD_MEMORY_KERNEL_USER_SHARED, "kernel-user-shared" },
		{ IOBMD_MEMORY_THREAD_SAFE, "thread-safe" },
		{ IOBMD_MEMORY_CLEAR_ENCRYPT, "clear-encrypt" },
		{ IOBMD_MEMORY_USE_RESERVE, "use-reserve" },
	};
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(options & names[i].bit))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "," : "", names[i].name);
		if (used >= len)
			break;
	}
}

/*
 * IOBMD_IOC_INFO into @info, zeroed first: a kernel older than version 2
 * of the struct fills 64 bytes only, and the fields after them read 0
 * (not purgeable, not prepared). Returns 0 or a negative errno.
 */
int get_info(int fd, struct iobmd_info *info)
{
	memset(info, 0, sizeof(*info));
	return libiobmd_get_info(fd, info);
}

/* The kind as the debugfs list names it: contiguous, sg or pageable. */
static const char *kind_name(uint32_t options)
{
	if (options & IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS)
		return "contiguous";
	if (options & IOBMD_MEMORY_PAGEABLE)
		return "pageable";
	return "sg";
}

static void show_info_json(FILE *f, int fd, const struct iobmd_info *info,
			   const void *mapped, int old_state)
{
	char names[160];

	option_names(info->options, names, sizeof(names));
	fprintf(f, "{\"fd\": %d, \"capacity\": %llu, \"length\": %llu, ",
		fd, (unsigned long long)info->capacity,
		(unsigned long long)info->length);
	fprintf(f, "\"alloc_size\": %llu, \"alignment\": %llu, ",
		(unsigned long long)info->alloc_size,
		(unsigned long long)info->alignment);
	fprintf(f, "\"physical_mask\": \"0x%llx\", ",
		(unsigned long long)info->physical_mask);
	if (info->dma_addr)
		fprintf(f, "\"dma_addr\": \"0x%llx\", ",
			(unsigned long long)info->dma_addr);
	else
		fputs("\"dma_addr\": null, ", f);
	fprintf(f, "\"options\": \"0x%x\", \"direction\": \"%s\", ",
		info->options, direction_name(info->options));
	fputs("\"memory_options\": ", f);
	json_string(f, names[0] ? names : "none");
	fprintf(f, ", \"kind\": \"%s\", \"segments\": %u, \"cache\": \"%s\", ",
		kind_name(info->options), info->segments,
		cache_short(info->cache_mode));
	fprintf(f, "\"purgeable_state\": \"%s\", ",
		purgeable_name(info->purgeable_state));
	if (old_state >= 0)
		fprintf(f, "\"old_purgeable_state\": \"%s\", ",
			purgeable_name(old_state));
	fprintf(f, "\"prepare_count\": %u, ", info->prepare_count);
	fprintf(f, "\"kernel_mapped\": %s, \"task_mapped\": %s}",
		info->flags & IOBMD_INFO_KERNEL_MAPPED ? "true" : "false",
		mapped ? "true" : "false");
}

/*
 * The properties of the buffer @fd as IOBMD_IOC_INFO gives them, a table
 * (or with --json one object, without a newline). @mapped is the task
 * mapping's address, or NULL. @old_state, when not -1, is the purgeable
 * state before a change iobmdctl made (IOBMD_PURGEABLE_*).
 */
void show_info(FILE *f, int fd, const struct iobmd_info *info,
	       const void *mapped, int old_state)
{
	bool pageable = info->options & IOBMD_MEMORY_PAGEABLE;
	char size[32], names[160];

	if (opt_json) {
		show_info_json(f, fd, info, mapped, old_state);
		return;
	}
	option_names(info->options, names, sizeof(names));
	human_size(info->capacity, size, sizeof(size));
	fprintf(f, "buffer fd %d\n", fd);
	fprintf(f, "  capacity        %llu (%s)\n",
		(unsigned long long)info->capacity, size);
	fprintf(f, "  length          %llu\n",
		(unsigned long long)info->length);
	fprintf(f, "  allocated       %llu\n",
		(unsigned long long)info->alloc_size);
	human_size(info->alignment, size, sizeof(size));
	fprintf(f, "  alignment       %llu (%s)\n",
		(unsigned long long)info->alignment, size);
	if (info->physical_mask)
		fprintf(f, "  physical mask   0x%llx\n",
			(unsigned long long)info->physical_mask);
	else
		fprintf(f, "  physical mask   none\n");
	if (info->dma_addr)
		fprintf(f, "  dma address     0x%llx\n",
			(unsigned long long)info->dma_addr);
	else if (pageable && !info->prepare_count)
		fprintf(f, "  dma address     none (pageable, not prepared)\n");
	else
		fprintf(f, "  dma address     hidden (needs CAP_SYS_ADMIN)\n");
	fprintf(f, "  options         0x%x (direction %s, %s%scache %s)\n",
		info->options, direction_name(info->options),
		names, names[0] ? ", " : "", cache_short(info->options));
	fprintf(f, "  kind            %s, %u segment%s%s\n",
		pageable || info->options & IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS ?
		kind_name(info->options) : "scatter-gather", info->segments,
		info->segments == 1 ? "" : "s",
		pageable && !info->prepare_count ? " (not prepared)" : "");
	fprintf(f, "  cache           %s\n", cache_long(info->cache_mode));
	if (old_state >= 0)
		fprintf(f, "  purgeable       %s (was %s)\n",
			purgeable_name(info->purgeable_state),
			purgeable_name(old_state));
	else
		fprintf(f, "  purgeable       %s\n",
			purgeable_name(info->purgeable_state));
	fprintf(f, "  prepare count   %u\n", info->prepare_count);
	fprintf(f, "  kernel mapping  %s\n",
		info->flags & IOBMD_INFO_KERNEL_MAPPED ? "yes" : "no");
	if (mapped)
		fprintf(f, "  task mapping    %p%s\n", mapped,
			pageable ? " (not populated)" : "");
	else
		fprintf(f, "  task mapping    none\n");
}

static void hexdump_line(FILE *f, uint64_t at, const unsigned char *p,
			 size_t n)
{
	size_t i;

	fprintf(f, "%08llx ", (unsigned long long)at);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			fputc(' ', f);
		if (i < n)
			fprintf(f, " %02x", p[i]);
		else
			fputs("   ", f);
	}
	fputs("  |", f);
	for (i = 0; i < n; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
	fputs("|\n", f);
}

/*
 * @length bytes of the buffer @fd from @offset, read with pread, in the
 * format of hexdump -C: offsets from the start of the buffer, and a run of
 * identical lines shown once followed by "*". Returns 0 or a negative
 * errno (the bytes up to the error are printed).
 */
int hexdump(FILE *f, int fd, uint64_t offset, uint64_t length)
{
	unsigned char buf[65536], prev[16];
	bool have_prev = false, starred = false;
	uint64_t at = offset, end = offset + length;
	size_t i;

	while (at < end) {
		size_t want = end - at < sizeof(buf) ? end - at : sizeof(buf);
		ssize_t got = libiobmd_read_bytes(fd, at, buf, want);

		if (got < 0)
			return got;
		if (got == 0) {
			end = at;	/* the length ends the buffer */
			break;
		}
		for (i = 0; i < (size_t)got; i += 16) {
			size_t n = got - i < 16 ? got - i : 16;

			if (n == 16 && have_prev &&
			    !memcmp(prev, buf + i, 16)) {
				if (!starred)
					fputs("*\n", f);
				starred = true;
				continue;
			}
			hexdump_line(f, at + i, buf + i, n);
			memcpy(prev, buf + i, n);
			have_prev = n == 16;
			starred = false;
		}
		at += got;
	}
	fprintf(f, "%08llx\n", (unsigned long long)end);
	return 0;
}
