// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: one DMA device per physical address limit.
 *
 * IOKit's physicalMask bounds where a buffer's memory may lie. On Linux that
 * bound is a device's DMA mask, which dma-direct (and an IOMMU) honours for
 * every allocation and mapping made for the device. A mask belongs to a
 * device, not to an allocation, so iobmd keeps one platform device per
 * limit, "iobmd-dma.<bits>", created on first use and kept until unload:
 * concurrent creates with different masks never share a device mask, and
 * creates with the same mask share their device without taking a lock.
 *
 * On arm64 the devices are DMA-coherent or not as the module parameter
 * dma_coherent says at load (default: not, as for a device whose firmware
 * description has no "dma-coherent"): for a device that is not, every
 * mapping, prepare and complete cleans or invalidates the CPU caches, and
 * a write-back buffer stays cacheable (its maintenance is explicit). A
 * buffer made for a driver's own device (iobmd_init_for_device()) follows
 * that device's coherency. x86 DMA is always coherent.
 *
 * Limits are of the form 2^bits - 1. A mask with holes is reduced to the
 * largest such limit at or below its highest address (XNU uses the highest
 * address itself), which keeps the number of devices at 64 at most.
 */
#include <linux/bits.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>

#include "iobmd_internal.h"

#ifdef CONFIG_ARM64
static bool dma_coherent;
module_param(dma_coherent, bool, 0444);
MODULE_PARM_DESC(dma_coherent,
		 "arm64: iobmd's own DMA devices are cache-coherent (default: not; the CPU caches are then cleaned and invalidated at mapping, prepare and complete)");
#endif

/* Indexed by the number of address bits, 1 to 64. */
static struct platform_device *iobmd_mask_pdevs[65];
/*
 * Bit n set: a mask of n + 1 bits was refused once (below what the
 * platform allocates). Remembered, so that creates under such a mask do
 * not register and unregister a device each, a uevent storm any user of
 * /dev/iobmd could cause. Under iobmd_mask_lock.
 */
static u64 iobmd_mask_refused;
static DEFINE_MUTEX(iobmd_mask_lock);

/* The number of address bits of the largest 2^n - 1 limit <= @limit. */
static unsigned int iobmd_limit_bits(u64 limit)
{
	if (limit == U64_MAX)
		return 64;
	return ilog2(limit + 1);
}

static struct device *iobmd_mask_create(unsigned int bits)
{
	const struct platform_device_info info = {
		.name = "iobmd-dma",
		.id = bits,
		.dma_mask = DMA_BIT_MASK(bits),
	};
	struct platform_device *pdev;
	int ret;

	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);
	/* Segments are as long as the page runs (the default is 64 KiB). */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX & PAGE_MASK);
#ifdef CONFIG_ARM64
	/* Before any mapping: platform devices without firmware node. */
	pdev->dev.dma_coherent = dma_coherent;
#endif
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret) {
		platform_device_unregister(pdev);
		/* Below what the platform can allocate (ZONE_DMA, or RAM). */
		if (ret != -EIO)
			return ERR_PTR(ret);
		iobmd_mask_refused |= BIT_ULL(bits - 1);
		return ERR_PTR(-EOPNOTSUPP);
	}
	/* Pairs with the smp_load_acquire() in iobmd_mask_device(). */
	smp_store_release(&iobmd_mask_pdevs[bits], pdev);
	return &pdev->dev;
}

/**
 * iobmd_mask_device() - the DMA device for a highest physical address
 * @limit: highest address the memory may have (inclusive), at least 1.
 *
 * Context: process context, may sleep the first time a limit is used.
 *
 * Return: the device (not referenced: devices live until module unload),
 * -EOPNOTSUPP when the platform cannot allocate below @limit, or another
 * errno from registering the device.
 */
struct device *iobmd_mask_device(u64 limit)
{
	unsigned int bits = iobmd_limit_bits(limit);
	struct platform_device *pdev;
	struct device *dev;

	if (!bits)
		return ERR_PTR(-EOPNOTSUPP);
	/* Pairs with the smp_store_release() in iobmd_mask_create(). */
	pdev = smp_load_acquire(&iobmd_mask_pdevs[bits]);
	if (pdev)
		return &pdev->dev;

	mutex_lock(&iobmd_mask_lock);
	pdev = iobmd_mask_pdevs[bits];
	if (pdev)
		dev = &pdev->dev;
	else if (iobmd_mask_refused & BIT_ULL(bits - 1))
		dev = ERR_PTR(-EOPNOTSUPP);
	else
		dev = iobmd_mask_create(bits);
	mutex_unlock(&iobmd_mask_lock);
	return dev;
}

/**
 * iobmd_dev_coherent() - whether a device's DMA is cache-coherent
 * @dev: a device with DMA.
 *
 * The DMA API's own answer (dev_is_dma_coherent(), which the DMA-mapping
 * code uses to decide on cache maintenance): always true on x86; on arm64
 * the firmware's "dma-coherent" for a driver's device, the module
 * parameter dma_coherent for iobmd's own.
 *
 * Context: any context.
 *
 * Return: true when the device snoops the CPU caches.
 */
bool iobmd_dev_coherent(struct device *dev)
{
	return dev_is_dma_coherent(dev);
}

/* Unregister every device; buffers still holding one keep it alive. */
void iobmd_mask_devices_destroy(void)
{
	unsigned int bits;

	for (bits = 1; bits <= 64; bits++) {
		if (iobmd_mask_pdevs[bits])
			platform_device_unregister(iobmd_mask_pdevs[bits]);
		iobmd_mask_pdevs[bits] = NULL;
	}
}
