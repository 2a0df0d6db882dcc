// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd selftests: every errno uapi/linux/iobmd.h documents, and that a
 * failed call leaves nothing behind (no fd, no buffer, no module reference).
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "iobmd_helpers.h"
#include "kselftest_harness.h"

/*
 * What must be unchanged after a failed call: module references, fds, and
 * the buffers and bytes iobmd has allocated (debugfs).
 */
struct baseline {
	long refcnt;
	int next_fd;
	long buffers;
	long bytes;
};

static void baseline_take(struct baseline *b)
{
	b->refcnt = iobmd_module_refcnt();
	b->next_fd = iobmd_next_fd();
	b->buffers = iobmd_stat("live_buffers");
	b->bytes = iobmd_stat("live_bytes");
}

static void expect_nothing_left(struct __test_metadata *_metadata,
				const struct baseline *b)
{
	EXPECT_EQ(b->refcnt, iobmd_module_refcnt());
	EXPECT_EQ(b->next_fd, iobmd_next_fd());
	EXPECT_LE(0, b->buffers);
	EXPECT_EQ(b->buffers, iobmd_stat("live_buffers"));
	EXPECT_EQ(b->bytes, iobmd_stat("live_bytes"));
}

FIXTURE(create_errno) {
	int dev;
	struct baseline base;
};

FIXTURE_VARIANT(create_errno) {
	__u64 capacity;
	__u32 options;
	__u32 flags;
	__u32 reserved;
	__s32 fd;
	__u64 address;
	__u64 alignment;
	__u64 physical_mask;
	int err;
};

FIXTURE_VARIANT_ADD(create_errno, capacity_0) {
	.capacity = 0,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, capacity_0_mapped) {
	.capacity = 0,
	.flags = IOBMD_CREATE_MAP_TASK,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, capacity_overflows) {
	.capacity = UINT64_MAX,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, capacity_rounds_over) {
	.capacity = UINT64_MAX - PAGE + 2,
	.err = EINVAL,
};

/* Above max_buffer_bytes, whose default is half the RAM. */
FIXTURE_VARIANT_ADD(create_errno, capacity_64T) {
	.capacity = 1ULL << 46,
	.err = EFBIG,
};

FIXTURE_VARIANT_ADD(create_errno, flags_unknown_bit_1) {
	.capacity = PAGE,
	.flags = 0x2,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, flags_unknown_bit_31) {
	.capacity = PAGE,
	.flags = 0x80000000,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, reserved_nonzero) {
	.capacity = PAGE,
	.reserved = 1,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, fd_not_zero) {
	.capacity = PAGE,
	.fd = -1,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, address_not_zero) {
	.capacity = PAGE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.address = 0x10000,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, alignment_3) {
	.capacity = PAGE,
	.alignment = 3,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, alignment_page_plus_1) {
	.capacity = PAGE,
	.alignment = PAGE + 1,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, alignment_overflows) {
	.capacity = UINT64_MAX - (1 << 20),
	.alignment = 1 << 20,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, mask_alignment_overflows) {
	.capacity = 1ULL << 63,
	.physical_mask = 1ULL << 63,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, mask_below_16M) {
	.capacity = PAGE,
	.physical_mask = 0xFFFFF,
	.err = EOPNOTSUPP,
};

/* No RAM lies at a 1 TiB boundary in the test VM (7 GiB of addresses). */
FIXTURE_VARIANT_ADD(create_errno, alignment_1T_no_memory) {
	.capacity = PAGE,
	.alignment = 1ULL << 40,
	.err = ENOMEM,
};

FIXTURE_VARIANT_ADD(create_errno, direction_4) {
	.capacity = PAGE,
	.options = 0x4,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, direction_bit_3) {
	.capacity = PAGE,
	.options = 0x8,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, option_0x1000) {
	.capacity = PAGE,
	.options = 0x1000,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, option_bit_31) {
	.capacity = PAGE,
	.options = 0x80000000,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, purgeable_without_pageable) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PURGEABLE,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, cache_mode_0x500) {
	.capacity = PAGE,
	.options = 0x500,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, cache_mode_0xf00) {
	.capacity = PAGE,
	.options = 0xf00,
	.flags = IOBMD_CREATE_MAP_TASK,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_contiguous) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_host_contiguous) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE |
		   IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_aligned_64k) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE,
	.alignment = 1 << 16,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_mask_aligned_64k) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE,
	.physical_mask = 0xffff0000,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_mapper_none) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_MAPPER_NONE,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_kernel_user_shared) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_KERNEL_USER_SHARED,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, pageable_write_combine) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE | IOBMD_MAP_WRITE_COMBINE_CACHE,
	.flags = IOBMD_CREATE_MAP_TASK,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, purgeable_inhibit) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE |
		   IOBMD_MAP_INHIBIT_CACHE,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(create_errno, clear_encrypt) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_CLEAR_ENCRYPT,
	.err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(create_errno, use_reserve) {
	.capacity = PAGE,
	.options = IOBMD_MEMORY_USE_RESERVE,
	.err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(create_errno, write_thru_cache) {
	.capacity = PAGE,
	.options = IOBMD_MAP_WRITE_THRU_CACHE,
	.err = EOPNOTSUPP,
};

FIXTURE_SETUP(create_errno)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	baseline_take(&self->base);
}

