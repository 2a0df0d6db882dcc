// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl export: a buffer as a dma-buf, handed to a command. The buffer
 * is created (create's options), taken from an iobmd dma-heap, or
 * inherited as a buffer fd; its dma-buf goes to COMMAND as fd 3 (or
 * --dmabuf-fd), named by IOBMD_DMABUF_FD in its environment, as
 * systemd's LISTEN_FDS names inherited sockets. iobmdctl waits for
 * COMMAND and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libiobmd.h>

#include "iobmdctl.h"

/* The options that make a buffer, which --fd and --heap do not take. */
#define CREATE_OPTS (OPT_BIT(OPT_CONTIGUOUS) | OPT_BIT(OPT_CACHE) |	\
		     OPT_BIT(OPT_MASK) | OPT_BIT(OPT_ALIGN) |		\
		     OPT_BIT(OPT_DIRECTION) | OPT_BIT(OPT_MAPPER_NONE) |	\
		     OPT_BIT(OPT_KUS) | OPT_BIT(OPT_PAGEABLE) |		\
		     OPT_BIT(OPT_PURGEABLE) | OPT_BIT(OPT_MAP) |		\
		     OPT_BIT(OPT_UNMAPPED) | OPT_BIT(OPT_FILL) |		\
		     OPT_BIT(OPT_PATTERN) | OPT_BIT(OPT_PURGEABLE_STATE))
/* The options that need a buffer fd, which --heap has not. */
#define BUFFER_OPTS (OPT_BIT(OPT_DUMP) | OPT_BIT(OPT_OFFSET) |		\
		     OPT_BIT(OPT_LENGTH))

/* What export made: the buffer (or none) and its dma-buf. */
struct export {
	int buf;		/* buffer fd, or -1 (a heap's dma-buf) */
	bool own_buf;		/* iobmdctl made @buf */
	void *mapped;		/* @buf's task mapping, or NULL */
	int dmabuf;		/* iobmdctl's fd of the dma-buf */
	int child_fd;		/* the dma-buf's fd in COMMAND */
	uint64_t size;		/* from the dma-buf's fdinfo, or 0 */
	char exp_name[64];	/* likewise, or "" */
	unsigned long ino;	/* likewise, or 0 */
};

/* size, exp_name and ino of the dma-buf from /proc/self/fdinfo. */
static void read_fdinfo(struct export *e)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", e->dmabuf);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "size:", 5))
			e->size = strtoull(line + 5, NULL, 10);
		else if (!strncmp(line, "ino:", 4))
			e->ino = strtoul(line + 4, NULL, 10);
		else if (!strncmp(line, "exp_name:", 9))
			snprintf(e->exp_name, sizeof(e->exp_name), "%s",
				 line + 9 + strspn(line + 9, " \t"));
	}
	fclose(f);
}

static void show_dmabuf(const struct export *e, const struct ctl_opts *o)
{
	const char *access = o->read_only ? "read-only" : "read-write";

	if (opt_json) {
		fprintf(stdout, "\"dmabuf\": {\"fd\": %d, \"size\": %llu, ",
			e->child_fd, (unsigned long long)e->size);
		fputs("\"exp_name\": ", stdout);
		json_string(stdout, e->exp_name);
		fprintf(stdout, ", \"inode\": %lu, \"access\": \"%s\"}}\n",
			e->ino, access);
		return;
	}
	printf("dma-buf fd %d (in the command)\n", e->child_fd);
	printf("  size            %llu\n", (unsigned long long)e->size);
	printf("  exporter        %s\n", e->exp_name[0] ? e->exp_name : "?");
	printf("  inode           %lu\n", e->ino);
	printf("  access          %s\n", access);
}

/* The buffer's table (or JSON member) and the dma-buf's, before COMMAND. */
static int show_export(const struct export *e, const struct ctl_opts *o)
{
	struct iobmd_info info;
	int ret;

	if (opt_json)
		fputs("{\"buffer\": ", stdout);
	if (e->buf >= 0) {
		ret = get_info(e->buf, &info);
		if (ret)
			return fail(-ret, NULL, "export: IOBMD_IOC_INFO");
		show_info(stdout, e->buf, &info, e->mapped, -1);
	} else if (opt_json) {
		fputs("null", stdout);
	}
	if (opt_json) {
		fputs(", \"heap\": ", stdout);
		if (o->heap)
			json_string(stdout, o->heap);
		else
			fputs("null", stdout);
		fputs(", ", stdout);
	}
	show_dmabuf(e, o);
	return EXIT_OK;
}

static const char *heap_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "iobmd's heaps are sg, contig, uncached, wc, dma32; is the module loaded?";
	case EACCES:
		return "the heaps are root's (mode 0600) unless a udev rule says otherwise";
	}
	return NULL;
}

