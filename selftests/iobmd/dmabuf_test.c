// SPDX-License-Identifier: GPL-2.0
/*
 * IOBMD_IOC_EXPORT_DMABUF on every kind of buffer: the fd is a dma-buf of
 * the buffer's allocation (fdinfo's exp_name and size), with the fd flags
 * and access mode asked for; a mapping of it shows the buffer's bytes and
 * has its memory type (from the kernel's page tables); DMA_BUF_IOCTL_SYNC
 * takes what dma-buf takes; either fd may be closed first, the buffer
 * living until both are gone; each export is a dma-buf of its own; the
 * module stays loaded while one lives; every errno the uapi documents.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "dmabuf_helpers.h"

#define LEN (3 * PAGE + 100)
#define ALLOC (4 * PAGE)

FIXTURE(export) {
	int dev;
	struct iobmd_create c;
};

FIXTURE_VARIANT(export) {
	DMABUF_KIND_FIELDS;
};

#define DMABUF_FIXTURE export
#include "dmabuf_kinds.h"

FIXTURE_SETUP(export)
{
	unsigned char *p = malloc(ALLOC);

	ASSERT_NE(NULL, p);
	self->c.fd = -1;
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, dmabuf_kind_create(self->dev, LEN, variant->options,
					variant->flags, variant->physical_mask,
					&self->c));
	fill_pattern(p, LEN, 1);
	ASSERT_EQ(LEN, pwrite(self->c.fd, p, LEN, 0));
	free(p);
}

FIXTURE_TEARDOWN(export)
{
	if (self->c.address)
		munmap((void *)(uintptr_t)self->c.address, ALLOC);
	if (self->c.fd >= 0)
		close(self->c.fd);
	close(self->dev);
}

/* The task mapping, if any, goes: only the fds hold the buffer then. */
static void drop_task_mapping(struct iobmd_create *c)
{
	if (c->address)
		munmap((void *)(uintptr_t)c->address, ALLOC);
	c->address = 0;
}

TEST_F(export, is_a_dmabuf_of_the_allocation)
{
	char name[64];
	struct stat st;
	int d;

	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d) TH_LOG("export: %s", strerror(-d));
	/* Only dma-buf's fdinfo has exp_name; its size is the allocation. */
	ASSERT_EQ(0, fdinfo_field(d, "exp_name", name, sizeof(name)));
	EXPECT_STREQ("iobmd", name);
	EXPECT_EQ(ALLOC, fdinfo_size(d));
	EXPECT_EQ(ALLOC, lseek(d, 0, SEEK_END));
	ASSERT_EQ(0, fstat(d, &st));
	EXPECT_EQ(ALLOC, st.st_size);
	/* The negative control: the buffer fd is no dma-buf. */
	EXPECT_EQ(-ENOENT, fdinfo_field(self->c.fd, "exp_name", name,
					sizeof(name)));
	EXPECT_EQ(FD_CLOEXEC, fcntl(d, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(d, F_GETFL) & O_ACCMODE);
	close(d);
}

/* O_CLOEXEC only when asked for. */
TEST_F(export, cloexec_only_when_asked)
{
	int d = iobmd_export(self->c.fd, O_RDWR);

	ASSERT_LE(0, d);
	EXPECT_EQ(0, fcntl(d, F_GETFD) & FD_CLOEXEC);
	close(d);
}

/*
 * O_RDONLY: a shared writable mapping is refused (EACCES), also later by
 * mprotect(); a read-only one shows the bytes.
 */
TEST_F(export, read_only_maps_read_only)
{
	unsigned char *p;
	int d;

	d = iobmd_export(self->c.fd, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, d);
	EXPECT_EQ(O_RDONLY, fcntl(d, F_GETFL) & O_ACCMODE);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, ALLOC, PROT_READ, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("read-only mmap: %s", strerror(errno));
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 1));
	EXPECT_EQ(-1, mprotect(p, ALLOC, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, ALLOC);
	close(d);
}

/* O_WRONLY, as dma-heaps take it: a dma-buf no one can map. */
TEST_F(export, write_only_cannot_be_mapped)
{
	unsigned char *p;
	int d;

	d = iobmd_export(self->c.fd, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, d) TH_LOG("export: %s", strerror(-d));
	EXPECT_EQ(O_WRONLY, fcntl(d, F_GETFL) & O_ACCMODE);
	p = mmap(NULL, ALLOC, PROT_WRITE, MAP_SHARED, d, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(d);
}

/*
 * The mapping shows what pwrite() put in; what is written through it,
 * pread() reads. SYNC brackets the CPU's access, as dma-buf asks.
 */
TEST_F(export, mapping_is_the_buffer)
{
	unsigned char *p, *back = malloc(ALLOC);
	int d;

	ASSERT_NE(NULL, back);
	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 1));
	fill_pattern(p, LEN, 77);
	EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(LEN, pread(self->c.fd, back, ALLOC, 0));
	EXPECT_EQ(-1, pattern_mismatch(back, LEN, 77));
	munmap(p, ALLOC);
	/* A later page alone, and nothing past the end. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d, 2 * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, back + 2 * PAGE, PAGE));
	munmap(p, PAGE);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, d,
				   3 * PAGE));
	close(d);
	free(back);
}

/* The dma-buf's mapping has the buffer's memory type, from the PTEs. */
TEST_F(export, mapping_has_the_cache_mode)
{
	int d, bad, first = MT_UNMAPPED;
	unsigned char *p;

	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	bad = pages_not_of_type(p, ALLOC / PAGE, variant->type, &first);
	ASSERT_LE(0, bad) TH_LOG("%s: %s", PTDUMP_CURRENT, strerror(errno));
	EXPECT_EQ(0, bad) TH_LOG("%d pages not %s: e.g. %s", bad,
				 mem_type_name(variant->type),
				 mem_type_name(first));
	munmap(p, ALLOC);
	close(d);
}

