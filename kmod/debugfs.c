// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: debugfs, under /sys/kernel/debug/iobmd/.
 *
 * stats: the module-wide figures, one "name value" pair a line:
 *
 *   live_buffers, live_bytes    buffers not yet freed, and their
 *                               page-rounded sizes in bytes
 *   peak_buffers, peak_bytes    the most of each since the module loaded,
 *                               when a create succeeded
 *   create_failures             creates the allocator refused (bad
 *                               arguments, limits, memory, task mapping)
 *   limit_failures              of those, refused by max_buffer_bytes or
 *                               max_total_bytes (EFBIG, ENOSPC)
 *   buffers_<kind>_<mode>       live buffers by kind (contiguous, sg,
 *   bytes_<kind>_<mode>         pageable) and effective cache mode (wb,
 *                               uc, wc)
 *   volatile_bytes              page-rounded sizes of the purgeable
 *                               buffers now volatile
 *   purged_bytes                bytes of contents discarded since the
 *                               module loaded (Empty, and the shrinker)
 *   bounced_bytes               bytes of swiotlb iobmd's own mappings
 *                               hold now (kmod/bounce.c)
 *   contig_range_<result>       searches for a contiguous range
 *                               (kmod/contig.c) since the module loaded,
 *                               by how they ended: allocated, no_range
 *                               (unmovable pages in every range), busy
 *                               (the ranges tried could not be freed),
 *                               no_memory (none to migrate pages into),
 *                               interrupted (a fatal signal)
 *
 * buffers: one line per live buffer, oldest first, of space-separated
 * key=value pairs in this order (tools may rely on the keys, not on their
 * number: keys are only ever added at the end):
 *
 *   id=        the buffer's id, as in the tracepoints
 *   pid= comm= the creating process (comm with space, tab, newline,
 *              backslash and '=' escaped as \ooo)
 *   capacity= length= alloc=   bytes: asked for, current, page-rounded
 *   options=   the IOKit options, hexadecimal
 *   cache=     effective cache mode: wb, uc or wc
 *   kind=      contiguous, sg or pageable
 *   segments=  DMA segments (a pageable buffer has them while prepared)
 *   maps=      user mappings (VMAs), the task mapping included
 *   kmap=      1 when the kernel keeps a mapping
 *   purgeable= none, or a purgeable buffer's state: nonvolatile,
 *              volatile or empty
 *   dma=       DMA address of the first segment (0 for a pageable buffer
 *              that is not prepared), or "-" when the reader opened the
 *              file without CAP_SYS_ADMIN
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "iobmd_internal.h"

static struct dentry *iobmd_debugfs_dir;

static const char *const iobmd_kind_names[IOBMD_KINDS] = {
	[IOBMD_KIND_CONTIGUOUS] = "contiguous",
	[IOBMD_KIND_SG] = "sg",
	[IOBMD_KIND_PAGEABLE] = "pageable",
};

static const char *const iobmd_purgeable_names[] = {
	[0] = "none",
	[IOBMD_PURGEABLE_NON_VOLATILE] = "nonvolatile",
	[IOBMD_PURGEABLE_VOLATILE] = "volatile",
	[IOBMD_PURGEABLE_EMPTY] = "empty",
};

static const char *const iobmd_mode_names[IOBMD_MODES] = {
	[IOBMD_MODE_WB] = "wb",
	[IOBMD_MODE_UC] = "uc",
	[IOBMD_MODE_WC] = "wc",
};

static int iobmd_stats_show(struct seq_file *m, void *unused)
{
	u64 volatile_bytes, purged_bytes, contig[IOBMD_CONTIG_RESULTS];
	struct iobmd_registry_stats s;
	unsigned int kind, mode, i;

	iobmd_registry_get_stats(&s);
	iobmd_purgeable_stats(&volatile_bytes, &purged_bytes);
	seq_printf(m, "live_buffers %llu\n", s.buffers);
	seq_printf(m, "live_bytes %llu\n", s.bytes);
	seq_printf(m, "peak_buffers %llu\n", s.peak_buffers);
	seq_printf(m, "peak_bytes %llu\n", s.peak_bytes);
	seq_printf(m, "create_failures %llu\n", s.create_failures);
	seq_printf(m, "limit_failures %llu\n", s.limit_failures);
	for (kind = 0; kind < IOBMD_KINDS; kind++)
		for (mode = 0; mode < IOBMD_MODES; mode++)
			seq_printf(m, "buffers_%s_%s %llu\nbytes_%s_%s %llu\n",
				   iobmd_kind_names[kind],
				   iobmd_mode_names[mode],
				   s.kind_buffers[kind][mode],
				   iobmd_kind_names[kind],
				   iobmd_mode_names[mode],
				   s.kind_bytes[kind][mode]);
	seq_printf(m, "volatile_bytes %llu\n", volatile_bytes);
	seq_printf(m, "purged_bytes %llu\n", purged_bytes);
	seq_printf(m, "bounced_bytes %llu\n", iobmd_bounce_bytes());
	iobmd_contig_stats(contig);
	for (i = 0; i < IOBMD_CONTIG_RESULTS; i++)
		seq_printf(m, "contig_range_%s %llu\n",
			   iobmd_contig_result_names[i], contig[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iobmd_stats);

static void iobmd_buffer_show(struct iobmd *bmd, void *arg)
{
	struct seq_file *m = arg;

	seq_printf(m, "id=%llu pid=%d comm=", bmd->id, bmd->owner_pid);
	seq_escape(m, bmd->owner_comm, " \t\n\\=");
	seq_printf(m, " capacity=%llu length=%llu alloc=%zu options=%#x",
		   bmd->capacity, READ_ONCE(bmd->length), bmd->alloc_size,
		   READ_ONCE(bmd->options));
	seq_printf(m, " cache=%s kind=%s segments=%u maps=%d kmap=%d",
		   iobmd_mode_names[iobmd_mode(bmd)],
		   iobmd_kind_names[iobmd_kind(bmd)],
		   iobmd_segment_count(bmd), atomic_read(&bmd->map_count),
		   bmd->kernel_mapped);
	seq_printf(m, " purgeable=%s",
		   iobmd_purgeable_names[READ_ONCE(bmd->purgeable_state)]);
	/* As /proc/pid/pagemap: addresses only for the privileged opener. */
	if (file_ns_capable(m->file, &init_user_ns, CAP_SYS_ADMIN))
		seq_printf(m, " dma=%#llx\n", (u64)READ_ONCE(bmd->dma_addr));
	else
		seq_puts(m, " dma=-\n");
}

static int iobmd_buffers_show(struct seq_file *m, void *unused)
{
	iobmd_registry_for_each(iobmd_buffer_show, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iobmd_buffers);

void iobmd_debugfs_init(void)
{
	iobmd_debugfs_dir = debugfs_create_dir("iobmd", NULL);
	debugfs_create_file("stats", 0444, iobmd_debugfs_dir, NULL,
			    &iobmd_stats_fops);
	debugfs_create_file("buffers", 0444, iobmd_debugfs_dir, NULL,
			    &iobmd_buffers_fops);
}

void iobmd_debugfs_exit(void)
{
	debugfs_remove_recursive(iobmd_debugfs_dir);
}
