/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd: Apple IOKit's IOBufferMemoryDescriptor for Linux - the in-kernel
 * API that other drivers call. Every function is exported with
 * EXPORT_SYMBOL_GPL by iobmd.ko and documented where it is defined
 * (kmod/buffer.c).
 */
#ifndef _IOBMD_H
#define _IOBMD_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <uapi/linux/iobmd.h>

struct iobmd;
struct mm_struct;

/* The task argument that means the kernel (IOKit's kernel_task). */
#define IOBMD_KERNEL_TASK ((struct mm_struct *)-1L)

struct iobmd *iobmd_init_with_physical_mask(struct mm_struct *task,
					    u32 options, u64 capacity,
					    u64 alignment, u64 physical_mask);
struct iobmd *iobmd_in_task_with_physical_mask(struct mm_struct *task,
					       u32 options, u64 capacity,
					       u64 physical_mask);
struct iobmd *iobmd_in_task_with_options(struct mm_struct *task, u32 options,
					 u64 capacity, u64 alignment);
struct iobmd *iobmd_with_options(u32 options, u64 capacity, u64 alignment);
struct iobmd *iobmd_with_capacity(u64 capacity, u32 direction,
				  bool contiguous);
struct iobmd *iobmd_with_bytes(const void *bytes, u64 length, u32 direction,
			       bool contiguous);
struct iobmd *iobmd_with_copy(struct mm_struct *task, u32 options,
			      struct mm_struct *source_mm,
			      unsigned long source_address, u64 length);
struct iobmd *iobmd_get(struct iobmd *bmd);
void iobmd_put(struct iobmd *bmd);

u64 iobmd_get_capacity(const struct iobmd *bmd);
u64 iobmd_get_length(const struct iobmd *bmd);
u32 iobmd_get_options(const struct iobmd *bmd);
void *iobmd_get_bytes_no_copy(struct iobmd *bmd);
void __user *iobmd_get_task_bytes_no_copy(struct iobmd *bmd);
void *iobmd_get_bytes_no_copy_range(struct iobmd *bmd, u64 start, u64 length);
int iobmd_get_physical_segment(struct iobmd *bmd, u64 offset,
			       dma_addr_t *address, u64 *length);

int iobmd_set_length(struct iobmd *bmd, u64 length);
u64 iobmd_append_bytes(struct iobmd *bmd, const void *bytes, u64 n);
int iobmd_set_direction(struct iobmd *bmd, u32 direction);
int iobmd_read_bytes(struct iobmd *bmd, u64 offset, void *bytes, u64 n);
int iobmd_write_bytes(struct iobmd *bmd, u64 offset, const void *bytes, u64 n);
int iobmd_prepare(struct iobmd *bmd, u32 direction);
int iobmd_complete(struct iobmd *bmd, u32 direction);
int iobmd_set_purgeable(struct iobmd *bmd, u32 new_state, u32 *old_state);

#endif /* _IOBMD_H */
