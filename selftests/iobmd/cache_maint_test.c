// SPDX-License-Identifier: GPL-2.0
/*
 * Where the CPU caches are cleaned and invalidated for a buffer, and
 * where not (arm64). kprobe events on the DMA API's arch hooks,
 * arch_sync_dma_for_device() (clean) and arch_sync_dma_for_cpu()
 * (invalidate, unless the direction is DMA_TO_DEVICE), record the
 * physical range of each maintenance; the test counts the bytes of one
 * buffer's pages (IOBMD_IOC_GET_SEGMENTS with MapperNone: physical) that
 * each step maintained. What is expected depends on iobmd's dma_coherent
 * parameter (README.md, "arm64: coherent and non-coherent DMA"):
 *
 *   Copyback, not coherent   create and prepare clean the whole buffer;
 *                            complete In invalidates it, complete Out
 *                            does not; pread and pwrite maintain nothing
 *   Copyback, coherent       nothing anywhere
 *   Inhibit, WriteCombine    create cleans and invalidates the whole
 *                            buffer, pread/pwrite exactly the bytes they
 *                            copy, free the whole buffer; a store through
 *                            the mapping nothing
 *
 * The coherent run is the control of the non-coherent one and the reverse;
 * the uncached cases show the probes fire in both. Skipped where the
 * hooks do not exist (x86: DMA is coherent, there is no such maintenance).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define KPROBES IOBMD_TRACEFS "/kprobe_events"
#define PROBE_ARGS " paddr=%x0:x64 size=%x1:x64 dir=%x2:s32\n"
#define COHERENT "/sys/module/iobmd/parameters/dma_coherent"
#define SIZE (64 * 1024UL)
#define MAX_SEGS 64

/* DMA directions as the kernel numbers them (enum dma_data_direction). */
#define DIR_BIDIRECTIONAL 0
#define DIR_TO_DEVICE 1
#define DIR_FROM_DEVICE 2

struct buf {
	int fd;
	unsigned int nseg;
	struct iobmd_segment seg[MAX_SEGS];
};

/*
 * Bytes of @b's pages covered by events @event (and a direction other
 * than @skip_dir, or -1 for none skipped) in the trace, -1 on error.
 */
