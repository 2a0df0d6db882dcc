// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl list: every live buffer of the system, from the debugfs file
 * /sys/kernel/debug/iobmd/buffers. One line a buffer, space-separated
 * key=value pairs in a fixed order:
 *
 *   id=3 pid=57 comm=iobmdctl capacity=4194304 length=4194304
 *   alloc=4194304 options=0x410 cache=wc kind=contiguous segments=1
 *   maps=1 kmap=0 purgeable=none dma=0x3f400000
 *
 * comm has space, tab, newline, backslash and '=' escaped as \ooo; dma is
 * "-" for a reader without CAP_SYS_ADMIN. Keys this version does not know
 * are skipped, so that the kernel may add some. An empty file is no
 * buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "iobmdctl.h"

#define DEBUGFS_DIR "/sys/kernel/debug"
#define DEBUGFS_LIST DEBUGFS_DIR "/iobmd/buffers"
#define DEBUGFS_MAGIC_NUMBER 0x64626720

const char *debugfs_list_path(void)
{
	return opt_debugfs ? opt_debugfs : DEBUGFS_LIST;
}

/* Undo the \ooo escapes of comm in place; -EINVAL for a bad escape. */
static int unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (*s != '\\') {
			*out++ = *s++;
			continue;
		}
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' ||
		    s[3] < '0' || s[3] > '7')
			return -EINVAL;
		*out++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
		s += 4;
	}
	*out = 0;
	return 0;
}

static int copy_word(char *dst, size_t len, const char *value)
{
	if (strlen(value) >= len)
		return -EINVAL;
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/*
 * Fill @e from one line of the list (modified in place). Returns 0, or
 * -EINVAL for a pair without '=', a bad number or escape, or a line
 * without id.
 */
int list_parse_line(char *line, struct list_entry *e)
{
	static const struct {
		const char *key;
		size_t offset;
	} numbers[] = {
		{ "id", offsetof(struct list_entry, id) },
		{ "pid", offsetof(struct list_entry, pid) },
		{ "capacity", offsetof(struct list_entry, capacity) },
		{ "length", offsetof(struct list_entry, length) },
		{ "alloc", offsetof(struct list_entry, alloc) },
		{ "options", offsetof(struct list_entry, options) },
		{ "segments", offsetof(struct list_entry, segments) },
		{ "maps", offsetof(struct list_entry, maps) },
		{ "kmap", offsetof(struct list_entry, kmap) },
	};
	static const struct {
		const char *key;
		size_t offset, size;
	} words[] = {
		{ "cache", offsetof(struct list_entry, cache), 16 },
		{ "kind", offsetof(struct list_entry, kind), 16 },
		{ "purgeable", offsetof(struct list_entry, purgeable), 16 },
		{ "dma", offsetof(struct list_entry, dma), 24 },
	};
	bool have_id = false;
	char *save, *tok;
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < ARRAY_SIZE(numbers); i++)
		*(uint64_t *)((char *)e + numbers[i].offset) = UINT64_MAX;

	for (tok = strtok_r(line, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save)) {
		char *value = strchr(tok, '=');
		bool known = false;

		if (!value || value == tok)
			return -EINVAL;
		*value++ = 0;
		for (i = 0; i < ARRAY_SIZE(numbers); i++) {
			if (strcmp(tok, numbers[i].key))
				continue;
			if (parse_u64(value, (uint64_t *)((char *)e +
						numbers[i].offset)))
				return -EINVAL;
			if (!strcmp(tok, "id"))
				have_id = true;
			known = true;
		}
		for (i = 0; i < ARRAY_SIZE(words); i++) {
			if (strcmp(tok, words[i].key))
				continue;
			if (copy_word((char *)e + words[i].offset,
				      words[i].size, value))
				return -EINVAL;
			known = true;
		}
		if (!known && !strcmp(tok, "comm")) {
			if (unescape(value) ||
			    copy_word(e->comm, sizeof(e->comm), value))
				return -EINVAL;
		}
	}
	return have_id ? 0 : -EINVAL;
}

/*
 * Make sure debugfs is mounted where the default path expects it: mount
 * it as root, else -ENOENT with a hint.
 */
static int debugfs_mounted(const char **hint)
{
	struct statfs st;

	if (!statfs(DEBUGFS_DIR, &st) && st.f_type == DEBUGFS_MAGIC_NUMBER)
		return 0;
	if (geteuid() != 0) {
		*hint = "debugfs is not mounted; as root: mount -t debugfs none " DEBUGFS_DIR;
		return -ENOENT;
	}
	if (mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL)) {
		*hint = "could not mount debugfs at " DEBUGFS_DIR "; is CONFIG_DEBUG_FS set?";
		return -errno;
	}
	return 0;
}

static const char *open_hint(int err, const char *path)
{
	struct stat st;

	if (opt_debugfs)
		return err == ENOENT ? "no such file given by --debugfs or IOBMDCTL_DEBUGFS" : NULL;
	if (err == EACCES || err == EPERM)
		return "debugfs is readable by root only; run iobmdctl list as root";
	if (err != ENOENT)
		return NULL;
	(void)path;
	if (stat(DEBUGFS_DIR "/iobmd", &st))
		return "is the iobmd module loaded? (no " DEBUGFS_DIR "/iobmd)";
	return "this iobmd module has no buffer list (" DEBUGFS_LIST "); it is older than iobmdctl";
}

/*
 * Read the whole list into *@entries (malloc'ed, *@count of them).
 * Returns 0, or a negative errno with @what naming what failed and *@hint
 * what to do (or NULL). A line that cannot be parsed is -EBADMSG.
 */
