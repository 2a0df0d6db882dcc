// SPDX-License-Identifier: GPL-2.0
/*
 * iobmdctl, the command-line tool, from outside: runs the binary found next
 * to this test (OUTPUT/iobmdctl) and checks its output and exit status for
 * each class of option, size syntax, error and command.
 */
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define BUFFER_LIST "/sys/kernel/debug/iobmd/buffers"
#define OUT_MAX 65536

/* What one run of iobmdctl gave: exit status, stdout, stderr. */
struct run {
	int status;
	char out[OUT_MAX];
	char err[OUT_MAX];
};

/* iobmdctl, next to this test: dirname(/proc/self/exe)/iobmdctl. */
static const char *ctl_path(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/iobmdctl", dirname(exe));
	return path;
}

static void slurp(int fd, char *buf)
{
	ssize_t n, got = 0;

	lseek(fd, 0, SEEK_SET);
	while (got < OUT_MAX - 1 &&
	       (n = read(fd, buf + got, OUT_MAX - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
}

/*
 * Run iobmdctl with @argv (NULL-terminated, without argv[0]) and wait for
 * it. Returns 0 with @r filled, -1 when it could not be run.
 */
static int ctl(struct run *r, const char *const *argv)
{
	const char *args[32] = { "iobmdctl" };
	int out, err, i, status;
	pid_t pid;

	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	out = memfd_create("out", 0);
	err = memfd_create("err", 0);
	if (out < 0 || err < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		execv(ctl_path(), (char **)args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
	slurp(out, r->out);
	slurp(err, r->err);
	return 0;
}

#define CTL(r, ...) ctl(r, (const char *const[]){ __VA_ARGS__, NULL })

/* The last run's output on failure, to see what went wrong. */
#define SHOW TH_LOG("exit %d\nstdout:\n%s\nstderr:\n%s", self->r.status, \
		    self->r.out, self->r.err)

FIXTURE(ctl) {
	struct run r;
};

FIXTURE_SETUP(ctl)
{
	struct stat st;

	ASSERT_NE(NULL, ctl_path());
	ASSERT_EQ(0, stat(ctl_path(), &st))
		TH_LOG("%s: %s (built by this Makefile)", ctl_path(),
		       strerror(errno));
}

FIXTURE_TEARDOWN(ctl)
{
}

TEST_F(ctl, help_version_and_usage_errors)
{
	ASSERT_EQ(0, CTL(&self->r, "--help"));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out, "Exit status"));
	ASSERT_EQ(0, CTL(&self->r, "--version"));
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.out, "iobmdctl ", 9));
	ASSERT_EQ(0, CTL(&self->r, "frobnicate"));
	EXPECT_EQ(2, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "iobmdctl: unknown command"));
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--bogus"));
	EXPECT_EQ(2, self->r.status);
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--cache=fast"));
	EXPECT_EQ(2, self->r.status);
	ASSERT_EQ(0, CTL(&self->r, "create"));
	EXPECT_EQ(2, self->r.status);
	ASSERT_EQ(0, CTL(&self->r, "info"));
	EXPECT_EQ(2, self->r.status) SHOW;
}

TEST_F(ctl, sizes)
{
	static const struct {
		const char *arg;
		const char *capacity;
	} ok[] = {
		{ "4096", "capacity        4096 (4 KiB)" },
		{ "4K", "capacity        4096 (4 KiB)" },
		{ "4M", "capacity        4194304 (4 MiB)" },
		{ "64KiB", "capacity        65536 (64 KiB)" },
		{ "4MiB", "capacity        4194304 (4 MiB)" },
		{ "0x3000", "capacity        12288 (12 KiB)" },
		{ "100", "capacity        100 (100 bytes)" },
	};
	static const char * const bad[] = {
		"abc", "4X", "4K4", "K", "", "0x", "99999999999999999999",
		"17179869184G",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ASSERT_EQ(0, CTL(&self->r, "create", ok[i].arg));
		EXPECT_EQ(0, self->r.status) SHOW;
		EXPECT_NE(NULL, strstr(self->r.out, ok[i].capacity))
			TH_LOG("%s: %s", ok[i].arg, self->r.out);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, CTL(&self->r, "create", bad[i]));
		EXPECT_EQ(2, self->r.status) TH_LOG("'%s'", bad[i]);
		EXPECT_NE(NULL, strstr(self->r.err, "invalid SIZE"));
		EXPECT_NE(NULL, strstr(self->r.err, "iobmdctl: hint:"));
	}
	/* An option to getopt: still exit status 2. */
	ASSERT_EQ(0, CTL(&self->r, "create", "-4K"));
	EXPECT_EQ(2, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--align=64K"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "alignment       65536 (64 KiB)"));
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--align=lots"));
	EXPECT_EQ(2, self->r.status);
}

