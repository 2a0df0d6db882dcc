// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: Apple IOKit's IOBufferMemoryDescriptor for Linux.
 *
 * Module set-up: the device iobmd allocates DMA memory for, and /dev/iobmd.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "iobmd_internal.h"

/* The device whose DMA mask bounds iobmd's allocations. */
struct device *iobmd_dma_dev;

static struct platform_device *iobmd_pdev;

static int __init iobmd_init(void)
{
	const struct platform_device_info info = {
		.name = "iobmd",
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	iobmd_pdev = platform_device_register_full(&info);
	if (IS_ERR(iobmd_pdev))
		return PTR_ERR(iobmd_pdev);
	iobmd_dma_dev = &iobmd_pdev->dev;

	ret = dma_set_mask_and_coherent(iobmd_dma_dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;

	ret = iobmd_dev_register(iobmd_dma_dev);
	if (ret)
		goto err_pdev;
	iobmd_debugfs_init();
	return 0;

err_pdev:
	platform_device_unregister(iobmd_pdev);
	return ret;
}
module_init(iobmd_init);

static void __exit iobmd_exit(void)
{
	long buffers, bytes;

	iobmd_debugfs_exit();
	iobmd_dev_unregister();
	/*
	 * Buffer fds and mappings hold the module, and in-kernel users link
	 * against it, so a buffer alive here was leaked by a caller.
	 */
	iobmd_stats(&buffers, &bytes);
	WARN(buffers, "iobmd: %ld buffers (%ld bytes) leaked at unload\n",
	     buffers, bytes);
	platform_device_unregister(iobmd_pdev);
}
module_exit(iobmd_exit);

MODULE_DESCRIPTION("IOBufferMemoryDescriptor-style DMA buffer allocator");
MODULE_LICENSE("GPL");
