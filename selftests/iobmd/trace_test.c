// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd's tracepoints, through tracefs as trace-cmd or perf would use
 * them: enable events/iobmd, drive a buffer through its life, and find
 * each event, with the buffer's id and fields, in order, in the trace;
 * and the purges of a purgeable buffer.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define TRACEFS "/sys/kernel/tracing"
#define CAPACITY 12345

/* Disable events/iobmd and read the trace; NULL on failure. */
static char *stop_trace(void)
{
	if (iobmd_write_file(TRACEFS "/events/iobmd/enable", "0"))
		return NULL;
	return iobmd_read_trace();
}

/*
 * The first line at or after @from with "@event: " and every word of
 * @fields; NULL when there is none.
 */
static const char *find_event(const char *from, const char *event,
			      const char *fields)
{
	char want[64], word[64];
	const char *line = from;

	snprintf(want, sizeof(want), " %s: ", event);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *f = fields;
		char copy[512];
		int ok, n;

		snprintf(copy, sizeof(copy), "%.*s", (int)len, line);
		ok = !!strstr(copy, want);
		while (ok && sscanf(f, "%63s%n", word, &n) == 1) {
			char spaced[70];

			snprintf(spaced, sizeof(spaced), " %s", word);
			ok = !!strstr(copy, spaced);
			f += n;
		}
		if (ok)
			return line;
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/*
 * The first iobmd_create event with @fields: its line into *@create, and
 * the buffer's id; 0 when there is none.
 */
static unsigned long long created(const char *trace, const char *fields,
				  const char **create)
{
	const char *at;

	*create = find_event(trace, "iobmd_create", fields);
	at = *create ? strstr(*create, "id=") : NULL;
	return at ? strtoull(at + 3, NULL, 10) : 0;
}

TEST(events_follow_a_buffer)
{
	struct iobmd_direction dir = { .direction = IOBMD_DIRECTION_IN };
	const char *create, *map, *prep, *comp, *free_ev;
	struct iobmd_create c, bad;
	char fields[128], *trace;
	unsigned long long id;
	int dev;
	void *p;

	ASSERT_EQ(0, iobmd_write_file(TRACEFS "/events/iobmd/enable", "1"))
		TH_LOG("tracefs events/iobmd: needs CONFIG_EVENT_TRACING");
	ASSERT_EQ(0, iobmd_write_file(TRACEFS "/trace", ""));

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, CAPACITY, IOBMD_DIRECTION_INOUT,
				  IOBMD_CREATE_MAP_TASK, &c));
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, c.fd, PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_PREPARE, &dir));
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_COMPLETE, &dir));
	EXPECT_EQ(-EINVAL, iobmd_create(dev, 0, 0, 0, &bad));
	munmap(p, 3 * PAGE);
	munmap((void *)(uintptr_t)c.address, 4 * PAGE);
	close(c.fd);
	close(dev);

	trace = stop_trace();
	ASSERT_NE(NULL, trace);

	id = created(trace,
		     "capacity=12345 alloc_size=16384 options=0x3 memory=pages",
		     &create);
	ASSERT_NE(0, id) TH_LOG("no iobmd_create in:\n%s", trace);

	/* The task mapping, then the later mapping at offset 4096. */
	snprintf(fields, sizeof(fields), "id=%llu offset=0 length=16384 err=0",
		 id);
	map = find_event(create, "iobmd_map", fields);
	EXPECT_NE(NULL, map);
	snprintf(fields, sizeof(fields),
		 "id=%llu offset=4096 length=12288 cache_mode=0x300 by_pfn=0 err=0",
		 id);
	EXPECT_NE(NULL, find_event(map, "iobmd_map", fields));

	snprintf(fields, sizeof(fields), "id=%llu direction=1 count=1 err=0",
		 id);
	prep = find_event(create, "iobmd_prepare", fields);
	EXPECT_NE(NULL, prep);
	snprintf(fields, sizeof(fields), "id=%llu direction=1 count=0 err=0",
		 id);
	comp = find_event(prep, "iobmd_complete", fields);
	EXPECT_NE(NULL, comp);
	EXPECT_NE(NULL, find_event(trace, "iobmd_create_error",
				   "capacity=0 err=-22"));
	snprintf(fields, sizeof(fields), "id=%llu capacity=12345", id);
	free_ev = find_event(comp, "iobmd_free", fields);
	EXPECT_NE(NULL, free_ev) TH_LOG("trace:\n%s", trace);
	free(trace);
}

/*
 * A pageable purgeable buffer: created with memory=shmem, and purged
 * twice - by set_purgeable(Empty) with the bytes it held, and by the
 * shrinker (drop_caches) once volatile.
 */
TEST(purge_events)
{
	struct iobmd_purgeable empty = { .new_state = IOBMD_PURGEABLE_EMPTY };
	struct iobmd_purgeable vol = { .new_state = IOBMD_PURGEABLE_VOLATILE };
	struct iobmd_purgeable nonvol = {
		.new_state = IOBMD_PURGEABLE_NON_VOLATILE,
	};
	const char *create, *purge;
	char fields[128], *trace;
	unsigned long long id;
	struct iobmd_create c;
	int dev;

	ASSERT_EQ(0, iobmd_write_file(TRACEFS "/events/iobmd/enable", "1"));
	ASSERT_EQ(0, iobmd_write_file(TRACEFS "/trace", ""));
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 4 * PAGE, IOBMD_MEMORY_PAGEABLE |
				  IOBMD_MEMORY_PURGEABLE,
				  IOBMD_CREATE_MAP_TASK, &c));
	memset((void *)(uintptr_t)c.address, 1, 4 * PAGE);
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_SET_PURGEABLE, &empty));
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_SET_PURGEABLE, &nonvol));
	memset((void *)(uintptr_t)c.address, 2, 2 * PAGE);
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_SET_PURGEABLE, &vol));
	ASSERT_EQ(0, iobmd_write_file("/proc/sys/vm/drop_caches", "2"));
	munmap((void *)(uintptr_t)c.address, 4 * PAGE);
	close(c.fd);
	close(dev);
	trace = stop_trace();
	ASSERT_NE(NULL, trace);
	id = created(trace, "capacity=16384 options=0x60 segments=0 memory=shmem",
		     &create);
	ASSERT_NE(0, id) TH_LOG("no iobmd_create in:\n%s", trace);
	snprintf(fields, sizeof(fields), "id=%llu bytes=16384 by=set_purgeable",
		 id);
	purge = find_event(create, "iobmd_purge", fields);
	ASSERT_NE(NULL, purge) TH_LOG("trace:\n%s", trace);
	snprintf(fields, sizeof(fields), "id=%llu bytes=8192 by=shrinker", id);
	EXPECT_NE(NULL, find_event(purge, "iobmd_purge", fields))
		TH_LOG("trace:\n%s", trace);
	free(trace);
}

TEST_HARNESS_MAIN
