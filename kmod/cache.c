// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: cache modes, what every architecture shares.
 *
 * IOKit's kIOMapCopybackCache (and the default), kIOMapInhibitCache and
 * kIOMapWriteCombineCache give every mapping of a buffer, user and kernel,
 * the page protection Linux defines for them: the protection as it is,
 * pgprot_noncached() and pgprot_writecombine(). What that protection is,
 * and what the kernel's direct map of the pages needs beside it, is the
 * architecture's:
 *
 * - x86 (cache_x86.c): write-back, UC- and WC through PAT; the direct map
 *   takes the buffer's type for the buffer's life.
 * - arm64 (cache_arm64.c): Normal write-back, Device-nGnRnE and Normal
 *   non-cacheable through MAIR; the linear map stays Normal write-back and
 *   its cache lines are cleaned and invalidated instead.
 *
 * kIOMapWriteThruCache is -EOPNOTSUPP on both: neither gives a module a
 * write-through type for RAM.
 */
#include <linux/mm.h>

#include "iobmd_internal.h"

/**
 * iobmd_cache_mode() - the cache mode a buffer really has
 * @bmd: the buffer.
 *
 * Context: any context.
 *
 * Return: an IOBMD_MAP_*_CACHE value; the default mode is reported as
 * copyback, which it is on x86 and on arm64 (IOKit's kIOMapDefaultCache
 * is the memory's own cacheability, write-back for RAM).
 */
u32 iobmd_cache_mode(const struct iobmd *bmd)
{
	u32 mode = bmd->options & IOBMD_CACHE_MODE_BITS;

	return mode == IOBMD_MAP_DEFAULT_CACHE ? IOBMD_MAP_COPYBACK_CACHE : mode;
}

/**
 * iobmd_cache_pgprot() - page protection with the buffer's memory type
 * @bmd:  the buffer.
 * @prot: the protection of a new mapping (PAGE_KERNEL, vma->vm_page_prot).
 *
 * Context: any context.
 *
 * Return: @prot with the memory type bits of the buffer's cache mode.
 */
pgprot_t iobmd_cache_pgprot(const struct iobmd *bmd, pgprot_t prot)
{
	switch (iobmd_cache_mode(bmd)) {
	case IOBMD_MAP_INHIBIT_CACHE:
		return pgprot_noncached(prot);
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return pgprot_writecombine(prot);
	default:
		return prot;
	}
}
