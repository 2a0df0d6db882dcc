// SPDX-License-Identifier: GPL-2.0
/*
 * Contiguous buffers larger than the page allocator's largest block
 * (4 MiB) under a physical mask the CMA area does not satisfy: the VM's
 * CMA lies above 4 GiB, so 8, 64 and 256 MiB under a 32-bit mask and
 * 16 MiB under a 28-bit one come from alloc_contig_range() (kmod/contig.c).
 * Each is checked from outside iobmd where it can be: one segment below
 * the mask (GET_SEGMENTS, proved by /proc/self/pagemap on the page-backed
 * mapping), zeroed, the cache modes in the kernel's page tables, the
 * alignment, the byte limits, O_DIRECT through the mapping, the debugfs
 * counters and the tracepoint. Under pressure: with low memory filled by
 * page cache (tmpfs) and anonymous memory, the pages that lay in the new
 * buffer's range are shown migrated (pagemap) with their data intact; and
 * with the mask's memory held by unmovable pages (iobmd's own contiguous
 * buffers: user space has no other way to put kernel allocations below a
 * given address), a create fails with ENOMEM, at once, saying why, while
 * freeing one of them lets the same create pass. Run as root (pagemap
 * PFNs, debugfs, tracefs, mount).
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include <linux/dma-heap.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "ptdump.h"

#define MIB (1024UL * 1024)
#define MASK32 0xFFFFFFFFULL
#define MASK28 0x0FFFFFFFULL
#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS
#define TRACEFS "/sys/kernel/tracing"
#define PARAMS "/sys/module/iobmd/parameters/"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A create with a physical mask and an alignment: 0 or -errno. */
static int create(int dev, __u64 size, __u32 options, __u64 mask,
		  __u64 align, __u32 flags, struct iobmd_create *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = size;
	c->options = options;
	c->flags = flags;
	c->physical_mask = mask;
	c->alignment = align;
	return ioctl(dev, IOBMD_IOC_CREATE, c) ? -errno : 0;
}

/* The one segment of a buffer: its count, and the first one in *seg. */
static int segments(int fd, struct iobmd_segment *seg)
{
	struct iobmd_segment s[2] = { 0 };
	struct iobmd_segments g = {
		.segments = (uintptr_t)s,
		.count = 2,
	};

	if (ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &g))
		return -errno;
	*seg = s[0];
	return g.count;
}

static long contig_count(const char *result)
{
	char name[64];

	snprintf(name, sizeof(name), "contig_range_%s", result);
	return iobmd_stat(name);
}

/* Searches that failed, by any reason. */
static long contig_failures(void)
{
	return contig_count("no_range") + contig_count("busy") +
	       contig_count("no_memory") + contig_count("interrupted");
}

/* The trace, read whole (malloc()ed), with the events disabled. */
static char *trace_stop(void)
{
	iobmd_write_file(TRACEFS "/events/iobmd/enable", "0");
	return iobmd_read_trace();
}

static int trace_start(void)
{
	return iobmd_write_file(TRACEFS "/trace", "") ?:
	       iobmd_write_file(TRACEFS "/events/iobmd/enable", "1");
}