/* DMA_BUF_IOCTL_SYNC: the six valid flag sets pass, the others EINVAL. */
TEST_F(export, sync_flags)
{
	static const __u64 good[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	static const __u64 bad[] = {
		DMA_BUF_SYNC_START,		/* neither read nor write */
		DMA_BUF_SYNC_END,
		DMA_BUF_SYNC_RW | 8,		/* a bit dma-buf does not know */
		DMA_BUF_SYNC_RW | (1ULL << 63),
	};
	unsigned int i;
	int d;

	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(0, dmabuf_sync(d, good[i]))
			TH_LOG("flags %#llx", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, dmabuf_sync(d, bad[i]))
			TH_LOG("flags %#llx", bad[i]);
	close(d);
}

/*
 * Close the buffer fd first: the dma-buf's mapping still reads and
 * writes, and the buffer is live until the dma-buf and its mapping are
 * both gone.
 */
TEST_F(export, buffer_fd_closed_first)
{
	long live = iobmd_stat("live_buffers");
	unsigned char *p;
	int d;

	ASSERT_LE(1, live);
	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	drop_task_mapping(&self->c);
	ASSERT_EQ(0, close(self->c.fd));
	self->c.fd = -1;
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 1));
	fill_pattern(p, LEN, 5);
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 5));
	/* The dma-buf fd goes too: the mapping holds the buffer. */
	ASSERT_EQ(0, close(d));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 5));
	ASSERT_EQ(0, munmap(p, ALLOC));
	EXPECT_EQ(live - 1, iobmd_stat("live_buffers"));
}

/* Close the dma-buf first: the buffer fd still works. */
TEST_F(export, dmabuf_closed_first)
{
	long live = iobmd_stat("live_buffers");
	unsigned char *p, *back = malloc(ALLOC);
	struct iobmd_info info;
	int d;

	ASSERT_NE(NULL, back);
	d = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(p, LEN, 9);
	ASSERT_EQ(0, munmap(p, ALLOC));
	ASSERT_EQ(0, close(d));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
	EXPECT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(LEN, pread(self->c.fd, back, ALLOC, 0));
	EXPECT_EQ(-1, pattern_mismatch(back, LEN, 9));
	fill_pattern(back, LEN, 10);
	EXPECT_EQ(LEN, pwrite(self->c.fd, back, LEN, 0));
	p = mmap(NULL, ALLOC, PROT_READ, MAP_SHARED, self->c.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 10));
	munmap(p, ALLOC);
	drop_task_mapping(&self->c);
	ASSERT_EQ(0, close(self->c.fd));
	self->c.fd = -1;
	EXPECT_EQ(live - 1, iobmd_stat("live_buffers"));
	free(back);
}

/* Each export is a dma-buf of its own, of the same memory (as documented). */
TEST_F(export, twice_is_two_dmabufs)
{
	struct stat s1, s2, s3;
	unsigned char *p1, *p2;
	int d1, d2, d3;

	d1 = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	d2 = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d1);
	ASSERT_LE(0, d2);
	ASSERT_EQ(0, fstat(d1, &s1));
	ASSERT_EQ(0, fstat(d2, &s2));
	EXPECT_NE(s1.st_ino, s2.st_ino);
	/* The negative control: a dup is the same dma-buf. */
	d3 = dup(d1);
	ASSERT_LE(0, d3);
	ASSERT_EQ(0, fstat(d3, &s3));
	EXPECT_EQ(s1.st_ino, s3.st_ino);
	close(d3);
	p1 = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d1, 0);
	p2 = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d2, 0);
	ASSERT_NE(MAP_FAILED, p1);
	ASSERT_NE(MAP_FAILED, p2);
	fill_pattern(p1, LEN, 33);
	EXPECT_EQ(-1, pattern_mismatch(p2, LEN, 33));
	munmap(p1, ALLOC);
	munmap(p2, ALLOC);
	close(d1);
	close(d2);
}

/* What must be unchanged after a refused export. */
struct export_baseline {
	int fds;
	int next_fd;
	long buffers;
};

static void baseline_take(struct export_baseline *b)
{
	b->fds = count_fds();
	b->next_fd = iobmd_next_fd();
	b->buffers = iobmd_stat("live_buffers");
}

