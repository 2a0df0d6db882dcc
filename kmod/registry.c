// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: the registry of live buffers. It keeps the list debugfs shows,
 * the module-wide figures, and enforces the byte limits set by the module
 * parameters max_buffer_bytes and max_total_bytes.
 *
 * A create charges its page-rounded size first (iobmd_registry_charge()),
 * so that concurrent creates cannot together pass a limit; the buffer is
 * added once it exists and removed, uncharging it, when it is freed.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "iobmd_internal.h"

static DEFINE_MUTEX(iobmd_registry_lock);
static LIST_HEAD(iobmd_registry_list);
/* Under iobmd_registry_lock. */
static struct iobmd_registry_stats iobmd_registry_stats;
/* Bytes charged: live buffers and creates in progress. */
static u64 iobmd_registry_charged;

/*
 * The byte limits. Until iobmd_registry_init() they hold
 * IOBMD_LIMIT_DEFAULT, unless set at load; it replaces that with half the
 * RAM, so that the members of the group /dev/iobmd is given to cannot take
 * all memory through it, whatever their memory cgroups allow.
 */
#define IOBMD_LIMIT_DEFAULT ULONG_MAX
static unsigned long max_buffer_bytes = IOBMD_LIMIT_DEFAULT;
static unsigned long max_total_bytes = IOBMD_LIMIT_DEFAULT;

/* A limit is 0 (none) or at least one page; any size is rounded to pages. */
static int iobmd_limit_set(const char *val, const struct kernel_param *kp)
{
	unsigned long limit;
	int ret;

	ret = kstrtoul(val, 0, &limit);
	if (ret)
		return ret;
	if (limit && limit < PAGE_SIZE)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, limit);
	return 0;
}

static const struct kernel_param_ops iobmd_limit_ops = {
	.set = iobmd_limit_set,
	.get = param_get_ulong,
};

module_param_cb(max_buffer_bytes, &iobmd_limit_ops, &max_buffer_bytes, 0644);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Largest buffer in bytes (page-rounded size); default half the RAM, 0 for no limit, else at least one page. A larger create fails with EFBIG");
module_param_cb(max_total_bytes, &iobmd_limit_ops, &max_total_bytes, 0644);
MODULE_PARM_DESC(max_total_bytes,
		 "Bytes all live buffers may hold together (page-rounded sizes); default half the RAM, 0 for no limit, else at least one page. A create beyond it fails with ENOSPC");

/**
 * iobmd_registry_init() - default the byte limits not set at load
 *
 * Context: module init, before /dev/iobmd exists. The default of
 * max_buffer_bytes and max_total_bytes is half the RAM (totalram_pages(),
 * what /proc/meminfo shows as MemTotal), in whole pages.
 */
void iobmd_registry_init(void)
{
	unsigned long half = (totalram_pages() / 2) << PAGE_SHIFT;

	if (max_buffer_bytes == IOBMD_LIMIT_DEFAULT)
		max_buffer_bytes = half;
	if (max_total_bytes == IOBMD_LIMIT_DEFAULT)
		max_total_bytes = half;
}

/**
 * iobmd_registry_charge() - reserve bytes for a buffer about to be made
 * @bytes: the buffer's page-rounded size.
 *
 * Context: may sleep; takes iobmd_registry_lock.
 *
 * Return: 0, -EFBIG when @bytes is above max_buffer_bytes, -ENOSPC when
 * it would take the bytes of all buffers above max_total_bytes, or
 * -ENOMEM when the bytes of all buffers would not fit 64 bits (only
 * pageable buffers, which are allocated as they are used, get there).
 */
int iobmd_registry_charge(u64 bytes)
{
	unsigned long max_buffer = READ_ONCE(max_buffer_bytes);
	unsigned long max_total = READ_ONCE(max_total_bytes);
	int ret = 0;

	mutex_lock(&iobmd_registry_lock);
	if (max_buffer && bytes > max_buffer)
		ret = -EFBIG;
	else if (max_total && (bytes > max_total ||
			       iobmd_registry_charged > max_total - bytes))
		ret = -ENOSPC;
	else if (iobmd_registry_charged > U64_MAX - bytes)
		ret = -ENOMEM;
	else
		iobmd_registry_charged += bytes;
	mutex_unlock(&iobmd_registry_lock);
	return ret;
}