/* One create per option class, and what the table must say about it. */
TEST_F(ctl, create_options_text)
{
	static const struct {
		const char *opt, *opt2, *want;
	} cases[] = {
		{ "--contiguous", NULL, "kind            contiguous, 1 segment\n" },
		{ "--cache=wb", NULL, "cache           copyback (WB)" },
		{ "--cache=copyback", NULL, "cache           copyback (WB)" },
		{ "--cache=default", NULL, "cache           copyback (WB)" },
		{ "--cache=wc", NULL, "cache           write-combine (WC)" },
		{ "--cache=writecombine", NULL, "write-combine (WC)" },
		{ "--cache=uc", NULL, "cache           inhibit (UC-)" },
		{ "--cache=inhibit", NULL, "inhibit (UC-)" },
		{ "--mask=0xffffffff", "--align=64K", "physical mask   0xffffffff" },
		{ "--mask=0xffffffff", "--align=64K", "alignment       65536" },
		{ "--direction=inout", NULL, "direction inout" },
		{ "--direction=in", NULL, "direction in," },
		{ "--direction=out", NULL, "direction out," },
		{ "--mapper-none", NULL, "mapper-none" },
		{ "--kernel-user-shared", NULL, "kernel mapping  yes" },
		{ "--map", NULL, "task mapping    0x" },
		{ "--unmapped", NULL, "task mapping    none" },
		{ "--fill=0x11", NULL, "length          65536\n" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, CTL(&self->r, "create", "64K", cases[i].opt,
				 cases[i].opt2));
		EXPECT_EQ(0, self->r.status) SHOW;
		EXPECT_NE(NULL, strstr(self->r.out, cases[i].want))
			TH_LOG("%s: no '%s' in\n%s", cases[i].opt,
			       cases[i].want, self->r.out);
	}
	ASSERT_EQ(0, CTL(&self->r, "create", "64K"));
	EXPECT_NE(NULL, strstr(self->r.out, "kernel mapping  no"));
	EXPECT_NE(NULL, strstr(self->r.out, "direction none"));
	EXPECT_NE(NULL, strstr(self->r.out, "scatter-gather"));
	/* Run as root: the DMA address is shown. */
	EXPECT_NE(NULL, strstr(self->r.out, "dma address     0x"));
}

TEST_F(ctl, create_json)
{
	ASSERT_EQ(0, CTL(&self->r, "--json", "create", "64K", "--contiguous",
			 "--cache=wc", "--direction=out"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_EQ('{', self->r.out[0]);
	EXPECT_NE(NULL, strstr(self->r.out, "\"capacity\": 65536,"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"kind\": \"contiguous\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"cache\": \"wc\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"direction\": \"out\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"options\": \"0x412\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"segments\": 1,"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"task_mapped\": true}\n"));
	/* --json may also follow the command. */
	ASSERT_EQ(0, CTL(&self->r, "create", "4M", "--unmapped", "--json",
			 "--mask=0xffffffff"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"capacity\": 4194304,"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"physical_mask\": \"0xffffffff\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"task_mapped\": false}"));
}

TEST_F(ctl, unsupported_is_exit_4)
{
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--cache=writethru"));
	EXPECT_EQ(4, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EOPNOTSUPP ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: write-through is not available"));
	EXPECT_EQ(0, self->r.out[0]);
	/* Purgeable without pageable is invalid, not unsupported. */
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--purgeable"));
	EXPECT_EQ(6, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EINVAL ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: --purgeable needs --pageable"));
}

/* A pageable buffer: swappable, no segments until prepared. */
TEST_F(ctl, create_pageable)
{
	ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "kind            pageable, 0 segments (not prepared)\n"))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "dma address     none (pageable, not prepared)\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "purgeable       none\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "prepare count   0\n"));
	EXPECT_NE(NULL, strstr(self->r.out, " (not populated)\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "options         0x20 ("));

	ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable",
			 "--purgeable", "--pattern=counter", "--dump",
			 "--length=32"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "purgeable       nonvolatile\n"));
	EXPECT_NE(NULL, strstr(self->r.out,
			       "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f"))
		SHOW;

	ASSERT_EQ(0, CTL(&self->r, "--json", "create", "64K", "--pageable",
			 "--purgeable", "--unmapped"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"kind\": \"pageable\", \"segments\": 0, "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"purgeable_state\": \"nonvolatile\", "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"prepare_count\": 0, "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"dma_addr\": null, "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"options\": \"0x60\""));
	/* A wired buffer says so too. */
	ASSERT_EQ(0, CTL(&self->r, "--json", "create", "4K"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"kind\": \"sg\", "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"purgeable_state\": \"none\", "))
		SHOW;
}

/* What the kernel refuses with Pageable (EINVAL), and the hint naming it. */
TEST_F(ctl, pageable_refused_combinations)
{
	static const struct {
		const char *opt, *hint;
	} cases[] = {
		{ "--contiguous", "does not combine with --contiguous;" },
		{ "--cache=wc", "does not combine with --cache other than" },
		{ "--cache=uc", "does not combine with --cache other than" },
		{ "--kernel-user-shared", "does not combine with --kernel-user-shared;" },
		{ "--mapper-none", "does not combine with --mapper-none;" },
		{ "--align=64K", "does not combine with --align above a page" },
		{ "--mask=0xffff0000", "does not combine with a --mask aligned" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable",
				 cases[i].opt));
		EXPECT_EQ(6, self->r.status) SHOW;
		EXPECT_NE(NULL, strstr(self->r.err, ": EINVAL ("))
			TH_LOG("%s: %s", cases[i].opt, self->r.err);
		EXPECT_NE(NULL, strstr(self->r.err, cases[i].hint))
			TH_LOG("%s: no '%s' in %s", cases[i].opt,
			       cases[i].hint, self->r.err);
		EXPECT_EQ(0, self->r.out[0]);
	}
	/* Write-back and a page alignment combine. */
	ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable",
			 "--cache=wb", "--align=4K"));
	EXPECT_EQ(0, self->r.status) SHOW;
}

