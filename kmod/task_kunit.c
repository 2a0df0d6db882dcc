// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for where a buffer is mapped (the task argument and
 * kIOMemoryKernelUserShared), for its contents without a kernel mapping
 * (kmod/contents.c), and for withCopy. Part of iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "iobmd_internal.h"

#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS
#define SHARED IOBMD_MEMORY_KERNEL_USER_SHARED

struct iobmd_map_case {
	struct mm_struct *task;
	u32 options;
	u64 capacity;
	bool kernel_mapped;
	const char *name;
};

static const struct iobmd_map_case map_cases[] = {
	{ NULL, 0, 3 * PAGE_SIZE + 7, false, "null-task-sg" },
	{ NULL, CONTIG, 3 * PAGE_SIZE + 7, false, "null-task-contiguous" },
	{ NULL, SHARED, 3 * PAGE_SIZE + 7, true, "null-task-shared-sg" },
	{ NULL, SHARED | CONTIG, SZ_64K, true, "null-task-shared-contiguous" },
	{ IOBMD_KERNEL_TASK, 0, SZ_1M + 1, true, "kernel-task-sg" },
	{ IOBMD_KERNEL_TASK, CONTIG, PAGE_SIZE, true, "kernel-task-contiguous" },
};

static void map_case_desc(const struct iobmd_map_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map, map_cases, map_case_desc);

static void fill(u8 *p, size_t n, u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 13;
}

/*
 * The kernel maps a buffer only for the kernel task or KernelUserShared,
 * and the methods read and write every buffer's contents, across pages.
 */
static void iobmd_test_kernel_mapping(struct kunit *test)
{
	const struct iobmd_map_case *c = test->param_value;
	size_t n = c->capacity;
	long live = iobmd_live_buffer_count();
	struct iobmd *bmd;
	u8 *in, *out;

	in = kunit_kmalloc(test, n, GFP_KERNEL);
	out = kunit_kmalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);

	bmd = iobmd_in_task_with_options(c->task, c->options, n, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	KUNIT_EXPECT_EQ(test, c->kernel_mapped, !!iobmd_get_bytes_no_copy(bmd));
	KUNIT_EXPECT_EQ(test, c->kernel_mapped,
			!!iobmd_get_bytes_no_copy_range(bmd, 1, 2));
	KUNIT_EXPECT_TRUE(test, !iobmd_get_task_bytes_no_copy(bmd));

	/* Zero-filled, whichever path allocated it. */
	memset(out, 0xff, n);
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, 0, out, n));
	KUNIT_EXPECT_NULL(test, memchr_inv(out, 0, n));

	/* Across page boundaries, at an odd offset. */
	fill(in, n, 3);
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, 1, in, n - 1));
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, 1, out, n - 1));
	KUNIT_EXPECT_EQ(test, 0, memcmp(in, out, n - 1));
	if (c->kernel_mapped)
		KUNIT_EXPECT_EQ(test, 0, memcmp(in, (u8 *)iobmd_get_bytes_no_copy(bmd) + 1,
						n - 1));

	/* appendBytes writes at the length, also without a mapping. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_set_length(bmd, n - 5));
	KUNIT_EXPECT_EQ(test, 5ULL, iobmd_append_bytes(bmd, "abcdefgh", 8));
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, n - 5, out, 5));
	KUNIT_EXPECT_EQ(test, 0, memcmp(out, "abcde", 5));

	iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

/* withCopy from kernel memory: byte-exact, with the options asked for. */
static void iobmd_test_with_copy(struct kunit *test)
{
	size_t n = 2 * PAGE_SIZE + 3;
	struct iobmd *bmd;
	dma_addr_t addr;
	u64 run;
	u8 *src, *out;

	src = kunit_kmalloc(test, n, GFP_KERNEL);
	out = kunit_kzalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, out);
	fill(src, n, 7);

	bmd = iobmd_with_copy(IOBMD_KERNEL_TASK, IOBMD_DIRECTION_OUT,
			      IOBMD_KERNEL_TASK, (unsigned long)src, n);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "withCopy: %ld",
			       PTR_ERR(bmd));
	KUNIT_EXPECT_EQ(test, iobmd_get_capacity(bmd), (u64)n);
	KUNIT_EXPECT_EQ(test, iobmd_get_length(bmd), (u64)n);
	KUNIT_EXPECT_EQ(test, iobmd_get_options(bmd), (u32)IOBMD_DIRECTION_OUT);
	KUNIT_EXPECT_EQ(test, 0, memcmp(iobmd_get_bytes_no_copy(bmd), src, n));
	iobmd_put(bmd);

	/* Unmapped and contiguous: the contents through readBytes. */
	bmd = iobmd_with_copy(NULL, CONTIG, IOBMD_KERNEL_TASK,
			      (unsigned long)src, n);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "withCopy: %ld",
			       PTR_ERR(bmd));
	KUNIT_EXPECT_EQ(test, 0,
			iobmd_get_physical_segment(bmd, 0, &addr, &run));
	KUNIT_EXPECT_EQ(test, run, (u64)n);
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, 0, out, n));
	KUNIT_EXPECT_EQ(test, 0, memcmp(out, src, n));
	iobmd_put(bmd);
}