/* The value of " @key=" in the last iobmd_contig_range event; "" if none. */
static void last_search(const char *trace, const char *key, char *val,
			size_t size)
{
	const char *line = NULL, *p = trace;
	char want[40];
	size_t n;

	val[0] = 0;
	while (p && (p = strstr(p, " iobmd_contig_range: ")))
		line = p++;
	if (!line)
		return;
	snprintf(want, sizeof(want), " %s=", key);
	p = strstr(line, want);
	if (!p || (strchr(line, '\n') && p > strchr(line, '\n')))
		return;
	p += strlen(want);
	n = strcspn(p, "\n ");
	snprintf(val, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

FIXTURE(contig) {
	int dev;
	struct iobmd_create c;
	unsigned char *p;
};

FIXTURE_VARIANT(contig) {
	__u64 size;
	__u64 mask;
};

/* The sizes of issue 16: what the buddy allocator and this CMA cannot give. */
FIXTURE_VARIANT_ADD(contig, m8_32bit) { .size = 8 * MIB, .mask = MASK32 };
FIXTURE_VARIANT_ADD(contig, m64_32bit) { .size = 64 * MIB, .mask = MASK32 };
FIXTURE_VARIANT_ADD(contig, m256_32bit) { .size = 256 * MIB, .mask = MASK32 };
FIXTURE_VARIANT_ADD(contig, m16_28bit) { .size = 16 * MIB, .mask = MASK28 };

FIXTURE_SETUP(contig)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	self->c.fd = -1;
}

FIXTURE_TEARDOWN(contig)
{
	if (self->p)
		munmap(self->p, variant->size);
	if (self->c.fd >= 0)
		close(self->c.fd);
	close(self->dev);
}

/*
 * The buffer is one segment below the mask, where pagemap says its pages
 * are; zeroed; the search and the create are in the trace and in debugfs.
 */
TEST_F_TIMEOUT(contig, one_segment_below_mask, 600)
{
	long allocated = contig_count("allocated"), live;
	struct iobmd_segment seg;
	char val[64], line[1024], *trace;
	double t0;
	__u64 i;

	ASSERT_LE(0, allocated) TH_LOG("no contig_range_allocated in stats");
	live = iobmd_stat("bytes_contiguous_wb");
	ASSERT_EQ(0, trace_start());
	t0 = now_s();
	ASSERT_EQ(0, create(self->dev, variant->size, CONTIG, variant->mask, 0,
			    IOBMD_CREATE_MAP_TASK, &self->c));
	TH_LOG("%llu MiB under %#llx: created in %.3f s",
	       (unsigned long long)variant->size / MIB,
	       (unsigned long long)variant->mask, now_s() - t0);
	self->p = (unsigned char *)(uintptr_t)self->c.address;
	trace = trace_stop();
	ASSERT_NE(NULL, trace);

	ASSERT_EQ(1, segments(self->c.fd, &seg));
	EXPECT_EQ(variant->size, seg.length);
	EXPECT_GE(variant->mask, seg.address + seg.length - 1);
	EXPECT_EQ(0, seg.address % PAGE);
	/* The mapping is page-backed: pagemap shows the same frames. */
	for (i = 0; i < variant->size; i += variant->size / 8)
		EXPECT_EQ((seg.address + i) / PAGE, pagemap_pfn(self->p + i));
	EXPECT_EQ((seg.address + variant->size - PAGE) / PAGE,
		  pagemap_pfn(self->p + variant->size - PAGE));
	EXPECT_TRUE(iobmd_all_bytes(self->p, variant->size, 0));
	for (i = 0; i < variant->size; i += PAGE)
		self->p[i] = (unsigned char)(i / PAGE * 7 + 1);
	for (i = 0; i < variant->size; i += PAGE)
		if (self->p[i] != (unsigned char)(i / PAGE * 7 + 1))
			break;
	EXPECT_EQ(variant->size, i);

	/* The search said it allocated that very range. */
	EXPECT_EQ(allocated + 1, contig_count("allocated"));
	last_search(trace, "result", val, sizeof(val));
	EXPECT_STREQ("allocated", val);
	last_search(trace, "pfn", val, sizeof(val));
	EXPECT_EQ(seg.address / PAGE, strtoull(val, NULL, 16));
	last_search(trace, "us", val, sizeof(val));
	TH_LOG("search: %s us in the kernel", val);
	EXPECT_NE(NULL, strstr(trace, " memory=range "));
	free(trace);
	EXPECT_EQ(live + (long)variant->size, iobmd_stat("bytes_contiguous_wb"));
	ASSERT_EQ(0, iobmd_buffer_line(variant->size, line, sizeof(line)));
	iobmd_buffer_field(line, "kind", val, sizeof(val));
	EXPECT_STREQ("contiguous", val);
	iobmd_buffer_field(line, "segments", val, sizeof(val));
	EXPECT_STREQ("1", val);
}

/*
 * The tests without variants; each may take long under TCG. The byte
 * limits (half the RAM by default) are read first and put back after,
 * for the tests that set them.
 */
FIXTURE(range) {
	long long max_buffer;
	long long max_total;
};

static int set_limit(const char *name, long long v)
{
	char path[128], s[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(s, sizeof(s), "%lld", v);
	return iobmd_write_file(path, s);
}

FIXTURE_SETUP(range)
{
	self->max_buffer = iobmd_param("max_buffer_bytes");
	self->max_total = iobmd_param("max_total_bytes");
	ASSERT_LE(0, self->max_buffer);
	ASSERT_LE(0, self->max_total);
}

FIXTURE_TEARDOWN(range)
{
	EXPECT_EQ(0, set_limit("max_buffer_bytes", self->max_buffer));
	EXPECT_EQ(0, set_limit("max_total_bytes", self->max_total));
}

/*
 * O_DIRECT from a block device into the end of a 64 MiB buffer's mapping,
 * and out of its start: the block layer pins the range's pages.
 */
TEST_F_TIMEOUT(range, o_direct_into_mapping, 300)
{
	const size_t len = MIB, size = 64 * MIB;
	int dev = iobmd_open(), ram;
	struct iobmd_create c;
	unsigned char *src, *p;

	ram = open("/dev/ram0", O_RDWR | O_DIRECT | O_CLOEXEC);
	if (ram < 0)
		SKIP(return, "/dev/ram0: %s", strerror(errno));
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, create(dev, size, CONTIG, MASK32, 0,
			    IOBMD_CREATE_MAP_TASK, &c));
	p = (unsigned char *)(uintptr_t)c.address;
	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	memset(src, 0x5a, len);
	ASSERT_EQ(len, pwrite(ram, src, len, 0));
	ASSERT_EQ(len, pread(ram, p + size - len, len, 0))
		TH_LOG("O_DIRECT read: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(p + size - len, src, len));
	/* And out again from the start of the buffer. */
	memset(p, 0x3c, len);
	ASSERT_EQ(len, pwrite(ram, p, len, len));
	ASSERT_EQ(len, pread(ram, src, len, len));
	EXPECT_TRUE(iobmd_all_bytes(src, len, 0x3c));
	munmap(src, len);
	munmap(p, size);
	close(c.fd);
	close(ram);
	close(dev);
}

/* Frames of the first, middle and last pages of a buffer at @phys. */
static void frames(__u64 phys, __u64 len, __u64 *pfn)
{
	pfn[0] = phys / PAGE;
	pfn[1] = (phys + len / 2) / PAGE;
	pfn[2] = (phys + len - PAGE) / PAGE;
}

static int direct_types(const __u64 *pfn, int *types)
{
	__u64 base = ptdump_page_offset(), addrs[3];
	int i;

	for (i = 0; i < 3; i++)
		addrs[i] = base + pfn[i] * PAGE;
	return base ? ptdump_types(PTDUMP_KERNEL, addrs, 3, types) : -1;
}

/* Of three pages, those whose type is not @want; each is logged. */
static int wrong_types(struct __test_metadata *_metadata, const int *types,
		       int want, const char *what)
{
	int i, bad = 0;

	for (i = 0; i < 3; i++) {
		if (types[i] == want)
			continue;
		TH_LOG("%s page %d: %s, want %s", what, i,
		       mem_type_name(types[i]), mem_type_name(want));
		bad++;
	}
	return bad;
}

/*
 * UC- and WC: the user mapping and the direct map of the range have the
 * type while the buffer lives, and the direct map is write-back again
 * after it is freed (before free_contig_range() gave the pages back).
 */
TEST_F_TIMEOUT(range, cache_modes_set_and_restored, 300)
{
	static const struct { __u32 mode; int type; } modes[] = {
		{ IOBMD_MAP_INHIBIT_CACHE, MT_UC_MINUS },
		{ IOBMD_MAP_WRITE_COMBINE_CACHE, MT_WC },
		{ IOBMD_MAP_COPYBACK_CACHE, MT_WB },
	};
	const __u64 len = 8 * MIB;
	int dev = iobmd_open(), m, i, types[3];
	__u64 pfn[3], user[3];
	struct iobmd_segment seg;
	struct iobmd_create c;
	unsigned char *p;

	ASSERT_LE(0, dev);
	for (m = 0; m < 3; m++) {
		long ranges = contig_count("allocated");

		ASSERT_EQ(0, create(dev, len, CONTIG | modes[m].mode, MASK32,
				    0, IOBMD_CREATE_MAP_TASK, &c));
		EXPECT_EQ(ranges + 1, contig_count("allocated"));
		p = (unsigned char *)(uintptr_t)c.address;
		ASSERT_EQ(1, segments(c.fd, &seg));
		frames(seg.address, len, pfn);
		for (i = 0; i < 3; i++) {
			user[i] = (uintptr_t)p + (pfn[i] - pfn[0]) * PAGE;
			p[(pfn[i] - pfn[0]) * PAGE] = i;
		}
		ASSERT_EQ(0, ptdump_types(PTDUMP_CURRENT, user, 3, types));
		EXPECT_EQ(0, wrong_types(_metadata, types, modes[m].type, "user"));
		ASSERT_EQ(0, direct_types(pfn, types));
		EXPECT_EQ(0, wrong_types(_metadata, types, modes[m].type,
					 "direct"));
		ASSERT_EQ(0, munmap(p, len));
		ASSERT_EQ(0, close(c.fd));
		ASSERT_EQ(0, direct_types(pfn, types));
		EXPECT_EQ(0, wrong_types(_metadata, types, MT_WB, "freed"));
	}
	close(dev);
}

/* An explicit alignment, and one a mask's trailing zeros give. */
TEST_F_TIMEOUT(range, alignment, 300)
{
	int dev = iobmd_open();
	struct iobmd_segment seg;
	struct iobmd_create c;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, create(dev, 8 * MIB, CONTIG, MASK32, 64 * MIB, 0, &c));
	ASSERT_EQ(1, segments(c.fd, &seg));
	EXPECT_EQ(0, seg.address % (64 * MIB));
	EXPECT_GE(MASK32, seg.address + seg.length - 1);
	close(c.fd);
	/* 0xFF000000: 16 MiB aligned, below 4 GiB. */
	ASSERT_EQ(0, create(dev, 8 * MIB + 5, CONTIG, 0xFF000000ULL, 0, 0, &c));
	ASSERT_EQ(1, segments(c.fd, &seg));
	EXPECT_EQ(0, seg.address % (16 * MIB));
	EXPECT_EQ(8 * MIB + 5, seg.length);
	EXPECT_GE(MASK32, seg.address + 8 * MIB + PAGE - 1);
	close(c.fd);
	close(dev);
}

/* The byte limits refuse before any search: no counter moves. */
TEST_F_TIMEOUT(range, byte_limits_before_search, 300)
{
	long searches = contig_count("allocated") + contig_failures();
	int dev = iobmd_open();
	struct iobmd_create c, held;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, set_limit("max_buffer_bytes", 8 * MIB));
	EXPECT_EQ(-EFBIG, create(dev, 8 * MIB + 1, CONTIG, MASK32, 0, 0, &c));
	EXPECT_EQ(searches, contig_count("allocated") + contig_failures());
	/* The control: at the limit, the search runs and succeeds. */
	ASSERT_EQ(0, create(dev, 8 * MIB, CONTIG, MASK32, 0, 0, &held));
	EXPECT_EQ(searches + 1, contig_count("allocated") + contig_failures());
	ASSERT_EQ(0, set_limit("max_buffer_bytes", 0));
	ASSERT_EQ(0, set_limit("max_total_bytes", 12 * MIB));
	EXPECT_EQ(-ENOSPC, create(dev, 8 * MIB, CONTIG, MASK32, 0, 0, &c));
	EXPECT_EQ(searches + 1, contig_count("allocated") + contig_failures());
	close(held.fd);
	close(dev);
}