/* create --purgeable-state: the state it left, and the one before. */
TEST_F(ctl, create_purgeable_state)
{
	static const char zeros[] =
		"\n00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00010000\n";

	ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable",
			 "--purgeable", "--purgeable-state=volatile"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "purgeable       volatile (was nonvolatile)\n"))
		SHOW;
	/* Filled, then emptied: the dump reads zeros. */
	ASSERT_EQ(0, CTL(&self->r, "create", "64K", "--pageable",
			 "--purgeable", "--fill=0xab", "--purgeable-state=empty",
			 "--dump"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "purgeable       empty (was nonvolatile)\n"))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, zeros)) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "--json", "create", "4K", "--pageable",
			 "--purgeable", "--purgeable-state=keep"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"purgeable_state\": \"nonvolatile\", \"old_purgeable_state\": "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"old_purgeable_state\": \"nonvolatile\", "));
	/* Not purgeable: the kernel says unsupported. */
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--pageable",
			 "--purgeable-state=volatile"));
	EXPECT_EQ(4, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EOPNOTSUPP ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: the buffer is not purgeable"));
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--pageable",
			 "--purgeable", "--purgeable-state=gone"));
	EXPECT_EQ(2, self->r.status) SHOW;
}

TEST_F(ctl, kernel_errors)
{
	/* Above max_buffer_bytes, half the RAM by default. */
	ASSERT_EQ(0, CTL(&self->r, "create", "1T"));
	EXPECT_EQ(5, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EFBIG ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: larger than the module"));
	/* Within the limits, but no memory has such an alignment. */
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--align=1T"));
	EXPECT_EQ(5, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": ENOMEM ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: no memory satisfies"));
	ASSERT_EQ(0, CTL(&self->r, "create", "0"));
	EXPECT_EQ(6, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--align=3"));
	EXPECT_EQ(6, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "info", "--fd=0"));
	EXPECT_EQ(7, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "ENOTTY"));
}

static const char dump_ab[] =
	"\n00000000  ab ab ab ab ab ab ab ab  ab ab ab ab ab ab ab ab  |................|\n"
	"*\n"
	"00001000\n";
static const char dump_counter[] =
	"\n00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|\n"
	"00000050  50 51 52 53                                       |PQRS|\n"
	"00000054\n";
static const char dump_5a[] =
	"00000060  00 00 00 00 5a 5a 5a 5a  5a 5a 5a 5a 5a 5a 00 00  |....ZZZZZZZZZZ..|\n"
	"00000070\n";