/* withCopy's errors leave no buffer behind. */
static void iobmd_test_with_copy_errno(struct kunit *test)
{
	/* Stands for another process's mm; refused before it is used. */
	struct mm_struct *other_mm = kunit_kzalloc(test, 64, GFP_KERNEL);
	long live = iobmd_live_buffer_count();
	static const u8 src[16];
	unsigned long s = (unsigned long)src;

	KUNIT_ASSERT_NOT_NULL(test, other_mm);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_copy(NULL, 0, IOBMD_KERNEL_TASK, s,
						0)));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_copy(NULL, 0, NULL, s, 16)));
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_with_copy(NULL, 0, other_mm, s, 16)));
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			PTR_ERR(iobmd_with_copy(other_mm, 0, IOBMD_KERNEL_TASK,
						s, 16)));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_with_copy(NULL, 0x80000000,
						IOBMD_KERNEL_TASK, s, 16)));
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live);
}

/* The CPU physical address of a byte the kernel maps. */
static phys_addr_t phys_of(u8 *p)
{
	if (is_vmalloc_addr(p))
		return page_to_phys(vmalloc_to_page(p)) + offset_in_page(p);
	return virt_to_phys(p);
}

struct iobmd_mapper_case {
	u32 options;
	u64 capacity;
	const char *name;
};

static const struct iobmd_mapper_case mapper_cases[] = {
	{ IOBMD_MEMORY_MAPPER_NONE, SZ_4M + 3, "sg" },
	{ IOBMD_MEMORY_MAPPER_NONE | CONTIG, 5 * PAGE_SIZE, "contiguous" },
	{ IOBMD_MEMORY_MAPPER_NONE | CONTIG, SZ_1M, "contiguous-1M" },
};

static void mapper_case_desc(const struct iobmd_mapper_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mapper, mapper_cases, mapper_case_desc);

/*
 * kIOMemoryMapperNone: every segment getPhysicalSegment() gives is a
 * physically contiguous run at the CPU physical address of its bytes.
 */
