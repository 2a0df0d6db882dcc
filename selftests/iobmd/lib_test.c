// SPDX-License-Identifier: GPL-2.0
/*
 * libiobmd against the real module: every call of the library, its
 * results checked through another path (the mapping, pread, INFO), and
 * the errors the library adds or passes through.
 */
#include <assert.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "../../tools/lib/libiobmd.h"

/*
 * The library's out parameters are uint64_t; the selftests use kernel
 * types, and on x86-64 (the only iobmd platform) uint64_t is this one.
 */
static_assert(__builtin_types_compatible_p(unsigned long, uint64_t),
	      "uint64_t is unsigned long");

/* Not a whole number of pages: the length bounds reads and writes. */
#define CAP (5 * PAGE + 123)
#define ALLOC (6 * PAGE)

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 13 + (i >> 8);
}

/*
 * The value of @key in /proc/self/fdinfo/@fd (a dma-buf shows "size:",
 * "exp_name:"), into @val (@len bytes). 0, or -1 when it is not there.
 */
static int fdinfo_get(int fd, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(val, len, "%s",
			 line + klen + 1 + strspn(line + klen + 1, " \t"));
		found = 0;
	}
	fclose(f);
	return found;
}

/* Whether @fd is a dma-buf iobmd exported, of @size bytes. */
static int is_iobmd_dmabuf(int fd, unsigned long size)
{
	char name[64], sz[32];

	if (fdinfo_get(fd, "exp_name", name, sizeof(name)) ||
	    fdinfo_get(fd, "size", sz, sizeof(sz)))
		return 0;
	return !strcmp(name, "iobmd") && strtoul(sz, NULL, 0) == size;
}

static int dmabuf_sync(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

FIXTURE(lib) {
	int dev;
	int buf;
	unsigned char *map;
	unsigned char pattern[CAP];
	unsigned char out[CAP];
};

FIXTURE_VARIANT(lib) {
	__u32 options;
	int contiguous;
};

FIXTURE_VARIANT_ADD(lib, scatter_gather) {
	.options = IOBMD_DIRECTION_INOUT,
};

FIXTURE_VARIANT_ADD(lib, contiguous) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | IOBMD_DIRECTION_INOUT,
	.contiguous = 1,
};

FIXTURE_VARIANT_ADD(lib, contiguous_write_combined) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
		   IOBMD_MAP_WRITE_COMBINE_CACHE | IOBMD_DIRECTION_OUT,
	.contiguous = 1,
};

FIXTURE_VARIANT_ADD(lib, kernel_user_shared) {
	.options = IOBMD_MEMORY_KERNEL_USER_SHARED | IOBMD_DIRECTION_IN,
};

/* Every test starts with a task-mapped buffer of CAP bytes. */
FIXTURE_SETUP(lib)
{
	struct libiobmd_create_args args = {
		.capacity = CAP,
		.options = variant->options,
		.flags = LIBIOBMD_MAP_TASK,
	};
	void *mapped = (void *)1;

	fill(self->pattern, CAP, 7);
	self->dev = libiobmd_open();
	ASSERT_LE(0, self->dev);
	self->buf = libiobmd_create(self->dev, &args, &mapped);
	ASSERT_LE(0, self->buf);
	ASSERT_NE(NULL, mapped);
	self->map = mapped;
}

FIXTURE_TEARDOWN(lib)
{
	if (self->map)
		EXPECT_EQ(0, libiobmd_unmap(self->map, ALLOC));
	EXPECT_EQ(0, libiobmd_release(self->buf));
	EXPECT_EQ(0, libiobmd_release(self->dev));
}

/* create: what INFO reports is what was asked for. */
TEST_F(lib, create_info)
{
	unsigned long capacity = 0, length = 0;
	struct iobmd_info info;

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, libiobmd_get_info(self->buf, &info));
	EXPECT_EQ(CAP, info.capacity);
	EXPECT_EQ(CAP, info.length);
	EXPECT_EQ(ALLOC, info.alloc_size);
	EXPECT_EQ(variant->options, info.options);
	if (variant->contiguous)
		EXPECT_EQ(1, info.segments);
	ASSERT_EQ(0, libiobmd_get_capacity(self->buf, &capacity));
	EXPECT_EQ(CAP, capacity);
	ASSERT_EQ(0, libiobmd_get_length(self->buf, &length));
	EXPECT_EQ(CAP, length);
	/* The fd is close-on-exec, as the library promises. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->buf, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->dev, F_GETFD) & FD_CLOEXEC);
}

/* write_bytes shows in the mapping and in read_bytes, and back. */
TEST_F(lib, write_read)
{
	ASSERT_EQ(CAP, libiobmd_write_bytes(self->buf, 0, self->pattern, CAP));
	EXPECT_EQ(0, memcmp(self->pattern, self->map, CAP));
	memset(self->out, 0, CAP);
	ASSERT_EQ(CAP, libiobmd_read_bytes(self->buf, 0, self->out, CAP));
	EXPECT_EQ(0, memcmp(self->pattern, self->out, CAP));

	/* Through the mapping, at an odd offset. */
	fill(self->map + 1000, 3000, 99);
	fill(self->pattern + 1000, 3000, 99);
	ASSERT_EQ(3000, libiobmd_read_bytes(self->buf, 1000, self->out, 3000));
	EXPECT_EQ(0, memcmp(self->pattern + 1000, self->out, 3000));

	/* Bounded by the length: the tail, then nothing, as readBytes. */
	ASSERT_EQ(23, libiobmd_read_bytes(self->buf, CAP - 23, self->out,
					  1000));
	EXPECT_EQ(0, memcmp(self->pattern + CAP - 23, self->out, 23));
	EXPECT_EQ(0, libiobmd_read_bytes(self->buf, CAP, self->out, 1));
	EXPECT_EQ(0, libiobmd_read_bytes(self->buf, CAP + PAGE, self->out, 1));
	memset(self->out, 0x3c, 100);
	ASSERT_EQ(10, libiobmd_write_bytes(self->buf, CAP - 10, self->out,
					   100));
	EXPECT_EQ(0, memcmp(self->out, self->map + CAP - 10, 10));
	EXPECT_EQ(0, libiobmd_write_bytes(self->buf, CAP, self->out, 1));
	/* The write stopped at the length: the page tail is untouched. */
	EXPECT_EQ(0, self->map[CAP]);
	/* Zero bytes, even with NULL. */
	EXPECT_EQ(0, libiobmd_read_bytes(self->buf, 0, NULL, 0));
	EXPECT_EQ(0, libiobmd_write_bytes(self->buf, 0, NULL, 0));
}

