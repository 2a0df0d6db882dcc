// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the descriptor methods that change a buffer after create -
 * length, contents, direction, and prepare/complete.
 *
 * bmd->lock serialises them. The length is also read without the lock
 * (READ_ONCE) by the accessors, which see either the old or the new value.
 * The lock is never held across a copy from or to user memory, which can
 * block for as long as user space wants (userfaultfd): those copies check
 * under the lock and copy without it.
 */
#include <linux/dma-direction.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

/**
 * iobmd_set_length() - change the length
 * @bmd:    the buffer.
 * @length: the new length in bytes, at most the capacity.
 *
 * Mirrors IOBufferMemoryDescriptor::setLength(). XNU silently ignores a
 * length above the capacity; iobmd refuses it.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: 0, -EINVAL when @length exceeds the capacity, or -EBUSY while an
 * append from user space (IOBMD_IOC_APPEND) is copying: it owns the bytes
 * past the length until it is done.
 */
int iobmd_set_length(struct iobmd *bmd, u64 length)
{
	int ret = 0;

	if (length > bmd->capacity)
		return -EINVAL;
	mutex_lock(&bmd->lock);
	if (bmd->appending)
		ret = -EBUSY;
	else
		WRITE_ONCE(bmd->length, length);
	mutex_unlock(&bmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_set_length);

/**
 * iobmd_append_bytes() - copy bytes to the end and grow the length
 * @bmd:   the buffer.
 * @bytes: kernel address of the bytes.
 * @n:     number of bytes.
 *
 * Mirrors IOBufferMemoryDescriptor::appendBytes(): copies as much as fits
 * between the length and the capacity, and grows the length by that much.
 * XNU always returns true; iobmd returns the count.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: the number of bytes copied, from 0 to @n; 0 also while the buffer
 * is prepared read-only (see iobmd_write_bytes()) or while an append from
 * user space (IOBMD_IOC_APPEND) is copying; fewer also when a
 * pageable buffer's page could not be brought in (no memory, or a swap
 * read error).
 */
u64 iobmd_append_bytes(struct iobmd *bmd, const void *bytes, u64 n)
{
	ssize_t copied;
	u64 len;

	mutex_lock(&bmd->lock);
	/* An append from user space copies without the lock: wait for none. */
	if (bmd->prepared_read_only || bmd->appending)
		n = 0;
	len = bmd->length;
	n = min(n, bmd->capacity - len);
	copied = iobmd_copy_in(bmd, len, bytes, n);
	n = copied > 0 ? copied : 0;
	WRITE_ONCE(bmd->length, len + n);
	mutex_unlock(&bmd->lock);
	return n;
}
EXPORT_SYMBOL_GPL(iobmd_append_bytes);

/**
 * iobmd_set_direction() - replace the direction
 * @bmd:       the buffer.
 * @direction: kIODirectionNone, In, Out or InOut (0 to 3).
 *
 * Mirrors IOMemoryDescriptor::setDirection(): the direction bits of the
 * options are replaced; the other options stay.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: 0, or -EINVAL for a direction above InOut. XNU takes any value.
 */
int iobmd_set_direction(struct iobmd *bmd, u32 direction)
{
	if (direction > IOBMD_DIRECTION_INOUT)
		return -EINVAL;
	mutex_lock(&bmd->lock);
	WRITE_ONCE(bmd->options,
		   (bmd->options & ~IOBMD_DIRECTION_MASK) | direction);
	mutex_unlock(&bmd->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(iobmd_set_direction);

/* Whether [offset, offset + n) lies inside the length. Under bmd->lock. */
static bool iobmd_range_ok(struct iobmd *bmd, u64 offset, u64 n)
{
	u64 end;

	return !check_add_overflow(offset, n, &end) && end <= bmd->length;
}

/**
 * iobmd_read_bytes() - copy bytes out of the buffer
 * @bmd:    the buffer.
 * @offset: offset in the buffer, in bytes.
 * @bytes:  kernel address to copy to.
 * @n:      number of bytes.
 *
 * Mirrors IOMemoryDescriptor::readBytes(): all or nothing, inside the
 * length. XNU returns the bytes copied, 0 when out of range; iobmd returns
 * an errno instead of 0.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: 0 when all @n bytes were copied, -EINVAL when
 * [@offset, @offset + @n) is not inside the length (nothing copied), or
 * -ENOMEM or -EIO when a page of a pageable buffer could not be brought
 * in (no memory, or a swap read error; the bytes before it were copied).
 */
int iobmd_read_bytes(struct iobmd *bmd, u64 offset, void *bytes, u64 n)
{
	int ret = -EINVAL;

	mutex_lock(&bmd->lock);
	if (iobmd_range_ok(bmd, offset, n))
		ret = min_t(ssize_t, iobmd_copy_out(bmd, offset, bytes, n), 0);
	mutex_unlock(&bmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_read_bytes);

/**
 * iobmd_write_bytes() - copy bytes into the buffer
 * @bmd:    the buffer.
 * @offset: offset in the buffer, in bytes.
 * @bytes:  kernel address to copy from.
 * @n:      number of bytes.
 *
 * Mirrors IOMemoryDescriptor::writeBytes(): all or nothing, inside the
 * length, and refused while the buffer is prepared for a device read only
 * (prepare with kIODirectionOut), as XNU's kIOMemoryPreparedReadOnly.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: 0 when all @n bytes were copied, -EINVAL when the range is not
 * inside the length, or -EBUSY when the buffer is prepared read-only:
 * nothing is copied then, where XNU returns 0 bytes. -ENOMEM or -EIO
 * when a page of a pageable buffer could not be brought in (no memory, or
 * a swap read error; the bytes before it were copied).
 */
int iobmd_write_bytes(struct iobmd *bmd, u64 offset, const void *bytes, u64 n)
{
	int ret = -EINVAL;

	mutex_lock(&bmd->lock);
	if (bmd->prepared_read_only)
		ret = -EBUSY;
	else if (iobmd_range_ok(bmd, offset, n))
		ret = min_t(ssize_t, iobmd_copy_in(bmd, offset, bytes, n), 0);
	mutex_unlock(&bmd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iobmd_write_bytes);

/* kIODirectionNone means the buffer's own direction. Under bmd->lock. */
static u32 iobmd_prepare_direction(struct iobmd *bmd, u32 direction)
{
	if (direction == IOBMD_DIRECTION_NONE)
		direction = bmd->options & IOBMD_DIRECTION_MASK;
	return direction;
}

/**
 * iobmd_prepare() - make the buffer ready for the device
 * @bmd:       the buffer.
 * @direction: kIODirectionIn (the device writes), Out (the device reads),
 *             InOut, or None for the buffer's own direction.
 *
 * Mirrors IOMemoryDescriptor::prepare(). Calls are counted and each needs
 * an iobmd_complete(). The memory is wired: a buffer from dma_alloc_attrs()
 * (a contiguous one from CMA) is coherent and needs nothing more; one
 * backed by iobmd's own pages is a streaming mapping, handed to the device
 * with dma_sync_sgtable_for_device() by the first prepare only: a nested
 * prepare syncs nothing, so that a bounce buffer the device already wrote
 * is not overwritten with the CPU's data. When the first prepare is for Out alone,
 * the buffer is read-only for iobmd_write_bytes() until the last complete,
 * as XNU does.
 *
 * A pageable buffer (kIOMemoryPageable) is not wired: the first prepare
 * brings its pages in, pins them and DMA-maps them for @direction
 * (bounced by swiotlb where they lie above the physical mask); nested
 * prepares must fit that mapping. Only then does it have segments.
 *
 * Context: process context, may sleep (takes the buffer's mutex; the first
 * prepare of a pageable buffer allocates and may read from swap).
 *
 * Return: 0, -EINVAL for a direction above InOut, or -EOVERFLOW when the
 * count would overflow. For a pageable buffer also -ENOMEM (no memory for
 * its pages), -ENOBUFS (its pages above the mask would take iobmd's
 * bounced mappings past a quarter of swiotlb's pool: kmod/bounce.c), -EIO
 * (a page could not be read back, or the DMA mapping failed), -EINTR (a
 * fatal signal while bringing pages in) and -EBUSY (a nested prepare its
 * mapping does not allow: In or InOut on a buffer prepared for Out only,
 * Out or InOut on one prepared for In only); XNU's kIOReturnNoResources
 * and kIOReturnNotWritable.
 */
int iobmd_prepare(struct iobmd *bmd, u32 direction)
{
	return iobmd_prepare_for(bmd, direction, NULL, IOBMD_PREPARE_OWN);
}
EXPORT_SYMBOL_GPL(iobmd_prepare);

/* The buffer's own mapping, for the CPU (@for_device false) or not. */
static void iobmd_own_sync(struct iobmd *bmd, bool for_device, u32 dir)
{
	if (bmd->shmem)
		iobmd_pageable_sync(bmd, for_device);
	else if (bmd->sgt)
		iobmd_sg_sync(bmd, for_device, dir);
}

/*
 * iobmd_prepare(), charging the pins of a pageable buffer to @mm's
 * pinned_vm (VmPin) and to the caller's user's locked_vm, bounded by
 * RLIMIT_MEMLOCK unless CAP_IPC_LOCK: -ENOMEM beyond it. The ioctl passes
 * the caller's mm.
 *
 * @flags: IOBMD_PREPARE_OWN when the caller uses the buffer's own DMA
 * addresses (the ioctl, iobmd_prepare()), not when a DMA command maps the
 * pages for its device itself. The buffer's own mapping is synced for the
 * device by the first prepare that uses it, and for the CPU by the last
 * complete only in the directions such prepares had: otherwise, where
 * swiotlb bounced that mapping, its unused bounce buffer would be copied
 * over what a command's device wrote. IOBMD_PREPARE_USER for the ioctl:
 * only such prepares may be completed through it, so that user space
 * cannot complete (and unpin) what a driver or a command prepared. A
 * buffer takes at most IOBMD_MAX_COMMANDS prepares of DMA commands at
 * once (-EBUSY beyond): each maps the same pages again, and the DMA API's
 * debug code WARNs at eight overlapping mappings of a cacheline.
 * IOBMD_PREPARE_CPU for a kernel mapping of the pages (a dma-buf's vmap,
 * which dma-buf WARNs about when it fails): it maps nothing for a device,
 * so it is not a command's, takes a pageable buffer's pages for whatever
 * direction they are pinned for, and is not ended by a fatal signal.
 */
int iobmd_prepare_for(struct iobmd *bmd, u32 direction, struct mm_struct *mm,
		      unsigned int flags)
{
	bool own = flags & IOBMD_PREPARE_OWN;
	bool cpu = flags & IOBMD_PREPARE_CPU;
	int ret = 0;
	u32 dir;

	if (direction > IOBMD_DIRECTION_INOUT)
		return -EINVAL;
	mutex_lock(&bmd->lock);
	dir = iobmd_prepare_direction(bmd, direction);
	/* A kernel mapping takes the pages as they are pinned already. */
	if (cpu && bmd->shmem && bmd->pin_sgt)
		dir = iobmd_iokit_direction(bmd->pin_dir);
	if (bmd->prepare_count == UINT_MAX)
		ret = -EOVERFLOW;
	else if (!own && !cpu && bmd->command_prepares >= IOBMD_MAX_COMMANDS)
		ret = -EBUSY;
	else if (bmd->shmem)
		ret = iobmd_pageable_prepare(bmd, dir, mm, !cpu);
	if (!ret) {
		/*
		 * As XNU: the first prepare decides and hands the memory to
		 * the device; the last complete ends, in the directions the
		 * prepares recorded. A nested prepare syncs nothing: with a
		 * bounce buffer that would copy the CPU's data over what the
		 * device already wrote there.
		 */
		if (!bmd->prepare_count) {
			bmd->prepared_read_only = dir == IOBMD_DIRECTION_OUT;
			bmd->prepared_direction = dir;
			bmd->prepared_own = false;
		} else {
			bmd->prepared_direction |= dir;
		}
		if (own && !bmd->prepared_own) {
			iobmd_own_sync(bmd, true, dir);
			bmd->prepared_own = true;
			bmd->own_direction = dir;
		} else if (own) {
			bmd->own_direction |= dir;
		}
		if (!own && !cpu)
			bmd->command_prepares++;
		if (flags & IOBMD_PREPARE_USER)
			bmd->user_prepares++;
		bmd->prepare_count++;
	}
	trace_iobmd_prepare(bmd, dir, ret);
	mutex_unlock(&bmd->lock);
	return ret;
}

/**
 * iobmd_complete() - the device is done with the buffer
 * @bmd:       the buffer.
 * @direction: as given to iobmd_prepare().
 *
 * Mirrors IOMemoryDescriptor::complete(): undoes one iobmd_prepare().
 * The last complete hands a streaming mapping back to the CPU with
 * dma_sync_sgtable_for_cpu() in the directions the prepares recorded
 * (whatever @direction or a setDirection() since says), ends the
 * read-only state, and unmaps and unpins a pageable buffer. A nested
 * complete only counts.
 *
 * Context: process context, may sleep (takes the buffer's mutex).
 *
 * Return: 0, -EINVAL for a direction above InOut or for a complete
 * without a prepare (XNU ignores it). Prepares made through the ioctl
 * (user space) are not completed here, nor those through the ioctl.
 */
int iobmd_complete(struct iobmd *bmd, u32 direction)
{
	return iobmd_complete_for(bmd, direction, IOBMD_PREPARE_OWN);
}
EXPORT_SYMBOL_GPL(iobmd_complete);

/*
 * iobmd_complete() of a prepare made with the same @flags as
 * iobmd_prepare_for()'s: -EINVAL when there is none of that kind (the
 * ioctl cannot complete a driver's prepare, nor a driver the ioctl's).
 */
int iobmd_complete_for(struct iobmd *bmd, u32 direction, unsigned int flags)
{
	bool user = flags & IOBMD_PREPARE_USER, own = flags & IOBMD_PREPARE_OWN;
	bool cpu = flags & IOBMD_PREPARE_CPU;
	unsigned int kernel;
	int ret = 0;
	u32 dir;

	if (direction > IOBMD_DIRECTION_INOUT)
		return -EINVAL;
	mutex_lock(&bmd->lock);
	dir = iobmd_prepare_direction(bmd, direction);
	/* The in-kernel API's own prepares: the rest. */
	kernel = bmd->prepare_count - bmd->user_prepares -
		 bmd->command_prepares;
	if (user ? !bmd->user_prepares :
	    own || cpu ? !kernel : !bmd->command_prepares) {
		ret = -EINVAL;
	} else {
		bmd->user_prepares -= user;
		bmd->command_prepares -= !own && !cpu;
		if (!--bmd->prepare_count) {
			/* The last complete, in the directions they had. */
			if (bmd->prepared_own)
				iobmd_own_sync(bmd, false, bmd->own_direction);
			if (bmd->shmem)
				iobmd_pageable_complete(bmd);
			bmd->prepared_read_only = false;
		}
	}
	trace_iobmd_complete(bmd, dir, ret);
	mutex_unlock(&bmd->lock);
	return ret;
}

/*
 * The user-space side of appendBytes, for the ioctl: as
 * iobmd_append_bytes(), from user memory. The copy runs without the
 * buffer's lock, which a user copy could hold for ever (a userfaultfd
 * source); one append at a time, and set_length waits for none
 * (-EBUSY) until it is done. Returns the bytes appended, -EBUSY while
 * prepared read-only or while another append runs, -EINTR when killed,
 * or -EFAULT (then the length is unchanged).
 */
s64 iobmd_append_user(struct iobmd *bmd, const void __user *bytes, u64 n)
{
	s64 ret;
	u64 len;

	if (mutex_lock_killable(&bmd->lock))
		return -EINTR;
	len = bmd->length;
	n = min(n, bmd->capacity - len);
	ret = bmd->prepared_read_only || bmd->appending ? -EBUSY : 0;
	/* Only the append that copies owns the flag: a refused one not. */
	if (!ret)
		bmd->appending = true;
	mutex_unlock(&bmd->lock);
	if (ret)
		return ret;

	ret = iobmd_copy_in_user(bmd, len, bytes, n);
	mutex_lock(&bmd->lock);
	bmd->appending = false;
	if (ret == n)
		WRITE_ONCE(bmd->length, len + n);
	else if (ret >= 0)
		ret = -EFAULT;
	mutex_unlock(&bmd->lock);
	return ret;
}

/*
 * pread(2) of a buffer fd: the length is the end of file. The copy runs
 * without the buffer's lock (see iobmd_append_user()): the pages stay
 * while the fd holds the buffer. Returns the bytes copied (0 at or past
 * the end), -EINTR when killed, or -EFAULT when none could be.
 */
ssize_t iobmd_pread(struct iobmd *bmd, char __user *buf, size_t n,
		    loff_t *pos)
{
	ssize_t ret = 0;
	u64 len;

	if (*pos < 0)
		return -EINVAL;
	len = READ_ONCE(bmd->length);
	if (*pos < len) {
		n = min_t(u64, n, len - *pos);
		ret = iobmd_copy_out_user(bmd, *pos, buf, n);
		if (!ret && n)
			ret = -EFAULT;
		else if (ret > 0)
			*pos += ret;
	}
	return ret;
}

/*
 * pwrite(2) of a buffer fd: inside the length only (append grows it).
 * Checked under the buffer's lock, copied without it (see
 * iobmd_append_user()): a prepare for a device read that comes during the
 * copy sees the bytes arrive as it would through a mapping. Returns the
 * bytes copied, -ENOSPC at or past the end, -EBUSY while prepared
 * read-only, -EINTR when killed, or -EFAULT when none could be copied.
 */
ssize_t iobmd_pwrite(struct iobmd *bmd, const char __user *buf, size_t n,
		     loff_t *pos)
{
	ssize_t ret = 0;
	u64 len;

	if (*pos < 0)
		return -EINVAL;
	if (!n)
		return 0;
	if (mutex_lock_killable(&bmd->lock))
		return -EINTR;
	len = bmd->length;
	if (bmd->prepared_read_only)
		ret = -EBUSY;
	else if (*pos >= len)
		ret = -ENOSPC;
	mutex_unlock(&bmd->lock);
	if (ret)
		return ret;

	n = min_t(u64, n, len - *pos);
	ret = iobmd_copy_in_user(bmd, *pos, buf, n);
	if (!ret)
		ret = -EFAULT;
	else if (ret > 0)
		*pos += ret;
	return ret;
}