FIXTURE_TEARDOWN(create_errno)
{
	close(self->dev);
}

TEST_F(create_errno, fails_and_leaves_nothing)
{
	struct iobmd_create c = {
		.capacity = variant->capacity,
		.options = variant->options,
		.flags = variant->flags,
		.__reserved = variant->reserved,
		.fd = variant->fd,
		.address = variant->address,
		.alignment = variant->alignment,
		.physical_mask = variant->physical_mask,
	};

	long long max = iobmd_param("max_buffer_bytes");
	int err = variant->err;

	/* Under max_buffer_bytes (the unprivileged run), too big is EFBIG. */
	if (err == ENOMEM && max > 0 && variant->capacity > (__u64)max)
		err = EFBIG;
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(err, errno) TH_LOG("got %s", strerror(errno));
	expect_nothing_left(_metadata, &self->base);
}

FIXTURE(abi) {
	int dev;
	struct baseline base;
};

FIXTURE_SETUP(abi)
{
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	baseline_take(&self->base);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->dev);
}

/* Unknown ioctls, and known ones on the wrong fd or direction: ENOTTY. */
TEST_F(abi, unknown_ioctl_enotty)
{
	struct iobmd_create c;
	struct iobmd_info info;

	EXPECT_EQ(-1, ioctl(self->dev, _IO(IOBMD_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, _IOWR('x', 0x00, struct iobmd_create), &c));
	EXPECT_EQ(ENOTTY, errno);
	/* CREATE with the wrong direction bits. */
	EXPECT_EQ(-1, ioctl(self->dev, _IOW(IOBMD_IOC_MAGIC, 0x00,
					    struct iobmd_create), &c));
	EXPECT_EQ(ENOTTY, errno);
	/* INFO belongs to buffer fds, CREATE to the device. */
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);

	ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &c));
	EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(c.fd, _IO(IOBMD_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	close(c.fd);
	expect_nothing_left(_metadata, &self->base);
}

/* A struct may grow: larger is fine when the tail is zero, else E2BIG. */
struct create_v2 {
	struct iobmd_create v1;
	__u64 future[3];
};

#define IOBMD_IOC_CREATE_V2 _IOWR(IOBMD_IOC_MAGIC, 0x00, struct create_v2)

TEST_F(abi, larger_create_struct)
{
	struct create_v2 c = { .v1 = { .capacity = PAGE } };

	ASSERT_EQ(0, ioctl(self->dev, IOBMD_IOC_CREATE_V2, &c));
	EXPECT_LE(0, c.v1.fd);
	close(c.v1.fd);

	memset(&c, 0, sizeof(c));
	c.v1.capacity = PAGE;
	c.future[2] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE_V2, &c));
	EXPECT_EQ(E2BIG, errno);
	expect_nothing_left(_metadata, &self->base);
}

/* A caller built with the first, 32-byte struct: nothing past it written. */
TEST_F(abi, version_0_create_struct)
{
	struct {
		struct iobmd_create c;
		unsigned char guard[32];
	} v0;

	memset(&v0, 0, sizeof(v0));
	memset(v0.guard, 0xa5, sizeof(v0.guard));
	v0.c.capacity = PAGE;
	v0.c.flags = IOBMD_CREATE_MAP_TASK;
	ASSERT_EQ(0, ioctl(self->dev, _IOC(_IOC_READ | _IOC_WRITE,
					   IOBMD_IOC_MAGIC, 0x00,
					   IOBMD_CREATE_SIZE_VER0), &v0));
	EXPECT_LE(0, v0.c.fd);
	EXPECT_NE(0, v0.c.address);
	/* Bytes 32 and up are alignment, physical_mask, data, then guard. */
	EXPECT_EQ(0, v0.c.alignment);
	EXPECT_EQ(0, v0.c.physical_mask);
	EXPECT_EQ(0, v0.c.data);
	EXPECT_EQ(0xa5, v0.guard[0]);
	munmap((void *)(uintptr_t)v0.c.address, PAGE);
	close(v0.c.fd);
}

TEST_F(abi, short_structs_einval)
{
	struct iobmd_create c = { .capacity = PAGE };
	struct iobmd_info info;

	EXPECT_EQ(-1, ioctl(self->dev, _IOC(_IOC_READ | _IOC_WRITE,
					    IOBMD_IOC_MAGIC, 0x00, 24), &c));
	EXPECT_EQ(EINVAL, errno);
	expect_nothing_left(_metadata, &self->base);

	ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &c));
	EXPECT_EQ(-1, ioctl(c.fd, _IOC(_IOC_READ, IOBMD_IOC_MAGIC, 0x01, 48),
			    &info));
	EXPECT_EQ(EINVAL, errno);
	close(c.fd);
}