/* Give back the charge of a create that failed. */
void iobmd_registry_uncharge(u64 bytes)
{
	mutex_lock(&iobmd_registry_lock);
	iobmd_registry_charged -= bytes;
	mutex_unlock(&iobmd_registry_lock);
}

/* Count a failed create; @err is its errno. */
void iobmd_registry_failed(int err)
{
	mutex_lock(&iobmd_registry_lock);
	iobmd_registry_stats.create_failures++;
	if (err == -EFBIG || err == -ENOSPC)
		iobmd_registry_stats.limit_failures++;
	mutex_unlock(&iobmd_registry_lock);
}

/* A buffer's kind, IOBMD_KIND_*: what backs it. */
unsigned int iobmd_kind(const struct iobmd *bmd)
{
	if (bmd->shmem)
		return IOBMD_KIND_PAGEABLE;
	if (iobmd_is_contiguous(bmd))
		return IOBMD_KIND_CONTIGUOUS;
	return IOBMD_KIND_SG;
}

/* A buffer's effective memory type, IOBMD_MODE_*. */
unsigned int iobmd_mode(const struct iobmd *bmd)
{
	switch (iobmd_cache_mode(bmd)) {
	case IOBMD_MAP_INHIBIT_CACHE:
		return IOBMD_MODE_UC;
	case IOBMD_MAP_WRITE_COMBINE_CACHE:
		return IOBMD_MODE_WC;
	default:
		return IOBMD_MODE_WB;
	}
}

/* A charged buffer now exists: list it and count it. */
void iobmd_registry_add(struct iobmd *bmd)
{
	struct iobmd_registry_stats *s = &iobmd_registry_stats;
	unsigned int kind = iobmd_kind(bmd), mode = iobmd_mode(bmd);

	bmd->owner_pid = task_tgid_nr(current);
	get_task_comm(bmd->owner_comm, current);

	mutex_lock(&iobmd_registry_lock);
	list_add_tail(&bmd->registry, &iobmd_registry_list);
	s->buffers++;
	s->bytes += bmd->alloc_size;
	s->kind_buffers[kind][mode]++;
	s->kind_bytes[kind][mode] += bmd->alloc_size;
	mutex_unlock(&iobmd_registry_lock);
}

/*
 * A create succeeded: @bmd is its caller's now. The peaks are taken here,
 * not when the buffer was listed, so that a create that fails after its
 * buffer existed (a pageable terabyte whose contents could not be copied
 * in) never shows as live in them.
 */
void iobmd_registry_created(struct iobmd *bmd)
{
	struct iobmd_registry_stats *s = &iobmd_registry_stats;

	mutex_lock(&iobmd_registry_lock);
	s->peak_buffers = max(s->peak_buffers, s->buffers);
	s->peak_bytes = max(s->peak_bytes, s->bytes);
	mutex_unlock(&iobmd_registry_lock);
}

/* A buffer is being freed: unlist it and give its charge back. */
void iobmd_registry_del(struct iobmd *bmd)
{
	struct iobmd_registry_stats *s = &iobmd_registry_stats;
	unsigned int kind = iobmd_kind(bmd), mode = iobmd_mode(bmd);

	mutex_lock(&iobmd_registry_lock);
	list_del(&bmd->registry);
	iobmd_registry_charged -= bmd->alloc_size;
	s->buffers--;
	s->bytes -= bmd->alloc_size;
	s->kind_buffers[kind][mode]--;
	s->kind_bytes[kind][mode] -= bmd->alloc_size;
	mutex_unlock(&iobmd_registry_lock);
}

/* A consistent copy of the module-wide figures. */
void iobmd_registry_get_stats(struct iobmd_registry_stats *stats)
{
	mutex_lock(&iobmd_registry_lock);
	*stats = iobmd_registry_stats;
	mutex_unlock(&iobmd_registry_lock);
}

/*
 * Call @fn for each live buffer, oldest first, under the registry's lock:
 * no buffer can be freed meanwhile, and @fn must not take a buffer's
 * reference or lock that a free would wait on.
 */
void iobmd_registry_for_each(void (*fn)(struct iobmd *bmd, void *arg),
			     void *arg)
{
	struct iobmd *bmd;

	mutex_lock(&iobmd_registry_lock);
	list_for_each_entry(bmd, &iobmd_registry_list, registry)
		fn(bmd, arg);
	mutex_unlock(&iobmd_registry_lock);
}
