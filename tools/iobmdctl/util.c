// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl: parsing of sizes, bytes and option names, and the one way
 * every error is reported (errno name, text, hint, exit status class).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iobmdctl.h"

/* A number: decimal, or hexadecimal after 0x. No sign, no garbage. */
static int parse_number(const char *s, uint64_t *out, char **end)
{
	int base = 10;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s || *s == '-' || *s == '+' || *s == ' ')
			return -EINVAL;
	}
	errno = 0;
	*out = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end == s)
		return -EINVAL;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int ret = parse_number(s, out, &end);

	if (ret)
		return ret;
	return *end ? -EINVAL : 0;
}

static const struct {
	const char *name;
	unsigned int shift;
} size_suffixes[] = {
	{ "", 0 }, { "b", 0 },
	{ "k", 10 }, { "kib", 10 }, { "kb", 10 },
	{ "m", 20 }, { "mib", 20 }, { "mb", 20 },
	{ "g", 30 }, { "gib", 30 }, { "gb", 30 },
	{ "t", 40 }, { "tib", 40 }, { "tb", 40 },
};

/*
 * A size in bytes: a number with an optional binary suffix, any case:
 * 4096, 0x1000, 4K, 4KiB, 64k, 4M, 4MiB, 1G, 1T. -EINVAL for anything
 * else, -ERANGE when it does not fit in 64 bits.
 */
int parse_size(const char *s, uint64_t *out)
{
	uint64_t n;
	char *end;
	size_t i;
	int ret;

	ret = parse_number(s, &n, &end);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(size_suffixes); i++) {
		unsigned int shift = size_suffixes[i].shift;

		if (strcasecmp(end, size_suffixes[i].name))
			continue;
		if (shift && n > (UINT64_MAX >> shift))
			return -ERANGE;
		*out = n << shift;
		return 0;
	}
	return -EINVAL;
}

/* A byte value: 0 to 255, decimal or 0x hexadecimal. */
int parse_byte(const char *s, unsigned char *out)
{
	uint64_t n;
	int ret = parse_u64(s, &n);

	if (ret)
		return ret;
	if (n > 0xff)
		return -ERANGE;
	*out = n;
	return 0;
}

static const struct {
	const char *name;
	uint32_t mode;
} cache_names[] = {
	{ "default", IOBMD_MAP_DEFAULT_CACHE },
	{ "wb", IOBMD_MAP_COPYBACK_CACHE },
	{ "copyback", IOBMD_MAP_COPYBACK_CACHE },
	{ "uc", IOBMD_MAP_INHIBIT_CACHE },
	{ "inhibit", IOBMD_MAP_INHIBIT_CACHE },
	{ "wc", IOBMD_MAP_WRITE_COMBINE_CACHE },
	{ "writecombine", IOBMD_MAP_WRITE_COMBINE_CACHE },
	{ "wt", IOBMD_MAP_WRITE_THRU_CACHE },
	{ "writethru", IOBMD_MAP_WRITE_THRU_CACHE },
};

int parse_cache(const char *s, uint32_t *mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cache_names); i++) {
		if (!strcmp(s, cache_names[i].name)) {
			*mode = cache_names[i].mode;
			return 0;
		}
	}
	return -EINVAL;
}

static const char * const direction_names[] = { "none", "in", "out", "inout" };

int parse_direction(const char *s, uint32_t *dir)
{
	uint32_t i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(s, direction_names[i])) {
			*dir = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	uint32_t state;
} purgeable_names[] = {
	{ "keep", IOBMD_PURGEABLE_KEEP_CURRENT },
	{ "nonvolatile", IOBMD_PURGEABLE_NON_VOLATILE },
	{ "non-volatile", IOBMD_PURGEABLE_NON_VOLATILE },
	{ "volatile", IOBMD_PURGEABLE_VOLATILE },
	{ "empty", IOBMD_PURGEABLE_EMPTY },
};

