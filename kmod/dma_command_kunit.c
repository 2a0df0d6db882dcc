// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the DMA command (kmod/dma_command.c, IODMACommand).
 *
 * The consumer is a platform device of the test's own with a 32-bit DMA
 * mask, on dma-direct (no IOMMU): its DMA addresses are physical, so the
 * test reads and writes "the device's view" through the direct map at the
 * segments' addresses, and checks that what a device would see is the
 * buffer's contents, and that what it writes reaches the buffer. Most
 * buffers of the 6 GiB test VM lie above 4 GiB and are double buffered.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iobmd_internal.h"

#define SEGS 64

struct dma_kind {
	const char *name;
	u32 options;
	u64 size;
};

static const struct dma_kind dma_kinds[] = {
	{ "sg", IOBMD_DIRECTION_INOUT, SZ_256K },
	{ "contiguous-pages", IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, SZ_64K },
	{ "contiguous-cma", IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, SZ_8M },
	{ "uncached", IOBMD_MAP_INHIBIT_CACHE, SZ_64K },
	{ "write-combined", IOBMD_MAP_WRITE_COMBINE_CACHE, SZ_64K },
	{ "kernel-user-shared", IOBMD_MEMORY_KERNEL_USER_SHARED, SZ_64K },
	{ "pageable", IOBMD_MEMORY_PAGEABLE, SZ_256K },
};

static void dma_kind_desc(const struct dma_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dma_kind, dma_kinds, dma_kind_desc);

struct dma_fixture {
	struct platform_device *pdev;
	struct iobmd *bmd;
	struct iobmd_dma_command *cmd;
	u8 *pattern;
	u8 *data;
	u8 *back;
};

static int dma_init(struct kunit *test)
{
	const struct platform_device_info info = {
		.name = "iobmd-kunit-dma",
		.id = PLATFORM_DEVID_AUTO,
		.dma_mask = DMA_BIT_MASK(32),
	};
	struct dma_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pdev = platform_device_register_full(&info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->pdev));
	dma_set_max_seg_size(&f->pdev->dev, UINT_MAX & PAGE_MASK);
	test->priv = f;
	return 0;
}

static void dma_exit(struct kunit *test)
{
	struct dma_fixture *f = test->priv;

	iobmd_dma_command_free(f->cmd);
	iobmd_put(f->bmd);
	kvfree(f->pattern);
	kvfree(f->data);
	kvfree(f->back);
	platform_device_unregister(f->pdev);
}

static void dma_nodma_release(struct device *dev)
{
	kfree(dev);
}

/* A buffer of the kind, filled with a pattern, and a command for it. */
static void __dma_setup(struct kunit *test, const struct dma_kind *k,
			const struct iobmd_dma_specification *spec,
			bool for_device)
{
	struct dma_fixture *f = test->priv;
	struct mm_struct *task = k->options & IOBMD_MEMORY_PAGEABLE ?
				 NULL : IOBMD_KERNEL_TASK;
	struct iobmd_dma_command *cmd;
	struct iobmd *bmd;
	u64 i;

	if (for_device)
		bmd = iobmd_init_for_device(&f->pdev->dev, task, k->options,
					    k->size, 1);
	else
		bmd = iobmd_init_with_physical_mask(task, k->options, k->size,
						    1, 0);
	if (PTR_ERR_OR_ZERO(bmd) == -ENOMEM)
		kunit_skip(test, "no memory for a %s buffer", k->name);
	/* dma_exit() frees what the fixture holds: never an ERR_PTR(). */
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	f->bmd = bmd;
	f->pattern = kvmalloc(k->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->pattern);
	for (i = 0; i < k->size; i++)
		f->pattern[i] = (i * 7 + (i >> 12)) & 0xff;
	KUNIT_ASSERT_EQ(test, 0, iobmd_write_bytes(f->bmd, 0, f->pattern,
						   k->size));
	cmd = iobmd_dma_command_with_specification(&f->pdev->dev, spec);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cmd));
	f->cmd = cmd;
	KUNIT_ASSERT_EQ(test, 0,
			iobmd_dma_command_set_memory_descriptor(f->cmd, f->bmd));
}

static void dma_setup(struct kunit *test, const struct dma_kind *k,
		      const struct iobmd_dma_specification *spec)
{
	__dma_setup(test, k, spec, false);
}