/* Megabytes through write_bytes and read_bytes, byte-exact. */
TEST_F(lib, write_read_large)
{
	size_t big = 3 << 20;
	unsigned char *src, *dst;
	int buf;

	src = malloc(big);
	dst = malloc(big);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	fill(src, big, 3);
	buf = libiobmd_in_task_with_options(self->dev, variant->options, big,
					    0, 0, NULL);
	ASSERT_LE(0, buf);
	ASSERT_EQ(big, libiobmd_write_bytes(buf, 0, src, big));
	ASSERT_EQ(big, libiobmd_read_bytes(buf, 0, dst, big));
	EXPECT_EQ(0, memcmp(src, dst, big));
	EXPECT_EQ(0, libiobmd_release(buf));
	free(src);
	free(dst);
}

/* set_length bounds read_bytes; append fills up to the capacity. */
TEST_F(lib, set_length_append)
{
	unsigned long length = 1, appended = 1;
	const size_t chunk = 1000;
	size_t done = 0;

	ASSERT_EQ(0, libiobmd_set_length(self->buf, 100));
	ASSERT_EQ(0, libiobmd_get_length(self->buf, &length));
	EXPECT_EQ(100, length);
	EXPECT_EQ(100, libiobmd_read_bytes(self->buf, 0, self->out, CAP));
	EXPECT_EQ(0, libiobmd_write_bytes(self->buf, 100, self->out, 1));
	EXPECT_EQ(-EINVAL, libiobmd_set_length(self->buf, CAP + 1));

	ASSERT_EQ(0, libiobmd_set_length(self->buf, 0));
	while (done < CAP) {
		ASSERT_EQ(0, libiobmd_append_bytes(self->buf,
						   self->pattern + done,
						   chunk, &appended));
		/* Whole chunks, then what is left. */
		EXPECT_EQ(CAP - done < chunk ? CAP - done : chunk, appended);
		done += appended;
		ASSERT_EQ(0, libiobmd_get_length(self->buf, &length));
		EXPECT_EQ(done, length);
	}
	/* Full: nothing more fits. */
	ASSERT_EQ(0, libiobmd_append_bytes(self->buf, self->pattern, 1,
					   &appended));
	EXPECT_EQ(0, appended);
	ASSERT_EQ(0, libiobmd_append_bytes(self->buf, self->pattern, 1, NULL));
	ASSERT_EQ(0, libiobmd_get_length(self->buf, &length));
	EXPECT_EQ(CAP, length);
	EXPECT_EQ(0, memcmp(self->pattern, self->map, CAP));
	ASSERT_EQ(CAP, libiobmd_read_bytes(self->buf, 0, self->out, CAP));
	EXPECT_EQ(0, memcmp(self->pattern, self->out, CAP));
	/* appended NULL: still appended. */
	ASSERT_EQ(0, libiobmd_set_length(self->buf, CAP - 1));
	ASSERT_EQ(0, libiobmd_append_bytes(self->buf, "z", 1, NULL));
	EXPECT_EQ('z', self->map[CAP - 1]);

	EXPECT_EQ(-EINVAL, libiobmd_append_bytes(self->buf, NULL, 1,
						 &appended));
	EXPECT_EQ(0, appended);
}

