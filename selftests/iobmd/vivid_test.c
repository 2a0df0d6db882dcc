// SPDX-License-Identifier: GPL-2.0
/*
 * vivid (the kernel's virtual V4L2 capture driver) as a dma-buf importer
 * of every kind of iobmd buffer (kmod/dmabuf.c, IOBMD_IOC_EXPORT_DMABUF).
 *
 * The VM's kernel command line (tools/vm/iobmd-vm) makes two vivid
 * instances, each with only its video capture node: instance 0 with vb2's
 * vmalloc allocator, which imports a dma-buf by dma_buf_vmap(), and
 * instance 1 with dma-contig, which attaches the dma-buf to its platform
 * device (a 32-bit DMA mask), maps the attachment and needs one
 * contiguous DMA range, then writes through dma_buf_vmap() as well.
 *
 * Each buffer kind is captured into on each instance: two buffers of the
 * kind, filled with 0xA5 first, exported and queued as V4L2_MEMORY_DMABUF
 * buffers, one frame dequeued into each and read back with pread() on the
 * buffer fd. The frame must equal a reference frame captured the same way
 * into vivid's own V4L2_MEMORY_MMAP buffers. vivid's picture is made
 * deterministic through its controls, found by name: no OSD text (it
 * holds a running time and the frame count), no movement; the test pattern
 * is vivid's static default (75% colour bars). The whole frame is
 * compared. Negative controls: the reference must be mostly bytes other
 * than 0xA5, so that a buffer vivid never wrote cannot pass, and two
 * reference frames must be equal, so that the comparison is meaningful;
 * the bytes past the frame, up to the buffer's end, must still be 0xA5.
 *
 * On dma-contig the outcome depends on where the memory lies, read with
 * IOBMD_IOC_GET_SEGMENTS (root: physical addresses, the VM has no IOMMU):
 * memory above 4 GiB fails iobmd's map with ERANGE, which vb2 turns into
 * EINVAL at VIDIOC_QBUF ("Error getting dmabuf scatterlist"); memory below
 * it that is not one contiguous range is refused by vb2-dma-contig with
 * EFAULT ("contiguous chunk is too small"); only a contiguous buffer below
 * 4 GiB captures. The 32-bit contiguous kind always captures there, the
 * 32-bit scatter-gather kind must have been refused at least once over
 * its two buffers (it is two or more ranges unless the page allocator
 * happened to hand out adjacent chunks), so both outcomes are exercised.
 *
 * The lifetime test closes both fds of each buffer while vb2 holds the
 * dma-buf, captures, and checks that only REQBUFS 0 frees the buffers
 * (debugfs live_buffers) and drops the module references the dma-bufs
 * held. Run as root (physical addresses, debugfs).
 */
#include <poll.h>
#include <sys/mman.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "iobmd_helpers.h"
#include "kselftest_harness.h"

#define MASK32 0xFFFFFFFFULL
#define FILL 0xA5
#define NBUF 2
/* vivid's webcam input (input 0) sizes start at 320x180. */
#define WIDTH 320
#define HEIGHT 180
/* A frame takes a few ms; TCG and a loaded host make that seconds. */
#define FRAME_TIMEOUT_MS 30000

enum vivid_alloc { VMALLOC = 0, DMA_CONTIG = 1 };

/* The capture node of vivid instance @inst, opened, or -errno. */
static int vivid_open(int inst)
{
	char path[32], bus[32];
	int i, fd;

	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	for (i = 0; i < 256; i++) {
		struct v4l2_capability cap;
		__u32 caps;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.bus_info, bus)) {
			caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
			       cap.device_caps : cap.capabilities;
			if ((caps & V4L2_CAP_VIDEO_CAPTURE) &&
			    (caps & V4L2_CAP_STREAMING) &&
			    !(caps & V4L2_CAP_TOUCH))
				return fd;
		}
		close(fd);
	}
	return -ENOENT;
}

/*
 * Set the menu control named @name to its item named @item: 0, or -ENOENT
 * when the device has no such control or item, or -errno of S_CTRL.
 */
