// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: mmap of a buffer - the VMA's memory type and flags, the vm_ops,
 * and each back end's way of filling the mapping. Object layer: the buffer
 * fd's mmap (kmod/dev.c) calls it, also for the mapping of a user task
 * (kmod/task.c).
 */
#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include "iobmd_internal.h"
#include "iobmd_trace.h"

/* Mappings are counted for debugfs: split VMAs open, unmapped ones close. */
static void iobmd_vm_open(struct vm_area_struct *vma)
{
	struct iobmd *bmd = vma->vm_private_data;

	atomic_inc(&bmd->map_count);
}

static void iobmd_vm_close(struct vm_area_struct *vma)
{
	struct iobmd *bmd = vma->vm_private_data;

	atomic_dec(&bmd->map_count);
}

/* Only mappings of iobmd's own pages fault: sg.c. */
static vm_fault_t iobmd_vm_fault(struct vm_fault *vmf)
{
	struct iobmd *bmd = vmf->vma->vm_private_data;

	return bmd->sgt ? iobmd_sg_fault(vmf) : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct iobmd_vm_ops = {
	.open = iobmd_vm_open,
	.close = iobmd_vm_close,
	.fault = iobmd_vm_fault,
};

/*
 * mmap of the buffer fd: MAP_SHARED only, never executable, any
 * page-aligned range inside the allocation; VM_DONTEXPAND keeps mremap()
 * from growing it. MAP_SHARED is VM_MAYSHARE: do_mmap() clears VM_SHARED
 * (and VM_MAYWRITE) of a shared mapping of a file not open for writing,
 * as an O_RDONLY dma-buf's is.
 */
int iobmd_mmap(struct iobmd *bmd, struct vm_area_struct *vma)
{
	unsigned long total = bmd->alloc_size >> PAGE_SHIFT;
	vm_flags_t set = VM_DONTEXPAND | VM_DONTDUMP;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	if (vma->vm_pgoff >= total || vma_pages(vma) > total - vma->vm_pgoff)
		return -EINVAL;
	/*
	 * Every mapping has the memory type of the direct map: cache.c. Pages
	 * that are not write-back are mapped by PFN, so that nothing can pin
	 * them and map them again write-back (io_uring and videobuf2 vmap()
	 * pinned user pages with PAGE_KERNEL).
	 */
	vma->vm_page_prot = iobmd_cache_pgprot(bmd, vma->vm_page_prot);
	if (bmd->sgt && iobmd_cache_mode(bmd) != IOBMD_MAP_COPYBACK_CACHE)
		set |= VM_PFNMAP | VM_IO;
	iobmd_vm_flags_mod(vma, set, VM_MAYEXEC);
	vma->vm_private_data = bmd;
	vma->vm_ops = &iobmd_vm_ops;
	if (bmd->shmem)
		ret = iobmd_pageable_mmap(bmd, vma);
	else if (bmd->sgt)
		ret = iobmd_sg_mmap(bmd, vma);
	else
		ret = dma_mmap_attrs(bmd->dev, vma, bmd->cpu_addr,
				     bmd->dma_addr, bmd->alloc_size,
				     bmd->attrs);
	trace_iobmd_map(bmd, vma->vm_start, vma->vm_pgoff << PAGE_SHIFT,
			vma->vm_end - vma->vm_start,
			vma->vm_flags & VM_PFNMAP, ret);
	if (!ret)
		atomic_inc(&bmd->map_count);
	return ret;
}
