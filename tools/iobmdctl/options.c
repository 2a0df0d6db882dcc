// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl: the options of the buffer commands, parsed into struct
 * ctl_opts, and the hints that say why the kernel refused a create.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include <libiobmd.h>

#include "iobmdctl.h"

static const struct option all_options[] = {
	{ "contiguous", no_argument, NULL, OPT_CONTIGUOUS },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "align", required_argument, NULL, OPT_ALIGN },
	{ "direction", required_argument, NULL, OPT_DIRECTION },
	{ "mapper-none", no_argument, NULL, OPT_MAPPER_NONE },
	{ "kernel-user-shared", no_argument, NULL, OPT_KUS },
	{ "pageable", no_argument, NULL, OPT_PAGEABLE },
	{ "purgeable", no_argument, NULL, OPT_PURGEABLE },
	{ "map", no_argument, NULL, OPT_MAP },
	{ "unmapped", no_argument, NULL, OPT_UNMAPPED },
	{ "fill", required_argument, NULL, OPT_FILL },
	{ "pattern", required_argument, NULL, OPT_PATTERN },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "length", required_argument, NULL, OPT_LENGTH },
	{ "dump", no_argument, NULL, OPT_DUMP },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "purgeable-state", required_argument, NULL, OPT_PURGEABLE_STATE },
	{ "heap", required_argument, NULL, OPT_HEAP },
	{ "dmabuf-fd", required_argument, NULL, OPT_DMABUF_FD },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ NULL, 0, NULL, 0 },
};

/* Which options a command takes, by command. */
static bool option_allowed(const char *cmd, int opt)
{
	if (!strcmp(cmd, "create"))
		return opt < OPT_FD || opt == OPT_PURGEABLE_STATE;
	/* export checks which combine itself (export.c). */
	if (!strcmp(cmd, "export"))
		return opt != OPT_HOLD;
	if (!strcmp(cmd, "info") || !strcmp(cmd, "purgeable"))
		return opt == OPT_FD;
	if (!strcmp(cmd, "fill"))
		return opt == OPT_FD || opt == OPT_PATTERN ||
		       opt == OPT_OFFSET || opt == OPT_LENGTH;
	if (!strcmp(cmd, "dump"))
		return opt == OPT_FD || opt == OPT_OFFSET || opt == OPT_LENGTH;
	return false;
}

int bad_value(const char *opt, const char *value, int err,
	      const char *expect)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "iobmdctl: invalid %s '%s': %s (%s)\n", opt, value,
		name ? name : "?", strerror(err));
	fprintf(stderr, "iobmdctl: hint: %s\n", expect);
	return EXIT_USAGE;
}

const char purgeable_expect[] =
	"one of keep, nonvolatile, volatile, empty";
const char size_expect[] =
	"a size is a number with a K, M, G, T (or KiB...) suffix or none: 4096, 4K, 64KiB, 1G";

/* Parse the options of @argv[0]; positional arguments stay in argv. */
int parse_options(int argc, char **argv, struct ctl_opts *o, int *first_arg)
{
	uint32_t cache = IOBMD_MAP_DEFAULT_CACHE, dir = 0;
	uint64_t n;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->map = true;
	o->fd = -1;
	o->dmabuf_fd = -1;
	optind = 0;	/* glibc: start over, at argv[1] */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", all_options, NULL)) != -1) {
		if (c == '?' || c == ':')
			return usage_error("%s: unknown option or missing value '%s'",
					   argv[0], argv[optind - 1]);
		if (!option_allowed(argv[0], c))
			return usage_error("%s: option '%s' does not apply",
					   argv[0], argv[optind - 1]);
		o->given |= OPT_BIT(c);
		switch (c) {
		case OPT_CONTIGUOUS:
			o->args.options |= IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS;
			break;
		case OPT_CACHE:
			if (parse_cache(optarg, &cache))
				return bad_value("--cache", optarg, EINVAL,
						 "one of default, wb, copyback, uc, inhibit, wc, writecombine, wt, writethru");
			break;
		case OPT_MASK:
			ret = parse_u64(optarg, &o->args.physical_mask);
			if (ret)
				return bad_value("--mask", optarg, -ret,
						 "a mask is a number, e.g. 0xffffffff");
			break;
		case OPT_ALIGN:
			ret = parse_size(optarg, &o->args.alignment);
			if (ret)
				return bad_value("--align", optarg, -ret,
						 size_expect);
			break;
		case OPT_DIRECTION:
			if (parse_direction(optarg, &dir))
				return bad_value("--direction", optarg, EINVAL,
						 "one of none, in, out, inout");
			break;
		case OPT_MAPPER_NONE:
			o->args.options |= IOBMD_MEMORY_MAPPER_NONE;
			break;
		case OPT_KUS:
			o->args.options |= IOBMD_MEMORY_KERNEL_USER_SHARED;
			break;
		case OPT_PAGEABLE:
			o->args.options |= IOBMD_MEMORY_PAGEABLE;
			break;
		case OPT_PURGEABLE:
			o->args.options |= IOBMD_MEMORY_PURGEABLE;
			break;
		case OPT_MAP:
			o->map = true;
			break;
		case OPT_UNMAPPED:
			o->map = false;
			break;
		case OPT_FILL:
			ret = parse_byte(optarg, &o->byte);
			if (ret)
				return bad_value("--fill", optarg, -ret,
						 "a byte is 0 to 255, e.g. 0xab");
			o->fill = true;
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "counter"))
				return bad_value("--pattern", optarg, EINVAL,
						 "the only pattern is counter");
			o->pattern = true;
			break;
		case OPT_OFFSET:
			ret = parse_size(optarg, &o->offset);
			if (ret)
				return bad_value("--offset", optarg, -ret,
						 size_expect);
			break;
		case OPT_LENGTH:
			ret = parse_size(optarg, &o->length);
			if (ret)
				return bad_value("--length", optarg, -ret,
						 size_expect);
			o->have_length = true;
			break;
		case OPT_DUMP:
			o->dump = true;
			break;
		case OPT_HOLD:
			ret = parse_u64(optarg, &n);
			if (ret || n > 86400 * 365)
				return bad_value("--hold", optarg,
						 ret ? -ret : ERANGE,
						 "seconds, 0 to 31536000");
			o->hold = n;
			break;
		case OPT_FD:
			ret = parse_u64(optarg, &n);
			if (ret || n > 0x7fffffff)
				return bad_value("--fd", optarg,
						 ret ? -ret : ERANGE,
						 "a file descriptor number");
			o->fd = n;
			break;
		case OPT_PURGEABLE_STATE:
			if (parse_purgeable(optarg, &o->purgeable))
				return bad_value("--purgeable-state", optarg,
						 EINVAL, purgeable_expect);
			break;
		case OPT_HEAP:
			if (!*optarg || strchr(optarg, '/'))
				return bad_value("--heap", optarg, EINVAL,
						 "a heap name after iobmd-: sg, contig, uncached, wc, dma32");
			o->heap = optarg;
			break;
		case OPT_DMABUF_FD:
			ret = parse_u64(optarg, &n);
			if (ret || n < 3 || n >= (uint64_t)sysconf(_SC_OPEN_MAX))
				return bad_value("--dmabuf-fd", optarg,
						 ret ? -ret : ERANGE,
						 "an fd number from 3 to the open files limit (ulimit -n) less one");
			o->dmabuf_fd = n;
			break;
		case OPT_READ_ONLY:
			o->read_only = true;
			break;
		}
	}
	o->args.options |= cache | dir;
	if (o->map)
		o->args.flags |= LIBIOBMD_MAP_TASK;
	if (o->fill && o->pattern)
		return usage_error("%s: --fill and --pattern exclude each other",
				   argv[0]);
	*first_arg = optind;
	return 0;
}

