// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: copying a buffer's contents in and out, page by page.
 *
 * A buffer has a kernel mapping only when the kernel asked for one
 * (IOBMD_KERNEL_TASK, or kIOMemoryKernelUserShared): a scatter-gather buffer
 * made for user space is never vmap()ed. The methods, pread/pwrite and the
 * create-time copies therefore go through the pages, with the iov_iter
 * helpers that serve kernel and user memory alike. A pageable buffer's
 * pages are brought in from its shmem file one at a time, and a page
 * written is marked dirty, so that reclaim writes it to swap.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "iobmd_internal.h"

/*
 * The page that holds byte @offset. Contiguous memory from
 * dma_alloc_attrs() lies in the direct map (dma-direct remaps only for
 * non-coherent devices, for which kmod/contig.c does not use it), so its
 * pages follow from the address. A
 * pageable buffer's page comes with a reference the caller puts, or is an
 * ERR_PTR() when it cannot be had.
 */
static struct page *iobmd_page(struct iobmd *bmd, u64 offset)
{
	if (bmd->shmem)
		return iobmd_pageable_page(bmd, offset >> PAGE_SHIFT);
	if (bmd->pages)
		return bmd->pages[offset >> PAGE_SHIFT];
	return virt_to_page(bmd->cpu_addr + offset);
}

/*
 * Walk [@offset, @offset + @n) page by page, copying to @iter (@out) or
 * from it; stop at the first short copy (user memory faulted), or at a
 * fatal signal when @iter is user memory. Returns the bytes copied, or
 * -ENOMEM or -EIO when a pageable buffer's page could not be brought in
 * (no memory, or a swap read error), whatever was copied before it, or
 * -EINTR when killed before any byte was.
 */
static ssize_t iobmd_copy_iter(struct iobmd *bmd, u64 offset, size_t n,
			       struct iov_iter *iter, bool out)
{
	size_t done = 0;

	while (done < n) {
		u64 pos = offset + done;
		struct page *page = iobmd_page(bmd, pos);
		size_t off = offset_in_page(pos);
		size_t chunk = min_t(size_t, n - done, PAGE_SIZE - off);
		size_t copied;

		if (IS_ERR(page))
			return PTR_ERR(page) == -ENOMEM ? -ENOMEM : -EIO;
		/* arm64's uncached buffers: cache_arm64.c. */
		iobmd_cache_sync_range(bmd, page, off, chunk);
		copied = out ? copy_page_to_iter(page, off, chunk, iter) :
			       copy_page_from_iter(page, off, chunk, iter);
		if (!out)
			iobmd_cache_sync_range(bmd, page, off, copied);
		if (bmd->shmem) {
			if (!out && copied)
				set_page_dirty(page);
			put_page(page);
		}
		done += copied;
		if (copied < chunk)
			break;
		/*
		 * Gigabytes take seconds: reschedule between pages, and let
		 * a fatal signal end a copy to or from user memory.
		 */
		cond_resched();
		if (user_backed_iter(iter) && fatal_signal_pending(current))
			return done ?: -EINTR;
	}
	return done;
}

/**
 * iobmd_copy_to_iter() - copy bytes out of a buffer
 * @bmd:    the buffer.
 * @offset: offset in the buffer, in bytes; the caller checks the range.
 * @n:      number of bytes.
 * @iter:   the destination, kernel or user memory.
 *
 * Context: process context; may sleep when @iter is user memory.
 *
 * Return: the number of bytes copied, less than @n only when user memory
 * faulted; -ENOMEM or -EIO when a pageable buffer's page could not be
 * brought in (bytes before it may have been copied).
 */
ssize_t iobmd_copy_to_iter(struct iobmd *bmd, u64 offset, size_t n,
			   struct iov_iter *iter)
{
	return iobmd_copy_iter(bmd, offset, n, iter, true);
}

/**
 * iobmd_copy_from_iter() - copy bytes into a buffer
 * @bmd:    the buffer.
 * @offset: offset in the buffer, in bytes; the caller checks the range.
 * @n:      number of bytes.
 * @iter:   the source, kernel or user memory.
 *
 * Context: process context; may sleep when @iter is user memory.
 *
 * Return: as iobmd_copy_to_iter().
 */
ssize_t iobmd_copy_from_iter(struct iobmd *bmd, u64 offset, size_t n,
			     struct iov_iter *iter)
{
	return iobmd_copy_iter(bmd, offset, n, iter, false);
}

/*
 * Copy @n bytes at @offset to kernel memory. Returns @n, or -ENOMEM or
 * -EIO when a pageable buffer's page could not be brought in.
 */
ssize_t iobmd_copy_out(struct iobmd *bmd, u64 offset, void *dst, size_t n)
{
	struct kvec kv = { .iov_base = dst, .iov_len = n };
	struct iov_iter iter;

	iov_iter_kvec(&iter, READ, &kv, 1, n);
	return iobmd_copy_to_iter(bmd, offset, n, &iter);
}

/* Copy @n bytes from kernel memory to @offset; as iobmd_copy_out(). */
ssize_t iobmd_copy_in(struct iobmd *bmd, u64 offset, const void *src,
		      size_t n)
{
	struct kvec kv = { .iov_base = (void *)src, .iov_len = n };
	struct iov_iter iter;

	iov_iter_kvec(&iter, WRITE, &kv, 1, n);
	return iobmd_copy_from_iter(bmd, offset, n, &iter);
}

/*
 * Copy @n bytes from user memory to @offset. Returns the bytes copied
 * (fewer when user memory faulted), or as iobmd_copy_to_iter().
 */
ssize_t iobmd_copy_in_user(struct iobmd *bmd, u64 offset,
			   const void __user *src, size_t n)
{
	struct iov_iter iter;

	iov_iter_ubuf(&iter, WRITE, (void __user *)src, n);
	return iobmd_copy_from_iter(bmd, offset, n, &iter);
}

/* Copy @n bytes at @offset to user memory; as iobmd_copy_in_user(). */
ssize_t iobmd_copy_out_user(struct iobmd *bmd, u64 offset, void __user *dst,
			    size_t n)
{
	struct iov_iter iter;

	iov_iter_ubuf(&iter, READ, dst, n);
	return iobmd_copy_to_iter(bmd, offset, n, &iter);
}