static int vivid_set_menu(int fd, const char *name, const char *item)
{
	struct v4l2_queryctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };

	while (!ioctl(fd, VIDIOC_QUERYCTRL, &q)) {
		if (q.type == V4L2_CTRL_TYPE_MENU &&
		    !strcmp((char *)q.name, name)) {
			struct v4l2_querymenu m = { .id = q.id };
			struct v4l2_control c = { .id = q.id };

			for (m.index = q.minimum; m.index <= (__u32)q.maximum;
			     m.index++) {
				if (ioctl(fd, VIDIOC_QUERYMENU, &m) ||
				    strcmp((char *)m.name, item))
					continue;
				c.value = m.index;
				return ioctl(fd, VIDIOC_S_CTRL, &c) ? -errno : 0;
			}
			return -ENOENT;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return -ENOENT;
}

/* A deterministic picture at WIDTH x HEIGHT YUYV: 0 or -errno. */
static int vivid_picture(int fd, struct v4l2_format *fmt)
{
	int input = 0, ret;

	if (ioctl(fd, VIDIOC_S_INPUT, &input))
		return -errno;
	ret = vivid_set_menu(fd, "OSD Text Mode", "None");
	if (!ret)
		ret = vivid_set_menu(fd, "Horizontal Movement", "No Movement");
	if (!ret)
		ret = vivid_set_menu(fd, "Vertical Movement", "No Movement");
	if (ret)
		return ret;
	memset(fmt, 0, sizeof(*fmt));
	fmt->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	fmt->fmt.pix.width = WIDTH;
	fmt->fmt.pix.height = HEIGHT;
	fmt->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt->fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, fmt))
		return -errno;
	if (ioctl(fd, VIDIOC_G_FMT, fmt))
		return -errno;
	if (fmt->fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV ||
	    fmt->fmt.pix.sizeimage < WIDTH * HEIGHT * 2)
		return -EINVAL;
	return 0;
}

static int vivid_reqbufs(int fd, __u32 memory, __u32 count)
{
	struct v4l2_requestbuffers rb = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	if (ioctl(fd, VIDIOC_REQBUFS, &rb))
		return -errno;
	return rb.count;
}

static int vivid_stream(int fd, int on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return ioctl(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type) ?
	       -errno : 0;
}

