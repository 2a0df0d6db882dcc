// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl: create, inspect, fill and dump iobmd buffers, export them as
 * dma-bufs (export.c), list the live ones of the system, and show it all
 * at work (demo). Built on libiobmd.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libiobmd.h>

#include "iobmdctl.h"

bool opt_json;
const char *opt_debugfs;

static const char usage_text[] =
"usage: iobmdctl [--json] [--debugfs=PATH] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  create SIZE [OPTIONS]   create a buffer, print its properties, release it\n"
"                          at exit (or after --hold)\n"
"      --contiguous              physically contiguous (one DMA segment)\n"
"      --cache=MODE              default, wb|copyback, uc|inhibit,\n"
"                                wc|writecombine, wt|writethru\n"
"      --mask=MASK               physical address mask, e.g. 0xffffffff\n"
"      --align=SIZE              alignment of the start, a power of two\n"
"      --direction=DIR           none (default), in, out, inout\n"
"      --mapper-none             CPU physical segments (kIOMemoryMapperNone)\n"
"      --kernel-user-shared      the kernel keeps a mapping too\n"
"      --pageable                swappable (shmem), pinned only while\n"
"                                prepared; its task mapping is not populated\n"
"                                (not with --contiguous, --align above 4K,\n"
"                                --mapper-none, --kernel-user-shared, or a\n"
"                                cache mode other than default and wb)\n"
"      --purgeable               with --pageable: its contents may be\n"
"                                discarded when it is volatile\n"
"      --purgeable-state=STATE   set STATE (as purgeable) after creating\n"
"                                and filling; the table shows the old one\n"
"      --map | --unmapped        map it into iobmdctl (default) or not\n"
"      --fill=BYTE               write BYTE to the buffer after creating it\n"
"      --pattern=counter         write each byte's offset modulo 256 instead\n"
"      --offset=SIZE --length=SIZE\n"
"                                range of --fill, --pattern and --dump\n"
"                                (default: the whole buffer)\n"
"      --dump                    hexdump the buffer after filling it\n"
"      --hold=SECONDS            keep the buffer alive that long after\n"
"                                printing, e.g. to run iobmdctl list\n"
"  info --fd=N             properties of the buffer open as fd N (inherited)\n"
"  fill --fd=N (BYTE | --pattern=counter) [--offset=SIZE] [--length=SIZE]\n"
"                          write bytes into the buffer fd N (pwrite)\n"
"  dump --fd=N [--offset=SIZE] [--length=SIZE]\n"
"                          hexdump -C of the buffer fd N (pread)\n"
"  purgeable --fd=N STATE  set the purgeable state of the buffer fd N:\n"
"                          keep (only read it), nonvolatile, volatile\n"
"                          (may be discarded), empty (discard now); prints\n"
"                          the state before and after\n"
"  export SIZE [OPTIONS] -- COMMAND [ARGS...]\n"
"                          create a buffer with create's OPTIONS, export it\n"
"                          as a dma-buf, run COMMAND with the dma-buf as\n"
"                          fd 3 (IOBMD_DMABUF_FD=3 in its environment),\n"
"                          wait, exit with COMMAND's status\n"
"  export SIZE --heap=NAME -- COMMAND [ARGS...]\n"
"                          the same with a dma-buf from the dma-heap\n"
"                          /dev/dma_heap/iobmd-NAME (sg, contig, uncached,\n"
"                          wc, dma32)\n"
"  export --fd=N -- COMMAND [ARGS...]\n"
"                          the same with the buffer fd N (inherited)\n"
"      --dmabuf-fd=N             the dma-buf's fd in COMMAND (default 3)\n"
"      --read-only               a read-only dma-buf (O_RDONLY: importers\n"
"                                may only read it)\n"
"      --dump                    hexdump the buffer after COMMAND exits\n"
"  list                    every live buffer of the system, from debugfs\n"
"                          (/sys/kernel/debug/iobmd/buffers)\n"
"  demo                    create buffers of every kind and show them\n"
"  help                    this text\n"
"\n"
"A buffer lives as long as its fd, so fill and dump work either on an fd\n"
"inherited from the caller or within create:\n"
"  iobmdctl create 64K --fill=0xab --dump\n"
"  iobmdctl create 4K --pattern=counter --offset=16 --length=32 --dump\n"
"\n"
"SIZE: bytes as a number (decimal or 0x hex) with an optional suffix K, M,\n"
"G or T (also KiB, MiB, GiB, TiB; binary, any case): 4096, 4K, 64KiB, 1G.\n"
"\n"
"Global options:\n"
"  --json            JSON output for create, info, purgeable, list and demo\n"
"  --debugfs=PATH    read the buffer list from PATH (also IOBMDCTL_DEBUGFS)\n"
"  --help, --version\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  internal error\n"
"  2  usage error (bad command, option or value)\n"
"  3  device missing or permission denied (ENOENT, ENODEV, ENXIO, EACCES,\n"
"     EPERM)\n"
"  4  not supported by this kernel (EOPNOTSUPP)\n"
"  5  out of memory or above the module's byte limits (ENOMEM, ENOSPC,\n"
"     EFBIG)\n"
"  6  invalid argument (EINVAL, E2BIG, ERANGE): refused by the kernel, or\n"
"     --offset/--length outside the buffer\n"
"  7  any other error\n"
"  8  the buffer is prepared (EBUSY): a write while it is prepared for out,\n"
"     or purgeable empty\n"
"export exits with COMMAND's status once COMMAND ran (128 + N when signal N\n"
"killed it; 127 when it was not found, 126 when it could not be run).\n"
"Errors are printed as \"iobmdctl: WHAT: ERRNO_NAME (text)\" and a hint.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static const char device_hint[] =
	"is the iobmd module loaded? see the udev rule / group iobmd";