TEST_F(ctl, create_fill_and_dump)
{
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--fill=0xab", "--dump"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, dump_ab)) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--pattern=counter",
			 "--offset=0x40", "--length=20", "--dump"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, dump_counter)) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--offset=8K", "--dump"));
	EXPECT_EQ(6, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "create", "4K", "--fill=256"));
	EXPECT_EQ(2, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "--json", "create", "4K", "--dump"));
	EXPECT_EQ(2, self->r.status) SHOW;
}

/* info, fill and dump on a buffer fd this test passes down. */
TEST_F(ctl, inherited_fd)
{
	struct iobmd_create c;
	unsigned char back[16];
	char fdarg[32];
	int dev, fd;

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 3 * PAGE, IOBMD_DIRECTION_INOUT, 0, &c));
	fd = dup(c.fd);		/* without O_CLOEXEC */
	ASSERT_LE(0, fd);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", fd);

	ASSERT_EQ(0, CTL(&self->r, "info", fdarg));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "capacity        12288"));
	ASSERT_EQ(0, CTL(&self->r, "--json", "info", fdarg));
	EXPECT_NE(NULL, strstr(self->r.out, "\"direction\": \"inout\""));

	ASSERT_EQ(0, CTL(&self->r, "fill", fdarg, "0x5a", "--offset=100",
			 "--length=10"));
	EXPECT_EQ(0, self->r.status) SHOW;
	ASSERT_EQ(16, pread(fd, back, 16, 98));
	EXPECT_EQ(0, back[0]);
	EXPECT_EQ(0, back[1]);
	EXPECT_EQ(0x5a, back[2]);
	EXPECT_EQ(0x5a, back[11]);
	EXPECT_EQ(0, back[12]);

	ASSERT_EQ(0, CTL(&self->r, "fill", fdarg, "--pattern=counter",
			 "--offset=4K"));
	EXPECT_EQ(0, self->r.status) SHOW;
	ASSERT_EQ(16, pread(fd, back, 16, 2 * PAGE + 250));
	EXPECT_EQ(250, back[0]);
	EXPECT_EQ(4, back[10]);

	ASSERT_EQ(0, CTL(&self->r, "dump", fdarg, "--offset=96",
			 "--length=16"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_EQ(0, strcmp(self->r.out, dump_5a)) SHOW;

	ASSERT_EQ(0, CTL(&self->r, "fill", fdarg, "1", "--offset=12K",
			 "--length=1"));
	EXPECT_EQ(6, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "fill", fdarg));
	EXPECT_EQ(2, self->r.status) SHOW;
	close(fd);
	close(c.fd);
	close(dev);
}

/* The purgeable command, and info's version 2 fields, on inherited fds. */
TEST_F(ctl, purgeable_command)
{
	struct iobmd_direction dir = { .direction = IOBMD_DIRECTION_INOUT };
	struct iobmd_create c, wired;
	char fdarg[32], wiredarg[32];
	unsigned char *p;
	int dev, fd, wfd, i;

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 4 * PAGE, IOBMD_DIRECTION_INOUT |
				  IOBMD_MEMORY_PAGEABLE |
				  IOBMD_MEMORY_PURGEABLE, 0, &c));
	ASSERT_EQ(0, iobmd_create(dev, PAGE, 0, 0, &wired));
	fd = dup(c.fd);		/* without O_CLOEXEC */
	wfd = dup(wired.fd);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, wfd);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", fd);
	snprintf(wiredarg, sizeof(wiredarg), "--fd=%d", wfd);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x77, 4 * PAGE);

	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "keep"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, ": nonvolatile, was nonvolatile\n"))
		SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "volatile"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, ": volatile, was nonvolatile\n"))
		SHOW;
	ASSERT_EQ(0, CTL(&self->r, "info", fdarg));
	EXPECT_NE(NULL, strstr(self->r.out, "purgeable       volatile\n")) SHOW;

	/* Prepared: the info fields, and empty refused (EBUSY, exit 8). */
	ASSERT_EQ(0, ioctl(fd, IOBMD_IOC_PREPARE, &dir));
	ASSERT_EQ(0, CTL(&self->r, "info", fdarg));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "prepare count   1\n")) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "(not prepared)")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "dma address     0x")) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "--json", "info", fdarg));
	EXPECT_NE(NULL, strstr(self->r.out, "\"prepare_count\": 1, ")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"purgeable_state\": \"volatile\", "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"dma_addr\": \"0x")) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "\"segments\": 0,")) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "empty"));
	EXPECT_EQ(8, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EBUSY ("));
	EXPECT_NE(NULL, strstr(self->r.err, "hint: empty is refused while"));
	ASSERT_EQ(0, ioctl(fd, IOBMD_IOC_COMPLETE, &dir));
	/* Still all 0x77: a prepared buffer is never discarded. */
	for (i = 0; i < 4 * (int)PAGE && p[i] == 0x77; i++)
		;
	EXPECT_EQ(4 * (int)PAGE, i);

	ASSERT_EQ(0, CTL(&self->r, "--json", "purgeable", fdarg, "empty"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"requested\": \"empty\", "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"old_state\": \"volatile\", \"state\": \"empty\"}\n"));
	/* The mapping stays and reads zero-filled pages. */
	for (i = 0; i < 4 * (int)PAGE && !p[i]; i++)
		;
	EXPECT_EQ(4 * (int)PAGE, i);
	/* Volatile after Empty stays Empty. */
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "volatile"));
	EXPECT_NE(NULL, strstr(self->r.out, ": empty, was empty\n")) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "non-volatile"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, ": nonvolatile, was empty\n")) SHOW;

	ASSERT_EQ(0, CTL(&self->r, "purgeable", wiredarg, "volatile"));
	EXPECT_EQ(4, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": EOPNOTSUPP ("));
	EXPECT_NE(NULL, strstr(self->r.err, "--pageable --purgeable"));
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg, "sticky"));
	EXPECT_EQ(2, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", fdarg));
	EXPECT_EQ(2, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", "empty"));
	EXPECT_EQ(2, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "purgeable", "--fd=0", "keep"));
	EXPECT_EQ(7, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "ENOTTY"));

	munmap(p, 4 * PAGE);
	close(fd);
	close(wfd);
	close(c.fd);
	close(wired.fd);
	close(dev);
}