/* Queue buffer @index: a dma-buf @dmabuf of @length bytes, or MMAP's. */
static int vivid_qbuf(int fd, __u32 memory, __u32 index, int dmabuf,
		      __u32 length)
{
	struct v4l2_buffer b = {
		.index = index,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	if (memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = dmabuf;
		b.length = length;
	}
	return ioctl(fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/* Dequeue a filled buffer into *b, waiting for it: 0 or -errno. */
static int vivid_dqbuf(int fd, __u32 memory, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, FRAME_TIMEOUT_MS);

	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	return ioctl(fd, VIDIOC_DQBUF, b) ? -errno : 0;
}

/* One frame into vivid's own MMAP buffers, copied to @frame: 0 or -errno. */
static int vivid_capture_mmap(int fd, unsigned char *frame, size_t size)
{
	void *map[NBUF] = { MAP_FAILED, MAP_FAILED };
	size_t len[NBUF] = { 0 };
	struct v4l2_buffer b;
	int n, i, ret;

	n = vivid_reqbufs(fd, V4L2_MEMORY_MMAP, NBUF);
	if (n < NBUF)
		return n < 0 ? n : -ENOBUFS;
	for (i = 0; i < NBUF; i++) {
		memset(&b, 0, sizeof(b));
		b.index = i;
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		ret = ioctl(fd, VIDIOC_QUERYBUF, &b) ? -errno : 0;
		if (ret)
			goto out;
		len[i] = b.length;
		map[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd,
			      b.m.offset);
		ret = map[i] == MAP_FAILED ? -errno : 0;
		if (!ret)
			ret = vivid_qbuf(fd, V4L2_MEMORY_MMAP, i, -1, 0);
		if (ret)
			goto out;
	}
	ret = vivid_stream(fd, 1);
	if (!ret)
		ret = vivid_dqbuf(fd, V4L2_MEMORY_MMAP, &b);
	if (!ret && (b.index >= NBUF || b.bytesused != size ||
		     (b.flags & V4L2_BUF_FLAG_ERROR)))
		ret = -EIO;
	if (!ret)
		memcpy(frame, map[b.index], size);
	vivid_stream(fd, 0);
out:
	for (i = 0; i < NBUF; i++)
		if (map[i] != MAP_FAILED)
			munmap(map[i], len[i]);
	vivid_reqbufs(fd, V4L2_MEMORY_MMAP, 0);
	return ret;
}

/*
 * What VIDIOC_QBUF of a dma-buf of the buffer @fd (@len bytes) on the
 * dma-contig instance must give: -EINVAL when a byte lies above 4 GiB
 * (iobmd's map fails with ERANGE), -EFAULT when the memory is not one
 * contiguous range from its start (vb2-dma-contig), else 0. -1 when the
 * segments cannot be read.
 */
static int dma_contig_expect(int fd, __u64 len, __u64 *first, __u64 *run)
{
	struct iobmd_segment seg[64];
	struct iobmd_segments s = {
		.segments = (uintptr_t)seg,
		.count = 64,
	};
	__u64 highest = 0, total = 0;
	unsigned int i;

	*run = 0;
	while (total < len) {
		s.offset = total;
		s.count = 64;
		if (ioctl(fd, IOBMD_IOC_GET_SEGMENTS, &s) || !s.count)
			return -1;
		for (i = 0; i < s.count; i++) {
			if (!total)
				*first = seg[i].address;
			if (*first + *run == seg[i].address && *run == total)
				*run += seg[i].length;
			if (seg[i].address + seg[i].length - 1 > highest)
				highest = seg[i].address + seg[i].length - 1;
			total += seg[i].length;
		}
	}
	if (highest > MASK32)
		return -EINVAL;
	return *run < len ? -EFAULT : 0;
}

/* The buffers of one test, and their dma-bufs. */
struct bufs {
	int fd[NBUF];
	int dmabuf[NBUF];
	bool prepared[NBUF];
};

static void bufs_init(struct bufs *b)
{
	int i;

	for (i = 0; i < NBUF; i++) {
		b->fd[i] = -1;
		b->dmabuf[i] = -1;
		b->prepared[i] = false;
	}
}

static void bufs_close(struct bufs *b)
{
	struct iobmd_direction d = { .direction = IOBMD_DIRECTION_NONE };
	int i;

	for (i = 0; i < NBUF; i++) {
		if (b->prepared[i])
			ioctl(b->fd[i], IOBMD_IOC_COMPLETE, &d);
		if (b->dmabuf[i] >= 0)
			close(b->dmabuf[i]);
		if (b->fd[i] >= 0)
			close(b->fd[i]);
	}
	bufs_init(b);
}

/* A buffer of the kind, @len bytes of FILL, and its dma-buf: 0 or -errno. */
static int make_buffer(int dev, __u32 options, __u64 mask, __u64 len,
		       int *fd, int *dmabuf)
{
	struct iobmd_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct iobmd_create c = {
		.capacity = len,
		.options = options,
		.physical_mask = mask,
	};
	unsigned char *fill = malloc(len);
	int ret = 0;

	if (!fill)
		return -ENOMEM;
	memset(fill, FILL, len);
	if (ioctl(dev, IOBMD_IOC_CREATE, &c))
		ret = -errno;
	if (!ret) {
		*fd = c.fd;
		if (pwrite(c.fd, fill, len, 0) != (ssize_t)len)
			ret = -EIO;
	}
	if (!ret && ioctl(c.fd, IOBMD_IOC_EXPORT_DMABUF, &e))
		ret = -errno;
	if (!ret)
		*dmabuf = e.fd;
	free(fill);
	return ret;
}

static int prepare_count(int fd)
{
	struct iobmd_info info;

	return iobmd_info(fd, &info) ? -1 : (int)info.prepare_count;
}

/* What a test of either fixture holds. */
struct vivid_ctx {
	int dev;
	int video;
	long live;
	size_t size;	/* sizeimage */
	__u64 len;	/* each buffer: sizeimage rounded up to pages */
	unsigned char *ref;
	unsigned char *got;
	struct bufs b;
};

/*
 * Open iobmd and instance @inst's capture node with the picture set up;
 * with @reference, capture the reference frame and check it.
 */
static void ctx_setup(struct __test_metadata *_metadata, struct vivid_ctx *c,
		      int inst, bool reference)
{
	struct v4l2_format fmt;
	unsigned char *again;
	size_t i, other = 0;

	bufs_init(&c->b);
	c->ref = NULL;
	c->got = NULL;
	c->video = -1;
	c->dev = iobmd_open();
	ASSERT_LE(0, c->dev);
	c->live = iobmd_stat("live_buffers");
	ASSERT_LE(0, c->live);
	ASSERT_TRUE(iobmd_sees_addresses()) {
		TH_LOG("run as root: the outcome depends on addresses");
	}
	c->video = vivid_open(inst);
	ASSERT_LE(0, c->video) {
		TH_LOG("no capture node of vivid instance %d", inst);
		TH_LOG("(vivid.n_devs=2 vivid.allocators=0,1 on the command line?)");
	}
	ASSERT_EQ(0, vivid_picture(c->video, &fmt));
	c->size = fmt.fmt.pix.sizeimage;
	c->len = (c->size + PAGE - 1) & ~(PAGE - 1);
	c->ref = malloc(c->size);
	c->got = malloc(c->len);
	ASSERT_TRUE(c->ref && c->got);
	if (!reference)
		return;
	again = malloc(c->size);
	ASSERT_NE(NULL, again);
	ASSERT_EQ(0, vivid_capture_mmap(c->video, c->ref, c->size));
	ASSERT_EQ(0, vivid_capture_mmap(c->video, again, c->size));
	/* The picture is the same in every frame: else no comparison. */
	i = memcmp(c->ref, again, c->size);
	free(again);
	ASSERT_EQ(0, i);
	/* A buffer vivid never wrote (all FILL) cannot match it. */
	for (i = 0; i < c->size; i++)
		other += c->ref[i] != FILL;
	ASSERT_LT(c->size / 2, other);
}

static void ctx_teardown(struct __test_metadata *_metadata,
			 struct vivid_ctx *c)
{
	if (c->video >= 0) {
		vivid_stream(c->video, 0);
		vivid_reqbufs(c->video, V4L2_MEMORY_DMABUF, 0);
		close(c->video);
	}
	bufs_close(&c->b);
	free(c->ref);
	free(c->got);
	if (c->dev >= 0) {
		/* Nothing of the test's left in iobmd, all fds closed. */
		EXPECT_EQ(c->live, iobmd_stat("live_buffers"));
		close(c->dev);
	}
}

/* Bytes of the frame in buffer @fd unlike the reference; -1 on error. */
static long frame_diff(struct __test_metadata *_metadata,
		       struct vivid_ctx *c, int fd)
{
	size_t i, diff = 0, first = 0;

	if (pread(fd, c->got, c->len, 0) != (ssize_t)c->len)
		return -1;
	for (i = 0; i < c->size; i++)
		if (c->got[i] != c->ref[i] && !diff++)
			first = i;
	if (diff)
		TH_LOG("%zu bytes differ, first at %zu: %#x, want %#x", diff,
		       first, c->got[first], c->ref[first]);
	/* vivid wrote no further than its frame. */
	EXPECT_TRUE(iobmd_all_bytes(c->got + c->size, c->len - c->size,
				    FILL));
	return diff;
}

FIXTURE(vivid) {
	struct vivid_ctx c;
};

FIXTURE_VARIANT(vivid) {
	int inst;
	__u32 options;
	__u64 mask;
	/* On dma-contig: it must capture (contiguous below 4 GiB). */
	bool must_import;
	/* On dma-contig: at least one of its buffers must be refused. */
	bool must_refuse;
	/*
	 * A direction to prepare the buffers for through the ioctl before
	 * they are queued, or 0: the import's vmap must join a pin for one
	 * direction (it once failed with EBUSY, and dma_buf_vmap() WARNed).
	 */
	__u32 user_prepare;
};

#define INOUT IOBMD_DIRECTION_INOUT
#define CONTIG (INOUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS)

/* Every kind on vmalloc (instance 0), then on dma-contig (1). */
FIXTURE_VARIANT_ADD(vivid, vmalloc_sg_wb) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MAP_COPYBACK_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_contig) {
	.inst = VMALLOC,
	.options = CONTIG,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_uncached) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MAP_INHIBIT_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_write_combined) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MAP_WRITE_COMBINE_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_pageable) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MEMORY_PAGEABLE,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_pageable_prepared_in) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MEMORY_PAGEABLE,
	.user_prepare = IOBMD_DIRECTION_IN,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_pageable_prepared_out) {
	.inst = VMALLOC,
	.options = INOUT | IOBMD_MEMORY_PAGEABLE,
	.user_prepare = IOBMD_DIRECTION_OUT,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_sg_32bit) {
	.inst = VMALLOC,
	.options = INOUT,
	.mask = MASK32,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_contig_32bit) {
	.inst = VMALLOC,
	.options = CONTIG,
	.mask = MASK32,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_sg_wb) {
	.inst = DMA_CONTIG,
	.options = INOUT | IOBMD_MAP_COPYBACK_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_contig) {
	.inst = DMA_CONTIG,
	.options = CONTIG,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_uncached) {
	.inst = DMA_CONTIG,
	.options = INOUT | IOBMD_MAP_INHIBIT_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_write_combined) {
	.inst = DMA_CONTIG,
	.options = INOUT | IOBMD_MAP_WRITE_COMBINE_CACHE,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_pageable) {
	.inst = DMA_CONTIG,
	.options = INOUT | IOBMD_MEMORY_PAGEABLE,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_sg_32bit) {
	.inst = DMA_CONTIG,
	.options = INOUT,
	.mask = MASK32,
	.must_refuse = true,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_contig_32bit) {
	.inst = DMA_CONTIG,
	.options = CONTIG,
	.mask = MASK32,
	.must_import = true,
};