/* Open /dev/iobmd, or report why not: returns the fd or -(exit status). */
static int open_device(void)
{
	int dev = libiobmd_open();

	if (dev < 0)
		return -fail(-dev, -dev == EMFILE || -dev == ENFILE ? NULL :
			     device_hint, "open /dev/iobmd");
	return dev;
}

/* The range [offset, offset + length) of the buffer, checked. */
int buffer_range(const char *cmd, int fd, struct ctl_opts *o)
{
	struct iobmd_info info;
	int ret = get_info(fd, &info);

	if (ret)
		return fail(-ret, NULL, "%s: IOBMD_IOC_INFO on fd %ld", cmd,
			    o->fd < 0 ? (long)fd : o->fd);
	if (o->offset > info.length)
		return fail(ERANGE, "--offset is past the buffer's length",
			    "%s: offset %llu of a buffer of length %llu", cmd,
			    (unsigned long long)o->offset,
			    (unsigned long long)info.length);
	if (!o->have_length)
		o->length = info.length - o->offset;
	if (o->length > info.length - o->offset)
		return fail(ERANGE, "--offset + --length is past the buffer's length",
			    "%s: %llu bytes at %llu of a buffer of length %llu",
			    cmd, (unsigned long long)o->length,
			    (unsigned long long)o->offset,
			    (unsigned long long)info.length);
	return 0;
}

/* Write the fill byte or the counter pattern over the range (pwrite). */
static int fill_range(const char *cmd, int fd, const struct ctl_opts *o)
{
	unsigned char chunk[65536];
	uint64_t done = 0;
	size_t i;

	if (!o->pattern)
		memset(chunk, o->byte, sizeof(chunk));
	while (done < o->length) {
		uint64_t at = o->offset + done;
		size_t n = o->length - done < sizeof(chunk) ?
			   o->length - done : sizeof(chunk);
		ssize_t put;

		if (o->pattern)
			for (i = 0; i < n; i++)
				chunk[i] = (at + i) & 0xff;
		put = libiobmd_write_bytes(fd, at, chunk, n);
		if (put < 0)
			return fail(-put, NULL, "%s: write %zu bytes at %llu",
				    cmd, n, (unsigned long long)at);
		if (put == 0)
			return fail(ENOSPC, "the buffer's length ends before the range",
				    "%s: write at %llu", cmd,
				    (unsigned long long)at);
		done += put;
	}
	return 0;
}

static void sleep_seconds(unsigned long seconds)
{
	struct timespec left = { .tv_sec = seconds };

	while (nanosleep(&left, &left) && errno == EINTR)
		;
}

/* The name a purgeable state is asked for by (parse_purgeable()). */
static const char *purgeable_arg(uint32_t state)
{
	return state == IOBMD_PURGEABLE_KEEP_CURRENT ? "keep" :
	       purgeable_name(state);
}