/* The buffer list, parsed from a file in the kernel's format. */
TEST_F(ctl, list_parses_the_format)
{
	/* The format's example, and comm "a b=c\" with a future key. */
	static const char * const lines[] = {
		"id=3 pid=57 comm=iobmdctl capacity=4194304 length=4194304",
		" alloc=4194304 options=0x410 cache=wc kind=contiguous",
		" segments=1 maps=1 kmap=0 purgeable=none dma=0x3f400000\n",
		"id=9 pid=60 comm=a\\040b\\075c\\134 capacity=100 length=50",
		" alloc=4096 options=0x3 cache=wb kind=sg segments=1 maps=0",
		" kmap=1 purgeable=none dma=- future=1\n",
		"id=12 pid=61 comm=p capacity=65536 length=65536 alloc=65536",
		" options=0x63 cache=wb kind=pageable segments=0 maps=1 kmap=0",
		" purgeable=nonvolatile dma=0x0\n",
	};
	char path[] = "/tmp/iobmdctl_test.XXXXXX", arg[64];
	int fd = mkstemp(path);
	unsigned int i;

	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(lines); i++)
		ASSERT_EQ(strlen(lines[i]),
			  write(fd, lines[i], strlen(lines[i])));
	close(fd);
	snprintf(arg, sizeof(arg), "--debugfs=%s", path);
	ASSERT_EQ(0, CTL(&self->r, "--json", "list", arg));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "[{\"id\": 3, \"pid\": 57, "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"comm\": \"iobmdctl\", "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"capacity\": 4194304, "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"comm\": \"a b=c\\\\\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"kmap\": 1, \"purgeable\": "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"none\", \"dma\": null}, "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"dma\": \"0x3f400000\""));
	EXPECT_EQ(NULL, strstr(self->r.out, "future"));
	ASSERT_EQ(0, CTL(&self->r, "list", arg));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, " contiguous "));
	EXPECT_NE(NULL, strstr(self->r.out,
			       " 0x63     wb    pageable      0    1    0 nonvolatile 0x0\n"))
		SHOW;
	ASSERT_EQ(0, CTL(&self->r, "--json", "list", arg));
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"kind\": \"pageable\", \"segments\": 0, \"maps\": 1, "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"kmap\": 0, \"purgeable\": \"nonvolatile\", \"dma\": \"0x0\"}]"));

	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, CTL(&self->r, "list", arg));
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, strcmp(self->r.out, "no live buffers\n"));
	ASSERT_EQ(0, CTL(&self->r, "--json", "list", arg));
	EXPECT_EQ(0, strcmp(self->r.out, "[]\n"));

	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(8, write(fd, "id=1 xyz", 8));
	close(fd);
	ASSERT_EQ(0, CTL(&self->r, "list", arg));
	EXPECT_EQ(7, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "EBADMSG"));
	unlink(path);
	ASSERT_EQ(0, CTL(&self->r, "list", arg));
	EXPECT_EQ(3, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "ENOENT"));
}