static const char hint_wt[] =
	"write-through is not available on this kernel; use --cache=wc or default";
static const char hint_wc[] =
	"write-combining needs PAT, which this system lacks; use --cache=default";
static const char hint_pageable[] =
	"this kernel's iobmd predates pageable buffers";
static const char hint_mask[] =
	"the mask is below what the platform can allocate (16 MiB on x86)";

/* The lowest set bit of @n (an alignment), or 0. */
static uint64_t low_bit(uint64_t n)
{
	return n & -n;
}

/*
 * Why the kernel refuses a pageable buffer (EINVAL): it is shmem, swapped
 * and pinned page by page, so nothing that needs wired or contiguous
 * memory, a kernel mapping or a special cache mode combines with it.
 */
static const char *pageable_refused(const struct libiobmd_create_args *a)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	static char hint[192];
	uint32_t cache = a->options & IOBMD_MAP_CACHE_MASK &
			 ~IOBMD_MEMORY_MAPPER_NONE;
	const char *what = NULL;

	if (a->options & IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS)
		what = "--contiguous";
	else if (a->options & IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS)
		what = "host-contiguous (0x80)";
	else if (a->alignment > page)
		what = "--align above a page (it makes the buffer contiguous)";
	else if (low_bit(a->physical_mask) > page)
		what = "a --mask aligned above a page (it makes the buffer contiguous)";
	else if (a->options & IOBMD_MEMORY_MAPPER_NONE)
		what = "--mapper-none";
	else if (a->options & IOBMD_MEMORY_KERNEL_USER_SHARED)
		what = "--kernel-user-shared";
	else if (cache != IOBMD_MAP_DEFAULT_CACHE &&
		 cache != IOBMD_MAP_COPYBACK_CACHE)
		what = "--cache other than default and wb";
	if (!what)
		return "SIZE must be at least 1 and --align a power of two";
	snprintf(hint, sizeof(hint),
		 "--pageable does not combine with %s; pageable memory is swappable, write-back and not contiguous",
		 what);
	return hint;
}

const char *create_hint(int err, const struct libiobmd_create_args *a)
{
	uint32_t cache = a->options & IOBMD_MAP_CACHE_MASK &
			 ~IOBMD_MEMORY_MAPPER_NONE;

	switch (err) {
	case EOPNOTSUPP:
		if (cache == IOBMD_MAP_WRITE_THRU_CACHE)
			return hint_wt;
		if (cache == IOBMD_MAP_WRITE_COMBINE_CACHE)
			return hint_wc;
		if (a->options & (IOBMD_MEMORY_PAGEABLE |
				  IOBMD_MEMORY_PURGEABLE))
			return hint_pageable;
		if (a->physical_mask)
			return hint_mask;
		return "this kernel does not provide one of the options yet";
	case EINVAL:
		if (a->options & IOBMD_MEMORY_PURGEABLE &&
		    !(a->options & IOBMD_MEMORY_PAGEABLE))
			return "--purgeable needs --pageable";
		if (a->options & IOBMD_MEMORY_PAGEABLE)
			return pageable_refused(a);
		return "SIZE must be at least 1 and --align a power of two";
	}
	return NULL;
}