/* get_segments and get_physical_segment describe the same memory. */
TEST_F(lib, segments)
{
	unsigned long address, length, total = 0;
	struct iobmd_segment seg[64];
	struct iobmd_info info;
	int n, i, ret;

	ASSERT_EQ(0, libiobmd_get_info(self->buf, &info));
	n = libiobmd_get_segments(self->buf, 0, seg, 64);
	if (!iobmd_sees_addresses()) {
		/* Created without CAP_SYS_ADMIN: no addresses at all. */
		EXPECT_EQ(-EPERM, n);
		EXPECT_EQ(0, info.dma_addr);
		EXPECT_EQ(-EPERM, libiobmd_get_physical_segment(self->buf, 0,
								&address,
								&length));
		return;
	}
	ASSERT_LE(1, n);
	EXPECT_EQ(info.segments, n);
	if (variant->contiguous)
		EXPECT_EQ(1, n);
	EXPECT_EQ(info.dma_addr, seg[0].address);
	EXPECT_NE(0, seg[0].address);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, libiobmd_get_physical_segment(self->buf, total,
							   &address, &length));
		EXPECT_EQ(seg[i].address, address);
		EXPECT_EQ(seg[i].length, length);
		/* Inside a segment: the byte's address, the rest of it. */
		if (seg[i].length > 100) {
			ret = libiobmd_get_physical_segment(self->buf,
							    total + 100,
							    &address, NULL);
			ASSERT_EQ(0, ret);
			EXPECT_EQ(seg[i].address + 100, address);
		}
		total += seg[i].length;
	}
	EXPECT_EQ(CAP, total);
	/* One entry at a time: the first, then the walk from an offset. */
	EXPECT_EQ(1, libiobmd_get_segments(self->buf, 0, seg, 1));
	EXPECT_EQ(info.dma_addr, seg[0].address);
	EXPECT_EQ(1, libiobmd_get_segments(self->buf, CAP - 1, seg, 64));
	EXPECT_EQ(1, seg[0].length);

	/* Past the length: an error, not address 0 (XNU's answer). */
	EXPECT_EQ(-EINVAL, libiobmd_get_physical_segment(self->buf, CAP,
							 &address, &length));
	EXPECT_EQ(-EINVAL, libiobmd_get_segments(self->buf, CAP, seg, 64));
	ASSERT_EQ(0, libiobmd_set_length(self->buf, 10));
	ASSERT_EQ(0, libiobmd_get_physical_segment(self->buf, 0, &address,
						   &length));
	EXPECT_EQ(10, length);
	EXPECT_EQ(-EINVAL, libiobmd_get_physical_segment(self->buf, 10,
							 &address, &length));
	EXPECT_EQ(-EINVAL, libiobmd_get_segments(self->buf, 0, seg, 0));
	EXPECT_EQ(-EINVAL, libiobmd_get_segments(self->buf, 0, NULL, 1));
	EXPECT_EQ(-EINVAL, libiobmd_get_segments(self->buf, 0, seg,
						 (__u32)INT_MAX + 1));
	EXPECT_EQ(-EINVAL, libiobmd_get_physical_segment(self->buf, 0, NULL,
							 &length));
	EXPECT_EQ(-EFAULT, libiobmd_get_segments(self->buf, 0,
						 (struct iobmd_segment *)8,
						 1));
}