/* INFO into a larger struct zeroes what the kernel does not know. */
TEST_F(abi, larger_info_struct_tail_zeroed)
{
	struct {
		struct iobmd_info v1;
		__u64 future[2];
	} info;
	struct iobmd_create c;

	ASSERT_EQ(0, iobmd_create(self->dev, 5, IOBMD_DIRECTION_IN, 0, &c));
	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, ioctl(c.fd, _IOR(IOBMD_IOC_MAGIC, 0x01, info), &info));
	EXPECT_EQ(5, info.v1.capacity);
	EXPECT_EQ(IOBMD_DIRECTION_IN, info.v1.options);
	EXPECT_EQ(0, info.future[0]);
	EXPECT_EQ(0, info.future[1]);
	close(c.fd);
}

TEST_F(abi, bad_pointers_efault)
{
	struct iobmd_create c;

	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	expect_nothing_left(_metadata, &self->base);

	/* Readable but not writable: the buffer is made, then undone. */
	c = (struct iobmd_create){ .capacity = PAGE,
				   .flags = IOBMD_CREATE_MAP_TASK };
	{
		void *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, ro);
		memcpy(ro, &c, sizeof(c));
		ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
		EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, ro));
		EXPECT_EQ(EFAULT, errno);
		munmap(ro, PAGE);
	}
	expect_nothing_left(_metadata, &self->base);

	ASSERT_EQ(0, iobmd_create(self->dev, PAGE, 0, 0, &c));
	EXPECT_EQ(-1, ioctl(c.fd, IOBMD_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(c.fd);
}

/* withBytes from memory that cannot be read: EFAULT, nothing left. */
TEST_F(abi, with_bytes_unreadable_data_efault)
{
	struct iobmd_create c = { .capacity = 2 * PAGE,
				  .flags = IOBMD_CREATE_MAP_TASK };
	char *half = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, half);
	/* The second page of the source is not readable. */
	ASSERT_EQ(0, mprotect(half + PAGE, PAGE, PROT_NONE));
	c.data = (uintptr_t)half;
	EXPECT_EQ(-1, ioctl(self->dev, IOBMD_IOC_CREATE, &c));
	EXPECT_EQ(EFAULT, errno);
	munmap(half, 2 * PAGE);
	expect_nothing_left(_metadata, &self->base);
}

/* No free fd: EMFILE, and the buffer made for it is gone again. */
TEST_F(abi, no_free_fd_emfile)
{
	struct rlimit old, lim;
	struct iobmd_create c;
	int ret, err;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = self->base.next_fd;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	ret = iobmd_create(self->dev, PAGE, 0, IOBMD_CREATE_MAP_TASK, &c);
	err = errno;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-EMFILE, ret) TH_LOG("errno %s", strerror(err));
	expect_nothing_left(_metadata, &self->base);
}

/* The address space this process has mapped now, in bytes. */
static unsigned long vm_size(void)
{
	unsigned long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb << 10;
}

/*
 * The task mapping cannot be made: mmap's ENOMEM, and nothing is left
 * behind. The same buffer unmapped is created fine under the same limit,
 * so the ENOMEM is the mapping's, not the allocation's.
 */
TEST_F(abi, no_address_space_enomem)
{
	const __u64 size = 4UL << 20;
	struct rlimit old, lim;
	struct iobmd_create c;
	int unmapped, mapped;

	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &old));
	lim = old;
	/* Room for the process as it is, but not for the mapping. */
	ASSERT_LT(0, vm_size());
	lim.rlim_cur = vm_size() + size / 2;
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &lim));
	unmapped = iobmd_create(self->dev, size, 0, 0, &c);
	if (!unmapped)
		close(c.fd);
	mapped = iobmd_create(self->dev, size, 0, IOBMD_CREATE_MAP_TASK, &c);
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &old));
	ASSERT_EQ(0, unmapped);
	EXPECT_EQ(-ENOMEM, mapped);
	expect_nothing_left(_metadata, &self->base);
}

/* mmap: MAP_SHARED only, inside the allocation, and never grown. */
TEST_F(abi, mmap_errors)
{
	struct iobmd_create c;
	void *p, *q;

	ASSERT_EQ(0, iobmd_create(self->dev, 2 * PAGE + 1, 0, 0, &c));

	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* Three pages are allocated; four are too many. */
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, c.fd, 2 * PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, c.fd, 3 * PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* The last page alone is fine; growing it with mremap is not... */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 2 * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	/* ...and neither is making it executable later. */
	EXPECT_EQ(-1, mprotect(p, PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	q = mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, munmap(p, PAGE));
	close(c.fd);
	expect_nothing_left(_metadata, &self->base);
}

TEST_HARNESS_MAIN
