// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: Apple IOKit's IOBufferMemoryDescriptor for Linux.
 *
 * Module set-up: the DMA devices iobmd allocates for, and /dev/iobmd.
 */
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/module.h>

#include "iobmd_internal.h"

static int __init iobmd_init(void)
{
	struct device *dev;
	int ret;

	iobmd_registry_init();
	ret = iobmd_objects_init();
	if (ret)
		return ret;
	ret = iobmd_cache_init();
	if (ret) {
		iobmd_objects_exit();
		return ret;
	}
	/* The 64-bit device: buffers without a physical mask, and the parent. */
	dev = iobmd_mask_device(U64_MAX);
	if (IS_ERR(dev)) {
		iobmd_cache_exit();
		iobmd_objects_exit();
		return PTR_ERR(dev);
	}

	/* Everything a buffer needs exists before /dev/iobmd does. */
	ret = iobmd_purgeable_init();
	if (ret)
		goto err_mask;
	ret = iobmd_dev_register(dev);
	if (ret)
		goto err_purgeable;
	ret = iobmd_heaps_register(dev);
	if (ret)
		goto err_dev;
	iobmd_debugfs_init();
	return 0;

err_dev:
	iobmd_dev_unregister();
err_purgeable:
	iobmd_purgeable_exit();
err_mask:
	iobmd_mask_devices_destroy();
	iobmd_cache_exit();
	iobmd_objects_exit();
	return ret;
}
module_init(iobmd_init);

static void __exit iobmd_exit(void)
{
	struct iobmd_registry_stats stats;

	iobmd_debugfs_exit();
	iobmd_heaps_unregister();
	iobmd_dev_unregister();
	iobmd_purgeable_exit();
	/*
	 * Buffer fds and mappings hold the module, and in-kernel users link
	 * against it, so a buffer alive here was leaked by a caller.
	 */
	iobmd_registry_get_stats(&stats);
	WARN(stats.buffers,
	     "iobmd: %llu buffers (%llu bytes) leaked at unload\n",
	     stats.buffers, stats.bytes);
	iobmd_mask_devices_destroy();
	iobmd_cache_exit();
	/* A leaked buffer keeps its object: the cache reports it. */
	iobmd_objects_exit();
}
module_exit(iobmd_exit);

MODULE_DESCRIPTION("IOBufferMemoryDescriptor-style DMA buffer allocator");
MODULE_LICENSE("GPL");
#ifdef IOBMD_VERSION
MODULE_VERSION(IOBMD_VERSION);
#endif
