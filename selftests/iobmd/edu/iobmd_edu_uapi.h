/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobmd_edu: the test driver for QEMU's edu PCI device (hw/misc/edu.c,
 * docs/specs/edu.rst), as lib/test_hmm.c is for hmm-tests. It binds every
 * edu device (1234:11e8) and gives each a misc device /dev/iobmd_eduN,
 * through which the selftests have the device DMA into and out of iobmd
 * buffers by the in-kernel API: an iobmd DMA command (IODMACommand) made
 * for the edu's own struct device, so through its IOMMU when it has one.
 *
 * Not an ABI for anything but the selftests.
 */
#ifndef _UAPI_IOBMD_EDU_H
#define _UAPI_IOBMD_EDU_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* edu's DMA buffer: 4 KiB at device address 0x40000. */
#define IOBMD_EDU_BUF_SIZE		4096
/* QEMU 7.2 aborts on a transfer that ends at the end of the buffer. */
#define IOBMD_EDU_MAX_XFER		4095

/* Directions of struct iobmd_edu_dma. */
#define IOBMD_EDU_TO_DEVICE		1	/* RAM -> edu: the device reads */
#define IOBMD_EDU_FROM_DEVICE		2	/* edu -> RAM: the device writes */

/*
 * Flags of struct iobmd_edu_dma.
 * IOBMD_EDU_RAW_SEGMENT: the negative control. Program the device with the
 * address iobmd_get_physical_segment() gives (iobmd's own device's, not a
 * mapping for edu), without a DMA command. Only with IOBMD_EDU_TO_DEVICE,
 * so that a wrong address is only ever read.
 * IOBMD_EDU_NO_DOUBLE_BUFFER: the command may not bounce (DriverKit's
 * IODMACommand does not); memory outside the mask fails with ERANGE.
 * IOBMD_EDU_FORCE_DOUBLE_BUFFER: the command bounces even memory that fits
 * (IOKit's kForceDoubleBuffer).
 */
#define IOBMD_EDU_RAW_SEGMENT		0x1
#define IOBMD_EDU_NO_DOUBLE_BUFFER	0x2
#define IOBMD_EDU_FORCE_DOUBLE_BUFFER	0x4

/**
 * struct iobmd_edu_info - IOBMD_EDU_IOC_INFO
 * @dma_bits: out: the DMA mask of the edu device, in address bits.
 * @iommu:    out: 1 when the device's DMA goes through an IOMMU's page
 *            tables (a paging domain), else 0.
 * @name:     out: the PCI device name, e.g. "0000:00:04.0".
 */
struct iobmd_edu_info {
	__u32 dma_bits;
	__u32 iommu;
	char name[32];
};

/**
 * struct iobmd_edu_dma - IOBMD_EDU_IOC_DMA: one transfer, waited for
 * @fd:         in: an iobmd buffer fd.
 * @direction:  in: IOBMD_EDU_TO_DEVICE or IOBMD_EDU_FROM_DEVICE.
 * @offset:     in: byte offset in the buffer.
 * @length:     in: bytes, 1 to IOBMD_EDU_MAX_XFER.
 * @edu_offset: in: byte offset in edu's buffer; @edu_offset + @length at
 *              most IOBMD_EDU_MAX_XFER.
 * @address_bits: in: the DMA command's specification: address bits the
 *              device can drive, 0 for its DMA mask.
 * @max_segment_size: in: the specification's largest segment in bytes, 0
 *              for the device's dma_get_max_seg_size(); else at least 512.
 * @flags:      in: IOBMD_EDU_*.
 * @segments:   out: the segments the transfer took.
 * @dma_addr:   out: the device address of the transfer's first byte.
 * @bounced:    out: 1 when the command double-buffered the range.
 * @__reserved: must be 0.
 *
 * The driver creates a DMA command with the specification, binds the
 * buffer, prepares [@offset, @offset + @length) for the direction, walks
 * its segments programming one edu transfer each (about 100 ms of virtual
 * time each), then completes and frees the command.
 *
 * Errors: those of the DMA command (iobmd_dma_command_*()); EINVAL for a
 * bad field; EBADF or EINVAL when @fd is not an iobmd buffer; EINTR when
 * a fatal signal came between two segments; ETIMEDOUT when the device
 * did not finish in 5 s; ENODEV after the device was unbound.
 */
struct iobmd_edu_dma {
	__s32 fd;
	__u32 direction;
	__u64 offset;
	__u64 length;
	__u32 edu_offset;
	__u32 address_bits;
	__u64 max_segment_size;
	__u32 flags;
	__u32 segments;
	__u64 dma_addr;
	__u32 bounced;
	__u32 __reserved;
};

/**
 * struct iobmd_edu_hold - IOBMD_EDU_IOC_HOLD: keep a command prepared
 * @fd:        in: an iobmd buffer fd.
 * @direction: in: IOBMD_EDU_TO_DEVICE or IOBMD_EDU_FROM_DEVICE.
 *
 * The driver prepares a DMA command for the whole buffer and keeps it
 * until IOBMD_EDU_IOC_RELEASE, the close of the edu fd, or the device's
 * unbinding (which completes it). One at a time per open file: EBUSY.
 */
struct iobmd_edu_hold {
	__s32 fd;
	__u32 direction;
};

/**
 * struct iobmd_edu_for_device - IOBMD_EDU_IOC_FOR_DEVICE
 * @options:    in: IOKit options of two buffers the driver creates for
 *              the edu itself (iobmd_init_for_device()).
 * @__reserved: must be 0.
 * @size:       in: their capacity in bytes, at least 2 pages.
 * @segments:   out: the segments a DMA command for the edu gives for the
 *              whole first buffer (1 for a contiguous one).
 * @bounced:    out: 1 when any transfer was double buffered: never for
 *              wired memory allocated for the device; a pageable buffer's
 *              pages lie wherever shmem puts them.
 *
 * The driver fills the first buffer with a pattern (writeBytes), has the
 * device copy its first and last 4000 bytes into the second through DMA
 * commands, and compares (readBytes). Errors: those of the create and of
 * the DMA command; EIO when the copy differs; ENODEV after the unbinding.
 */
struct iobmd_edu_for_device {
	__u32 options;
	__u32 __reserved;
	__u64 size;
	__u32 segments;
	__u32 bounced;
};

#define IOBMD_EDU_IOC_MAGIC		0xBE
#define IOBMD_EDU_IOC_INFO	_IOR(IOBMD_EDU_IOC_MAGIC, 0, struct iobmd_edu_info)
#define IOBMD_EDU_IOC_DMA	_IOWR(IOBMD_EDU_IOC_MAGIC, 1, struct iobmd_edu_dma)
#define IOBMD_EDU_IOC_HOLD	_IOW(IOBMD_EDU_IOC_MAGIC, 2, struct iobmd_edu_hold)
#define IOBMD_EDU_IOC_RELEASE	_IO(IOBMD_EDU_IOC_MAGIC, 3)
#define IOBMD_EDU_IOC_FOR_DEVICE _IOWR(IOBMD_EDU_IOC_MAGIC, 4, \
				       struct iobmd_edu_for_device)

#endif /* _UAPI_IOBMD_EDU_H */
