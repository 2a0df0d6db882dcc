// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: debugfs. /sys/kernel/debug/iobmd/stats has the module-wide
 * figures, one "name value" pair a line:
 *
 *   live_buffers  buffers allocated and not yet freed
 *   live_bytes    bytes those buffers occupy (page-rounded)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "iobmd_internal.h"

static struct dentry *iobmd_debugfs_dir;

static int iobmd_stats_show(struct seq_file *m, void *unused)
{
	long buffers, bytes;

	iobmd_stats(&buffers, &bytes);
	seq_printf(m, "live_buffers %ld\n", buffers);
	seq_printf(m, "live_bytes %ld\n", bytes);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iobmd_stats);

void iobmd_debugfs_init(void)
{
	iobmd_debugfs_dir = debugfs_create_dir("iobmd", NULL);
	debugfs_create_file("stats", 0444, iobmd_debugfs_dir, NULL,
			    &iobmd_stats_fops);
}

void iobmd_debugfs_exit(void)
{
	debugfs_remove_recursive(iobmd_debugfs_dir);
}