static void iobmd_test_mapper_none(struct kunit *test)
{
	const struct iobmd_mapper_case *c = test->param_value;
	u64 off = 0, run, segments = 0;
	struct iobmd *bmd;
	dma_addr_t addr;
	u8 *p;

	bmd = iobmd_with_options(c->options, c->capacity, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	p = iobmd_get_bytes_no_copy(bmd);
	while (off < c->capacity) {
		if (iobmd_get_physical_segment(bmd, off, &addr, &run)) {
			KUNIT_FAIL(test, "no segment at %llu", off);
			break;
		}
		KUNIT_EXPECT_EQ(test, (phys_addr_t)addr, phys_of(p + off));
		KUNIT_EXPECT_EQ(test, (phys_addr_t)addr + run - 1,
				phys_of(p + off + run - 1));
		/* Runs are maximal: the next byte is elsewhere. */
		if (off + run < c->capacity)
			KUNIT_EXPECT_NE(test, (phys_addr_t)addr + run,
					phys_of(p + off + run));
		off += run;
		segments++;
	}
	KUNIT_EXPECT_EQ(test, off, c->capacity);
	if (c->options & CONTIG)
		KUNIT_EXPECT_EQ(test, segments, 1ULL);
	iobmd_put(bmd);
}

#ifdef IOBMD_HAVE_KUNIT_VM_MMAP
/*
 * A user mm as task: the buffer is mapped into the calling process, and
 * the mapping and the buffer show the same bytes both ways. withCopy reads
 * that process's memory. kunit_vm_mmap() gives the test thread a user mm.
 */
static void iobmd_test_user_task(struct kunit *test)
{
	size_t n = 2 * PAGE_SIZE + 1;
	long live = iobmd_live_buffer_count();
	struct iobmd *bmd, *copy;
	u8 __user *uaddr;
	u8 *in, *out;

	in = kunit_kmalloc(test, n, GFP_KERNEL);
	out = kunit_kzalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NE_MSG(test, 0UL,
			    kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					  PROT_READ | PROT_WRITE,
					  MAP_ANONYMOUS | MAP_PRIVATE, 0),
			    "no user mm for the test");

	bmd = iobmd_in_task_with_options(current->mm, IOBMD_DIRECTION_INOUT,
					 n, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	uaddr = iobmd_get_task_bytes_no_copy(bmd);
	KUNIT_ASSERT_TRUE(test, uaddr);
	KUNIT_EXPECT_NULL(test, iobmd_get_bytes_no_copy(bmd));

	fill(in, n, 11);
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, 0, in, n));
	KUNIT_EXPECT_EQ(test, 0UL, copy_from_user(out, uaddr, n));
	KUNIT_EXPECT_EQ(test, 0, memcmp(in, out, n));
	KUNIT_EXPECT_EQ(test, 0UL, copy_to_user(uaddr + PAGE_SIZE, "task", 4));
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, PAGE_SIZE, out, 4));
	KUNIT_EXPECT_EQ(test, 0, memcmp(out, "task", 4));

	/* withCopy from this process's memory: the task mapping. */
	copy = iobmd_with_copy(IOBMD_KERNEL_TASK, 0, current->mm,
			       (unsigned long)uaddr, n);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(copy), "withCopy: %ld",
			       PTR_ERR(copy));
	memcpy(in + PAGE_SIZE, "task", 4);
	KUNIT_EXPECT_EQ(test, 0, memcmp(iobmd_get_bytes_no_copy(copy), in, n));
	iobmd_put(copy);

	/* A range that is not mapped: -EFAULT, nothing left behind. */
	KUNIT_EXPECT_EQ(test, -EFAULT,
			PTR_ERR(iobmd_with_copy(current->mm, 0, current->mm,
						PAGE_SIZE, n)));

	/* The caller's reference and the mapping each keep it alive. */
	iobmd_put(bmd);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), live + 1);
	KUNIT_EXPECT_EQ(test, 0UL, copy_from_user(out, uaddr, 4));
	KUNIT_EXPECT_EQ(test, 0, memcmp(out, in, 4));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap((unsigned long)uaddr, n));

	/* KernelUserShared: mapped in the task and in the kernel. */
	bmd = iobmd_in_task_with_options(current->mm, SHARED, PAGE_SIZE, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	uaddr = iobmd_get_task_bytes_no_copy(bmd);
	KUNIT_ASSERT_TRUE(test, uaddr);
	KUNIT_ASSERT_NOT_NULL(test, iobmd_get_bytes_no_copy(bmd));
	KUNIT_EXPECT_EQ(test, 0UL, copy_to_user(uaddr, "both", 4));
	KUNIT_EXPECT_EQ(test, 0, memcmp(iobmd_get_bytes_no_copy(bmd), "both",
					4));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap((unsigned long)uaddr, PAGE_SIZE));
	iobmd_put(bmd);
}
#else
static void iobmd_test_user_task(struct kunit *test)
{
	kunit_skip(test, "a user mm in KUnit needs kunit_vm_mmap() (6.10)");
}
#endif

static struct kunit_case iobmd_task_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_kernel_mapping, map_gen_params),
	KUNIT_CASE(iobmd_test_with_copy),
	KUNIT_CASE(iobmd_test_with_copy_errno),
	KUNIT_CASE(iobmd_test_user_task),
	KUNIT_CASE_PARAM(iobmd_test_mapper_none, mapper_gen_params),
	{}
};

static struct kunit_suite iobmd_task_suite = {
	.name = "iobmd_task",
	.test_cases = iobmd_task_cases,
};

kunit_test_suite(iobmd_task_suite);