/*
 * Unmovable memory under the mask: 16 MiB contiguous buffers under a
 * 28-bit mask, held until the next one fails. The failure is ENOMEM, from
 * a search that says why (no_range: every range holds unmovable pages;
 * busy: the ones tried could not be freed). The control: one buffer given
 * back, the same create passes; and under a 32-bit mask it passes anyway.
 */
TEST_F_TIMEOUT(range, unmovable_gives_enomem, 600)
{
	const __u64 len = 16 * MIB;
	int dev = iobmd_open(), n, i, ret;
	struct iobmd_create held[16], c;
	long failures = contig_failures();
	char why[32], *trace;
	double t0;

	ASSERT_LE(0, dev);
	for (n = 0; n < 16; n++) {
		ret = create(dev, len, CONTIG, MASK28, 0, 0, &held[n]);
		if (ret)
			break;
	}
	TH_LOG("%d buffers of 16 MiB fit below 256 MiB", n);
	ASSERT_EQ(-ENOMEM, ret);
	ASSERT_LE(1, n);
	EXPECT_EQ(failures + 1, contig_failures());
	/* Again, traced: the failure is prompt and says why. */
	ASSERT_EQ(0, trace_start());
	t0 = now_s();
	EXPECT_EQ(-ENOMEM, create(dev, len, CONTIG, MASK28, 0, 0, &c));
	TH_LOG("ENOMEM after %.3f s", now_s() - t0);
	trace = trace_stop();
	ASSERT_NE(NULL, trace);
	last_search(trace, "result", why, sizeof(why));
	TH_LOG("why: %s", why);
	EXPECT_TRUE(!strcmp(why, "no_range") || !strcmp(why, "busy"));
	EXPECT_NE(NULL, strstr(trace, " iobmd_create_error: "));
	free(trace);
	EXPECT_EQ(failures + 2, contig_failures());
	/* Controls: under 4 GiB there is room; and one freed makes room. */
	ASSERT_EQ(0, create(dev, len, CONTIG, MASK32, 0, 0, &c));
	close(c.fd);
	close(held[n - 1].fd);
	ASSERT_EQ(0, create(dev, len, CONTIG, MASK28, 0, 0, &held[n - 1]));
	for (i = 0; i < n; i++)
		close(held[i].fd);
	close(dev);
}

