// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings that work with the rest of the kernel: a mapped buffer is
 * page-backed, so get_user_pages works on it - O_DIRECT to and from a
 * block device (brd's /dev/ram0), and process_vm_readv - for contiguous
 * and scatter-gather buffers, task-mapped and mmapped later, in several
 * cache modes. And a mapping keeps the buffer alive after a partial
 * munmap until the last page is unmapped.
 */
#include <sys/mman.h>
#include <sys/uio.h>

#include "../kselftest_harness.h"
#include "iobmd_helpers.h"

#define LEN (64 * 1024)
#define RAM_DEV "/dev/ram0"

FIXTURE(mmap) {
	int dev;
	struct iobmd_create c;
	unsigned char *map;
};

FIXTURE_VARIANT(mmap) {
	__u32 options;
	__u32 flags;
	__u64 alignment;
};

FIXTURE_VARIANT_ADD(mmap, sg_task) {
	.options = IOBMD_DIRECTION_INOUT,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(mmap, sg_later) {
	.options = IOBMD_DIRECTION_INOUT,
};

FIXTURE_VARIANT_ADD(mmap, contiguous_task) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_VARIANT_ADD(mmap, contiguous_later) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
};

FIXTURE_VARIANT_ADD(mmap, contiguous_aligned_1M_later) {
	.options = IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.alignment = 1 << 20,
};

FIXTURE_VARIANT_ADD(mmap, write_combine_sg_later) {
	.options = IOBMD_MAP_WRITE_COMBINE_CACHE,
};

FIXTURE_VARIANT_ADD(mmap, inhibit_contiguous_task) {
	.options = IOBMD_MAP_INHIBIT_CACHE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.flags = IOBMD_CREATE_MAP_TASK,
};

FIXTURE_SETUP(mmap)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	memset(&self->c, 0, sizeof(self->c));
	self->c.capacity = LEN;
	self->c.options = variant->options;
	self->c.flags = variant->flags;
	self->c.alignment = variant->alignment;
	ASSERT_EQ(0, ioctl(self->dev, IOBMD_IOC_CREATE, &self->c));
	if (variant->flags & IOBMD_CREATE_MAP_TASK)
		self->map = (unsigned char *)(uintptr_t)self->c.address;
	else
		self->map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
				 self->c.fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
}

FIXTURE_TEARDOWN(mmap)
{
	if (self->map)
		munmap(self->map, LEN);
	if (self->c.fd >= 0)
		close(self->c.fd);
	close(self->dev);
}

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 11;
}

/*
 * O_DIRECT write from the mapping to a block device and read back into a
 * second buffer's mapping: the block layer pins the mapped pages.
 */
TEST_F(mmap, o_direct_write_and_read)
{
	struct iobmd_create c2 = { .capacity = LEN, .options = 0,
				   .flags = IOBMD_CREATE_MAP_TASK };
	unsigned char *back;
	int ram;

	ram = open(RAM_DEV, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (ram < 0)
		SKIP(return, "%s: %s (needs CONFIG_BLK_DEV_RAM)", RAM_DEV,
		     strerror(errno));
	ASSERT_EQ(0, ioctl(self->dev, IOBMD_IOC_CREATE, &c2));
	back = (unsigned char *)(uintptr_t)c2.address;

	fill(self->map, LEN, 0x21);
	EXPECT_EQ(LEN, pwrite(ram, self->map, LEN, 0))
		TH_LOG("O_DIRECT write: %s", strerror(errno));
	/* And the other way: from the device into this buffer. */
	fill(back, LEN, 0x77);
	EXPECT_EQ(LEN, pwrite(ram, back, LEN, LEN));
	EXPECT_EQ(LEN, pread(ram, self->map, LEN, LEN))
		TH_LOG("O_DIRECT read: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(self->map, back, LEN));
	EXPECT_EQ(LEN, pread(ram, back, LEN, 0));
	fill(self->map, LEN, 0x21);
	EXPECT_EQ(0, memcmp(self->map, back, LEN));

	munmap(back, LEN);
	close(c2.fd);
	close(ram);
}

/* process_vm_readv reads a mapped buffer through get_user_pages. */
TEST_F(mmap, process_vm_readv_of_mapping)
{
	static unsigned char out[LEN];
	struct iovec local = { .iov_base = out, .iov_len = LEN };
	struct iovec remote = { .iov_base = self->map, .iov_len = LEN };

	fill(self->map, LEN, 0x42);
	EXPECT_EQ(LEN, process_vm_readv(getpid(), &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(out, self->map, LEN));
}

/*
 * After close(fd) and a partial munmap the rest of the mapping still
 * holds the buffer; the last unmap frees it.
 */
TEST_F(mmap, partial_munmap_keeps_buffer)
{
	long live;

	fill(self->map, LEN, 0x13);
	live = iobmd_stat("live_buffers");
	ASSERT_LE(1, live);
	ASSERT_EQ(0, close(self->c.fd));
	self->c.fd = -1;
	ASSERT_EQ(0, munmap(self->map, LEN / 2));
	EXPECT_EQ(live, iobmd_stat("live_buffers"));
	EXPECT_EQ((unsigned char)(0x13 + (LEN - 1) * 11), self->map[LEN - 1]);
	ASSERT_EQ(0, munmap(self->map + LEN / 2, LEN / 2));
	self->map = NULL;
	EXPECT_EQ(live - 1, iobmd_stat("live_buffers"));
}

TEST_HARNESS_MAIN