static const char *purgeable_hint(int err)
{
	switch (err) {
	case EOPNOTSUPP:
		return "the buffer is not purgeable: create it with --pageable --purgeable";
	case EBUSY:
		return "empty is refused while the buffer is prepared; complete it first";
	}
	return NULL;
}

/*
 * The buffer of create and export: made from @o's create options, filled,
 * its purgeable state set (the old one into *@old_state). Returns the fd,
 * or -(exit status) after reporting why not.
 */
int make_buffer(const char *cmd, struct ctl_opts *o, void **mapped,
		uint32_t *old_state)
{
	int dev, fd, ret;

	dev = open_device();
	if (dev < 0)
		return dev;
	fd = libiobmd_create(dev, &o->args, mapped);
	close(dev);
	if (fd < 0)
		return -fail(-fd, create_hint(-fd, &o->args),
			     "%s %llu bytes, options 0x%x", cmd,
			     (unsigned long long)o->args.capacity,
			     o->args.options);
	ret = 0;
	if (o->fill || o->pattern || o->dump)
		ret = buffer_range(cmd, fd, o);
	if (!ret && (o->fill || o->pattern))
		ret = fill_range(cmd, fd, o);
	if (!ret && o->purgeable) {
		ret = libiobmd_set_purgeable(fd, o->purgeable, old_state);
		if (ret)
			ret = fail(-ret, purgeable_hint(-ret),
				   "%s: IOBMD_IOC_SET_PURGEABLE %s", cmd,
				   purgeable_arg(o->purgeable));
	}
	if (ret) {
		libiobmd_release(fd);
		return -ret;
	}
	return fd;
}

static int cmd_create(int argc, char **argv)
{
	uint32_t old_state = 0;
	struct iobmd_info info;
	struct ctl_opts o;
	void *mapped = NULL;
	int fd, i, ret;

	ret = parse_options(argc, argv, &o, &i);
	if (ret)
		return ret;
	if (i >= argc)
		return usage_error("create: SIZE is missing");
	if (i + 1 < argc)
		return usage_error("create: unexpected argument '%s'",
				   argv[i + 1]);
	ret = parse_size(argv[i], &o.args.capacity);
	if (ret)
		return bad_value("SIZE", argv[i], -ret, size_expect);
	if (o.dump && opt_json)
		return usage_error("create: --dump prints text, not --json");

	fd = make_buffer("create", &o, &mapped, &old_state);
	if (fd < 0)
		return -fd;
	ret = get_info(fd, &info);
	if (ret)
		return fail(-ret, NULL, "create: IOBMD_IOC_INFO");
	show_info(stdout, fd, &info, mapped,
		  o.purgeable ? (int)old_state : -1);
	if (opt_json)
		putchar('\n');
	if (o.dump) {
		ret = hexdump(stdout, fd, o.offset, o.length);
		if (ret)
			return fail(-ret, NULL, "create: read the buffer");
	}
	if (o.hold) {
		fflush(stdout);
		sleep_seconds(o.hold);
	}
	libiobmd_release(fd);
	return EXIT_OK;
}

/* The --fd of info, fill and dump, which must be given. */
static int need_fd(const char *cmd, const struct ctl_opts *o)
{
	if (o->fd < 0)
		return usage_error("%s: --fd=N is missing", cmd);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct iobmd_info info;
	struct ctl_opts o;
	int i, ret;

	ret = parse_options(argc, argv, &o, &i);
	if (!ret && i < argc)
		ret = usage_error("info: unexpected argument '%s'", argv[i]);
	if (!ret)
		ret = need_fd("info", &o);
	if (ret)
		return ret;
	ret = get_info(o.fd, &info);
	if (ret)
		return fail(-ret, NULL, "info: IOBMD_IOC_INFO on fd %ld", o.fd);
	show_info(stdout, o.fd, &info, NULL, -1);
	if (opt_json)
		putchar('\n');
	return EXIT_OK;
}

/*
 * purgeable --fd=N STATE: setPurgeable(STATE, &old), then the state it
 * left (read back with keep: Volatile after Empty stays Empty).
 */
