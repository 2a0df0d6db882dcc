// SPDX-License-Identifier: GPL-2.0
/*
 * An importer of iobmd dma-bufs: vgem (DRM PRIME), for every kind of
 * buffer. DRM_IOCTL_PRIME_FD_TO_HANDLE attaches vgem's device and maps the
 * attachment at once (drm_gem_prime_import_dev()): the buffer is prepared
 * (INFO.prepare_count) until the GEM object goes, a purgeable one cannot
 * be emptied meanwhile, DMA_BUF_IOCTL_SYNC syncs the importer's mapping.
 * The GEM object is used: it shares the dma-buf's reservation object (a
 * vgem fence on the handle blocks poll() of the dma-buf), it exports back
 * to the very dma-buf (same inode), and that fd's mapping shows and takes
 * the buffer's bytes. DRM does not mmap imported objects through its own
 * fd (drm_gem_dumb_map_offset() refuses them, EINVAL): checked here, with
 * a vgem buffer of its own as the positive control.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <drm/vgem_drm.h>

#include "kselftest_harness.h"
#include "dmabuf_helpers.h"

#define LEN (3 * PAGE + 100)
#define ALLOC (4 * PAGE)

FIXTURE(vgem) {
	int dev;
	int drm;
	int dmabuf;
	struct iobmd_create c;
};

FIXTURE_VARIANT(vgem) {
	DMABUF_KIND_FIELDS;
};

#define DMABUF_FIXTURE vgem
#include "dmabuf_kinds.h"

FIXTURE_SETUP(vgem)
{
	unsigned char *p = malloc(ALLOC);

	ASSERT_NE(NULL, p);
	self->c.fd = -1;
	self->dmabuf = -1;
	self->drm = open_vgem();
	if (self->drm < 0)
		SKIP(return, "no vgem (CONFIG_DRM_VGEM)");
	self->dev = iobmd_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, dmabuf_kind_create(self->dev, LEN, variant->options,
					variant->flags, variant->physical_mask,
					&self->c));
	fill_pattern(p, LEN, 3);
	ASSERT_EQ(LEN, pwrite(self->c.fd, p, LEN, 0));
	free(p);
	self->dmabuf = iobmd_export(self->c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dmabuf);
}

FIXTURE_TEARDOWN(vgem)
{
	if (self->drm < 0)
		return;
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	if (self->c.address)
		munmap((void *)(uintptr_t)self->c.address, ALLOC);
	if (self->c.fd >= 0)
		close(self->c.fd);
	close(self->dev);
	close(self->drm);
}

static __u32 prepare_count(int fd)
{
	struct iobmd_info info;

	return iobmd_info(fd, &info) ? ~0u : info.prepare_count;
}

/*
 * The import maps the buffer for vgem's device: prepared (a pageable one
 * pinned) while the GEM object lives, not after. Syncs while mapped.
 */
TEST_F(vgem, import_prepares_until_gem_close)
{
	__u32 handle = 0, again = 0, before = prepare_count(self->c.fd);

	ASSERT_EQ(0, before);
	ASSERT_EQ(0, prime_import(self->drm, self->dmabuf, &handle));
	EXPECT_LE(1, prepare_count(self->c.fd));
	/* DRM keeps one GEM object per dma-buf. */
	ASSERT_EQ(0, prime_import(self->drm, self->dmabuf, &again));
	EXPECT_EQ(handle, again);
	EXPECT_EQ(0, dmabuf_sync(self->dmabuf,
				 DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, dmabuf_sync(self->dmabuf,
				 DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, gem_close(self->drm, handle));
	EXPECT_EQ(before, prepare_count(self->c.fd));
	/* The handle is gone: closing it again is refused. */
	EXPECT_EQ(-EINVAL, gem_close(self->drm, handle));
}

/*
 * The GEM object exports back to the same dma-buf; its mapping shows the
 * buffer's bytes, and bytes written through it reach pread().
 */
TEST_F(vgem, gem_object_is_the_buffer)
{
	unsigned char *p, *back = malloc(ALLOC);
	struct stat s1, s2;
	__u32 handle = 0;
	int fd;

	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, prime_import(self->drm, self->dmabuf, &handle));
	fd = prime_export(self->drm, handle, DRM_CLOEXEC | DRM_RDWR);
	ASSERT_LE(0, fd) TH_LOG("PRIME_HANDLE_TO_FD: %s", strerror(-fd));
	ASSERT_EQ(0, fstat(self->dmabuf, &s1));
	ASSERT_EQ(0, fstat(fd, &s2));
	EXPECT_EQ(s1.st_ino, s2.st_ino);
	/* The fd of our dma-buf, not one vgem made. */
	close(self->dmabuf);
	self->dmabuf = -1;
	p = mmap(NULL, ALLOC, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, pattern_mismatch(p, LEN, 3));
	fill_pattern(p, LEN, 99);
	EXPECT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(LEN, pread(self->c.fd, back, ALLOC, 0));
	EXPECT_EQ(-1, pattern_mismatch(back, LEN, 99));
	munmap(p, ALLOC);
	close(fd);
	EXPECT_EQ(0, gem_close(self->drm, handle));
	free(back);
}

/*
 * vgem's fence on the GEM object is a fence of our dma-buf: poll() of the
 * dma-buf waits for it (its reservation object is the GEM object's).
 */
TEST_F(vgem, gem_object_shares_the_reservation)
{
	struct drm_vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal sig = { 0 };
	struct pollfd pfd = { .fd = self->dmabuf, .events = POLLIN };
	__u32 handle = 0;

	ASSERT_EQ(0, prime_import(self->drm, self->dmabuf, &handle));
	/* The negative control: nothing to wait for yet. */
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	attach.handle = handle;
	ASSERT_EQ(0, ioctl(self->drm, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	sig.fence = attach.out_fence;
	ASSERT_EQ(0, ioctl(self->drm, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLIN, pfd.revents & POLLIN);
	EXPECT_EQ(0, gem_close(self->drm, handle));
}

/* The task asked to mmap the GEM object by DRM: DRM refuses imports. */
TEST_F(vgem, drm_does_not_map_imports)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 1,
					     .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	__u32 handle = 0;
	void *p;

	ASSERT_EQ(0, prime_import(self->drm, self->dmabuf, &handle));
	map.handle = handle;
	EXPECT_EQ(-1, ioctl(self->drm, DRM_IOCTL_MODE_MAP_DUMB, &map));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, gem_close(self->drm, handle));
	/* The positive control: vgem's own buffer has an offset. */
	ASSERT_EQ(0, ioctl(self->drm, DRM_IOCTL_MODE_CREATE_DUMB, &dumb));
	map.handle = dumb.handle;
	ASSERT_EQ(0, ioctl(self->drm, DRM_IOCTL_MODE_MAP_DUMB, &map));
	p = mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->drm, map.offset);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, dumb.size);
	EXPECT_EQ(0, gem_close(self->drm, dumb.handle));
}