/* A purgeable state to ask for: keep, nonvolatile, volatile, empty. */
int parse_purgeable(const char *s, uint32_t *state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(purgeable_names); i++) {
		if (!strcmp(s, purgeable_names[i].name)) {
			*state = purgeable_names[i].state;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * A purgeable state as the debugfs list names it: none (0, not a
 * purgeable buffer), nonvolatile, volatile, empty.
 */
const char *purgeable_name(uint32_t state)
{
	switch (state) {
	case 0:
		return "none";
	case IOBMD_PURGEABLE_NON_VOLATILE:
		return "nonvolatile";
	case IOBMD_PURGEABLE_VOLATILE:
		return "volatile";
	case IOBMD_PURGEABLE_EMPTY:
		return "empty";
	}
	return "?";
}

const char *direction_name(uint32_t options)
{
	uint32_t dir = options & IOBMD_DIRECTION_MASK;

	return dir < 4 ? direction_names[dir] : "?";
}

/* The names the debugfs list uses (wb, uc, wc), and wt, default. */
const char *cache_short(uint32_t mode)
{
	switch (mode & IOBMD_MAP_CACHE_MASK & ~IOBMD_MEMORY_MAPPER_NONE) {
	case IOBMD_MAP_DEFAULT_CACHE:
		return "default";
	case IOBMD_MAP_INHIBIT_CACHE:
		return "uc";
	case IOBMD_MAP_WRITE_THRU_CACHE:
		return "wt";
	case IOBMD_MAP_COPYBACK_CACHE:
		return "wb";
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return "wc";
	}
	return "?";
}

const char *cache_long(uint32_t mode)
{
	switch (mode & IOBMD_MAP_CACHE_MASK & ~IOBMD_MEMORY_MAPPER_NONE) {
	case IOBMD_MAP_DEFAULT_CACHE:
		return "default";
	case IOBMD_MAP_INHIBIT_CACHE:
		return "inhibit (UC-)";
	case IOBMD_MAP_WRITE_THRU_CACHE:
		return "write-through (WT)";
	case IOBMD_MAP_COPYBACK_CACHE:
		return "copyback (WB)";
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return "write-combine (WC)";
	}
	return "?";
}

/* "4 MiB", "64 KiB", "1.5 KiB", "100 bytes". */
void human_size(uint64_t n, char *buf, size_t len)
{
	static const char * const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int i;

	if (n < 1024) {
		snprintf(buf, len, "%llu byte%s", (unsigned long long)n,
			 n == 1 ? "" : "s");
		return;
	}
	for (i = 0; i < 3 && n >= (1024ULL << (10 * (i + 1))); i++)
		;
	if (n % (1024ULL << (10 * i)))
		snprintf(buf, len, "%.1f %s",
			 (double)n / (double)(1024ULL << (10 * i)), units[i]);
	else
		snprintf(buf, len, "%llu %s",
			 (unsigned long long)(n >> (10 * (i + 1))), units[i]);
}

/* The exit status of an error: see the table in the usage text. */
int exit_class(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case EACCES:
	case EPERM:
		return EXIT_DEVICE;
	case EOPNOTSUPP:
		return EXIT_UNSUPPORTED;
	case ENOMEM:
	case ENOSPC:
	case EFBIG:
		return EXIT_NOMEM;
	case EINVAL:
	case E2BIG:
	case ERANGE:
		return EXIT_INVALID;
	case EBUSY:
		return EXIT_BUSY;
	}
	return EXIT_KERNEL;
}

static const char nomem_hint[] =
"no memory satisfies size, alignment and mask together; try a smaller size or drop --contiguous";

/* A hint for an errno where the command had nothing more precise. */
const char *hint_for(int err)
{
	switch (err) {
	case ENOMEM:
		return nomem_hint;
	case EOPNOTSUPP:
		return "this kernel does not provide that option yet";
	case EBADF:
		return "the --fd is not open in this process; it must be inherited from the caller";
	case ENOTTY:
		return "the --fd is not an iobmd buffer";
	case EBUSY:
		return "the buffer is prepared (for out: read-only) until it is completed";
	case EFBIG:
		return "larger than the module parameter max_buffer_bytes of iobmd";
	case ENOSPC:
		return "the live buffers would exceed the module parameter max_total_bytes";
	case ENOBUFS:
		return "iobmd's bounced mappings would pass a quarter of swiotlb";
	case EMFILE:
	case ENFILE:
		return "too many open files; close some or raise the limit (ulimit -n)";
	case EINVAL:
	case E2BIG:
	case ERANGE:
		return "the kernel rejected an argument; see iobmdctl(8) for the valid values";
	}
	return NULL;
}

static void vreport(int err, const char *hint, const char *fmt, va_list ap)
{
	const char *name = strerrorname_np(err);

	fputs("iobmdctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s (%s)\n", name ? name : "?", strerror(err));
	if (hint)
		fprintf(stderr, "iobmdctl: hint: %s\n", hint);
}

/*
 * Report @err (a positive errno) about what @fmt says, with @hint (or
 * the usual one for @err when NULL), and return the exit status for it.
 */
int fail(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(err, hint ? hint : hint_for(err), fmt, ap);
	va_end(ap);
	return exit_class(err);
}

/* A usage error: reported as EINVAL, exit status 2. */
int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(EINVAL, "see iobmdctl --help", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}