/* prepare and complete are counted; Out alone makes it read-only. */
TEST_F(lib, prepare_complete)
{
	unsigned long appended = 1;
	struct iobmd_info info;

	EXPECT_EQ(-EINVAL, libiobmd_complete(self->buf, 0));
	ASSERT_EQ(0, libiobmd_prepare(self->buf, IOBMD_DIRECTION_OUT));
	ASSERT_EQ(0, libiobmd_prepare(self->buf, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(-EBUSY, libiobmd_write_bytes(self->buf, 0, self->pattern,
					       10));
	EXPECT_EQ(-EBUSY, libiobmd_append_bytes(self->buf, self->pattern, 1,
						&appended));
	EXPECT_EQ(0, appended);
	/* Reading is allowed while the device reads. */
	EXPECT_EQ(10, libiobmd_read_bytes(self->buf, 0, self->out, 10));
	ASSERT_EQ(0, libiobmd_complete(self->buf, IOBMD_DIRECTION_OUT));
	/* Still one prepare outstanding. */
	EXPECT_EQ(-EBUSY, libiobmd_write_bytes(self->buf, 0, self->pattern,
					       10));
	ASSERT_EQ(0, libiobmd_complete(self->buf, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(10, libiobmd_write_bytes(self->buf, 0, self->pattern, 10));
	EXPECT_EQ(-EINVAL, libiobmd_complete(self->buf, IOBMD_DIRECTION_OUT));

	/* InOut (and the buffer's own direction) leaves it writable. */
	ASSERT_EQ(0, libiobmd_prepare(self->buf, IOBMD_DIRECTION_INOUT));
	EXPECT_EQ(10, libiobmd_write_bytes(self->buf, 0, self->pattern, 10));
	ASSERT_EQ(0, libiobmd_complete(self->buf, IOBMD_DIRECTION_INOUT));
	EXPECT_EQ(-EINVAL, libiobmd_prepare(self->buf, 4));
	EXPECT_EQ(-EINVAL, libiobmd_complete(self->buf, 4));

	/* setDirection changes the direction bits only. */
	ASSERT_EQ(0, libiobmd_set_direction(self->buf, IOBMD_DIRECTION_IN));
	ASSERT_EQ(0, libiobmd_get_info(self->buf, &info));
	EXPECT_EQ((variant->options & ~IOBMD_DIRECTION_MASK) |
		  IOBMD_DIRECTION_IN, info.options);
	EXPECT_EQ(-EINVAL, libiobmd_set_direction(self->buf, 4));
	/* A prepare for None uses the buffer's direction: Out, read-only. */
	ASSERT_EQ(0, libiobmd_set_direction(self->buf, IOBMD_DIRECTION_OUT));
	ASSERT_EQ(0, libiobmd_prepare(self->buf, IOBMD_DIRECTION_NONE));
	EXPECT_EQ(-EBUSY, libiobmd_write_bytes(self->buf, 0, self->pattern,
					       10));
	ASSERT_EQ(0, libiobmd_complete(self->buf, IOBMD_DIRECTION_NONE));
}

/* map at an offset sees the bytes there; unmap removes the mapping. */
TEST_F(lib, map_unmap)
{
	unsigned char vec;
	void *p = NULL;
	unsigned char *m;

	ASSERT_EQ(CAP, libiobmd_write_bytes(self->buf, 0, self->pattern, CAP));
	ASSERT_EQ(0, libiobmd_map(self->buf, PAGE, 2 * PAGE, &p));
	ASSERT_NE(NULL, p);
	m = p;
	EXPECT_EQ(0, memcmp(self->pattern + PAGE, m, 2 * PAGE));
	/* Written through the new mapping: seen everywhere. */
	memset(m + 10, 0xee, 20);
	EXPECT_EQ(0xee, self->map[PAGE + 10]);
	ASSERT_EQ(20, libiobmd_read_bytes(self->buf, PAGE + 10, self->out,
					  20));
	EXPECT_EQ(0xee, self->out[0]);
	EXPECT_EQ(0xee, self->out[19]);
	EXPECT_EQ(0, libiobmd_unmap(p, 2 * PAGE));
	/* The range is gone from the address space. */
	EXPECT_EQ(-1, mincore(p, PAGE, &vec));
	EXPECT_EQ(ENOMEM, errno);

	/* The last page, partly past the length, maps whole. */
	ASSERT_EQ(0, libiobmd_map(self->buf, 5 * PAGE, PAGE, &p));
	m = p;
	EXPECT_EQ(0, memcmp(self->pattern + 5 * PAGE, m, 123));
	EXPECT_EQ(0, libiobmd_unmap(p, PAGE));

	/* The task mapping: unmapped, the buffer stays, and maps again. */
	EXPECT_EQ(0, libiobmd_unmap(self->map, ALLOC));
	EXPECT_EQ(-1, mincore(self->map, PAGE, &vec));
	self->map = NULL;
	ASSERT_EQ(0, libiobmd_map(self->buf, 0, ALLOC, &p));
	self->map = p;
	EXPECT_EQ(0xee, self->map[PAGE + 10]);

	p = (void *)1;
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, 100, PAGE, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, PAGE / 2, PAGE, &p));
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, 0, 0, &p));
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, 0, PAGE, NULL));
	/* Outside the page-rounded capacity: the kernel refuses. */
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, ALLOC, PAGE, &p));
	EXPECT_EQ(-EINVAL, libiobmd_map(self->buf, 0, ALLOC + PAGE, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(-EINVAL, libiobmd_unmap(NULL, PAGE));
	EXPECT_EQ(-EINVAL, libiobmd_unmap(self->map, 0));
	EXPECT_EQ(-EINVAL, libiobmd_unmap(self->map + 1, PAGE));
	/* /dev/iobmd itself cannot be mapped. */
	EXPECT_EQ(-ENODEV, libiobmd_map(self->dev, 0, PAGE, &p));
}

/* The buffer outlives release while mapped, as a retained object. */
TEST_F(lib, release_keeps_mapping)
{
	long live = iobmd_stat("live_buffers");

	ASSERT_LE(1, live);
	ASSERT_EQ(CAP, libiobmd_write_bytes(self->buf, 0, self->pattern, CAP));
	ASSERT_EQ(0, libiobmd_release(self->buf));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
	EXPECT_EQ(0, memcmp(self->pattern, self->map, CAP));
	EXPECT_EQ(-EBADF, libiobmd_release(self->buf));
	ASSERT_EQ(0, libiobmd_unmap(self->map, ALLOC));
	self->map = NULL;
	EXPECT_EQ(live - 1, iobmd_stat("live_buffers"));
	/* For the teardown, which releases self->buf. */
	self->buf = dup(self->dev);
	ASSERT_LE(0, self->buf);
}

/* The IOKit-shaped creates: their inputs reach the buffer. */
TEST_F(lib, create_shapes)
{
	struct iobmd_info info;
	void *mapped = (void *)1;
	int buf;

	/* inTaskWithOptions: an alignment, not mapped. */
	buf = libiobmd_in_task_with_options(self->dev, variant->options,
					    3 * PAGE, 16 * PAGE, 0, &mapped);
	ASSERT_LE(0, buf);
	EXPECT_EQ(NULL, mapped);
	ASSERT_EQ(0, libiobmd_get_info(buf, &info));
	EXPECT_EQ(3 * PAGE, info.capacity);
	/* As XNU, an alignment above a page makes the buffer contiguous. */
	EXPECT_EQ(variant->options | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
		  info.options);
	EXPECT_EQ(1, info.segments);
	EXPECT_LE(16 * PAGE, info.alignment);
	EXPECT_EQ(0, info.dma_addr % (16 * PAGE));
	EXPECT_EQ(0, libiobmd_release(buf));

	/* NULL mapped is fine without a task mapping. */
	buf = libiobmd_in_task_with_options(self->dev, variant->options,
					    PAGE, 0, 0, NULL);
	ASSERT_LE(0, buf);
	EXPECT_EQ(0, libiobmd_release(buf));

	/* inTaskWithPhysicalMask: below 4 GiB, mapped. */
	buf = libiobmd_in_task_with_physical_mask(self->dev, variant->options,
						  2 * PAGE, 0xfffff000ULL,
						  LIBIOBMD_MAP_TASK, &mapped);
	ASSERT_LE(0, buf);
	ASSERT_NE(NULL, mapped);
	ASSERT_EQ(0, libiobmd_get_info(buf, &info));
	EXPECT_EQ(0xffffffffULL, info.physical_mask);
	EXPECT_GT(1ULL << 32, info.dma_addr);
	memset(mapped, 0x11, 2 * PAGE);
	ASSERT_EQ(1, libiobmd_read_bytes(buf, 2 * PAGE - 1, self->out, 1));
	EXPECT_EQ(0x11, self->out[0]);
	EXPECT_EQ(0, libiobmd_unmap(mapped, 2 * PAGE));
	EXPECT_EQ(0, libiobmd_release(buf));

	/* withBytes: the bytes, mapped and through read_bytes. */
	buf = libiobmd_with_bytes(self->dev, self->pattern, CAP,
				  variant->options, LIBIOBMD_MAP_TASK, &mapped);
	ASSERT_LE(0, buf);
	ASSERT_NE(NULL, mapped);
	EXPECT_EQ(0, memcmp(self->pattern, mapped, CAP));
	ASSERT_EQ(CAP, libiobmd_read_bytes(buf, 0, self->out, CAP));
	EXPECT_EQ(0, memcmp(self->pattern, self->out, CAP));
	EXPECT_EQ(0, libiobmd_unmap(mapped, ALLOC));
	EXPECT_EQ(0, libiobmd_release(buf));
}

/* A closed fd: every call on a buffer gives -EBADF. */
TEST_F(lib, closed_fd)
{
	struct libiobmd_create_args args = { .capacity = PAGE };
	unsigned long v = 1;
	struct iobmd_segment seg;
	struct iobmd_info info;
	void *p = (void *)1;
	int fd;

	fd = dup(self->buf);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, libiobmd_release(fd));
	EXPECT_EQ(-EBADF, libiobmd_release(fd));
	EXPECT_EQ(-EBADF, libiobmd_get_info(fd, &info));
	EXPECT_EQ(-EBADF, libiobmd_get_capacity(fd, &v));
	EXPECT_EQ(-EBADF, libiobmd_get_length(fd, &v));
	EXPECT_EQ(-EBADF, libiobmd_set_length(fd, 1));
	EXPECT_EQ(-EBADF, libiobmd_append_bytes(fd, "x", 1, &v));
	EXPECT_EQ(-EBADF, libiobmd_read_bytes(fd, 0, self->out, 1));
	EXPECT_EQ(-EBADF, libiobmd_write_bytes(fd, 0, self->out, 1));
	EXPECT_EQ(-EBADF, libiobmd_set_direction(fd, 0));
	EXPECT_EQ(-EBADF, libiobmd_prepare(fd, 0));
	EXPECT_EQ(-EBADF, libiobmd_complete(fd, 0));
	EXPECT_EQ(-EBADF, libiobmd_get_segments(fd, 0, &seg, 1));
	EXPECT_EQ(-EBADF, libiobmd_get_physical_segment(fd, 0, &v, &v));
	EXPECT_EQ(-EBADF, libiobmd_map(fd, 0, PAGE, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(-EBADF, libiobmd_create(fd, &args, NULL));
	EXPECT_EQ(-EBADF, libiobmd_release(-1));
}

/*
 * Not a buffer: /dev/null and /dev/iobmd itself get -ENOTTY from every
 * ioctl; a buffer fd is not /dev/iobmd for the creates.
 */
TEST_F(lib, not_a_buffer)
{
	struct libiobmd_create_args args = { .capacity = PAGE };
	struct iobmd_segment seg;
	struct iobmd_info info;
	unsigned long v;
	int fds[2], i;

	fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fds[0]);
	fds[1] = self->dev;
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-ENOTTY, libiobmd_get_info(fds[i], &info));
		EXPECT_EQ(-ENOTTY, libiobmd_get_capacity(fds[i], &v));
		EXPECT_EQ(-ENOTTY, libiobmd_get_length(fds[i], &v));
		EXPECT_EQ(-ENOTTY, libiobmd_set_length(fds[i], 0));
		EXPECT_EQ(-ENOTTY, libiobmd_append_bytes(fds[i], "x", 1, &v));
		EXPECT_EQ(-ENOTTY, libiobmd_set_direction(fds[i], 0));
		EXPECT_EQ(-ENOTTY, libiobmd_prepare(fds[i], 0));
		EXPECT_EQ(-ENOTTY, libiobmd_complete(fds[i], 0));
		EXPECT_EQ(-ENOTTY, libiobmd_get_segments(fds[i], 0, &seg, 1));
		EXPECT_EQ(-ENOTTY, libiobmd_get_physical_segment(fds[i], 0,
								 &v, &v));
	}
	EXPECT_EQ(-ENOTTY, libiobmd_create(fds[0], &args, NULL));
	EXPECT_EQ(-ENOTTY, libiobmd_create(self->buf, &args, NULL));
	EXPECT_EQ(-ENOTTY, libiobmd_in_task_with_options(self->buf, 0, PAGE,
							 0, 0, NULL));
	close(fds[0]);
}

