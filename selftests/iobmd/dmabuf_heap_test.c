// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-heap ABI on /dev/dma_heap/iobmd-*: DMA_HEAP_IOCTL_ALLOC gives a
 * zeroed dma-buf of the length rounded up to pages, of an iobmd buffer of
 * the heap's kind: its mapping's memory type (page tables), a contiguous
 * heap's buffer one segment of consecutive frames, the 32-bit heap's
 * frames below 4 GiB (debugfs iobmd/buffers, /proc/self/pagemap). And
 * every errno drivers/dma-buf/dma-heap.c gives, with nothing left behind
 * (no fd, no buffer) - also when the answer cannot be written, where
 * dma-heap.c would leave an fd.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/dma-heap.h>

#include "kselftest_harness.h"
#include "dmabuf_helpers.h"

#define HEAP_DIR "/dev/dma_heap/"
#define LEN (3 * PAGE + 100)
#define ALLOC (4 * PAGE)
/* Large enough that scattered pages would show. */
#define LAYOUT_LEN (256 * 1024)

static const char *const heap_names[] = {
	"iobmd-sg", "iobmd-contig", "iobmd-uncached", "iobmd-wc",
	"iobmd-dma32",
};

static int heap_open(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), HEAP_DIR "%s", name);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* DMA_HEAP_IOCTL_ALLOC: the dma-buf fd, or -errno. */
static int heap_alloc(int heap, __u64 len, __u32 fd_flags, __u64 heap_flags)
{
	struct dma_heap_allocation_data d = {
		.len = len, .fd_flags = fd_flags, .heap_flags = heap_flags,
	};

	return ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
}

TEST(heaps_exist)
{
	char path[64];
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(heap_names); i++) {
		snprintf(path, sizeof(path), HEAP_DIR "%s", heap_names[i]);
		ASSERT_EQ(0, stat(path, &st))
			TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s", path);
	}
	/* The negative control: a name iobmd does not serve. */
	EXPECT_EQ(-1, stat(HEAP_DIR "iobmd-nosuch", &st));
}

FIXTURE(heap) {
	int heap;
};

FIXTURE_VARIANT(heap) {
	const char *name;
	int type;
	bool contiguous;
	bool below_4g;
};

FIXTURE_VARIANT_ADD(heap, sg) {
	.name = "iobmd-sg", .type = MT_WB,
};

FIXTURE_VARIANT_ADD(heap, contig) {
	.name = "iobmd-contig", .type = MT_WB, .contiguous = true,
};

FIXTURE_VARIANT_ADD(heap, uncached) {
	.name = "iobmd-uncached", .type = MT_UC_MINUS,
};

FIXTURE_VARIANT_ADD(heap, wc) {
	.name = "iobmd-wc", .type = MT_WC,
};

FIXTURE_VARIANT_ADD(heap, dma32) {
	.name = "iobmd-dma32", .type = MT_WB, .below_4g = true,
};

FIXTURE_SETUP(heap)
{
	self->heap = heap_open(variant->name);
	ASSERT_LE(0, self->heap) TH_LOG("%s: %s", variant->name,
					strerror(errno));
}

FIXTURE_TEARDOWN(heap)
{
	close(self->heap);
}

/*
 * A dma-buf of iobmd's of the rounded length, zeroed, with the fd flags
 * asked for; what was written in a freed one is not seen in the next.
 */
