// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for a buffer exported as a dma-buf (kmod/dmabuf.c).
 *
 * The importers are platform devices of the test's own, on dma-direct (no
 * IOMMU), so their DMA addresses are physical: one with a 64-bit mask, one
 * with a 32-bit mask. Most buffers of the 6 GiB test VM lie above 4 GiB,
 * which the 32-bit importer cannot reach: its map must fail with -ERANGE,
 * never bounce. What the importer maps is read through the direct map at
 * its DMA addresses and compared with the buffer's contents.
 */
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iobmd_internal.h"

MODULE_IMPORT_NS(DMA_BUF);

struct dmabuf_kind {
	const char *name;
	u32 options;
	u64 size;
};

static const struct dmabuf_kind dmabuf_kinds[] = {
	{ "sg", IOBMD_DIRECTION_INOUT, SZ_256K + SZ_4K },
	{ "contiguous", IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, SZ_64K },
	{ "contiguous-cma", IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS, SZ_8M },
	{ "uncached", IOBMD_MAP_INHIBIT_CACHE, SZ_64K },
	{ "write-combined", IOBMD_MAP_WRITE_COMBINE_CACHE, SZ_64K },
	{ "kernel-user-shared", IOBMD_MEMORY_KERNEL_USER_SHARED, SZ_64K },
	{ "pageable", IOBMD_MEMORY_PAGEABLE, SZ_256K },
	{ "purgeable", IOBMD_MEMORY_PAGEABLE | IOBMD_MEMORY_PURGEABLE,
	  SZ_64K },
};

static void dmabuf_kind_desc(const struct dmabuf_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmabuf_kind, dmabuf_kinds, dmabuf_kind_desc);

struct dmabuf_fixture {
	struct platform_device *dev64;
	struct platform_device *dev32;
	struct iobmd *bmd;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	u8 *pattern;
};

static struct platform_device *dmabuf_importer(struct kunit *test, u64 mask)
{
	const struct platform_device_info info = {
		.name = "iobmd-kunit-importer",
		.id = PLATFORM_DEVID_AUTO,
		.dma_mask = mask,
	};
	struct platform_device *pdev = platform_device_register_full(&info);

	KUNIT_ASSERT_FALSE(test, IS_ERR(pdev));
	dma_set_max_seg_size(&pdev->dev, UINT_MAX & PAGE_MASK);
	return pdev;
}

static int dmabuf_init(struct kunit *test)
{
	struct dmabuf_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->dev64 = dmabuf_importer(test, DMA_BIT_MASK(64));
	f->dev32 = dmabuf_importer(test, DMA_BIT_MASK(32));
	return 0;
}

static void dmabuf_exit(struct kunit *test)
{
	struct dmabuf_fixture *f = test->priv;

	/* A failed assertion left an attachment: its map too, maybe. */
	if (f->attach)
		dma_buf_detach(f->dmabuf, f->attach);
	if (f->dmabuf)
		dma_buf_put(f->dmabuf);
	iobmd_put(f->bmd);
	kvfree(f->pattern);
	if (f->dev32)
		platform_device_unregister(f->dev32);
	if (f->dev64)
		platform_device_unregister(f->dev64);
}

/* A buffer of the kind, filled with a pattern, exported read-write. */
static void dmabuf_setup(struct kunit *test, const struct dmabuf_kind *k,
			 u64 mask)
{
	struct dmabuf_fixture *f = test->priv;
	struct mm_struct *task = k->options & IOBMD_MEMORY_PAGEABLE ?
				 NULL : IOBMD_KERNEL_TASK;
	struct iobmd *bmd;
	u64 i;

	bmd = iobmd_init_with_physical_mask(task, k->options, k->size, 1,
					    mask);
	if (PTR_ERR_OR_ZERO(bmd) == -ENOMEM)
		kunit_skip(test, "no memory for a %s buffer", k->name);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	f->bmd = bmd;
	f->pattern = kvmalloc(k->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->pattern);
	for (i = 0; i < k->size; i++)
		f->pattern[i] = (i * 13 + (i >> 12) + 1) & 0xff;
	KUNIT_ASSERT_EQ(test, 0, iobmd_write_bytes(bmd, 0, f->pattern,
						   k->size));
	f->dmabuf = iobmd_export_dmabuf(bmd, O_RDWR);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f->dmabuf), "export: %ld",
			       PTR_ERR(f->dmabuf));
	KUNIT_EXPECT_EQ(test, f->dmabuf->size, (size_t)PAGE_ALIGN(k->size));
}

/* Attach an importer; dmabuf_exit() detaches it if the test did not. */
static struct dma_buf_attachment *dmabuf_attach(struct kunit *test,
						struct device *dev)
{
	struct dmabuf_fixture *f = test->priv;
	struct dma_buf_attachment *attach = dma_buf_attach(f->dmabuf, dev);

	KUNIT_ASSERT_FALSE(test, IS_ERR(attach));
	f->attach = attach;
	return attach;
}