FIXTURE_SETUP(vivid)
{
	ctx_setup(_metadata, &self->c, variant->inst, true);
}

FIXTURE_TEARDOWN(vivid)
{
	ctx_teardown(_metadata, &self->c);
}

TEST_F(vivid, capture)
{
	bool pageable = variant->options & IOBMD_MEMORY_PAGEABLE;
	int want[NBUF] = { 0 }, i, queued = 0, refused = 0, n;
	struct vivid_ctx *c = &self->c;
	struct v4l2_buffer b;

	for (i = 0; i < NBUF; i++) {
		ASSERT_EQ(0, make_buffer(c->dev, variant->options,
					 variant->mask, c->len,
					 &c->b.fd[i], &c->b.dmabuf[i]));
		if (variant->user_prepare) {
			struct iobmd_direction d = {
				.direction = variant->user_prepare,
			};

			ASSERT_EQ(0, ioctl(c->b.fd[i], IOBMD_IOC_PREPARE, &d));
			c->b.prepared[i] = true;
		}
		if (variant->inst == DMA_CONTIG) {
			struct iobmd_direction d = {
				.direction = IOBMD_DIRECTION_NONE,
			};
			__u64 first = 0, run;

			/*
			 * A pageable buffer has addresses only while prepared;
			 * the prepare pins the pages the import will see.
			 */
			if (pageable) {
				ASSERT_EQ(0, ioctl(c->b.fd[i],
						   IOBMD_IOC_PREPARE, &d));
				c->b.prepared[i] = true;
			}
			want[i] = dma_contig_expect(c->b.fd[i], c->len,
						    &first, &run);
			ASSERT_NE(-1, want[i]);
			TH_LOG("buffer %d at %#llx, %llu of %llu B in one run: QBUF gives %s",
			       i, (unsigned long long)first,
			       (unsigned long long)run,
			       (unsigned long long)c->len,
			       want[i] ? strerror(-want[i]) : "success");
		}
	}
	n = vivid_reqbufs(c->video, V4L2_MEMORY_DMABUF, NBUF);
	ASSERT_LE(NBUF, n);
	for (i = 0; i < NBUF; i++) {
		int ret = vivid_qbuf(c->video, V4L2_MEMORY_DMABUF, i,
				     c->b.dmabuf[i], c->len);

		ASSERT_EQ(want[i], ret) {
			TH_LOG("QBUF of buffer %d: %s, want %s", i,
			       strerror(-ret), strerror(-want[i]));
		}
		queued += !ret;
		refused += !!ret;
	}
	if (variant->inst == VMALLOC || variant->must_import)
		ASSERT_EQ(NBUF, queued);
	if (variant->must_refuse)
		ASSERT_LT(0, refused) {
			TH_LOG("both buffers were one range each: no refusal");
		}
	/* The import pins a pageable buffer (vmalloc: by its vmap). */
	if (pageable && variant->inst == VMALLOC)
		for (i = 0; i < NBUF; i++)
			EXPECT_EQ(1 + c->b.prepared[i],
				  prepare_count(c->b.fd[i]));
	if (queued) {
		ASSERT_EQ(0, vivid_stream(c->video, 1));
		for (i = 0; i < queued; i++) {
			ASSERT_EQ(0, vivid_dqbuf(c->video, V4L2_MEMORY_DMABUF,
						 &b));
			ASSERT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
			ASSERT_EQ(c->size, b.bytesused);
			ASSERT_LT(b.index, NBUF);
			EXPECT_EQ(0, frame_diff(_metadata, c,
						c->b.fd[b.index]));
		}
		ASSERT_EQ(0, vivid_stream(c->video, 0));
	}
	/* A refused buffer was never written. */
	for (i = 0; i < NBUF; i++)
		if (want[i]) {
			ASSERT_EQ(c->len, pread(c->b.fd[i], c->got, c->len, 0));
			EXPECT_TRUE(iobmd_all_bytes(c->got, c->len, FILL));
		}
	ASSERT_EQ(0, vivid_reqbufs(c->video, V4L2_MEMORY_DMABUF, 0));
	/* The importer let go: no prepare of its is left. */
	for (i = 0; i < NBUF; i++)
		EXPECT_EQ(c->b.prepared[i] ? 1 : 0, prepare_count(c->b.fd[i]));
}