/* Errors of the creates and NULL arguments; nothing is left behind. */
TEST_F(lib, create_errors)
{
	struct libiobmd_create_args args = { .capacity = PAGE };
	long live = iobmd_stat("live_buffers");
	__u32 opt = variant->options;
	int next = iobmd_next_fd();
	void *mapped = (void *)1;
	int dev = self->dev, ret;
	unsigned long length = 1;

	EXPECT_EQ(-EINVAL, libiobmd_create(self->dev, NULL, &mapped));
	EXPECT_EQ(NULL, mapped);
	/* A task mapping needs somewhere to put its address. */
	args.flags = LIBIOBMD_MAP_TASK;
	EXPECT_EQ(-EINVAL, libiobmd_create(self->dev, &args, NULL));
	mapped = (void *)1;
	EXPECT_EQ(-EINVAL, libiobmd_with_bytes(self->dev, NULL, PAGE,
					       variant->options,
					       LIBIOBMD_MAP_TASK, &mapped));
	EXPECT_EQ(NULL, mapped);
	/* The ioctl's own errnos, passed through. */
	ret = libiobmd_in_task_with_options(dev, opt, 0, 0, LIBIOBMD_MAP_TASK,
					    &mapped);
	EXPECT_EQ(-EINVAL, ret);
	ret = libiobmd_in_task_with_options(dev, opt, PAGE, 3 * PAGE, 0, NULL);
	EXPECT_EQ(-EINVAL, ret);
	ret = libiobmd_in_task_with_options(dev, opt, PAGE, 0, 0x80, NULL);
	EXPECT_EQ(-EINVAL, ret);
	ret = libiobmd_in_task_with_options(dev, IOBMD_MEMORY_CLEAR_ENCRYPT,
					    PAGE, 0, LIBIOBMD_MAP_TASK,
					    &mapped);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	EXPECT_EQ(NULL, mapped);
	/* A mask below what x86 can allocate (ZONE_DMA, 16 MiB). */
	ret = libiobmd_in_task_with_physical_mask(dev, opt, PAGE, 0xff000, 0,
						  NULL);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	EXPECT_EQ(-EFAULT, libiobmd_with_bytes(self->dev, (void *)8, PAGE,
					       variant->options,
					       LIBIOBMD_MAP_TASK, &mapped));
	EXPECT_EQ(NULL, mapped);
	/* NULL out pointers of the queries. */
	EXPECT_EQ(-EINVAL, libiobmd_get_info(self->buf, NULL));
	EXPECT_EQ(-EINVAL, libiobmd_get_capacity(self->buf, NULL));
	EXPECT_EQ(-EINVAL, libiobmd_get_length(self->buf, NULL));
	EXPECT_EQ(-EINVAL, libiobmd_read_bytes(self->buf, 0, NULL, 1));
	EXPECT_EQ(-EINVAL, libiobmd_write_bytes(self->buf, 0, NULL, 1));
	EXPECT_EQ(-EINVAL, libiobmd_read_bytes(self->buf, (__u64)INT64_MAX + 1,
					       self->out, 1));
	EXPECT_EQ(-EINVAL, libiobmd_write_bytes(self->buf, 0, self->out,
						(size_t)SSIZE_MAX + 1));
	EXPECT_EQ(-EFAULT, libiobmd_read_bytes(self->buf, 0, (void *)8, 1));
	EXPECT_EQ(-EFAULT, libiobmd_write_bytes(self->buf, 0, (void *)8, 1));
	/* Full: nothing to copy, so no fault; with room, a fault. */
	EXPECT_EQ(0, libiobmd_append_bytes(self->buf, (void *)8, 1, NULL));
	ASSERT_EQ(0, libiobmd_set_length(self->buf, 0));
	EXPECT_EQ(-EFAULT, libiobmd_append_bytes(self->buf, (void *)8, 1,
						 NULL));
	ASSERT_EQ(0, libiobmd_get_length(self->buf, &length));
	EXPECT_EQ(0, length);

	EXPECT_EQ(next, iobmd_next_fd());
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
}