static void dmabuf_detach(struct kunit *test)
{
	struct dmabuf_fixture *f = test->priv;

	dma_buf_detach(f->dmabuf, f->attach);
	f->attach = NULL;
}

/* Whether every page of the buffer lies below 4 GiB. */
static bool dmabuf_below_4g(struct kunit *test, struct iobmd *bmd)
{
	u64 off, len, end = 0;
	dma_addr_t addr;

	for (off = 0; off < bmd->alloc_size; off += len) {
		KUNIT_ASSERT_EQ(test, 0, iobmd_get_physical_segment(bmd, off,
								    &addr,
								    &len));
		end = max_t(u64, end, addr + len - 1);
	}
	return end <= DMA_BIT_MASK(32);
}

/* The importer's view at its DMA addresses equals the buffer's bytes. */
static void dmabuf_check_view(struct kunit *test, struct sg_table *sgt,
			      const u8 *want, u64 size)
{
	struct scatterlist *sg;
	u64 pos = 0;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 n = min_t(u64, sg_dma_len(sg), size - pos);

		KUNIT_ASSERT_LE(test, pos + n, size);
		KUNIT_EXPECT_EQ_MSG(test, 0,
				    memcmp(phys_to_virt(sg_dma_address(sg)),
					   want + pos, n),
				    "segment %u at %llu", i, pos);
		pos += sg_dma_len(sg);
	}
	KUNIT_EXPECT_GE(test, pos, size);
}

/*
 * An importer that reaches the memory maps all of it, and sees the
 * buffer's bytes; the buffer counts as prepared while it is mapped.
 */
static void dmabuf_map_test(struct kunit *test)
{
	const struct dmabuf_kind *k = test->param_value;
	struct dmabuf_fixture *f = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	u32 old;

	dmabuf_setup(test, k, 0);
	attach = dmabuf_attach(test, &f->dev64->dev);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(sgt), "map: %ld", PTR_ERR(sgt));
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->bmd->prepare_count), 1U);
	dmabuf_check_view(test, sgt, f->pattern, k->size);
	/* A purgeable buffer is not emptied while an importer maps it. */
	if (k->options & IOBMD_MEMORY_PURGEABLE)
		KUNIT_EXPECT_EQ(test, -EBUSY,
				iobmd_set_purgeable(f->bmd,
						    IOBMD_PURGEABLE_EMPTY,
						    &old));
	KUNIT_EXPECT_EQ(test, 0, dma_buf_begin_cpu_access(f->dmabuf,
							  DMA_FROM_DEVICE));
	KUNIT_EXPECT_EQ(test, 0, dma_buf_end_cpu_access(f->dmabuf,
							DMA_TO_DEVICE));
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->bmd->prepare_count), 0U);
	if (k->options & IOBMD_MEMORY_PURGEABLE)
		KUNIT_EXPECT_EQ(test, 0,
				iobmd_set_purgeable(f->bmd,
						    IOBMD_PURGEABLE_EMPTY,
						    &old));
	dmabuf_detach(test);
}

/*
 * A 32-bit importer maps memory below 4 GiB, and refuses memory above
 * with -ERANGE: the buffer is then not left prepared. A buffer made
 * below 4 GiB is the control: it always maps.
 */
static void dmabuf_mask_test(struct kunit *test)
{
	const struct dmabuf_kind *k = test->param_value;
	struct dmabuf_fixture *f = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	bool below;

	/* Pageable pages are placed at prepare: only the masked control. */
	if (k->options & IOBMD_MEMORY_PAGEABLE)
		kunit_skip(test, "a pageable buffer has no pages before prepare");
	dmabuf_setup(test, k, 0);
	attach = dmabuf_attach(test, &f->dev32->dev);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	if (!IS_ERR(sgt)) {
		below = dmabuf_below_4g(test, f->bmd);
		KUNIT_EXPECT_TRUE_MSG(test, below,
				      "a 32-bit importer mapped memory above 4 GiB");
		dmabuf_check_view(test, sgt, f->pattern, k->size);
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	} else {
		KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -ERANGE);
		KUNIT_EXPECT_FALSE(test, dmabuf_below_4g(test, f->bmd));
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->bmd->prepare_count), 0U);
	dmabuf_detach(test);
}

/*
 * The same with a 32-bit buffer: a 32-bit importer always maps it. Not a
 * pageable one: its mask bounds its own mapping (which bounces), not
 * where shmem puts its pages.
 */
static void dmabuf_mask_control_test(struct kunit *test)
{
	const struct dmabuf_kind *k = test->param_value;
	struct dmabuf_fixture *f = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	if (k->options & IOBMD_MEMORY_PAGEABLE)
		kunit_skip(test, "a pageable buffer's pages lie anywhere");
	dmabuf_setup(test, k, DMA_BIT_MASK(32));
	attach = dmabuf_attach(test, &f->dev32->dev);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(sgt), "map: %ld", PTR_ERR(sgt));
	KUNIT_EXPECT_TRUE(test, dmabuf_below_4g(test, f->bmd));
	dmabuf_check_view(test, sgt, f->pattern, k->size);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
	dmabuf_detach(test);
}

