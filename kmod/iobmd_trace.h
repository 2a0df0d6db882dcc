/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobmd tracepoints: the life of a buffer - create (and failed creates),
 * the search for a contiguous range, each user mapping, prepare and
 * complete, purge, and free - for trace-cmd, perf and bpftrace
 * (events/iobmd/ in tracefs). A buffer is named by its id, which counts
 * up from 1 over the module's life.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iobmd

#if !defined(_IOBMD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IOBMD_TRACE_H

#include <linux/tracepoint.h>

#include "iobmd_internal.h"

TRACE_EVENT(iobmd_create,
	    TP_PROTO(const struct iobmd *bmd),
	    TP_ARGS(bmd),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, capacity)
			     __field(u64, alloc_size)
			     __field(u64, alignment)
			     __field(u64, physical_mask)
			     __field(u32, options)
			     __field(u32, segments)
			     __field(u8, memory)
			     __field(bool, kernel_mapped)),
	    TP_fast_assign(__entry->id = bmd->id;
			   __entry->capacity = bmd->capacity;
			   __entry->alloc_size = bmd->alloc_size;
			   __entry->alignment = bmd->alignment;
			   __entry->physical_mask = bmd->physical_mask;
			   __entry->options = bmd->options;
			   __entry->segments = iobmd_segment_count(bmd);
			   __entry->memory = bmd->shmem ? 2 :
					     bmd->contig_range ? 3 :
					     bmd->sgt ? 1 : 0;
			   __entry->kernel_mapped = bmd->kernel_mapped;),
	    TP_printk("id=%llu capacity=%llu alloc_size=%llu alignment=%llu physical_mask=%#llx options=%#x segments=%u memory=%s kernel_mapped=%d",
		      __entry->id, __entry->capacity, __entry->alloc_size,
		      __entry->alignment, __entry->physical_mask,
		      __entry->options, __entry->segments,
		      __print_symbolic(__entry->memory, { 0, "dma_alloc_attrs" },
				       { 1, "pages" }, { 2, "shmem" },
				       { 3, "range" }),
		      __entry->kernel_mapped)
);

TRACE_EVENT(iobmd_create_error,
	    TP_PROTO(u32 options, u64 capacity, u64 alignment,
		     u64 physical_mask, int err),
	    TP_ARGS(options, capacity, alignment, physical_mask, err),
	    TP_STRUCT__entry(__field(u64, capacity)
			     __field(u64, alignment)
			     __field(u64, physical_mask)
			     __field(u32, options)
			     __field(int, err)),
	    TP_fast_assign(__entry->capacity = capacity;
			   __entry->alignment = alignment;
			   __entry->physical_mask = physical_mask;
			   __entry->options = options;
			   __entry->err = err;),
	    TP_printk("capacity=%llu alignment=%llu physical_mask=%#llx options=%#x err=%d",
		      __entry->capacity, __entry->alignment,
		      __entry->physical_mask, __entry->options, __entry->err)
);

/*
 * The end of a search for a contiguous range (kmod/contig.c), whether it
 * was had or not: the create's id (the buffer has it if created), the
 * range's first pfn (0 when none), alloc_contig_range() calls, pages
 * looked at, the time taken, the result and the last error of
 * alloc_contig_range().
 */
