// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings that work with the rest of the kernel: a mapped write-back
 * buffer is page-backed, so get_user_pages works on it - O_DIRECT to and
 * from a block device (brd's /dev/ram0), and process_vm_readv - for
 * contiguous and scatter-gather buffers, task-mapped and mmapped later.
 * UC- and WC buffers are mapped by PFN, and pinning them fails (EFAULT),
 * so that no kernel user can map their pages write-back. And a mapping
 * keeps the buffer alive after a partial munmap until the last page is
 * unmapped; the fault strategy is the documented one.
 */
#include <sys/mman.h>
#include <sys/uio.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"
#include "ptdump.h"

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
	/* UC- and WC pages are mapped by PFN: nothing can pin them. */
	bool by_pfn;
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
	.by_pfn = true,
};

FIXTURE_VARIANT_ADD(mmap, inhibit_contiguous_task) {
	.options = IOBMD_MAP_INHIBIT_CACHE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.flags = IOBMD_CREATE_MAP_TASK,
	.by_pfn = true,
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
	self->map = iobmd_map_buffer(self->c.fd, LEN, &self->c.address);
	ASSERT_NE(NULL, self->map);
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
	if (variant->by_pfn) {
		/* get_user_pages refuses a PFN mapping: EFAULT. */
		EXPECT_EQ(-1, pwrite(ram, self->map, LEN, 0));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, pread(ram, self->map, LEN, 0));
		EXPECT_EQ(EFAULT, errno);
		goto out;
	}
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
out:
	munmap(back, LEN);
	close(c2.fd);
	close(ram);
}

/*
 * How many of the @n pages from @p have a present PTE, from one read of
 * the page-table dump (pagemap does not show PFN mappings); -1 on error.
 */
static int present_pages(const void *p, int n)
{
	__u64 addr[LEN / PAGE];
	int type[LEN / PAGE], i, count = 0;

	for (i = 0; i < n; i++)
		addr[i] = (uintptr_t)p + i * PAGE;
	if (ptdump_types(PTDUMP_CURRENT, addr, n, type))
		return -1;
	for (i = 0; i < n; i++)
		count += type[i] != MT_UNMAPPED;
	return count;
}

static int present(const void *p)
{
	return present_pages(p, 1);
}

#define ON_FAULT "/sys/module/iobmd/parameters/mmap_on_fault"

/* Set iobmd's mmap_on_fault; returns the old value, or -1. */
static int set_on_fault(int on)
{
	char old = 0;
	int fd = open(ON_FAULT, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &old, 1) != 1 ||
	    pwrite(fd, on ? "Y" : "N", 1, 0) != 1)
		old = 0;
	close(fd);
	return old == 'Y' ? 1 : old == 'N' ? 0 : -1;
}

/*
 * The fault strategy as documented: the task mapping is populated at
 * create; a plain mmap at mmap time by default, on first touch with
 * mmap_on_fault (PFN mappings always at mmap time); MAP_POPULATE at mmap
 * time either way.
 */
TEST_F(mmap, populated_as_documented)
{
	unsigned char *p;
	int on, old;

	if (present(self->map) < 0 || access(ON_FAULT, W_OK))
		SKIP(return, "the page-table dump and mmap_on_fault are root's");
	if (variant->flags & IOBMD_CREATE_MAP_TASK)
		EXPECT_EQ(LEN / PAGE, present_pages(self->map, LEN / PAGE));

	old = set_on_fault(0);
	ASSERT_LE(0, old);
	for (on = 0; on < 2; on++) {
		ASSERT_LE(0, set_on_fault(on));
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->c.fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		/* PFN mappings are always complete at mmap time. */
		EXPECT_EQ(!on || variant->by_pfn, present(p + PAGE));
		p[PAGE] = 1;
		EXPECT_EQ(1, present(p + PAGE));
		EXPECT_EQ(!on || variant->by_pfn, present(p + 2 * PAGE));
		/* Zapped pages come back on the next touch. */
		if (variant->by_pfn) {
			/* madvise cannot zap a PFN mapping. */
			EXPECT_EQ(-1, madvise(p, LEN, MADV_DONTNEED));
		} else {
			EXPECT_EQ(0, madvise(p, LEN, MADV_DONTNEED));
			EXPECT_EQ(0, present(p + PAGE));
		}
		EXPECT_EQ(1, p[PAGE]);
		munmap(p, LEN);

		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, self->c.fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(LEN / PAGE, present_pages(p, LEN / PAGE));
		munmap(p, LEN);
	}
	set_on_fault(old);
}

/* process_vm_readv reads a mapped buffer through get_user_pages. */
TEST_F(mmap, process_vm_readv_of_mapping)
{
	static unsigned char out[LEN];
	struct iovec local = { .iov_base = out, .iov_len = LEN };
	struct iovec remote = { .iov_base = self->map, .iov_len = LEN };

	fill(self->map, LEN, 0x42);
	if (variant->by_pfn) {
		EXPECT_EQ(-1, process_vm_readv(getpid(), &local, 1, &remote, 1,
					       0));
		EXPECT_EQ(EFAULT, errno);
		return;
	}
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