/*
 * Walk the prepared range: every segment within the mask and the maximum
 * size, and the device's view compared with (or, @write, written from)
 * @ref at the range's offsets.
 */
static void dma_walk(struct kunit *test, u64 offset, u64 length, u64 mask,
		     u64 max_seg, const u8 *ref, bool write)
{
	struct dma_fixture *f = test->priv;
	struct iobmd_dma_segment *segs;
	u64 pos = 0;

	segs = kunit_kcalloc(test, SEGS, sizeof(*segs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, segs);
	while (pos < length) {
		u64 at = pos;
		u32 n = SEGS, i;

		KUNIT_ASSERT_EQ(test, 0,
				iobmd_dma_command_gen64_iovm_segments(f->cmd,
								      &pos,
								      segs, &n));
		KUNIT_ASSERT_GT(test, n, 0);
		for (i = 0; i < n; i++) {
			void *view = phys_to_virt(segs[i].address);

			KUNIT_EXPECT_LE(test, segs[i].address + segs[i].length - 1,
					mask);
			KUNIT_EXPECT_LE(test, segs[i].length, max_seg);
			if (write)
				memcpy(view, ref + offset + at, segs[i].length);
			else
				KUNIT_EXPECT_EQ(test, 0, memcmp(view, ref + offset + at,
								segs[i].length));
			at += segs[i].length;
		}
		KUNIT_EXPECT_EQ(test, at, pos);
	}
	KUNIT_EXPECT_EQ(test, pos, length);
}

/* The device reads what the CPU wrote, for every kind. */
static void iobmd_test_dma_out(struct kunit *test)
{
	const struct dma_kind *k = test->param_value;
	struct iobmd_dma_specification spec = {};
	struct dma_fixture *f = test->priv;

	/* At most 1 MiB: a double buffer of 8 MiB below 4 GiB needs CMA. */
	u64 len = min_t(u64, k->size, SZ_1M);

	dma_setup(test, k, &spec);
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, 0, len,
							   IOBMD_DIRECTION_OUT));
	kunit_info(test, "%s: double buffered %d", k->name,
		   iobmd_dma_command_double_buffered(f->cmd));
	dma_walk(test, 0, len, DMA_BIT_MASK(32), UINT_MAX, f->pattern, false);
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_dma_command_complete(f->cmd));
}

/*
 * A wired buffer created for the device lies within its mask: mapped,
 * never double buffered, and a contiguous one is one segment for it.
 */
static void iobmd_test_dma_for_device(struct kunit *test)
{
	const struct dma_kind *k = test->param_value;
	struct iobmd_dma_specification spec = {};
	struct dma_fixture *f = test->priv;
	struct iobmd_dma_segment seg;
	u64 off = 0;
	u32 n = 1;

	__dma_setup(test, k, &spec, true);
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, 0, 0,
							   IOBMD_DIRECTION_OUT));
	/* Wired memory lies within the mask; shmem places pages anywhere. */
	if (!(k->options & IOBMD_MEMORY_PAGEABLE))
		KUNIT_EXPECT_FALSE(test,
				   iobmd_dma_command_double_buffered(f->cmd));
	dma_walk(test, 0, k->size, DMA_BIT_MASK(32), UINT_MAX, f->pattern,
		 false);
	KUNIT_ASSERT_EQ(test, 0,
			iobmd_dma_command_gen64_iovm_segments(f->cmd, &off,
							      &seg, &n));
	if (k->options & IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS)
		KUNIT_EXPECT_EQ(test, seg.length, k->size);
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));
}