static void expect_nothing_left(struct __test_metadata *_metadata,
				const struct export_baseline *b)
{
	EXPECT_LE(0, b->fds);
	EXPECT_EQ(b->fds, count_fds());
	EXPECT_EQ(b->next_fd, iobmd_next_fd());
	EXPECT_EQ(b->buffers, iobmd_stat("live_buffers"));
}

/* IOBMD_IOC_EXPORT_DMABUF with the struct size @size. */
#define EXPORT_SIZED(size) \
	_IOC(_IOC_READ | _IOC_WRITE, IOBMD_IOC_MAGIC, 0x09, (size))

/* Every errno the uapi documents for the export, and nothing left. */
TEST(export_errnos)
{
	static const __u32 bad_flags[] = {
		O_ACCMODE, O_RDWR | O_NONBLOCK, O_RDWR | O_TRUNC,
		O_RDWR | 0x80000000u,
	};
	struct export_baseline b;
	struct iobmd_create c;
	struct iobmd_export e;
	struct {
		struct iobmd_export e;
		__u32 tail[2];
	} big;
	unsigned int i;
	void *ro;
	int dev;

	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, LEN, IOBMD_DIRECTION_INOUT, 0, &c));
	baseline_take(&b);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		e = (struct iobmd_export){ .flags = bad_flags[i] };
		EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, &e));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags %#x", bad_flags[i]);
	}
	e = (struct iobmd_export){ .flags = O_RDWR, .fd = 3 };
	EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, &e));
	EXPECT_EQ(EINVAL, errno);
	/* Shorter than the first version (8 bytes). */
	e = (struct iobmd_export){ .flags = O_RDWR };
	EXPECT_EQ(-1, ioctl(c.fd, EXPORT_SIZED(4), &e));
	EXPECT_EQ(EINVAL, errno);
	/* Longer, with a tail that is not zero. */
	memset(&big, 0, sizeof(big));
	big.e.flags = O_RDWR;
	big.tail[1] = 1;
	EXPECT_EQ(-1, ioctl(c.fd, EXPORT_SIZED(sizeof(big)), &big));
	EXPECT_EQ(E2BIG, errno);
	/* Not writable: the answer cannot be given, and no fd is left. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	((struct iobmd_export *)ro)->flags = O_RDWR;
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, NULL));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, PAGE);
	/* Not a buffer fd: /dev/iobmd knows only CREATE. */
	e = (struct iobmd_export){ .flags = O_RDWR };
	EXPECT_EQ(-1, ioctl(dev, IOBMD_IOC_EXPORT_DMABUF, &e));
	EXPECT_EQ(ENOTTY, errno);
	expect_nothing_left(_metadata, &b);

	/* The positive controls: a longer struct with a zero tail works... */
	memset(&big, 0xff, sizeof(big));
	big.e.flags = O_RDWR;
	big.e.fd = 0;
	memset(big.tail, 0, sizeof(big.tail));
	ASSERT_EQ(0, ioctl(c.fd, EXPORT_SIZED(sizeof(big)), &big));
	EXPECT_LE(0, big.e.fd);
	EXPECT_EQ(0, big.tail[0]);
	EXPECT_EQ(0, big.tail[1]);
	EXPECT_EQ(b.fds + 1, count_fds());
	close(big.e.fd);
	/* ...and so does each of the flags above without its bad bit. */
	e = (struct iobmd_export){ .flags = O_RDWR | O_CLOEXEC };
	ASSERT_EQ(0, ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, &e));
	close(e.fd);
	expect_nothing_left(_metadata, &b);
	close(c.fd);
	close(dev);
}

/* Whether any module links against iobmd (then it pins iobmd anyway). */
static int iobmd_has_holders(void)
{
	DIR *d = opendir("/sys/module/iobmd/holders");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/*
 * A dma-buf alone (no buffer fd, no mapping, no /dev/iobmd fd) keeps iobmd
 * loaded: delete_module() is refused, and iobmd stays. Only the module's
 * reference count is read before; the call is made with O_NONBLOCK, which
 * fails at once while references are held.
 */
TEST(unload_refused_while_dmabuf_lives)
{
	struct iobmd_create c;
	long base, held;
	unsigned char *p;
	int dev, d;

	if (iobmd_has_holders())
		SKIP(return, "another module links against iobmd");
	base = iobmd_module_refcnt();
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 2 * PAGE, IOBMD_DIRECTION_INOUT, 0,
				  &c));
	d = iobmd_export(c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	close(c.fd);
	close(dev);
	held = iobmd_module_refcnt();
	ASSERT_LT(base, held);

	EXPECT_EQ(-1, syscall(SYS_delete_module, "iobmd", O_NONBLOCK));
	EXPECT_EQ(iobmd_has_cap(CAP_SYS_MODULE) == 1 ? EWOULDBLOCK : EPERM,
		  errno);
	EXPECT_EQ(held, iobmd_module_refcnt());
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[PAGE] = 0x42;
	EXPECT_EQ(0x42, p[PAGE]);
	munmap(p, 2 * PAGE);
	close(d);
	EXPECT_EQ(base, iobmd_module_refcnt());
}

TEST_HARNESS_MAIN