/* Does `iobmdctl --json list` show a buffer of @pid? -1 when it fails. */
static int listed(struct run *r, pid_t pid)
{
	char want[48];

	if (CTL(r, "--json", "list") || r->status)
		return -1;
	snprintf(want, sizeof(want), "\"pid\": %d,", (int)pid);
	return !!strstr(r->out, want);
}

/* What the list says of the buffer that create --hold holds. */
static const char * const held[] = {
	"\"comm\": \"iobmdctl\", \"capacity\": 65536, \"length\": 65536, ",
	"\"alloc\": 65536, \"options\": \"0x410\", \"cache\": \"wc\", ",
	"\"kind\": \"contiguous\", \"segments\": 1, \"maps\": 1, ",
	"\"kmap\": 0, \"purgeable\": \"none\", \"dma\": \"0x",
};

TEST_F(ctl, list_shows_a_held_buffer)
{
	char line[4096];
	int out[2], i, status;
	ssize_t n, got = 0;
	pid_t pid;

	if (access(BUFFER_LIST, F_OK))
		SKIP(return, "%s: %s (the kernel has no buffer list yet)",
		     BUFFER_LIST, strerror(errno));
	ASSERT_EQ(0, pipe(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execl(ctl_path(), "iobmdctl", "create", "64K", "--contiguous",
		      "--cache=wc", "--hold=60", NULL);
		_exit(127);
	}
	close(out[1]);
	/* The table is printed once the buffer exists. */
	while (got < (ssize_t)sizeof(line) - 1 &&
	       (n = read(out[0], line + got, sizeof(line) - 1 - got)) > 0) {
		got += n;
		line[got] = 0;
		if (strstr(line, "task mapping"))
			break;
	}
	line[got] = 0;
	ASSERT_NE(NULL, strstr(line, "task mapping")) TH_LOG("%s", line);

	for (i = 0; i < 50 && listed(&self->r, pid) == 0; i++)
		usleep(100000);
	EXPECT_EQ(1, listed(&self->r, pid)) SHOW;
	for (i = 0; i < ARRAY_SIZE(held); i++)
		EXPECT_NE(NULL, strstr(self->r.out, held[i]))
			TH_LOG("no held[%d] in %s", i, self->r.out);
	ASSERT_EQ(0, CTL(&self->r, "list"));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out, "CAPACITY"));
	EXPECT_NE(NULL, strstr(self->r.out, " iobmdctl "));

	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(out[0]);
	for (i = 0; i < 50 && listed(&self->r, pid) == 1; i++)
		usleep(100000);
	EXPECT_EQ(0, listed(&self->r, pid)) SHOW;
}

