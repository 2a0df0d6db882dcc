/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The paths failnth_test.c injects faults into: struct path (one call on
 * one kind of buffer, with the errnos uapi/linux/iobmd.h documents for a
 * shortage on it) and the fixture's variants, one FIXTURE_VARIANT_ADD per
 * path, in the order the harness runs them.
 *
 * Included once, by failnth_test.c, after what the table is made of: the
 * calls (enum op), the buffer options (DIR, CONTIG, PAGEABLE, ...), the
 * errno lists and FIXTURE(failnth). The runner that takes each path
 * through its injection points stays in failnth_test.c.
 */
#ifndef IOBMD_FAILNTH_PATHS_H
#define IOBMD_FAILNTH_PATHS_H

/* A path under test: one call on one kind of buffer. */
struct path {
	const char *label;
	enum op op;
	/* The options of the buffer: setup's, or the one CREATE makes. */
	__u32 options;
	/* CREATE: its flags, and data (withBytes). */
	__u32 flags;
	bool data;
	/* Setup prepares the buffer (COMPLETE, a pageable GET_SEGMENTS). */
	bool prepared;
	/* Setup maps the buffer with mmap_on_fault set (TOUCH of sg). */
	bool on_fault;
	/* SET_PURGEABLE: the new state. */
	__u32 state;
	const int *errnos;
};

FIXTURE_VARIANT(failnth) {
	struct path p;
};

#define CREATE(name, opts, flgs, dat, errs) \
	.label = "create_" #name, .op = OP_CREATE, .options = (opts), \
	.flags = (flgs), .data = (dat), .errnos = (errs)
#define ON(name, o, opts, errs) \
	.label = #name, .op = (o), .options = (opts), .errnos = (errs)
#define TASK IOBMD_CREATE_MAP_TASK

FIXTURE_VARIANT_ADD(failnth, create_sg) {
	.p = { CREATE(sg, DIR, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_sg_uc) {
	.p = { CREATE(sg_uc, DIR | UC, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_sg_wc) {
	.p = { CREATE(sg_wc, DIR | WC, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_contiguous) {
	.p = { CREATE(contiguous, DIR | CONTIG, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_contiguous_uc) {
	.p = { CREATE(contiguous_uc, DIR | CONTIG | UC, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_contiguous_wc) {
	.p = { CREATE(contiguous_wc, DIR | CONTIG | WC, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_kernel_mapped) {
	.p = { CREATE(kernel_mapped, DIR | SHARED, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_pageable) {
	.p = { CREATE(pageable, PAGEABLE, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_purgeable) {
	.p = { CREATE(purgeable, PURGEABLE, 0, false, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_sg_task) {
	.p = { CREATE(sg_task, DIR, TASK, false, create_task_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_sg_uc_task) {
	.p = { CREATE(sg_uc_task, DIR | UC, TASK, false, create_task_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_contiguous_task) {
	.p = { CREATE(contiguous_task, DIR | CONTIG, TASK, false, create_task_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_pageable_task) {
	.p = { CREATE(pageable_task, PAGEABLE, TASK, false, create_task_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_sg_data) {
	.p = { CREATE(sg_data, DIR, 0, true, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_contiguous_data) {
	.p = { CREATE(contiguous_data, DIR | CONTIG, 0, true, create_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, create_pageable_data) {
	.p = { CREATE(pageable_data, PAGEABLE, 0, true, create_data_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, info_sg) {
	.p = { ON(info_sg, OP_INFO, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, info_pageable) {
	.p = { ON(info_pageable, OP_INFO, PAGEABLE, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, set_length_sg) {
	.p = { ON(set_length_sg, OP_SET_LENGTH, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, set_direction_sg) {
	.p = { ON(set_direction_sg, OP_SET_DIRECTION, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, append_sg) {
	.p = { ON(append_sg, OP_APPEND, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, append_pageable) {
	.p = { ON(append_pageable, OP_APPEND, PAGEABLE, pageable_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, prepare_sg) {
	.p = { ON(prepare_sg, OP_PREPARE, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, prepare_pageable) {
	.p = { ON(prepare_pageable, OP_PREPARE, PAGEABLE, prepare_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, complete_pageable) {
	.p = { ON(complete_pageable, OP_COMPLETE, PAGEABLE, no_errno), .prepared = true },
};

FIXTURE_VARIANT_ADD(failnth, get_segments_sg) {
	.p = { ON(get_segments_sg, OP_GET_SEGMENTS, DIR, get_segments_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, get_segments_contiguous) {
	.p = { ON(get_segments_contiguous, OP_GET_SEGMENTS, DIR | CONTIG, get_segments_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, get_segments_pageable) {
	.p = { ON(get_segments_pageable, OP_GET_SEGMENTS, PAGEABLE, get_segments_errnos),
	       .prepared = true },
};

FIXTURE_VARIANT_ADD(failnth, set_purgeable_volatile) {
	.p = { ON(set_purgeable_volatile, OP_SET_PURGEABLE, PURGEABLE, no_errno),
	       .state = IOBMD_PURGEABLE_VOLATILE },
};

FIXTURE_VARIANT_ADD(failnth, set_purgeable_empty) {
	.p = { ON(set_purgeable_empty, OP_SET_PURGEABLE, PURGEABLE, no_errno),
	       .state = IOBMD_PURGEABLE_EMPTY },
};

FIXTURE_VARIANT_ADD(failnth, pread_sg) {
	.p = { ON(pread_sg, OP_PREAD, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, pread_pageable) {
	.p = { ON(pread_pageable, OP_PREAD, PAGEABLE, pageable_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, pwrite_sg) {
	.p = { ON(pwrite_sg, OP_PWRITE, DIR, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, pwrite_pageable) {
	.p = { ON(pwrite_pageable, OP_PWRITE, PAGEABLE, pageable_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_sg) {
	.p = { ON(mmap_sg, OP_MMAP, DIR, mmap_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_sg_uc) {
	.p = { ON(mmap_sg_uc, OP_MMAP, DIR | UC, mmap_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_sg_wc) {
	.p = { ON(mmap_sg_wc, OP_MMAP, DIR | WC, mmap_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_contiguous) {
	.p = { ON(mmap_contiguous, OP_MMAP, DIR | CONTIG, mmap_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_contiguous_uc) {
	.p = { ON(mmap_contiguous_uc, OP_MMAP, DIR | CONTIG | UC, mmap_errnos) },
};

FIXTURE_VARIANT_ADD(failnth, mmap_pageable) {
	.p = { ON(mmap_pageable, OP_MMAP, PAGEABLE, mmap_errnos) },
};

/* A fault has no errno: a shortage is retried or kills, never SIGBUS. */
FIXTURE_VARIANT_ADD(failnth, touch_sg) {
	.p = { ON(touch_sg, OP_TOUCH, DIR, no_errno), .on_fault = true },
};

FIXTURE_VARIANT_ADD(failnth, touch_pageable) {
	.p = { ON(touch_pageable, OP_TOUCH, PAGEABLE, no_errno) },
};

FIXTURE_VARIANT_ADD(failnth, touch_purgeable) {
	.p = { ON(touch_purgeable, OP_TOUCH, PURGEABLE, no_errno) },
};

#endif /* IOBMD_FAILNTH_PATHS_H */