/* zoneinfo: free, managed and free CMA pages of zone @name of node 0. */
static int zone_pages(const char *name, long *free_pages, long *managed,
		      long *free_cma)
{
	char line[256], want[64];
	FILE *f = fopen("/proc/zoneinfo", "re");
	int in = 0;

	if (!f)
		return -1;
	*free_pages = *managed = *free_cma = -1;
	snprintf(want, sizeof(want), "Node 0, zone %8s", name);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5)) {
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, " pages free %ld", free_pages) == 1 ||
		    sscanf(line, " managed %ld", managed) == 1)
			continue;
		if (sscanf(line, " nr_free_cma %ld", free_cma) == 1)
			continue;
	}
	fclose(f);
	return *free_pages < 0 || *managed < 0 || *free_cma < 0 ? -1 : 0;
}

/* The PFNs of @n mapped pages from @p (0 where none), in one read. */
static int read_pfns(const unsigned char *p, size_t n, __u64 *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t want = n * sizeof(*pfn);
	size_t i;

	if (fd < 0)
		return -1;
	if (pread(fd, pfn, want, (uintptr_t)p / PAGE * 8) != want) {
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 0; i < n; i++)
		pfn[i] = pfn[i] >> 63 ? pfn[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

#define CHUNK (32 * MIB)
#define MAX_CHUNKS 64
#define HEAP_CHUNKS 16
#define STAMP(chunk, i) (0x1234567800000000ULL ^ ((__u64)(chunk) << 32) ^ (i))

/* Memory filled for the pressure test: anonymous and tmpfs chunks. */
struct fill {
	unsigned char *p[MAX_CHUNKS];
	__u64 *pfn[MAX_CHUNKS];
	int fd[MAX_CHUNKS];
	int n;
	int dir;
	int heap[HEAP_CHUNKS];	/* dma-buf CMA heap buffers */
	int nheap;
	struct iobmd_create normal;	/* an iobmd buffer in ZONE_NORMAL */
};

/*
 * Move ZONE_NORMAL (above 4 GiB) out of the way cheaply, so that page
 * cache and anonymous memory go below 4 GiB next: its CMA area with the
 * dma-buf CMA heap, the rest with one scatter-gather iobmd buffer (kernel
 * pages zeroed by the kernel, much faster under TCG than faulting in user
 * pages), leaving 64 MiB above its watermarks. That buffer is larger
 * than the default byte limits (half the RAM): the caller lifts them.
 */
static int take_normal(int dev, struct fill *f)
{
	struct dma_heap_allocation_data d;
	long free_pages, managed, free_cma;
	__u64 bytes;
	int heap;

	heap = open("/dev/dma_heap/reserved", O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		heap = open("/dev/dma_heap/linux,cma", O_RDONLY | O_CLOEXEC);
	while (heap >= 0 && f->nheap < HEAP_CHUNKS) {
		memset(&d, 0, sizeof(d));
		d.len = 16 * MIB;
		d.fd_flags = O_RDWR | O_CLOEXEC;
		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d))
			break;
		f->heap[f->nheap++] = d.fd;
	}
	if (heap >= 0)
		close(heap);
	if (zone_pages("Normal", &free_pages, &managed, &free_cma))
		return -1;
	bytes = (free_pages - free_cma) * PAGE;
	f->normal.fd = -1;
	if (bytes <= 128 * MIB)
		return 0;
	return create(dev, bytes - 64 * MIB, 0, 0, 0, 0, &f->normal);
}

/* Stamp every page of chunk @k (its first and last words). */
static void stamp(unsigned char *p, int k)
{
	size_t i;

	for (i = 0; i < CHUNK / PAGE; i++) {
		*(__u64 *)(p + i * PAGE) = STAMP(k, i);
		*(__u64 *)(p + i * PAGE + PAGE - 8) = ~STAMP(k, i);
	}
}

static size_t stamps_wrong(const unsigned char *p, int k)
{
	size_t i, bad = 0;

	for (i = 0; i < CHUNK / PAGE; i++)
		bad += *(const __u64 *)(p + i * PAGE) != STAMP(k, i) ||
		       *(const __u64 *)(p + i * PAGE + PAGE - 8) != ~STAMP(k, i);
	return bad;
}

/*
 * One chunk: even ones anonymous, odd ones an unnamed tmpfs file (page
 * cache: shmem), whose fd is kept to read it back.
 */
static unsigned char *fill_chunk(struct fill *f, int k)
{
	void *p;
	int fd;

	f->fd[k] = -1;
	if (!(k % 2)) {
		p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	fd = openat(f->dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, CHUNK)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	f->fd[k] = fd;
	return p;
}

/*
 * A tmpfs of our own, detached at once: whatever happens to the test, its
 * memory goes with the process.
 */
static int private_tmpfs(void)
{
	char dir[] = "/tmp/contig_test.XXXXXX";
	int fd;

	if (!mkdtemp(dir))
		return -1;
	if (mount("contig_test", dir, "tmpfs", 0, NULL)) {
		rmdir(dir);
		return -1;
	}
	fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return fd;
}

/* How many of the pages the fill first had lie in [@first, @last]. */
static long pages_in(const struct fill *f, __u64 first, __u64 last)
{
	long n = 0;
	size_t i;
	int k;

	for (k = 0; k < f->n; k++)
		for (i = 0; i < CHUNK / PAGE; i++)
			n += f->pfn[k][i] >= first && f->pfn[k][i] <= last;
	return n;
}

/* 64 MiB ranges of free memory the search may find before one of ours. */
#define MAX_FREE_RANGES 32

/*
 * Under pressure: ZONE_NORMAL taken, then 128 MiB of page cache and
 * anonymous memory in low memory (ZONE_DMA32, below 4 GiB), stamped page
 * by page; then 64 MiB contiguous buffers under a 32-bit mask. The search
 * takes the first range it can have, from the zone's start up: where the
 * page allocator left one of free memory first, that buffer is kept (the
 * next search goes past it) until a range held pages of ours. Those must
 * all have moved (pagemap) with their stamps intact, as every other
 * page's; and the buffer is right (one segment, zeroed).
 */
TEST_F_TIMEOUT(range, pressure_migrates_movable_pages, 900)
{
	const __u64 len = 64 * MIB, below4g = (4ULL << 30) / PAGE;
	long dma32_free, managed, cma, avail, in_range = 0, moved = 0, low = 0;
	int free_range[MAX_FREE_RANGES], nfree, dev = iobmd_open(), k;
	struct iobmd_segment seg;
	struct iobmd_create c;
	__u64 first, last, *now;
	size_t i, bad = 0;
	struct fill f = { .n = 0 };
	double t0;

	ASSERT_LE(0, dev);
	f.dir = private_tmpfs();
	ASSERT_LE(0, f.dir) TH_LOG("a tmpfs: %s", strerror(errno));
	/* ZONE_NORMAL's iobmd buffer; the teardown puts the limits back. */
	ASSERT_EQ(0, set_limit("max_buffer_bytes", 0));
	ASSERT_EQ(0, set_limit("max_total_bytes", 0));
	t0 = now_s();
	ASSERT_EQ(0, take_normal(dev, &f)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, zone_pages("DMA32", &dma32_free, &managed, &cma));
	TH_LOG("ZONE_NORMAL taken in %.1f s (CMA heap %d MiB, iobmd %llu MiB); DMA32 %ld/%ld free",
	       now_s() - t0, f.nheap * 16,
	       (unsigned long long)f.normal.capacity / MIB, dma32_free, managed);
	/* Page cache and anonymous memory until 128 MiB of it is low. */
	t0 = now_s();
	while (f.n < MAX_CHUNKS && low < (long)(128 * MIB / PAGE)) {
		avail = iobmd_proc_kb("/proc/meminfo", "MemAvailable");
		if (avail < 640 * 1024)
			break;
		f.p[f.n] = fill_chunk(&f, f.n);
		ASSERT_NE(NULL, f.p[f.n]) TH_LOG("chunk %d: %s", f.n,
						 strerror(errno));
		stamp(f.p[f.n], f.n);
		f.pfn[f.n] = malloc(CHUNK / PAGE * sizeof(__u64));
		ASSERT_NE(NULL, f.pfn[f.n]);
		ASSERT_EQ(0, read_pfns(f.p[f.n], CHUNK / PAGE, f.pfn[f.n]));
		for (i = 0; i < CHUNK / PAGE; i++)
			low += f.pfn[f.n][i] && f.pfn[f.n][i] < below4g;
		f.n++;
	}
	ASSERT_EQ(0, zone_pages("DMA32", &dma32_free, &managed, &cma));
	TH_LOG("filled %lu MiB in %.1f s, %ld pages of it below 4 GiB: DMA32 %ld of %ld pages free",
	       f.n * CHUNK / MIB, now_s() - t0, low, dma32_free, managed);
	/* The precondition: low memory holds more of it than the buffer. */
	ASSERT_LE((long)(len / PAGE), low);

	for (nfree = 0;; nfree++) {
		ASSERT_GT(MAX_FREE_RANGES, nfree)
			TH_LOG("%d ranges of free memory, none of ours", nfree);
		t0 = now_s();
		ASSERT_EQ(0, create(dev, len, CONTIG, MASK32, 0,
				    IOBMD_CREATE_MAP_TASK, &c));
		ASSERT_EQ(1, segments(c.fd, &seg));
		first = seg.address / PAGE;
		last = (seg.address + len - 1) / PAGE;
		if (pages_in(&f, first, last))
			break;
		munmap((void *)(uintptr_t)c.address, len);
		free_range[nfree] = c.fd;
	}
	TH_LOG("64 MiB under pressure: created in %.3f s, after %d ranges of free memory",
	       now_s() - t0, nfree);
	EXPECT_GE(MASK32, seg.address + seg.length - 1);
	EXPECT_TRUE(iobmd_all_bytes((unsigned char *)(uintptr_t)c.address,
				    len, 0));

	now = malloc(CHUNK / PAGE * sizeof(__u64));
	ASSERT_NE(NULL, now);
	for (k = 0; k < f.n; k++) {
		ASSERT_EQ(0, read_pfns(f.p[k], CHUNK / PAGE, now));
		for (i = 0; i < CHUNK / PAGE; i++) {
			int was_in = f.pfn[k][i] >= first && f.pfn[k][i] <= last;

			in_range += was_in;
			moved += was_in && now[i] && (now[i] < first ||
						      now[i] > last);
			/* No page of ours may be in the buffer now. */
			EXPECT_FALSE(now[i] >= first && now[i] <= last);
		}
		bad += stamps_wrong(f.p[k], k);
	}
	TH_LOG("%ld pages lay in the buffer's range; %ld moved; %zu stamps wrong",
	       in_range, moved, bad);
	EXPECT_LT(0, in_range);
	EXPECT_EQ(in_range, moved);
	EXPECT_EQ(0, bad);
	/* The tmpfs files read back through the page cache, not the maps. */
	for (k = 1; k < f.n; k += 2) {
		__u64 w[2];

		for (i = 0; i < CHUNK / PAGE; i += 97) {
			ASSERT_EQ(8, pread(f.fd[k], &w[0], 8, i * PAGE));
			ASSERT_EQ(8, pread(f.fd[k], &w[1], 8, i * PAGE + PAGE - 8));
			EXPECT_EQ(STAMP(k, i), w[0]);
			EXPECT_EQ(~STAMP(k, i), w[1]);
		}
	}
	free(now);
	munmap((void *)(uintptr_t)c.address, len);
	close(c.fd);
	for (k = 0; k < nfree; k++)
		close(free_range[k]);
	for (k = 0; k < f.n; k++) {
		munmap(f.p[k], CHUNK);
		if (f.fd[k] >= 0)
			close(f.fd[k]);
		free(f.pfn[k]);
	}
	close(f.dir);
	for (k = 0; k < f.nheap; k++)
		close(f.heap[k]);
	if (f.normal.fd >= 0)
		close(f.normal.fd);
	close(dev);
}

TEST_HARNESS_MAIN