static long long covered(const struct buf *b, const char *event, int skip_dir)
{
	char *trace = iobmd_read_trace(), *line, *save = NULL;
	char want[32];
	long long n = 0;

	if (!trace)
		return -1;
	snprintf(want, sizeof(want), " %s: ", event);
	for (line = strtok_r(trace, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long pa, size, lo, hi;
		const char *args;
		unsigned int i;
		int dir;

		if (!strstr(line, want))
			continue;
		args = strstr(line, "paddr=");
		if (!args || sscanf(args, "paddr=%llx size=%llx dir=%d", &pa,
				    &size, &dir) != 3)
			continue;
		if (dir == skip_dir)
			continue;
		for (i = 0; i < b->nseg; i++) {
			lo = pa > b->seg[i].address ? pa : b->seg[i].address;
			hi = pa + size < b->seg[i].address + b->seg[i].length ?
			     pa + size : b->seg[i].address + b->seg[i].length;
			if (hi > lo)
				n += hi - lo;
		}
	}
	free(trace);
	return n;
}

static int clear_trace(void)
{
	int fd = open(IOBMD_TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int make_buf(int dev, __u32 mode, struct buf *b)
{
	struct iobmd_segments s = { 0 };
	struct iobmd_create c;
	int ret;

	ret = iobmd_create(dev, SIZE, mode | IOBMD_MEMORY_MAPPER_NONE |
			   IOBMD_DIRECTION_INOUT, 0, &c);
	if (ret)
		return ret;
	b->fd = c.fd;
	s.segments = (uintptr_t)b->seg;
	s.count = MAX_SEGS;
	if (ioctl(b->fd, IOBMD_IOC_GET_SEGMENTS, &s))
		return -errno;
	b->nseg = s.count;
	return 0;
}

static int prep(int fd, unsigned long req, __u32 dir)
{
	struct iobmd_direction d = { .direction = dir };

	return ioctl(fd, req, &d) ? -errno : 0;
}

FIXTURE(maint) {
	int dev;
	int coherent;
};

FIXTURE_SETUP(maint)
{
	char c = 0;
	FILE *f;

	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	f = fopen(COHERENT, "re");
	if (!f)
		SKIP(return,
		     "no dma_coherent parameter: DMA is always coherent here (x86)");
	ASSERT_EQ(1, fscanf(f, "%c", &c));
	fclose(f);
	self->coherent = c == 'Y';
	iobmd_write_file(KPROBES, "\n");
	if (iobmd_write_file(KPROBES, "p:iobmd_maint/clean arch_sync_dma_for_device"
			     PROBE_ARGS) ||
	    iobmd_write_file(KPROBES, "p:iobmd_maint/inval arch_sync_dma_for_cpu"
			     PROBE_ARGS))
		SKIP(return,
		     "no kprobe on arch_sync_dma_for_device/_cpu (KPROBE_EVENTS, arm64)");
	ASSERT_EQ(0, iobmd_write_file(IOBMD_TRACEFS "/events/iobmd_maint/enable", "1"));
	ASSERT_EQ(0, clear_trace());
	TH_LOG("iobmd's devices are %scoherent", self->coherent ? "" : "not ");
}

FIXTURE_TEARDOWN(maint)
{
	iobmd_write_file(IOBMD_TRACEFS "/events/iobmd_maint/enable", "0");
	iobmd_write_file(KPROBES, "-:iobmd_maint/clean\n");
	iobmd_write_file(KPROBES, "-:iobmd_maint/inval\n");
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Copyback: cacheable everywhere; the DMA API maintains for a device
 * that is not coherent, at the mapping (create) and at prepare and
 * complete, and for one that is, never. CPU copies need none.
 */
TEST_F(maint, copyback)
{
	long long full = self->coherent ? 0 : SIZE;
	char bytes[4096] = "maint";
	struct buf b;

	ASSERT_EQ(0, make_buf(self->dev, IOBMD_MAP_COPYBACK_CACHE, &b));
	EXPECT_EQ(full, covered(&b, "clean", -1)) TH_LOG("create");

	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(sizeof(bytes), pwrite(b.fd, bytes, sizeof(bytes), 4096));
	ASSERT_EQ(sizeof(bytes), pread(b.fd, bytes, sizeof(bytes), 8192));
	EXPECT_EQ(0, covered(&b, "clean", -1)) TH_LOG("pread, pwrite");
	EXPECT_EQ(0, covered(&b, "inval", DIR_TO_DEVICE));

	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, prep(b.fd, IOBMD_IOC_PREPARE, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(full, covered(&b, "clean", -1)) TH_LOG("prepare Out");
	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, prep(b.fd, IOBMD_IOC_COMPLETE, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(0, covered(&b, "inval", DIR_TO_DEVICE))
		TH_LOG("complete Out invalidates nothing");

	ASSERT_EQ(0, prep(b.fd, IOBMD_IOC_PREPARE, IOBMD_DIRECTION_IN));
	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, prep(b.fd, IOBMD_IOC_COMPLETE, IOBMD_DIRECTION_IN));
	EXPECT_EQ(full, covered(&b, "inval", DIR_TO_DEVICE))
		TH_LOG("complete In");
	close(b.fd);
}

/*
 * Inhibit and WriteCombine: the linear map's lines of the pages are
 * cleaned and invalidated at create and free, and exactly the bytes a
 * pwrite or pread copies, whatever the device's coherency; the uncached
 * mappings themselves need none.
 */
static void uncached(struct __test_metadata *_metadata, int dev, __u32 mode)
{
	__u64 word = 0x1122334455667788ULL, got = 0;
	__u64 *map;
	struct buf b;

	ASSERT_EQ(0, make_buf(dev, mode, &b));
	EXPECT_LE(SIZE, covered(&b, "clean", -1)) TH_LOG("create");
	EXPECT_EQ(SIZE, covered(&b, "inval", DIR_TO_DEVICE))
		TH_LOG("create");

	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(8, pwrite(b.fd, &word, 8, 4096 + 8));
	EXPECT_EQ(16, covered(&b, "clean", -1))
		TH_LOG("pwrite of 8 bytes: before and after the copy");
	EXPECT_EQ(16, covered(&b, "inval", DIR_TO_DEVICE));

	ASSERT_EQ(0, clear_trace());
	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, b.fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* Single aligned loads and stores: Inhibit is Device memory. */
	EXPECT_EQ(word, __atomic_load_n(&map[513], __ATOMIC_RELAXED));
	__atomic_store_n(&map[2], ~word, __ATOMIC_RELAXED);
	EXPECT_EQ(0, covered(&b, "clean", -1)) TH_LOG("mmap, loads, stores");
	ASSERT_EQ(8, pread(b.fd, &got, 8, 16));
	EXPECT_EQ(~word, got);
	EXPECT_EQ(8, covered(&b, "clean", -1)) TH_LOG("pread of 8 bytes");
	EXPECT_EQ(8, covered(&b, "inval", DIR_TO_DEVICE));
	munmap(map, SIZE);

	ASSERT_EQ(0, clear_trace());
	close(b.fd);
	EXPECT_EQ(SIZE, covered(&b, "inval", DIR_TO_DEVICE))
		TH_LOG("free");
}

TEST_F(maint, inhibit)
{
	uncached(_metadata, self->dev, IOBMD_MAP_INHIBIT_CACHE);
}

TEST_F(maint, write_combine)
{
	uncached(_metadata, self->dev, IOBMD_MAP_WRITE_COMBINE_CACHE);
}

TEST_HARNESS_MAIN