/* IOBMD_IOC_SET_PURGEABLE: the old state, or -errno. */
static int set_purgeable(int fd, __u32 state)
{
	struct iobmd_purgeable p = { .new_state = state };

	return ioctl(fd, IOBMD_IOC_SET_PURGEABLE, &p) ? -errno :
							(int)p.old_state;
}

/*
 * A purgeable buffer is not discarded while vgem has it mapped: Empty is
 * refused (EBUSY). Once the GEM object is closed it succeeds.
 */
TEST(purgeable_kept_while_imported)
{
	struct iobmd_create c;
	int dev, drm, d;
	__u32 handle = 0;

	drm = open_vgem();
	if (drm < 0)
		SKIP(return, "no vgem (CONFIG_DRM_VGEM)");
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, LEN, IOBMD_DIRECTION_INOUT |
				  IOBMD_MEMORY_PAGEABLE |
				  IOBMD_MEMORY_PURGEABLE, 0, &c));
	d = iobmd_export(c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, prime_import(drm, d, &handle));
	EXPECT_EQ(-EBUSY, set_purgeable(c.fd, IOBMD_PURGEABLE_EMPTY));
	/* Volatile is allowed: a prepared buffer is never discarded. */
	EXPECT_EQ(IOBMD_PURGEABLE_NON_VOLATILE,
		  set_purgeable(c.fd, IOBMD_PURGEABLE_VOLATILE));
	EXPECT_EQ(0, iobmd_write_file("/proc/sys/vm/drop_caches", "2"));
	EXPECT_EQ(IOBMD_PURGEABLE_VOLATILE,
		  set_purgeable(c.fd, IOBMD_PURGEABLE_NON_VOLATILE));
	EXPECT_EQ(-EBUSY, set_purgeable(c.fd, IOBMD_PURGEABLE_EMPTY));
	EXPECT_EQ(0, gem_close(drm, handle));
	EXPECT_EQ(0, close(d));
	EXPECT_EQ(IOBMD_PURGEABLE_NON_VOLATILE,
		  set_purgeable(c.fd, IOBMD_PURGEABLE_EMPTY));
	EXPECT_EQ(IOBMD_PURGEABLE_EMPTY,
		  set_purgeable(c.fd, IOBMD_PURGEABLE_KEEP_CURRENT));
	close(c.fd);
	close(dev);
	close(drm);
}

/* Only a dma-buf imports: a buffer fd, or /dev/iobmd's, does not. */
TEST(import_of_a_buffer_fd_fails)
{
	struct iobmd_create c;
	int dev, drm, d;
	__u32 handle = 0;

	drm = open_vgem();
	if (drm < 0)
		SKIP(return, "no vgem (CONFIG_DRM_VGEM)");
	dev = iobmd_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, iobmd_create(dev, LEN, IOBMD_DIRECTION_INOUT, 0, &c));
	EXPECT_EQ(-EINVAL, prime_import(drm, c.fd, &handle));
	EXPECT_EQ(-EINVAL, prime_import(drm, dev, &handle));
	EXPECT_EQ(0, prepare_count(c.fd));
	/* The positive control: its dma-buf does. */
	d = iobmd_export(c.fd, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, prime_import(drm, d, &handle));
	EXPECT_EQ(0, gem_close(drm, handle));
	close(d);
	close(c.fd);
	close(dev);
	close(drm);
}

TEST_HARNESS_MAIN