/* What the device writes reaches the buffer by the last complete. */
static void iobmd_test_dma_in(struct kunit *test)
{
	const struct dma_kind *k = test->param_value;
	struct iobmd_dma_specification spec = {};
	struct dma_fixture *f = test->priv;
	u64 off = PAGE_SIZE + 100, len = PAGE_SIZE * 2, i;
	u8 *back, *dev_data;

	dma_setup(test, k, &spec);
	f->data = kvmalloc(k->size, GFP_KERNEL);
	f->back = kvmalloc(k->size, GFP_KERNEL);
	dev_data = f->data;
	back = f->back;
	KUNIT_ASSERT_NOT_NULL(test, dev_data);
	KUNIT_ASSERT_NOT_NULL(test, back);
	for (i = 0; i < k->size; i++)
		dev_data[i] = ~f->pattern[i];
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, off, len,
							   IOBMD_DIRECTION_IN));
	dma_walk(test, off, len, DMA_BIT_MASK(32), UINT_MAX, dev_data, true);
	/* A nested prepare must not copy the CPU's data over it. */
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, off, len,
							   IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, -EBUSY,
			iobmd_dma_command_prepare(f->cmd, 0, len,
						  IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));
	KUNIT_ASSERT_EQ(test, 0, iobmd_read_bytes(f->bmd, 0, back, k->size));
	KUNIT_EXPECT_EQ(test, 0, memcmp(back, f->pattern, off));
	KUNIT_EXPECT_EQ(test, 0, memcmp(back + off, dev_data + off, len));
	KUNIT_EXPECT_EQ(test, 0, memcmp(back + off + len, f->pattern + off + len,
					k->size - off - len));
}

/* Segments split at the specification's maximum; forced bouncing. */
static void iobmd_test_dma_spec(struct kunit *test)
{
	struct iobmd_dma_specification spec = {
		.max_segment_size = 3000,
		.options = IOBMD_DMA_FORCE_DOUBLE_BUFFER,
	};
	struct dma_fixture *f = test->priv;

	dma_setup(test, &dma_kinds[0], &spec);
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, 10, SZ_64K,
							   IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_TRUE(test, iobmd_dma_command_double_buffered(f->cmd));
	dma_walk(test, 10, SZ_64K, DMA_BIT_MASK(32), 3000, f->pattern, false);
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_synchronize(f->cmd,
							       IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_synchronize(f->cmd,
						      IOBMD_DIRECTION_INOUT));
	KUNIT_EXPECT_EQ(test, -EBUSY,
			iobmd_dma_command_set_memory_descriptor(f->cmd, f->bmd));
	/* Clearing completes the buffer too: a complete is then unbalanced. */
	KUNIT_EXPECT_EQ(test, 0,
			iobmd_dma_command_clear_memory_descriptor(f->cmd));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_complete(f->bmd,
						      IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_prepare(f->cmd, 0, 0,
						  IOBMD_DIRECTION_OUT));
}

/* Every errno a specification or a call can get. */
static void iobmd_test_dma_errno(struct kunit *test)
{
	struct dma_fixture *f = test->priv;
	struct iobmd_dma_specification spec = {};
	struct iobmd_dma_segment seg;
	struct device *nodma;
	u64 off = 0;
	u32 n = 1;

	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_dma_command_with_specification(NULL, &spec)));
	spec.num_address_bits = 65;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_dma_command_with_specification(&f->pdev->dev,
								     &spec)));
	spec.num_address_bits = 0;
	spec.alignment = 3;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_dma_command_with_specification(&f->pdev->dev,
								     &spec)));
	spec.alignment = 0;
	spec.options = IOBMD_DMA_NO_DOUBLE_BUFFER | IOBMD_DMA_FORCE_DOUBLE_BUFFER;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_dma_command_with_specification(&f->pdev->dev,
								     &spec)));
	spec.options = 0x8;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			PTR_ERR(iobmd_dma_command_with_specification(&f->pdev->dev,
								     &spec)));
	spec.options = 0;
	/*
	 * A device that cannot do DMA: no DMA mask. Initialized, not
	 * registered: root_device_register() failed now and then on 6.1.
	 */
	nodma = kzalloc(sizeof(*nodma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nodma);
	device_initialize(nodma);
	nodma->release = dma_nodma_release;
	KUNIT_ASSERT_EQ(test, 0, dev_set_name(nodma, "iobmd-kunit-nodma"));
	KUNIT_EXPECT_EQ(test, -ENODEV,
			PTR_ERR(iobmd_dma_command_with_specification(nodma, &spec)));
	KUNIT_EXPECT_EQ(test, -ENODEV,
			PTR_ERR(iobmd_init_for_device(nodma, NULL, 0, SZ_4K, 0)));
	put_device(nodma);

	dma_setup(test, &dma_kinds[0], &spec);
	KUNIT_EXPECT_EQ(test, -ENXIO,
			iobmd_dma_command_gen64_iovm_segments(f->cmd, &off, &seg,
							      &n));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_synchronize(f->cmd, IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_dma_command_set_memory_descriptor(f->cmd,
									       NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, iobmd_dma_command_prepare(f->cmd, 0, 0, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_prepare(f->cmd, SZ_256K, 0,
						  IOBMD_DIRECTION_IN));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_prepare(f->cmd, SZ_128K, SZ_256K,
						  IOBMD_DIRECTION_IN));
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, 0, SZ_4K,
							   IOBMD_DIRECTION_IN));
	off = SZ_4K + 1;
	n = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			iobmd_dma_command_gen64_iovm_segments(f->cmd, &off, &seg,
							      &n));
	off = SZ_4K;
	n = 1;
	KUNIT_EXPECT_EQ(test, 0,
			iobmd_dma_command_gen64_iovm_segments(f->cmd, &off, &seg,
							      &n));
	KUNIT_EXPECT_EQ(test, 0, n);
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));
}