/* The buffer and its dma-buf; 0 or the exit status. */
static int export_make(struct export *e, struct ctl_opts *o)
{
	uint32_t flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	uint32_t old_state;
	int ret;

	if (o->heap) {
		e->dmabuf = libiobmd_heap_alloc(o->heap, o->args.capacity,
						flags);
		if (e->dmabuf < 0)
			return fail(-e->dmabuf, heap_hint(-e->dmabuf),
				    "export: allocate %llu bytes from /dev/dma_heap/iobmd-%s",
				    (unsigned long long)o->args.capacity,
				    o->heap);
		return EXIT_OK;
	}
	if (o->fd >= 0) {
		e->buf = o->fd;
		if (o->dump) {
			ret = buffer_range("export", e->buf, o);
			if (ret)
				return ret;
		}
	} else {
		e->buf = make_buffer("export", o, &e->mapped, &old_state);
		if (e->buf < 0)
			return -e->buf;
		e->own_buf = true;
	}
	e->dmabuf = libiobmd_export_dmabuf(e->buf, flags);
	if (e->dmabuf < 0)
		return fail(-e->dmabuf, NULL,
			    "export: IOBMD_IOC_EXPORT_DMABUF of fd %d", e->buf);
	return EXIT_OK;
}

/* In the child: the dma-buf at its fd, the environment, COMMAND. */
static void run_child(const struct export *e, char **cmd)
{
	char num[16];
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (e->dmabuf == e->child_fd)
		err = fcntl(e->child_fd, F_SETFD, 0);
	else
		err = dup2(e->dmabuf, e->child_fd) < 0;
	snprintf(num, sizeof(num), "%d", e->child_fd);
	if (err || setenv("IOBMD_DMABUF_FD", num, 1)) {
		fail(errno, NULL, "export: give the dma-buf to %s as fd %d",
		     cmd[0], e->child_fd);
		_exit(126);
	}
	execvp(cmd[0], cmd);
	err = errno;
	fail(err, NULL, "export: run %s", cmd[0]);
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * Run COMMAND and wait, as system(3) does: iobmdctl ignores SIGINT and
 * SIGQUIT meanwhile (the terminal sends them to COMMAND too). Returns
 * COMMAND's exit status, or 128 + the signal that killed it.
 */
static int run_command(const struct export *e, char **cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status, ret;
	pid_t pid;

	fflush(stdout);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0)
		run_child(e, cmd);
	if (pid < 0) {
		ret = fail(errno, NULL, "export: fork");
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		ret = WIFEXITED(status) ? WEXITSTATUS(status) :
		      128 + WTERMSIG(status);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return ret;
}

/* Which options go together, and the SIZE: 0 or the exit status. */
static int export_args(struct ctl_opts *o, int argc, char **argv, int i)
{
	if (o->fd >= 0 && o->heap)
		return usage_error("export: --fd and --heap exclude each other");
	if (o->fd >= 0 && (o->given & CREATE_OPTS))
		return usage_error("export: --fd takes no create options: the buffer exists");
	if (o->heap && (o->given & (CREATE_OPTS | BUFFER_OPTS)))
		return usage_error("export: --heap takes no create options, nor --dump");
	if (o->fd >= 0 && o->fd == o->dmabuf_fd)
		return usage_error("export: --fd=%ld is the dma-buf's fd too; set --dmabuf-fd",
				   o->fd);
	if (o->dump && opt_json)
		return usage_error("export: --dump prints text, not --json");
	if (o->fd >= 0) {
		if (i < argc)
			return usage_error("export: unexpected argument '%s' with --fd",
					   argv[i]);
		return 0;
	}
	if (i >= argc)
		return usage_error("export: SIZE is missing");
	if (i + 1 < argc)
		return usage_error("export: unexpected argument '%s' (the command follows --)",
				   argv[i + 1]);
	if (parse_size(argv[i], &o->args.capacity))
		return bad_value("SIZE", argv[i], EINVAL, size_expect);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export e = { .buf = -1, .dmabuf = -1 };
	struct ctl_opts o;
	int dashes, i, ret;
	char **cmd;

	/* The options end at "--": what follows is COMMAND's. */
	for (dashes = 1; dashes < argc; dashes++)
		if (!strcmp(argv[dashes], "--"))
			break;
	if (dashes >= argc - 1)
		return usage_error("export: '-- COMMAND' is missing");
	cmd = argv + dashes + 1;
	ret = parse_options(dashes, argv, &o, &i);
	if (ret)
		return ret;
	if (o.dmabuf_fd < 0)
		o.dmabuf_fd = 3;
	ret = export_args(&o, dashes, argv, i);
	if (ret)
		return ret;
	e.child_fd = o.dmabuf_fd;

	ret = export_make(&e, &o);
	if (!ret) {
		read_fdinfo(&e);
		ret = show_export(&e, &o);
	}
	if (!ret) {
		ret = run_command(&e, cmd);
		/* What COMMAND (its importers) left; its status stands. */
		i = o.dump ? hexdump(stdout, e.buf, o.offset, o.length) : 0;
		if (i)
			fail(-i, NULL, "export: read the buffer");
	}
	if (e.dmabuf >= 0)
		close(e.dmabuf);
	if (e.own_buf)
		libiobmd_release(e.buf);
	return ret;
}
