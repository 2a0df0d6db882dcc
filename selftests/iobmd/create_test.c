// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd selftests: create buffers, map them, use them, and check that they
 * live exactly as long as their fd, mappings and kernel references.
 */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "iobmd_helpers.h"
#include "kselftest_harness.h"

FIXTURE(create) {
	int dev;
	struct iobmd_create c;
	size_t map_len;
};

FIXTURE_VARIANT(create) {
	__u64 capacity;
	__u32 options;
	__u32 flags;
};

FIXTURE_VARIANT_ADD(create, mapped_one_byte) {
	.capacity = 1,
	.options = IOBMD_DIRECTION_INOUT,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(create, mapped_3_pages_plus_7_in) {
	.capacity = 3 * PAGE + 7,
	.options = IOBMD_DIRECTION_IN | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(create, mapped_1M_shared_copyback) {
	.capacity = 1 << 20,
	.options = IOBMD_DIRECTION_OUT | IOBMD_MEMORY_KERNEL_USER_SHARED |
		   IOBMD_MAP_COPYBACK_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(create, unmapped_page) {
	.capacity = PAGE,
	.options = IOBMD_DIRECTION_NONE,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(create, unmapped_4M_thread_safe) {
	.capacity = 4 << 20,
	.options = IOBMD_MEMORY_THREAD_SAFE | IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(create, mapped_2M_mapper_none) {
	.capacity = (2 << 20) + 9,
	.options = IOBMD_MEMORY_MAPPER_NONE | IOBMD_DIRECTION_INOUT,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(create, unmapped_contiguous_mapper_none) {
	.capacity = 5 * PAGE,
	.options = IOBMD_MEMORY_MAPPER_NONE |
		   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.flags = 0,
};

FIXTURE_SETUP(create)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", IOBMD_DEV, strerror(errno));
	ASSERT_EQ(0, iobmd_create(self->dev, variant->capacity, variant->options,
				  variant->flags, &self->c));
	self->map_len = (variant->capacity + PAGE - 1) & ~(PAGE - 1);
}

FIXTURE_TEARDOWN(create)
{
	if (self->c.address)
		munmap((void *)(uintptr_t)self->c.address, self->map_len);
	close(self->c.fd);
	close(self->dev);
}

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static size_t mismatches(const unsigned char *p, size_t n, unsigned int seed)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += p[i] != (unsigned char)(i * 31 + seed);
	return bad;
}

TEST_F(create, returns_fd_and_mapping_as_asked)
{
	EXPECT_LE(0, self->c.fd);
	EXPECT_TRUE(fcntl(self->c.fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(self->c.fd, F_GETFL) & O_ACCMODE);
	if (variant->flags & IOBMD_CREATE_MAP_TASK) {
		EXPECT_NE(0, self->c.address);
		EXPECT_EQ(0, self->c.address % PAGE);
	} else {
		EXPECT_EQ(0, self->c.address);
	}
}

TEST_F(create, info_describes_buffer)
{
	struct iobmd_info info;
	__u64 total, highest;

	ASSERT_EQ(0, iobmd_info(self->c.fd, &info));
	EXPECT_EQ(variant->capacity, info.capacity);
	EXPECT_EQ(variant->capacity, info.length);
	EXPECT_EQ(self->map_len, info.alloc_size);
	EXPECT_EQ(variant->options, info.options);
	/* Contiguous: one segment; else merged pages, walked to the end. */
	if (variant->options & (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
				IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS))
		EXPECT_EQ(1, info.segments);
	EXPECT_LE(1, info.segments);
	EXPECT_EQ(IOBMD_MAP_COPYBACK_CACHE, info.cache_mode);
	EXPECT_LE(PAGE, info.alignment);
	/* Only KernelUserShared makes the kernel keep a mapping. */
	EXPECT_EQ(variant->options & IOBMD_MEMORY_KERNEL_USER_SHARED ?
		  IOBMD_INFO_KERNEL_MAPPED : 0, info.flags);
	if (!iobmd_sees_addresses()) {
		/* Without CAP_SYS_ADMIN: no address, no segments. */
		EXPECT_EQ(0, info.dma_addr);
		EXPECT_EQ(0, iobmd_walk_segments(self->c.fd, &total, &highest));
		EXPECT_EQ(EPERM, errno);
		return;
	}
	EXPECT_EQ(info.segments, iobmd_walk_segments(self->c.fd, &total,
						     &highest));
	EXPECT_EQ(variant->capacity, total);
	EXPECT_NE(0, info.dma_addr);
	EXPECT_EQ(0, info.dma_addr % info.alignment);
}

TEST_F(create, zero_filled_write_read_back)
{
	unsigned char *p = iobmd_map_buffer(self->c.fd, self->map_len, &self->c.address);
	size_t i, nonzero = 0;

	ASSERT_NE(NULL, p);
	for (i = 0; i < self->map_len; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(0, nonzero);

	fill(p, self->map_len, 7);
	EXPECT_EQ(0, mismatches(p, self->map_len, 7));
}

/* Two mappings of one buffer see the same memory. */
TEST_F(create, second_mapping_shares_memory)
{
	unsigned char *p = iobmd_map_buffer(self->c.fd, self->map_len, &self->c.address);
	unsigned char *q;

	ASSERT_NE(NULL, p);
	q = mmap(NULL, self->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->c.fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	fill(p, self->map_len, 3);
	EXPECT_EQ(0, mismatches(q, self->map_len, 3));
	q[self->map_len - 1] = 0xab;
	EXPECT_EQ(0xab, p[self->map_len - 1]);
	munmap(q, self->map_len);
}

/* A mapping at a page offset sees the bytes at that offset. */
TEST_F(create, mapping_at_offset)
{
	unsigned char *p = iobmd_map_buffer(self->c.fd, self->map_len, &self->c.address);
	unsigned char *q;

	ASSERT_NE(NULL, p);
	if (self->map_len < 2 * PAGE)
		SKIP(return, "buffer has a single page");
	fill(p, self->map_len, 11);
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->c.fd, PAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(q, p + PAGE, PAGE));
	munmap(q, PAGE);
}

/* The buffer outlives its fd while a mapping exists. */
TEST_F(create, close_fd_mapping_stays_usable)
{
	unsigned char *p = iobmd_map_buffer(self->c.fd, self->map_len, &self->c.address);
	long before;

	ASSERT_NE(NULL, p);
	fill(p, self->map_len, 5);
	before = iobmd_module_refcnt();
	ASSERT_LE(1, before);
	ASSERT_EQ(0, close(self->c.fd));
	self->c.fd = -1;
	/* The mapping still holds the buffer's file, and so the module... */
	EXPECT_EQ(before, iobmd_module_refcnt());
	/* ...but the memory is not: the mapping holds the buffer. */
	EXPECT_EQ(0, mismatches(p, self->map_len, 5));
	fill(p, self->map_len, 9);
	EXPECT_EQ(0, mismatches(p, self->map_len, 9));
	/* The last unmap drops the buffer, and with it a module reference. */
	ASSERT_EQ(0, munmap(p, self->map_len));
	self->c.address = 0;
	EXPECT_EQ(before - 1, iobmd_module_refcnt());
}

/* A child inherits the shared mapping; its writes are the parent's. */
TEST_F(create, fork_child_shares_mapping)
{
	unsigned char *p = iobmd_map_buffer(self->c.fd, self->map_len, &self->c.address);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	fill(p, self->map_len, 1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->c.fd);
		if (mismatches(p, self->map_len, 1))
			_exit(1);
		fill(p, self->map_len, 2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, mismatches(p, self->map_len, 2));
}

/* withBytes: the new buffer holds exactly the bytes given. */
TEST(with_bytes_contents_exact)
{
	const size_t n = 2 * PAGE + 123;
	struct iobmd_create c = { .capacity = n,
				  .flags = IOBMD_CREATE_MAP_TASK };
	unsigned char *src = malloc(n), *back = malloc(n + 10);
	struct iobmd_info info;
	size_t i;
	int dev;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, back);
	for (i = 0; i < n; i++)
		src[i] = (unsigned char)(i * 7 + 3);
	c.data = (uintptr_t)src;
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, IOBMD_IOC_CREATE, &c));
	ASSERT_EQ(0, iobmd_info(c.fd, &info));
	EXPECT_EQ(n, info.length);
	EXPECT_EQ(0, memcmp((void *)(uintptr_t)c.address, src, n));
	EXPECT_EQ(n, pread(c.fd, back, n + 10, 0));
	EXPECT_EQ(0, memcmp(back, src, n));
	/* The rest of the last page stays zero. */
	EXPECT_EQ(0, ((unsigned char *)(uintptr_t)c.address)[n]);
	munmap((void *)(uintptr_t)c.address, n);
	close(c.fd);
	close(dev);
	free(src);
	free(back);
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
 * While any buffer lives, iobmd cannot be unloaded. Keep only a mapping
 * (no fd of the device or the buffer) and try.
 */
TEST(unload_refused_while_mapping_lives)
{
	struct iobmd_create c;
	unsigned char *p;
	long base;
	int dev;

	if (iobmd_has_holders())
		SKIP(return, "another module links against iobmd");
	base = iobmd_module_refcnt();
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, 2 * PAGE, 0, IOBMD_CREATE_MAP_TASK, &c));
	p = (unsigned char *)(uintptr_t)c.address;
	p[0] = 0x42;
	close(c.fd);
	close(dev);
	/* Only the mapping's file holds the module now. */
	ASSERT_EQ(base + 1, iobmd_module_refcnt());

	/* Without CAP_SYS_MODULE, unloading is refused before that. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "iobmd", O_NONBLOCK));
	EXPECT_EQ(iobmd_has_cap(CAP_SYS_MODULE) == 1 ? EWOULDBLOCK : EPERM,
		  errno);
	EXPECT_EQ(0x42, p[0]);
	EXPECT_EQ(0, munmap(p, 2 * PAGE));
	EXPECT_EQ(base, iobmd_module_refcnt());
}

TEST_HARNESS_MAIN