/*
 * Both fds of each buffer closed while vb2 holds its dma-buf: the memory
 * lives on and is captured into; only REQBUFS 0 frees it, and drops the
 * module references the dma-bufs held. One kind per importer that takes
 * it wherever it lies.
 */
FIXTURE(vivid_lifetime) {
	struct vivid_ctx c;
};

FIXTURE_VARIANT(vivid_lifetime) {
	int inst;
	__u32 options;
	__u64 mask;
};

FIXTURE_VARIANT_ADD(vivid_lifetime, vmalloc_pageable) {
	.inst = VMALLOC, .options = INOUT | IOBMD_MEMORY_PAGEABLE,
};

FIXTURE_VARIANT_ADD(vivid_lifetime, dma_contig_contig_32bit) {
	.inst = DMA_CONTIG, .options = CONTIG, .mask = MASK32,
};

FIXTURE_SETUP(vivid_lifetime)
{
	ctx_setup(_metadata, &self->c, variant->inst, false);
}

FIXTURE_TEARDOWN(vivid_lifetime)
{
	ctx_teardown(_metadata, &self->c);
}

TEST_F(vivid_lifetime, fds_closed_while_queued)
{
	long refcnt = iobmd_module_refcnt();
	struct vivid_ctx *c = &self->c;
	struct v4l2_buffer b;
	int i;

	ASSERT_LE(1, refcnt);
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, make_buffer(c->dev, variant->options,
					 variant->mask, c->len,
					 &c->b.fd[i], &c->b.dmabuf[i]));
	ASSERT_LE(NBUF, vivid_reqbufs(c->video, V4L2_MEMORY_DMABUF, NBUF));
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, vivid_qbuf(c->video, V4L2_MEMORY_DMABUF, i,
					c->b.dmabuf[i], c->len));
	bufs_close(&c->b);
	/* vb2 holds the dma-bufs; they hold the buffers and the module. */
	EXPECT_EQ(c->live + NBUF, iobmd_stat("live_buffers"));
	EXPECT_LT(refcnt, iobmd_module_refcnt());
	ASSERT_EQ(0, vivid_stream(c->video, 1));
	for (i = 0; i < NBUF; i++) {
		ASSERT_EQ(0, vivid_dqbuf(c->video, V4L2_MEMORY_DMABUF, &b));
		ASSERT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		ASSERT_EQ(c->size, b.bytesused);
	}
	ASSERT_EQ(0, vivid_stream(c->video, 0));
	EXPECT_EQ(c->live + NBUF, iobmd_stat("live_buffers"));
	ASSERT_EQ(0, vivid_reqbufs(c->video, V4L2_MEMORY_DMABUF, 0));
	EXPECT_EQ(c->live, iobmd_stat("live_buffers"));
	EXPECT_EQ(refcnt, iobmd_module_refcnt());
}

TEST_HARNESS_MAIN
