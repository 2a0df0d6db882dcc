/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd: Apple IOKit's IOBufferMemoryDescriptor for Linux - the in-kernel
 * API that other drivers call. Every function is exported with
 * EXPORT_SYMBOL_GPL by iobmd.ko and documented where it is defined: the
 * factories and get/put in kmod/buffer.c (those that take a task in
 * kmod/task.c), the getters in kmod/accessors.c, the methods in
 * kmod/methods.c and kmod/purgeable.c, iobmd_get_from_fd() in kmod/dev.c,
 * DMA commands in kmod/dma_command.c.
 */
#ifndef _IOBMD_H
#define _IOBMD_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <uapi/linux/iobmd.h>

struct device;
struct iobmd;
struct iobmd_dma_command;
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

struct iobmd *iobmd_init_for_device(struct device *dev,
				    struct mm_struct *task, u32 options,
				    u64 capacity, u64 alignment);
struct iobmd *iobmd_get_from_fd(int fd);

struct dma_buf;
struct dma_buf *iobmd_export_dmabuf(struct iobmd *bmd, u32 flags);
int iobmd_export_dmabuf_fd(struct iobmd *bmd, u32 flags);

/*
 * IODMACommand's MappingOptions and the double-buffer options, with
 * IOKit's values where IOKit has one (IODMACommand.h).
 * IOBMD_DMA_MAPPED (kMapped): through the device's IOMMU, when it has one.
 * IOBMD_DMA_NO_DOUBLE_BUFFER: memory that does not fit the specification
 * fails with -ERANGE instead of being bounced, as DriverKit's
 * IODMACommand does (iobmd's own bit).
 * IOBMD_DMA_FORCE_DOUBLE_BUFFER (kForceDoubleBuffer): bounce even memory
 * that fits.
 */
#define IOBMD_DMA_MAPPED		0x00000000
#define IOBMD_DMA_NO_DOUBLE_BUFFER	0x00010000
#define IOBMD_DMA_FORCE_DOUBLE_BUFFER	0x01000000

/**
 * struct iobmd_dma_specification - what a device can address
 * @num_address_bits: address bits the device drives, 1 to 64; 0 for its
 *                    DMA mask. The lower of the two bounds every segment.
 * @options:          IOBMD_DMA_* (IODMACommand's mappingOptions).
 * @max_segment_size: the longest segment in bytes; 0 for the device's
 *                    dma_get_max_seg_size().
 * @alignment:        alignment in bytes of every segment's address: 0 and
 *                    1 mean none, else a power of two up to a page.
 *
 * IODMACommand::SegmentOptions (fNumAddressBits, fMaxSegmentSize,
 * fAlignment) and DriverKit's IODMACommandSpecification (maxAddressBits).
 */
struct iobmd_dma_specification {
	u32 num_address_bits;
	u32 options;
	u64 max_segment_size;
	u64 alignment;
};

/**
 * struct iobmd_dma_segment - one segment in the device's address space
 * @address: the DMA address (an IOVA behind an IOMMU), as the device must
 *           be programmed with it.
 * @length:  bytes.
 *
 * IODMACommand::Segment64.
 */
struct iobmd_dma_segment {
	u64 address;
	u64 length;
};

struct iobmd_dma_command *
iobmd_dma_command_with_specification(struct device *dev,
				     const struct iobmd_dma_specification *spec);
void iobmd_dma_command_free(struct iobmd_dma_command *cmd);
int iobmd_dma_command_set_memory_descriptor(struct iobmd_dma_command *cmd,
					    struct iobmd *bmd);
int iobmd_dma_command_clear_memory_descriptor(struct iobmd_dma_command *cmd);
int iobmd_dma_command_prepare(struct iobmd_dma_command *cmd, u64 offset,
			      u64 length, u32 direction);
int iobmd_dma_command_gen64_iovm_segments(struct iobmd_dma_command *cmd,
					  u64 *offset,
					  struct iobmd_dma_segment *segments,
					  u32 *num_segments);
int iobmd_dma_command_synchronize(struct iobmd_dma_command *cmd,
				  u32 direction);
int iobmd_dma_command_complete(struct iobmd_dma_command *cmd);
bool iobmd_dma_command_double_buffered(struct iobmd_dma_command *cmd);

#endif /* _IOBMD_H */