TEST_F(ctl, demo)
{
	ASSERT_EQ(0, CTL(&self->r, "demo"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "[5] withBytes"));
	EXPECT_NE(NULL, strstr(self->r.out, "[6] setPurgeable(volatile): old state nonvolatile"))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "[6] setPurgeable(empty): old state volatile; "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "the mapping reads 262144 zero bytes"));
	EXPECT_NE(NULL, strstr(self->r.out, "[6] setPurgeable(nonvolatile): old state empty"));
	EXPECT_NE(NULL, strstr(self->r.out, "[6] prepare(inout): pinned, "));
	EXPECT_NE(NULL, strstr(self->r.out, "segments before prepare"));
	EXPECT_NE(NULL, strstr(self->r.out, "Released all six"));
	/* The device DMA: the edu's copy shown, or no free edu (bound). */
	EXPECT_TRUE(strstr(self->r.out, "copied by edu's DMA engine\"") ||
		    strstr(self->r.out, "[7] no edu PCI device")) SHOW;
	if (access(BUFFER_LIST, F_OK)) {
		EXPECT_NE(NULL, strstr(self->r.out, "not available"));
	} else {
		EXPECT_NE(NULL, strstr(self->r.out, "6 of them the demo's"))
			SHOW;
		EXPECT_NE(NULL, strstr(self->r.out, " pageable ")) SHOW;
		EXPECT_NE(NULL, strstr(self->r.out, " nonvolatile ")) SHOW;
	}
	ASSERT_EQ(0, CTL(&self->r, "--json", "demo"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_EQ('{', self->r.out[0]);
	EXPECT_NE(NULL, strstr(self->r.out, "\"buffers\": [{\"name\": "));
	EXPECT_NE(NULL, strstr(self->r.out, "\"kind\": \"pageable\""));
	EXPECT_NE(NULL, strstr(self->r.out, "}\n"));
}

/* The command export runs: the dma-buf's fdinfo, from its fd. */
#define SHOW_DMABUF "cat /proc/self/fdinfo/$IOBMD_DMABUF_FD"

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The access mode of the "flags:" line of an fdinfo in @out, or -1. */
static int fdinfo_accmode(const char *out)
{
	const char *p = strstr(out, "flags:\t");

	return p ? (int)(strtol(p + 7, NULL, 8) & O_ACCMODE) : -1;
}

/*
 * export: the command gets the dma-buf of a new buffer as fd 3 (or
 * --dmabuf-fd), named in IOBMD_DMABUF_FD; the tables show it.
 */
TEST_F(ctl, export_runs_the_command)
{
	long live = iobmd_stat("live_buffers");

	ASSERT_EQ(0, CTL(&self->r, "export", "12K", "--fill=0x5a", "--",
			 "sh", "-c", SHOW_DMABUF));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "buffer fd ")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "capacity        12288"));
	EXPECT_NE(NULL, strstr(self->r.out, "dma-buf fd 3 (in the command)\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "  size            12288\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "  exporter        iobmd\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "  access          read-write\n"));
	/* What the command itself saw. */
	EXPECT_NE(NULL, strstr(self->r.out, "\nexp_name:\tiobmd\n")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\nsize:\t12288\n")) SHOW;
	EXPECT_EQ(O_RDWR, fdinfo_accmode(self->r.out)) SHOW;
	/* Nothing outlives iobmdctl and its command. */
	EXPECT_EQ(live, iobmd_stat("live_buffers"));

	/* Another fd; 3 is then no dma-buf of iobmd's. */
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--dmabuf-fd=7",
			 "--read-only", "--", "sh", "-c",
			 "echo fd=$IOBMD_DMABUF_FD; "
			 "grep -q iobmd /proc/self/fdinfo/3 && echo three; "
			 "cat /proc/self/fdinfo/7"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "dma-buf fd 7 (in the command)"));
	EXPECT_NE(NULL, strstr(self->r.out, "  access          read-only\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "\nfd=7\n")) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "three")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\nexp_name:\tiobmd\n")) SHOW;
	EXPECT_EQ(O_RDONLY, fdinfo_accmode(self->r.out)) SHOW;

	/* --json: one object, the buffer's and the dma-buf's, first. */
	ASSERT_EQ(0, CTL(&self->r, "--json", "export", "4K", "--unmapped",
			 "--", "true"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_TRUE(starts_with(self->r.out, "{\"buffer\": {\"fd\": ")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"task_mapped\": false}, \"heap\": null, "));
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"dmabuf\": {\"fd\": 3, \"size\": 4096, \"exp_name\": \"iobmd\", "))
		SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\"access\": \"read-write\"}}\n"));

	/* --dump: the buffer after the command, as create's. */
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--fill=0xab", "--dump",
			 "--", "true"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, dump_ab)) SHOW;
}

/* The command's exit status is export's; iobmdctl's own come before. */
TEST_F(ctl, export_exit_status)
{
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "sh", "-c",
			 "exit 42"));
	EXPECT_EQ(42, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "false"));
	EXPECT_EQ(1, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "sh", "-c",
			 "kill -KILL $$"));
	EXPECT_EQ(128 + SIGKILL, self->r.status) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "/nonexistent"));
	EXPECT_EQ(127, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "export: run /nonexistent: ENOENT"));
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "/proc"));
	EXPECT_EQ(126, self->r.status) SHOW;
	/* The kernel refused the buffer: create's status, no command. */
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--cache=writethru", "--",
			 "sh", "-c", "echo ran"));
	EXPECT_EQ(4, self->r.status) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "ran"));
}