static int cmd_purgeable(int argc, char **argv)
{
	uint32_t state, old, now;
	struct ctl_opts o;
	int i, ret;

	ret = parse_options(argc, argv, &o, &i);
	if (!ret)
		ret = need_fd("purgeable", &o);
	if (ret)
		return ret;
	if (i >= argc)
		return usage_error("purgeable: STATE is missing");
	if (i + 1 < argc)
		return usage_error("purgeable: unexpected argument '%s'",
				   argv[i + 1]);
	if (parse_purgeable(argv[i], &state))
		return bad_value("STATE", argv[i], EINVAL, purgeable_expect);
	ret = libiobmd_set_purgeable(o.fd, state, &old);
	if (ret)
		return fail(-ret, purgeable_hint(-ret),
			    "purgeable: IOBMD_IOC_SET_PURGEABLE %s on fd %ld",
			    argv[i], o.fd);
	ret = libiobmd_set_purgeable(o.fd, IOBMD_PURGEABLE_KEEP_CURRENT, &now);
	if (ret)
		return fail(-ret, NULL,
			    "purgeable: IOBMD_IOC_SET_PURGEABLE keep on fd %ld",
			    o.fd);
	if (opt_json)
		printf("{\"fd\": %ld, \"requested\": \"%s\", ", o.fd,
		       purgeable_arg(state));
	if (opt_json)
		printf("\"old_state\": \"%s\", \"state\": \"%s\"}\n",
		       purgeable_name(old), purgeable_name(now));
	else
		printf("fd %ld: %s, was %s\n", o.fd, purgeable_name(now),
		       purgeable_name(old));
	return EXIT_OK;
}

static int cmd_fill(int argc, char **argv)
{
	struct ctl_opts o;
	int i, ret;

	ret = parse_options(argc, argv, &o, &i);
	if (ret)
		return ret;
	ret = need_fd("fill", &o);
	if (ret)
		return ret;
	if (i < argc && !o.pattern) {
		ret = parse_byte(argv[i], &o.byte);
		if (ret)
			return bad_value("BYTE", argv[i], -ret,
					 "a byte is 0 to 255, e.g. 0xab");
		o.fill = true;
		i++;
	}
	if (i < argc)
		return usage_error("fill: unexpected argument '%s'", argv[i]);
	if (!o.fill && !o.pattern)
		return usage_error("fill: BYTE or --pattern=counter is missing");
	ret = buffer_range("fill", o.fd, &o);
	if (ret)
		return ret;
	return fill_range("fill", o.fd, &o);
}

static int cmd_dump(int argc, char **argv)
{
	struct ctl_opts o;
	int i, ret;

	ret = parse_options(argc, argv, &o, &i);
	if (!ret && i < argc)
		ret = usage_error("dump: unexpected argument '%s'", argv[i]);
	if (!ret)
		ret = need_fd("dump", &o);
	if (!ret)
		ret = buffer_range("dump", o.fd, &o);
	if (ret)
		return ret;
	ret = hexdump(stdout, o.fd, o.offset, o.length);
	if (ret)
		return fail(-ret, NULL, "dump: read fd %ld", o.fd);
	return EXIT_OK;
}

/*
 * Take the global options out of @argv, wherever they are (before a
 * "--"): --json, --debugfs=PATH, --help, --version. Returns the new argc,
 * or -(exit status) when done already.
 */
static int global_options(int argc, char **argv)
{
	int i, out = 1;
	bool rest = false;

	opt_debugfs = getenv("IOBMDCTL_DEBUGFS");
	if (opt_debugfs && !*opt_debugfs)
		opt_debugfs = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (rest || strncmp(a, "--", 2)) {
			argv[out++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			rest = true;
		} else if (!strcmp(a, "--json")) {
			opt_json = true;
			continue;
		} else if (!strncmp(a, "--debugfs=", 10)) {
			opt_debugfs = a + 10;
			continue;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return -EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("iobmdctl %s\n", IOBMDCTL_VERSION);
			return -EXIT_OK;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "create", cmd_create },
		{ "info", cmd_info },
		{ "fill", cmd_fill },
		{ "dump", cmd_dump },
		{ "purgeable", cmd_purgeable },
		{ "export", cmd_export },
		{ "list", cmd_list },
		{ "demo", cmd_demo },
	};
	size_t i;

	argc = global_options(argc, argv);
	if (argc <= 0)
		return -argc;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