TEST_F(heap, alloc_gives_zeroed_dmabuf)
{
	char name[64];
	unsigned char *p;
	int round, d;

	for (round = 0; round < 2; round++) {
		d = heap_alloc(self->heap, LEN, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, d) TH_LOG("alloc: %s", strerror(-d));
		ASSERT_EQ(0, fdinfo_field(d, "exp_name", name, sizeof(name)));
		EXPECT_STREQ("iobmd", name);
		EXPECT_EQ(ALLOC, fdinfo_size(d));
		EXPECT_EQ(FD_CLOEXEC, fcntl(d, F_GETFD) & FD_CLOEXEC);
		EXPECT_EQ(O_RDWR, fcntl(d, F_GETFL) & O_ACCMODE);
		p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_START |
					 DMA_BUF_SYNC_RW));
		EXPECT_TRUE(iobmd_all_bytes(p, ALLOC, 0));
		memset(p, 0xa5, ALLOC);
		EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_END |
					 DMA_BUF_SYNC_RW));
		EXPECT_TRUE(iobmd_all_bytes(p, ALLOC, 0xa5));
		munmap(p, ALLOC);
		close(d);
	}
}

/* fd_flags without O_CLOEXEC, and read-only: as asked. */
TEST_F(heap, fd_flags_honoured)
{
	unsigned char *p;
	int d;

	d = heap_alloc(self->heap, PAGE, O_RDONLY, 0);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, fcntl(d, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(d, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, d, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("read-only mmap: %s", strerror(errno));
	EXPECT_TRUE(iobmd_all_bytes(p, PAGE, 0));
	munmap(p, PAGE);
	close(d);
}

/* The mapping's memory type is the heap's, from the page tables. */
TEST_F(heap, mapping_has_the_cache_mode)
{
	int d, bad, first = MT_UNMAPPED;
	unsigned char *p;

	d = heap_alloc(self->heap, ALLOC, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, d);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	bad = pages_not_of_type(p, ALLOC / PAGE, variant->type, &first);
	ASSERT_LE(0, bad);
	EXPECT_EQ(0, bad) TH_LOG("%d pages not %s: e.g. %s", bad,
				 mem_type_name(variant->type),
				 mem_type_name(first));
	munmap(p, ALLOC);
	close(d);
}

/*
 * Where the memory lies. debugfs's line of the buffer (this process's, of
 * that capacity) gives its kind and segments; pagemap gives the frames of
 * a write-back mapping (root only): consecutive for contig, below 4 GiB
 * for dma32.
 */
TEST_F(heap, layout)
{
	char line[1024], val[64];
	__u64 pfn, first = 0, high = 0;
	bool consecutive = true;
	unsigned char *p, sum = 0;
	size_t i;
	int d;

	d = heap_alloc(self->heap, LAYOUT_LEN, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, iobmd_buffer_line(LAYOUT_LEN, line, sizeof(line)))
		TH_LOG("no line of capacity %d in %s", LAYOUT_LEN,
		       IOBMD_BUFFERS);
	iobmd_buffer_field(line, "kind", val, sizeof(val));
	EXPECT_STREQ(variant->contiguous ? "contiguous" : "sg", val);
	if (variant->contiguous) {
		iobmd_buffer_field(line, "segments", val, sizeof(val));
		EXPECT_STREQ("1", val);
	}
	if (variant->type != MT_WB || !iobmd_sees_addresses())
		goto out;
	p = mmap(NULL, LAYOUT_LEN, PROT_READ, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < LAYOUT_LEN / PAGE; i++) {
		sum += p[i * PAGE];
		pfn = pagemap_pfn(p + i * PAGE);
		ASSERT_NE(0, pfn) TH_LOG("page %zu: no frame in pagemap", i);
		if (!i)
			first = pfn;
		else if (pfn != first + i)
			consecutive = false;
		if (pfn > high)
			high = pfn;
	}
	/* A new buffer is zeroed: the reads were made. */
	EXPECT_EQ(0, sum);
	if (variant->contiguous)
		EXPECT_TRUE(consecutive);
	if (variant->below_4g)
		EXPECT_GT(1ULL << 20, high) TH_LOG("frame %#llx", high);
	munmap(p, LAYOUT_LEN);
out:
	close(d);
}

/* DMA_HEAP_IOCTL_ALLOC with the struct size @size, or number @nr. */
#define ALLOC_IOC(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, DMA_HEAP_IOC_MAGIC, (nr), (size))

/* What must be unchanged after a refused allocation. */
static void expect_nothing_left(struct __test_metadata *_metadata, int fds,
				long buffers)
{
	EXPECT_EQ(fds, count_fds());
	EXPECT_EQ(buffers, iobmd_stat("live_buffers"));
}

/* dma-heap.c's errnos, on every iobmd heap; nothing left behind. */
TEST(alloc_errnos)
{
	struct dma_heap_allocation_data d;
	unsigned int i;
	long buffers;
	int heap, fds;
	void *ro;

	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	for (i = 0; i < ARRAY_SIZE(heap_names); i++) {
		heap = heap_open(heap_names[i]);
		ASSERT_LE(0, heap);
		fds = count_fds();
		buffers = iobmd_stat("live_buffers");
		ASSERT_LE(0, buffers);
		d = (struct dma_heap_allocation_data){ .len = PAGE, .fd = 3,
						       .fd_flags = O_RDWR };
		EXPECT_EQ(-1, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-EINVAL, heap_alloc(heap, PAGE, O_RDWR | O_NONBLOCK,
					      0));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, PAGE, ~(O_RDWR | O_CLOEXEC),
					      0));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, PAGE, O_RDWR, 1));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, PAGE, O_RDWR, 1ULL << 63));
		EXPECT_EQ(-EINVAL, heap_alloc(heap, 0, O_RDWR, 0));
		/* Rounded up to pages, it wraps to 0. */
		EXPECT_EQ(-EINVAL, heap_alloc(heap, ~0ULL, O_RDWR, 0));
		/* A command beyond dma-heap.c's table: EINVAL, not ENOTTY. */
		d = (struct dma_heap_allocation_data){ .len = PAGE,
						       .fd_flags = O_RDWR };
		EXPECT_EQ(-1, ioctl(heap, ALLOC_IOC(1, sizeof(d)), &d));
		EXPECT_EQ(EINVAL, errno);
		/* Unwritable: EFAULT, and no fd (dma-heap.c leaves one). */
		memcpy(ro, &d, sizeof(d));
		ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
		EXPECT_EQ(-1, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, ro));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, NULL));
		EXPECT_EQ(EFAULT, errno);
		ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ | PROT_WRITE));
		expect_nothing_left(_metadata, fds, buffers);

		/* The positive control: the same call, writable, works. */
		ASSERT_EQ(0, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, ro))
			TH_LOG("%s: %s", heap_names[i], strerror(errno));
		EXPECT_EQ(buffers + 1, iobmd_stat("live_buffers"));
		close(((struct dma_heap_allocation_data *)ro)->fd);
		memset(ro, 0, PAGE);
		expect_nothing_left(_metadata, fds, buffers);
		close(heap);
	}
	munmap(ro, PAGE);
}

/*
 * As dma-heap.c: a shorter struct (an older ABI) is zero-extended, a
 * longer one's extra bytes are ignored.
 */
TEST(alloc_struct_sizes)
{
	struct {
		__u64 len;
		__u32 fd;
		__u32 fd_flags;
	} older = { .len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC };
	struct {
		struct dma_heap_allocation_data d;
		__u64 garbage[3];
	} newer = {
		.d = { .len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC },
		.garbage = { 0xffffffff, 0x88888888, 0x11111111 },
	};
	int heap = heap_open("iobmd-sg");

	ASSERT_LE(0, heap);
	ASSERT_EQ(0, ioctl(heap, ALLOC_IOC(0, sizeof(older)), &older));
	EXPECT_EQ(PAGE, fdinfo_size(older.fd));
	close(older.fd);
	ASSERT_EQ(0, ioctl(heap, ALLOC_IOC(0, sizeof(newer)), &newer));
	EXPECT_EQ(PAGE, fdinfo_size(newer.d.fd));
	close(newer.d.fd);
	close(heap);
}

TEST_HARNESS_MAIN