TRACE_EVENT(iobmd_contig_range,
	    TP_PROTO(const struct iobmd *bmd, unsigned long pfn,
		     unsigned int tries, unsigned long scanned, u64 us,
		     int result, int err),
	    TP_ARGS(bmd, pfn, tries, scanned, us, result, err),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, alloc_size)
			     __field(u64, alignment)
			     __field(u64, physical_mask)
			     __field(unsigned long, pfn)
			     __field(unsigned long, scanned)
			     __field(u64, us)
			     __field(unsigned int, tries)
			     __field(int, result)
			     __field(int, err)),
	    TP_fast_assign(__entry->id = bmd->id;
			   __entry->alloc_size = bmd->alloc_size;
			   __entry->alignment = bmd->alignment;
			   __entry->physical_mask = bmd->physical_mask;
			   __entry->pfn = pfn;
			   __entry->scanned = scanned;
			   __entry->us = us;
			   __entry->tries = tries;
			   __entry->result = result;
			   __entry->err = err;),
	    TP_printk("id=%llu alloc_size=%llu alignment=%llu physical_mask=%#llx pfn=%#lx tries=%u scanned=%lu us=%llu result=%s err=%d",
		      __entry->id, __entry->alloc_size, __entry->alignment,
		      __entry->physical_mask, __entry->pfn, __entry->tries,
		      __entry->scanned, __entry->us,
		      __print_symbolic(__entry->result,
				       { IOBMD_CONTIG_ALLOCATED, "allocated" },
				       { IOBMD_CONTIG_NO_RANGE, "no_range" },
				       { IOBMD_CONTIG_BUSY, "busy" },
				       { IOBMD_CONTIG_NO_MEMORY, "no_memory" },
				       { IOBMD_CONTIG_INTERRUPTED, "interrupted" }),
		      __entry->err)
);

TRACE_EVENT(iobmd_purge,
	    TP_PROTO(const struct iobmd *bmd, u64 bytes, bool by_shrinker),
	    TP_ARGS(bmd, bytes, by_shrinker),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, bytes)
			     __field(bool, by_shrinker)),
	    TP_fast_assign(__entry->id = bmd->id;
			   __entry->bytes = bytes;
			   __entry->by_shrinker = by_shrinker;),
	    TP_printk("id=%llu bytes=%llu by=%s", __entry->id, __entry->bytes,
		      __entry->by_shrinker ? "shrinker" : "set_purgeable")
);

TRACE_EVENT(iobmd_free,
	    TP_PROTO(const struct iobmd *bmd),
	    TP_ARGS(bmd),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, capacity)),
	    TP_fast_assign(__entry->id = bmd->id;
			   __entry->capacity = bmd->capacity;),
	    TP_printk("id=%llu capacity=%llu", __entry->id, __entry->capacity)
);

TRACE_EVENT(iobmd_map,
	    TP_PROTO(const struct iobmd *bmd, unsigned long start,
		     unsigned long offset, unsigned long length, bool by_pfn,
		     int err),
	    TP_ARGS(bmd, start, offset, length, by_pfn, err),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned long, start)
			     __field(unsigned long, offset)
			     __field(unsigned long, length)
			     __field(u32, cache_mode)
			     __field(bool, by_pfn)
			     __field(int, err)),
	    TP_fast_assign(__entry->id = bmd->id;
			   __entry->start = start;
			   __entry->offset = offset;
			   __entry->length = length;
			   __entry->cache_mode = iobmd_cache_mode(bmd);
			   __entry->by_pfn = by_pfn;
			   __entry->err = err;),
	    TP_printk("id=%llu start=%#lx offset=%lu length=%lu cache_mode=%#x by_pfn=%d err=%d",
		      __entry->id, __entry->start, __entry->offset,
		      __entry->length, __entry->cache_mode, __entry->by_pfn,
		      __entry->err)
);

DECLARE_EVENT_CLASS(iobmd_prepare_class,
		    TP_PROTO(const struct iobmd *bmd, u32 direction, int err),
		    TP_ARGS(bmd, direction, err),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, direction)
				     __field(u32, count)
				     __field(int, err)),
		    TP_fast_assign(__entry->id = bmd->id;
				   __entry->direction = direction;
				   __entry->count = bmd->prepare_count;
				   __entry->err = err;),
		    TP_printk("id=%llu direction=%u count=%u err=%d",
			      __entry->id, __entry->direction, __entry->count,
			      __entry->err)
);

DEFINE_EVENT(iobmd_prepare_class, iobmd_prepare,
	     TP_PROTO(const struct iobmd *bmd, u32 direction, int err),
	     TP_ARGS(bmd, direction, err)
);

DEFINE_EVENT(iobmd_prepare_class, iobmd_complete,
	     TP_PROTO(const struct iobmd *bmd, u32 direction, int err),
	     TP_ARGS(bmd, direction, err)
);

#endif /* _IOBMD_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE iobmd_trace
#include <trace/define_trace.h>