/* --heap: the dma-buf of a heap's buffer; --fd: an inherited buffer's. */
TEST_F(ctl, export_heap_and_fd)
{
	struct iobmd_create c;
	char fdarg[32], want[64];
	int dev, fd;

	ASSERT_EQ(0, CTL(&self->r, "export", "5000", "--heap=contig", "--",
			 "sh", "-c", SHOW_DMABUF));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "buffer fd"));
	EXPECT_NE(NULL, strstr(self->r.out, "  size            8192\n")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\nexp_name:\tiobmd\n")) SHOW;
	ASSERT_EQ(0, CTL(&self->r, "--json", "export", "4K", "--heap=dma32",
			 "--", "true"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_TRUE(starts_with(self->r.out,
				"{\"buffer\": null, \"heap\": \"dma32\", ")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out,
			       "\"dmabuf\": {\"fd\": 3, \"size\": 4096, "));
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--heap=nosuch", "--",
			 "sh", "-c", "echo ran"));
	EXPECT_EQ(3, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, "iobmd-nosuch: ENOENT"));
	EXPECT_EQ(NULL, strstr(self->r.out, "ran"));

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 3 * PAGE, IOBMD_DIRECTION_INOUT, 0, &c));
	fd = dup(c.fd);		/* without O_CLOEXEC */
	ASSERT_LE(0, fd);
	ASSERT_EQ(12, pwrite(fd, "from the fd\n", 12, 0));
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", fd);
	snprintf(want, sizeof(want), "buffer fd %d\n", fd);
	ASSERT_EQ(0, CTL(&self->r, "export", fdarg, "--dmabuf-fd=9",
			 "--dump", "--length=12", "--", "sh", "-c",
			 "cat /proc/self/fdinfo/9"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, want)) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "capacity        12288"));
	EXPECT_NE(NULL, strstr(self->r.out, "\nsize:\t12288\n")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "\nexp_name:\tiobmd\n")) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "|from the fd.|")) SHOW;
	/* The caller's buffer stays: export does not release it. */
	EXPECT_EQ(0, fcntl(fd, F_GETFD));
	/* --fd takes no create options; not a buffer fd is ENOTTY. */
	ASSERT_EQ(0, CTL(&self->r, "export", fdarg, "--contiguous", "--",
			 "true"));
	EXPECT_EQ(2, self->r.status) SHOW;
	close(fd);
	fd = dup(dev);		/* /dev/iobmd, inherited: not a buffer */
	ASSERT_LE(0, fd);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", fd);
	ASSERT_EQ(0, CTL(&self->r, "export", fdarg, "--dmabuf-fd=9", "--",
			 "sh", "-c", "echo ran"));
	EXPECT_EQ(7, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.err, ": ENOTTY (")) SHOW;
	EXPECT_EQ(NULL, strstr(self->r.out, "ran"));
	close(fd);
	close(c.fd);
	close(dev);
}

/* Bad uses of export are exit status 2, and never run the command. */
TEST_F(ctl, export_usage_errors)
{
	static const char *const bad[][8] = {
		{ "export", "4K", "sh", "-c", "echo ran" },	/* no -- */
		{ "export", "4K", "--" },
		{ "export", "--", "sh", "-c", "echo ran" },
		{ "export", "4K", "8K", "--", "sh", "-c", "echo ran" },
		{ "export", "4X", "--", "sh", "-c", "echo ran" },
		{ "export", "4K", "--hold=1", "--", "sh", "-c", "echo ran" },
		{ "export", "4K", "--heap=", "--", "sh", "-c", "echo ran" },
		{ "export", "4K", "--heap=../system", "--", "sh", "-c",
		  "echo ran" },
		{ "export", "4K", "--heap=sg", "--contiguous", "--", "sh",
		  "-c", "echo ran" },
		{ "export", "4K", "--heap=sg", "--dump", "--", "sh", "-c",
		  "echo ran" },
		{ "export", "--fd=0", "--heap=sg", "--", "sh", "-c",
		  "echo ran" },
		{ "export", "--fd=3", "--", "sh", "-c", "echo ran" },
		{ "export", "--fd=5", "4K", "--", "sh", "-c", "echo ran" },
		{ "export", "4K", "--dmabuf-fd=2", "--", "sh", "-c",
		  "echo ran" },
		{ "export", "4K", "--dmabuf-fd=x", "--", "sh", "-c",
		  "echo ran" },
		{ "export", "4K", "--bogus", "--", "sh", "-c", "echo ran" },
		{ "--json", "export", "4K", "--dump", "--", "sh", "-c",
		  "echo ran" },
		{ "create", "4K", "--heap=sg" },
		{ "create", "4K", "--dmabuf-fd=4" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, ctl(&self->r, bad[i]));
		EXPECT_EQ(2, self->r.status)
			TH_LOG("case %u: %s", i, self->r.err);
		EXPECT_EQ(NULL, strstr(self->r.out, "ran")) TH_LOG("case %u", i);
	}
	/* Negative control: the same command runs when the use is right. */
	ASSERT_EQ(0, CTL(&self->r, "export", "4K", "--", "sh", "-c",
			 "echo ran"));
	EXPECT_EQ(0, self->r.status) SHOW;
	EXPECT_NE(NULL, strstr(self->r.out, "ran\n"));
}

TEST_HARNESS_MAIN
