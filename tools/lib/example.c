// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The example of libiobmd(3): a 1 MiB write-combined, physically
 * contiguous buffer mapped into the caller, filled, and its DMA address.
 */
#include <stdio.h>
#include <string.h>
#include <libiobmd.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(-err));
	return 1;
}

int main(void)
{
	uint64_t addr, len, size = 1 << 20;
	int dev, buf, ret;
	void *p;

	dev = libiobmd_open();
	if (dev < 0)
		return fail("open", dev);
	buf = libiobmd_in_task_with_options(dev, IOBMD_DIRECTION_OUT |
			IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS |
			IOBMD_MAP_WRITE_COMBINE_CACHE, size, 0,
			LIBIOBMD_MAP_TASK, &p);
	if (buf < 0)
		return fail("create", buf);
	memset(p, 0xa5, size);
	ret = libiobmd_get_physical_segment(buf, 0, &addr, &len);
	if (ret)
		return fail("segment", ret);
	printf("DMA address %#llx, %llu bytes\n", (unsigned long long)addr,
	       (unsigned long long)len);
	libiobmd_unmap(p, size);
	libiobmd_release(buf);
	libiobmd_release(dev);
	return 0;
}