/* A specification the buffer cannot meet gets a precise errno. */
static void iobmd_test_dma_unmet(struct kunit *test)
{
	struct iobmd_dma_specification spec = {
		.max_segment_size = SZ_4K,
	};
	struct dma_fixture *f = test->priv;
	struct iobmd_dma_command *low;
	dma_addr_t addr;
	int ret;

	/* A contiguous buffer is one segment: a smaller maximum cannot do. */
	dma_setup(test, &dma_kinds[1], &spec);
	KUNIT_EXPECT_EQ(test, -EMSGSIZE,
			iobmd_dma_command_prepare(f->cmd, 0, 0,
						  IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_prepare(f->cmd, 0, SZ_4K,
							   IOBMD_DIRECTION_OUT));
	KUNIT_EXPECT_EQ(test, 0, iobmd_dma_command_complete(f->cmd));

	/* 20 address bits: not even a double buffer lies that low. */
	spec.max_segment_size = 0;
	spec.num_address_bits = 20;
	low = iobmd_dma_command_with_specification(&f->pdev->dev, &spec);
	KUNIT_ASSERT_FALSE(test, IS_ERR(low));
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_set_memory_descriptor(low,
									 f->bmd));
	ret = iobmd_dma_command_prepare(low, 0, 0, IOBMD_DIRECTION_OUT);
	KUNIT_EXPECT_TRUE_MSG(test, ret == -ERANGE || ret == -ENOMEM,
			      "prepare under 20 bits: %d", ret);
	if (!ret)
		iobmd_dma_command_complete(low);
	iobmd_dma_command_free(low);

	/* Memory above the mask, and no double buffer allowed. */
	KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(f->bmd, 0, &addr,
							    NULL));
	spec.num_address_bits = 0;
	spec.options = IOBMD_DMA_NO_DOUBLE_BUFFER;
	low = iobmd_dma_command_with_specification(&f->pdev->dev, &spec);
	KUNIT_ASSERT_FALSE(test, IS_ERR(low));
	KUNIT_ASSERT_EQ(test, 0, iobmd_dma_command_set_memory_descriptor(low,
									 f->bmd));
	ret = iobmd_dma_command_prepare(low, 0, 0, IOBMD_DIRECTION_OUT);
	if (addr + SZ_64K - 1 > DMA_BIT_MASK(32))
		KUNIT_EXPECT_EQ(test, -ERANGE, ret);
	else
		KUNIT_EXPECT_EQ(test, 0, ret);
	if (!ret)
		iobmd_dma_command_complete(low);
	iobmd_dma_command_free(low);
}

static struct kunit_case iobmd_dma_command_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_dma_out, dma_kind_gen_params),
	KUNIT_CASE_PARAM(iobmd_test_dma_in, dma_kind_gen_params),
	KUNIT_CASE_PARAM(iobmd_test_dma_for_device, dma_kind_gen_params),
	KUNIT_CASE(iobmd_test_dma_spec),
	KUNIT_CASE(iobmd_test_dma_errno),
	KUNIT_CASE(iobmd_test_dma_unmet),
	{}
};

static struct kunit_suite iobmd_dma_command_suite = {
	.name = "iobmd_dma_command",
	.init = dma_init,
	.exit = dma_exit,
	.test_cases = iobmd_dma_command_cases,
};

kunit_test_suite(iobmd_dma_command_suite);