static int dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
#ifdef IOBMD_HAVE_DMA_BUF_VMAP_UNLOCKED
	return dma_buf_vmap_unlocked(dmabuf, map);
#else
	return dma_buf_vmap(dmabuf, map);
#endif
}

static void dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
#ifdef IOBMD_HAVE_DMA_BUF_VMAP_UNLOCKED
	dma_buf_vunmap_unlocked(dmabuf, map);
#else
	dma_buf_vunmap(dmabuf, map);
#endif
}

/*
 * vmap shows the buffer's bytes, and what is written through it reaches
 * the buffer; a pageable buffer is prepared (pinned) while vmapped.
 */
static void dmabuf_vmap_test(struct kunit *test)
{
	const struct dmabuf_kind *k = test->param_value;
	struct dmabuf_fixture *f = test->priv;
	struct iosys_map map;
	u8 back[16];

	dmabuf_setup(test, k, 0);
	KUNIT_ASSERT_EQ(test, 0, dmabuf_vmap(f->dmabuf, &map));
	KUNIT_ASSERT_FALSE(test, map.is_iomem);
	KUNIT_EXPECT_EQ(test, 0, memcmp(map.vaddr, f->pattern, k->size));
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->bmd->prepare_count),
			k->options & IOBMD_MEMORY_PAGEABLE ? 1U : 0U);
	memset(map.vaddr + k->size - sizeof(back), 0x5a, sizeof(back));
	dmabuf_vunmap(f->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->bmd->prepare_count), 0U);
	KUNIT_ASSERT_EQ(test, 0, iobmd_read_bytes(f->bmd,
						  k->size - sizeof(back),
						  back, sizeof(back)));
	KUNIT_EXPECT_EQ(test, back[0], 0x5a);
	KUNIT_EXPECT_EQ(test, back[sizeof(back) - 1], 0x5a);
}

/*
 * The dma-buf holds the buffer: with the caller's reference dropped, the
 * buffer lives until the dma-buf's last reference goes.
 */
static void dmabuf_lifetime_test(struct kunit *test)
{
	const struct dmabuf_kind *k = &dmabuf_kinds[0];
	struct dmabuf_fixture *f = test->priv;
	long before;
	u8 byte;

	/* The dma-bufs of earlier tests go in delayed fputs: let them. */
	flush_delayed_fput();
	flush_delayed_fput();
	before = iobmd_live_buffer_count();

	dmabuf_setup(test, k, 0);
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), before + 1);
	iobmd_put(f->bmd);
	/* The file the dma-buf holds keeps the buffer. */
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), before + 1);
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(f->bmd, 1, &byte, 1));
	KUNIT_EXPECT_EQ(test, byte, f->pattern[1]);
	f->bmd = NULL;
	dma_buf_put(f->dmabuf);
	f->dmabuf = NULL;
	/* The dma-buf's file, then the buffer file, go in delayed fputs. */
	flush_delayed_fput();
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, iobmd_live_buffer_count(), before);
}

/* Bad flags, and two exports that are two dma-bufs. */
static void dmabuf_export_test(struct kunit *test)
{
	struct dmabuf_fixture *f = test->priv;
	struct dma_buf *second;

	dmabuf_setup(test, &dmabuf_kinds[0], 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(iobmd_export_dmabuf(f->bmd, O_APPEND)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(iobmd_export_dmabuf(f->bmd, O_ACCMODE)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(iobmd_export_dmabuf(NULL, O_RDWR)),
			-EINVAL);
	second = iobmd_export_dmabuf(f->bmd, O_RDONLY | O_CLOEXEC);
	KUNIT_ASSERT_FALSE(test, IS_ERR(second));
	KUNIT_EXPECT_PTR_NE(test, second, f->dmabuf);
	KUNIT_EXPECT_FALSE(test, second->file->f_mode & FMODE_WRITE);
	KUNIT_EXPECT_TRUE(test, f->dmabuf->file->f_mode & FMODE_WRITE);
	dma_buf_put(second);
}

static struct kunit_case dmabuf_cases[] = {
	KUNIT_CASE_PARAM(dmabuf_map_test, dmabuf_kind_gen_params),
	KUNIT_CASE_PARAM(dmabuf_mask_test, dmabuf_kind_gen_params),
	KUNIT_CASE_PARAM(dmabuf_mask_control_test, dmabuf_kind_gen_params),
	KUNIT_CASE_PARAM(dmabuf_vmap_test, dmabuf_kind_gen_params),
	KUNIT_CASE(dmabuf_lifetime_test),
	KUNIT_CASE(dmabuf_export_test),
	{}
};

static struct kunit_suite dmabuf_suite = {
	.name = "iobmd_dmabuf",
	.init = dmabuf_init,
	.exit = dmabuf_exit,
	.test_cases = dmabuf_cases,
};

kunit_test_suite(dmabuf_suite);