/* Without CAP_SYS_ADMIN at create, segments are -EPERM. */
TEST_F(lib, segments_unprivileged)
{
	unsigned long address, length;
	pid_t pid;
	int status, buf, ret;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The open /dev/iobmd fd is kept; root is given up. */
		if (iobmd_become_unprivileged())
			_exit(2);
		buf = libiobmd_in_task_with_options(self->dev,
						    variant->options, PAGE, 0,
						    0, NULL);
		if (buf < 0)
			_exit(3);
		ret = libiobmd_get_physical_segment(buf, 0, &address, &length);
		if (ret != -EPERM)
			_exit(4);
		_exit(libiobmd_release(buf) ? 5 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * export_dmabuf: a dma-buf of the buffer's memory, O_CLOEXEC and the
 * access mode as asked, a new one each call, bytes shared both ways.
 */
TEST_F(lib, export_dmabuf)
{
	struct stat st1, st2;
	unsigned char *p;
	int d, d2, d3;

	ASSERT_EQ(CAP, libiobmd_write_bytes(self->buf, 0, self->pattern, CAP));
	d = libiobmd_export_dmabuf(self->buf, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	EXPECT_TRUE(is_iobmd_dmabuf(d, ALLOC));
	EXPECT_EQ(FD_CLOEXEC, fcntl(d, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(d, F_GETFL) & O_ACCMODE);
	/* Negative control: the buffer fd itself is no dma-buf. */
	EXPECT_FALSE(is_iobmd_dmabuf(self->buf, ALLOC));

	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, memcmp(self->pattern, p, CAP));
	memset(p + 100, 0x5a, 50);
	EXPECT_EQ(0, dmabuf_sync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(50, libiobmd_read_bytes(self->buf, 100, self->out, 50));
	EXPECT_TRUE(iobmd_all_bytes(self->out, 50, 0x5a));
	EXPECT_EQ(0x5a, self->map[149]);
	EXPECT_EQ(self->pattern[150], self->map[150]);
	EXPECT_EQ(0, munmap(p, ALLOC));

	/* Twice: two dma-bufs (documented), the same memory. */
	d2 = libiobmd_export_dmabuf(self->buf, O_RDONLY);
	ASSERT_LE(0, d2);
	ASSERT_EQ(0, fstat(d, &st1));
	ASSERT_EQ(0, fstat(d2, &st2));
	EXPECT_NE(st1.st_ino, st2.st_ino);
	EXPECT_TRUE(is_iobmd_dmabuf(d2, ALLOC));
	EXPECT_EQ(0, fcntl(d2, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(d2, F_GETFL) & O_ACCMODE);
	/* Read-only: readable, never writable. */
	p = mmap(NULL, ALLOC, PROT_READ, MAP_SHARED, d2, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0x5a, p[100]);
	EXPECT_EQ(self->pattern[0], p[0]);
	EXPECT_EQ(0, munmap(p, ALLOC));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, ALLOC, PROT_READ | PROT_WRITE,
				   MAP_SHARED, d2, 0));
	EXPECT_EQ(EACCES, errno);

	/* A dup of the buffer fd exports the same buffer. */
	d3 = dup(self->buf);
	ASSERT_LE(0, d3);
	EXPECT_EQ(0, close(d2));
	d2 = libiobmd_export_dmabuf(d3, O_RDWR);
	ASSERT_LE(0, d2);
	EXPECT_TRUE(is_iobmd_dmabuf(d2, ALLOC));
	EXPECT_EQ(0, close(d3));
	EXPECT_EQ(0, close(d2));
	EXPECT_EQ(0, close(d));
}

/*
 * The dma-buf holds the buffer: the buffer fd released first, its bytes
 * stay readable through the dma-buf, and the buffer goes only with it.
 */
TEST_F(lib, export_outlives_buffer_fd)
{
	long live = iobmd_stat("live_buffers");
	unsigned char *p;
	int buf, d;

	buf = libiobmd_with_bytes(self->dev, self->pattern, CAP,
				  variant->options, 0, NULL);
	ASSERT_LE(0, buf);
	d = libiobmd_export_dmabuf(buf, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, libiobmd_release(buf));
	EXPECT_EQ(live + 1, iobmd_stat("live_buffers"));
	p = mmap(NULL, ALLOC, PROT_READ, MAP_SHARED, d, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(self->pattern, p, CAP));
	EXPECT_TRUE(iobmd_all_bytes(p + CAP, ALLOC - CAP, 0));
	/* The mapping holds the dma-buf, which holds the buffer. */
	EXPECT_EQ(0, close(d));
	EXPECT_EQ(live + 1, iobmd_stat("live_buffers"));
	EXPECT_EQ(0, munmap(p, ALLOC));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
}

/* Errors of export_dmabuf; no fd is left behind by any. */
TEST_F(lib, export_errors)
{
	static const __u32 bad[] = {
		O_ACCMODE, O_NONBLOCK, O_RDWR | O_TRUNC, O_CLOEXEC | O_APPEND,
		O_RDWR | O_CLOEXEC | 0x80000000u,
	};
	int next = iobmd_next_fd();
	struct rlimit old, none;
	int null, d, status;
	unsigned int i;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, libiobmd_export_dmabuf(self->buf, bad[i]))
			TH_LOG("flags 0%o", bad[i]);
	EXPECT_EQ(-EBADF, libiobmd_export_dmabuf(-1, O_RDWR));
	EXPECT_EQ(-EBADF, libiobmd_export_dmabuf(next, O_RDWR));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-ENOTTY, libiobmd_export_dmabuf(null, O_RDWR));
	EXPECT_EQ(-ENOTTY, libiobmd_export_dmabuf(self->dev, O_RDWR));
	/* A dma-buf is not a buffer fd: no export of an export. */
	d = libiobmd_export_dmabuf(self->buf, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	EXPECT_EQ(-ENOTTY, libiobmd_export_dmabuf(d, O_RDWR));
	EXPECT_EQ(0, close(d));
	EXPECT_EQ(0, close(null));
	EXPECT_EQ(next, iobmd_next_fd());

	/* No free fd: -EMFILE, and the fd table as it was. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (getrlimit(RLIMIT_NOFILE, &old))
			_exit(2);
		none = old;
		none.rlim_cur = next;
		if (setrlimit(RLIMIT_NOFILE, &none))
			_exit(3);
		if (libiobmd_export_dmabuf(self->buf, O_RDWR) != -EMFILE)
			_exit(4);
		if (setrlimit(RLIMIT_NOFILE, &old))
			_exit(5);
		if (iobmd_next_fd() != next)
			_exit(6);
		/* Negative control: with the room back, it works. */
		d = libiobmd_export_dmabuf(self->buf, O_RDWR);
		_exit(d == next ? 0 : 7);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* libiobmd_open: a device fd that creates buffers, released once. */
TEST(open_release)
{
	int dev, buf;

	dev = libiobmd_open();
	ASSERT_LE(0, dev);
	buf = libiobmd_in_task_with_options(dev, 0, PAGE, 0, 0, NULL);
	ASSERT_LE(0, buf);
	EXPECT_EQ(0, libiobmd_release(buf));
	EXPECT_EQ(0, libiobmd_release(dev));
	EXPECT_EQ(-EBADF, libiobmd_release(dev));
}

/*
 * Pageable and purgeable through the library: segments only while
 * prepared, the old states of set_purgeable, and its errors.
 */
TEST(pageable_purgeable)
{
	const __u32 options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE |
			      IOBMD_MEMORY_PURGEABLE;
	unsigned long address, length;
	/* Without CAP_SYS_ADMIN, EPERM comes before any other answer. */
	int hidden = iobmd_sees_addresses() ? 0 : -EPERM;
	unsigned char *map = NULL;
	__u32 old = 0;
	int dev, buf, wired;

	dev = libiobmd_open();
	ASSERT_LE(0, dev);
	buf = libiobmd_in_task_with_options(dev, options, 4 * PAGE, 0,
					    LIBIOBMD_MAP_TASK, (void **)&map);
	ASSERT_LE(0, buf);
	memset(map, 0x3c, 4 * PAGE);
	EXPECT_EQ(hidden ?: -ENXIO,
		  libiobmd_get_physical_segment(buf, 0, &address, &length));
	ASSERT_EQ(0, libiobmd_prepare(buf, IOBMD_DIRECTION_OUT));
	EXPECT_EQ(hidden, libiobmd_get_physical_segment(buf, 0, &address,
							&length));
	EXPECT_EQ(-EBUSY, libiobmd_prepare(buf, IOBMD_DIRECTION_IN));
	EXPECT_EQ(-EBUSY, libiobmd_set_purgeable(buf, IOBMD_PURGEABLE_EMPTY,
						 &old));
	ASSERT_EQ(0, libiobmd_complete(buf, IOBMD_DIRECTION_OUT));

	EXPECT_EQ(0, libiobmd_set_purgeable(buf, IOBMD_PURGEABLE_VOLATILE,
					    &old));
	EXPECT_EQ(IOBMD_PURGEABLE_NON_VOLATILE, old);
	EXPECT_EQ(0, libiobmd_set_purgeable(buf, IOBMD_PURGEABLE_EMPTY, NULL));
	EXPECT_EQ(0, map[0]);
	EXPECT_EQ(0, libiobmd_set_purgeable(buf,
					    IOBMD_PURGEABLE_NON_VOLATILE,
					    &old));
	EXPECT_EQ(IOBMD_PURGEABLE_EMPTY, old);
	EXPECT_EQ(-EINVAL, libiobmd_set_purgeable(buf, 0, &old));
	EXPECT_EQ(-EINVAL, libiobmd_set_purgeable(buf, 5, &old));

	wired = libiobmd_in_task_with_options(dev, 0, PAGE, 0, 0, NULL);
	ASSERT_LE(0, wired);
	EXPECT_EQ(-EOPNOTSUPP,
		  libiobmd_set_purgeable(wired, IOBMD_PURGEABLE_VOLATILE,
					 &old));
	EXPECT_EQ(-EBADF, libiobmd_set_purgeable(-1, 1, &old));
	EXPECT_EQ(0, libiobmd_unmap(map, 4 * PAGE));
	EXPECT_EQ(0, libiobmd_release(wired));
	EXPECT_EQ(0, libiobmd_release(buf));
	EXPECT_EQ(0, libiobmd_release(dev));
}

/*
 * heap_alloc: every iobmd heap gives a zeroed dma-buf of whole pages,
 * which is a live iobmd buffer until it is closed.
 */
TEST(heap_alloc)
{
	static const char * const heaps[] = {
		"sg", "contig", "uncached", "wc", "dma32",
	};
	long live = iobmd_stat("live_buffers");
	unsigned char *p;
	unsigned int i;
	int d;

	/* The heaps are root's (0600): a user gets what open(2) says. */
	if (access("/dev/dma_heap/iobmd-sg", R_OK) && errno == EACCES) {
		EXPECT_EQ(-EACCES, libiobmd_heap_alloc("sg", PAGE, O_RDWR));
		return;
	}
	for (i = 0; i < ARRAY_SIZE(heaps); i++) {
		d = libiobmd_heap_alloc(heaps[i], 3 * PAGE + 1,
					O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, d) TH_LOG("iobmd-%s: %s", heaps[i],
				       strerror(-d));
		EXPECT_TRUE(is_iobmd_dmabuf(d, 4 * PAGE));
		EXPECT_EQ(FD_CLOEXEC, fcntl(d, F_GETFD) & FD_CLOEXEC);
		EXPECT_EQ(live + 1, iobmd_stat("live_buffers"));
		p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 d, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(iobmd_all_bytes(p, 4 * PAGE, 0));
		memset(p, 0xc3, 4 * PAGE);
		EXPECT_EQ(0xc3, p[4 * PAGE - 1]);
		EXPECT_EQ(0, munmap(p, 4 * PAGE));
		EXPECT_EQ(0, close(d));
		EXPECT_EQ(live, iobmd_stat("live_buffers"));
	}
	/* Without O_CLOEXEC, read-only. */
	d = libiobmd_heap_alloc("sg", PAGE, O_RDONLY);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, fcntl(d, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(d, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, d, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, close(d));
}

/* Errors of heap_alloc: the library's own and the ioctl's, no fd left. */
TEST(heap_alloc_errors)
{
	long live = iobmd_stat("live_buffers");
	int next = iobmd_next_fd();
	char name[300];

	if (access("/dev/dma_heap/iobmd-sg", R_OK) && errno == EACCES)
		SKIP(return, "the heaps are root's (0600); heap_alloc checks EACCES");
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc(NULL, PAGE, O_RDWR));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("", PAGE, O_RDWR));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("../system", PAGE, O_RDWR));
	EXPECT_EQ(-ENOENT, libiobmd_heap_alloc("nosuch", PAGE, O_RDWR));
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, libiobmd_heap_alloc(name, PAGE, O_RDWR));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("sg", 0, O_RDWR));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("sg", ~0ULL, O_RDWR));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("sg", PAGE, O_NONBLOCK));
	EXPECT_EQ(-EINVAL, libiobmd_heap_alloc("sg", PAGE, O_ACCMODE));
	/* Above the module's max_buffer_bytes. */
	EXPECT_EQ(-EFBIG, libiobmd_heap_alloc("sg",
					      iobmd_param("max_buffer_bytes") +
					      PAGE, O_RDWR));
	EXPECT_EQ(next, iobmd_next_fd());
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
}

TEST_HARNESS_MAIN