int list_read(struct list_entry **entries, size_t *count, char *what,
	      size_t what_len, const char **hint)
{
	static char bad_line[160];
	const char *path = debugfs_list_path();
	struct list_entry *all = NULL, *grown;
	size_t n = 0, cap = 0, len = 0;
	unsigned int lineno = 0;
	char *line = NULL;
	int ret = 0;
	FILE *f;

	*hint = NULL;
	*entries = NULL;
	*count = 0;
	snprintf(what, what_len, "%s", path);
	if (!opt_debugfs) {
		ret = debugfs_mounted(hint);
		if (ret) {
			snprintf(what, what_len, "debugfs at %s", DEBUGFS_DIR);
			return ret;
		}
	}
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		*hint = open_hint(-ret, path);
		return ret;
	}
	while (getline(&line, &len, f) > 0) {
		lineno++;
		if (line[0] == '\n')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			all = grown;
		}
		snprintf(bad_line, sizeof(bad_line), "unexpected line: %.100s",
			 line);
		bad_line[strcspn(bad_line, "\n")] = 0;
		if (list_parse_line(line, &all[n])) {
			snprintf(what, what_len, "%s line %u", path, lineno);
			*hint = bad_line;
			ret = -EBADMSG;
			break;
		}
		n++;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	if (ret) {
		free(all);
		return ret;
	}
	*entries = all;
	*count = n;
	return 0;
}

/* comm for a table: non-printable characters as '?'. */
static void printable(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ||
			 (unsigned char)src[i] == 0x7f ? '?' : src[i];
	dst[i] = 0;
}

static void print_number(FILE *f, const char *key, uint64_t n, bool hex)
{
	if (n == UINT64_MAX)
		fprintf(f, ", \"%s\": null", key);
	else if (hex)
		fprintf(f, ", \"%s\": \"0x%llx\"", key, (unsigned long long)n);
	else
		fprintf(f, ", \"%s\": %llu", key, (unsigned long long)n);
}

static void print_word(FILE *f, const char *key, const char *s)
{
	fprintf(f, ", \"%s\": ", key);
	json_string(f, s);
}

static void list_print_json(FILE *f, const struct list_entry *e, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++, e++) {
		fprintf(f, "%s{\"id\": %llu", i ? ", " : "",
			(unsigned long long)e->id);
		print_number(f, "pid", e->pid, false);
		print_word(f, "comm", e->comm);
		print_number(f, "capacity", e->capacity, false);
		print_number(f, "length", e->length, false);
		print_number(f, "alloc", e->alloc, false);
		print_number(f, "options", e->options, true);
		print_word(f, "cache", e->cache);
		print_word(f, "kind", e->kind);
		print_number(f, "segments", e->segments, false);
		print_number(f, "maps", e->maps, false);
		print_number(f, "kmap", e->kmap, false);
		print_word(f, "purgeable", e->purgeable);
		if (!strcmp(e->dma, "-") || !e->dma[0])
			fputs(", \"dma\": null", f);
		else
			print_word(f, "dma", e->dma);
		fputc('}', f);
	}
	fputc(']', f);
}

static void column(FILE *f, int width, uint64_t n)
{
	if (n == UINT64_MAX)
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %*llu", width, (unsigned long long)n);
}

/* The list as a table, or with --json an array (without a newline). */
void list_print(FILE *f, const struct list_entry *e, size_t n)
{
	char comm[sizeof(e->comm)], opts[20];
	size_t i;

	if (opt_json) {
		list_print_json(f, e, n);
		return;
	}
	if (!n) {
		fputs("no live buffers\n", f);
		return;
	}
	fprintf(f, "%4s %6s %-15s %10s %10s %10s %-8s %-5s %-10s %4s %4s %4s %-11s %s\n",
		"ID", "PID", "COMM", "CAPACITY", "LENGTH", "ALLOC", "OPTIONS",
		"CACHE", "KIND", "SEGS", "MAPS", "KMAP", "PURGEABLE", "DMA");
	for (i = 0; i < n; i++, e++) {
		printable(comm, e->comm, sizeof(comm));
		if (e->options == UINT64_MAX)
			snprintf(opts, sizeof(opts), "-");
		else
			snprintf(opts, sizeof(opts), "0x%llx",
				 (unsigned long long)e->options);
		fprintf(f, "%4llu", (unsigned long long)e->id);
		column(f, 6, e->pid);
		fprintf(f, " %-15s", comm[0] ? comm : "-");
		column(f, 10, e->capacity);
		column(f, 10, e->length);
		column(f, 10, e->alloc);
		fprintf(f, " %-8s %-5s %-10s", opts,
			e->cache[0] ? e->cache : "-",
			e->kind[0] ? e->kind : "-");
		column(f, 4, e->segments);
		column(f, 4, e->maps);
		column(f, 4, e->kmap);
		fprintf(f, " %-11s %s\n", e->purgeable[0] ? e->purgeable : "-",
			e->dma[0] ? e->dma : "-");
	}
}

int cmd_list(int argc, char **argv)
{
	struct list_entry *entries;
	const char *hint;
	char what[256];
	size_t n;
	int ret;

	if (argc > 1)
		return usage_error("list: unexpected argument '%s'", argv[1]);
	ret = list_read(&entries, &n, what, sizeof(what), &hint);
	if (ret)
		return fail(-ret, hint, "list: %s", what);
	list_print(stdout, entries, n);
	if (opt_json)
		putchar('\n');
	free(entries);
	return EXIT_OK;
}
