/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmdctl: the command-line tool of iobmd. Declarations shared by its
 * files: iobmdctl.c (commands), options.c (their options), export.c
 * (export), util.c (parsing, errors), show.c (tables, JSON, hexdump),
 * list.c (the debugfs buffer list), demo.c and device.c (make run's demo).
 */
#ifndef IOBMDCTL_H
#define IOBMDCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libiobmd.h>
#include <linux/iobmd.h>

#define IOBMDCTL_VERSION "1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* As the kernel's; checkpatch would have it so even here. */
#define __printf(f, a) __attribute((format(printf, f, a)))

/* Exit status of every command, one per class of error. */
enum {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_DEVICE = 3,	/* device missing, permission */
	EXIT_UNSUPPORTED = 4,	/* EOPNOTSUPP */
	EXIT_NOMEM = 5,		/* ENOMEM, ENOSPC, EFBIG */
	EXIT_INVALID = 6,	/* EINVAL, E2BIG, ERANGE from the kernel */
	EXIT_KERNEL = 7,	/* any other error */
	EXIT_BUSY = 8,		/* EBUSY: the buffer is prepared */
};

/* Global options. */
extern bool opt_json;
extern const char *opt_debugfs;

/* util.c */
int parse_size(const char *s, uint64_t *out);
int parse_u64(const char *s, uint64_t *out);
int parse_byte(const char *s, unsigned char *out);
int parse_cache(const char *s, uint32_t *mode);
int parse_direction(const char *s, uint32_t *dir);
int parse_purgeable(const char *s, uint32_t *state);
const char *purgeable_name(uint32_t state);
const char *cache_short(uint32_t mode);
const char *cache_long(uint32_t mode);
const char *direction_name(uint32_t options);
void human_size(uint64_t n, char *buf, size_t len);
int exit_class(int err);
__printf(3, 4) int fail(int err, const char *hint, const char *fmt, ...);
__printf(1, 2) int usage_error(const char *fmt, ...);
const char *hint_for(int err);

/*
 * options.c: the options of create, info, fill, dump, purgeable and
 * export, parsed into one struct; the hints for a refused create.
 */
struct ctl_opts {
	struct libiobmd_create_args args;
	bool map;
	bool fill, pattern, dump;
	unsigned char byte;
	uint64_t offset, length;
	bool have_length;
	long fd;
	unsigned long hold;
	uint32_t purgeable;	/* --purgeable-state, or 0 */
	const char *heap;	/* --heap, or NULL */
	long dmabuf_fd;		/* --dmabuf-fd, or -1 */
	bool read_only;		/* --read-only */
	uint64_t given;		/* OPT_BIT() of every option given */
};

enum {
	OPT_CONTIGUOUS = 256, OPT_CACHE, OPT_MASK, OPT_ALIGN, OPT_DIRECTION,
	OPT_MAPPER_NONE, OPT_KUS, OPT_PAGEABLE, OPT_PURGEABLE, OPT_MAP,
	OPT_UNMAPPED, OPT_FILL, OPT_PATTERN, OPT_OFFSET, OPT_LENGTH, OPT_DUMP,
	OPT_HOLD, OPT_FD, OPT_PURGEABLE_STATE, OPT_HEAP, OPT_DMABUF_FD,
	OPT_READ_ONLY,
};

#define OPT_BIT(opt) (1ULL << ((opt) - OPT_CONTIGUOUS))

extern const char size_expect[];
extern const char purgeable_expect[];
int parse_options(int argc, char **argv, struct ctl_opts *o, int *first_arg);
int bad_value(const char *opt, const char *value, int err,
	      const char *expect);
const char *create_hint(int err, const struct libiobmd_create_args *a);

/* iobmdctl.c: what create and export share; export.c */
int make_buffer(const char *cmd, struct ctl_opts *o, void **mapped,
		uint32_t *old_state);
int buffer_range(const char *cmd, int fd, struct ctl_opts *o);
int cmd_export(int argc, char **argv);

/* show.c */
void json_string(FILE *f, const char *s);
int get_info(int fd, struct iobmd_info *info);
void show_info(FILE *f, int fd, const struct iobmd_info *info,
	       const void *mapped, int old_state);
int hexdump(FILE *f, int fd, uint64_t offset, uint64_t length);

/*
 * One line of the debugfs buffer list. Numbers that a line does not carry
 * are -1 (all ones); strings are "" then.
 */
struct list_entry {
	uint64_t id;
	uint64_t pid;
	char comm[64];
	uint64_t capacity;
	uint64_t length;
	uint64_t alloc;
	uint64_t options;
	char cache[16];
	char kind[16];
	uint64_t segments;
	uint64_t maps;
	uint64_t kmap;
	char purgeable[16];
	char dma[24];
};

/* list.c */
const char *debugfs_list_path(void);
int list_parse_line(char *line, struct list_entry *e);
int list_read(struct list_entry **entries, size_t *count, char *what,
	      size_t what_len, const char **hint);
void list_print(FILE *f, const struct list_entry *e, size_t n);
int cmd_list(int argc, char **argv);

/* demo.c: what make run shows; device.c: its device DMA step. */
#define MAX_STEPS 32
struct demo {
	int dev;
	int status;		/* exit status of the first error */
	char *steps[MAX_STEPS];
	unsigned int nsteps;
};

int cmd_demo(int argc, char **argv);
__printf(2, 3) void step(struct demo *d, const char *fmt, ...);
void demo_error(struct demo *d, int status);
int check_same(struct demo *d, const char *what, const void *a,
	       const void *b, size_t n);
void demo_device(struct demo *d);

#endif /* IOBMDCTL_H */
