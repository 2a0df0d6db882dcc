/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of buffer every dma-buf export and importer test runs on, as
 * variants of the fixture DMABUF_FIXTURE (defined before this is
 * included; its variant struct holds DMABUF_KIND_FIELDS): scatter-gather
 * write-back, contiguous, uncached, write-combined (scatter-gather and
 * contiguous), pageable, purgeable, below 4 GiB, task-mapped.
 */
#ifndef DMABUF_FIXTURE
#error "DMABUF_FIXTURE names the fixture: define it first"
#endif

/* FIXTURE_VARIANT_ADD() pastes its arguments: expand the name first. */
#define DMABUF_KIND_ADD(f, v) FIXTURE_VARIANT_ADD(f, v)

DMABUF_KIND_ADD(DMABUF_FIXTURE, sg_wb) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MAP_COPYBACK_CACHE,
	.type = MT_WB,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, contiguous) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.type = MT_WB,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, uncached) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MAP_INHIBIT_CACHE,
	.type = MT_UC_MINUS,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, write_combined) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MAP_WRITE_COMBINE_CACHE,
	.type = MT_WC,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, write_combined_contiguous) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MAP_WRITE_COMBINE_CACHE |
		   IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS,
	.type = MT_WC,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, pageable) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE,
	.type = MT_WB,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, purgeable) {
	.options = IOBMD_DIRECTION_INOUT | IOBMD_MEMORY_PAGEABLE |
		   IOBMD_MEMORY_PURGEABLE,
	.type = MT_WB,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, dma32) {
	.options = IOBMD_DIRECTION_INOUT,
	.physical_mask = 0xffffffffULL,
	.type = MT_WB,
};

DMABUF_KIND_ADD(DMABUF_FIXTURE, task_mapped) {
	.options = IOBMD_DIRECTION_INOUT,
	.flags = IOBMD_CREATE_MAP_TASK,
	.type = MT_WB,
};
