/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's model of the ABI (selftests/iobmd/fuzz_test.c): a seeded
 * random generator, the argument and pointer pools, and the errnos that
 * uapi/linux/iobmd.h and man/iobmd.4 document for a create's arguments.
 * Plain C, no kselftest harness.
 */
#ifndef IOBMD_FUZZ_MODEL_H
#define IOBMD_FUZZ_MODEL_H

#include <stdint.h>
#include <string.h>

#include <linux/iobmd.h>

/* xorshift64*: small, fast, and the same stream for the same seed. */
struct fz_rng {
	__u64 s;
};

static inline void fz_seed(struct fz_rng *r, __u64 seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (!r->s)
		r->s = 1;
}

static inline __u64 fz_next(struct fz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n); 0 when n is 0. */
static inline __u64 fz_below(struct fz_rng *r, __u64 n)
{
	return n ? fz_next(r) % n : 0;
}

/* True with probability num/den. */
static inline int fz_chance(struct fz_rng *r, unsigned int num,
			    unsigned int den)
{
	return fz_below(r, den) < num;
}

static inline __u64 fz_pick(struct fz_rng *r, const __u64 *v,
			    unsigned int n)
{
	return v[fz_below(r, n)];
}

#define FZ_PICK(r, arr) fz_pick(r, arr, sizeof(arr) / sizeof((arr)[0]))

/* Every option bit iobmd knows (uapi), the cache field included. */
#define FZ_KNOWN_OPTIONS (IOBMD_DIRECTION_MASK | \
	IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | IOBMD_MEMORY_PAGEABLE | \
	IOBMD_MEMORY_PURGEABLE | IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS | \
	IOBMD_MEMORY_MAPPER_NONE | IOBMD_MEMORY_KERNEL_USER_SHARED | \
	IOBMD_MEMORY_THREAD_SAFE | IOBMD_MEMORY_CLEAR_ENCRYPT | \
	IOBMD_MEMORY_USE_RESERVE | 0x700)
#define FZ_CONTIG (IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS | \
		   IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS)

/*
 * Bit sets of errnos: what a call may return. Bit 0 is success; errnos
 * up to 60 are their own bit, EOVERFLOW and EOPNOTSUPP have 62 and 63,
 * and any other errno 61, which no set allows.
 */
static inline unsigned int fz_bit(int e)
{
	if (e == EOPNOTSUPP)
		return 63;
	if (e == EOVERFLOW)
		return 62;
	return e >= 0 && e <= 60 ? e : 61;
}

#define FZ_OK		1ULL
#define FZ_E(e)		(1ULL << fz_bit(e))

/* Random options: mostly valid combinations, sometimes any bits. */
static inline __u32 fz_options(struct fz_rng *r)
{
	static const __u64 cache[] = { 0, 0, 0, 0x100, 0x300, 0x400, 0x200,
					  0x500, 0x700 };
	__u32 o = fz_below(r, 4);

	switch (fz_below(r, 8)) {
	case 0:
	case 1:
	case 2:			/* pageable, often purgeable */
		o |= IOBMD_MEMORY_PAGEABLE;
		if (fz_chance(r, 2, 3))
			o |= IOBMD_MEMORY_PURGEABLE;
		if (fz_chance(r, 1, 4))
			o |= IOBMD_MAP_COPYBACK_CACHE;
		break;
	case 3:			/* contiguous */
		o |= fz_chance(r, 1, 2) ? IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS :
					  IOBMD_MEMORY_HOST_PHYSICALLY_CONTIGUOUS;
		o |= FZ_PICK(r, cache);
		break;
	case 4:			/* any mix of the known bits */
		o = fz_next(r) & FZ_KNOWN_OPTIONS;
		break;
	case 5:			/* and a random bit or word */
		o = fz_chance(r, 1, 2) ? (__u32)fz_next(r) :
					 1u << fz_below(r, 32);
		break;
	default:		/* scatter-gather */
		o |= FZ_PICK(r, cache);
		break;
	}
	if (fz_chance(r, 1, 8))
		o |= IOBMD_MEMORY_KERNEL_USER_SHARED;
	if (fz_chance(r, 1, 8))
		o |= IOBMD_MEMORY_MAPPER_NONE;
	if (fz_chance(r, 1, 8))
		o |= IOBMD_MEMORY_THREAD_SAFE;
	if (fz_chance(r, 1, 32))
		o |= fz_chance(r, 1, 2) ? IOBMD_MEMORY_CLEAR_ENCRYPT :
					  IOBMD_MEMORY_USE_RESERVE;
	return o;
}

/* Capacities: mostly at most 1 MiB, sometimes large, rarely absurd. */
static inline __u64 fz_capacity(struct fz_rng *r)
{
	static const __u64 odd[] = { 0, 1, 4095, 4097, 1ULL << 40,
		1ULL << 46, 1ULL << 63, ~0ULL, ~0ULL - 4095, ~0ULL - 8192,
		(1ULL << 32) + 1 };
	unsigned int k = fz_below(r, 100);

	if (k < 40)
		return 1 + fz_below(r, 64 << 10);
	if (k < 70)
		return 4096 * (1 + fz_below(r, 32));
	if (k < 90)
		return 1 + fz_below(r, 1 << 20);
	if (k < 96)
		return (1 + fz_below(r, 4)) << 20;
	if (k < 98)
		return 16ULL << 20;
	return FZ_PICK(r, odd);
}

static inline __u64 fz_alignment(struct fz_rng *r)
{
	static const __u64 bad[] = { 3, 12288, 4097, 1ULL << 30,
					1ULL << 40, 1ULL << 63, ~0ULL };
	unsigned int k = fz_below(r, 100);

	if (k < 60)
		return 0;
	if (k < 70)
		return 1;
	if (k < 92)
		return 1ULL << (12 + fz_below(r, 11));	/* 4 KiB - 4 MiB */
	if (k < 96)
		return 1ULL << fz_below(r, 12);
	return FZ_PICK(r, bad);
}

static inline __u64 fz_mask(struct fz_rng *r)
{
	static const __u64 masks[] = { 0xFFFFFF, 0xFFFFFFF, 0xFFFFFFFF,
		0xFFFFFFFFF, ~0ULL, 0xFFFFF, 0xFFFF, 0xFFFFF000, 0xFFFF0000,
		0xFFF00000, 0xFFFFFFFFF000ULL, 0x1000, 0x80000000,
		0x7FFFFFFF, 0xFFFFFE, 0x3FFFFFFF };
	unsigned int k = fz_below(r, 100);

	if (k < 55)
		return 0;
	if (k < 95)
		return FZ_PICK(r, masks);
	return fz_next(r);
}

/*
 * The highest address a physical mask allows (uapi: mask | (alignment -
 * 1), reduced to 2^n - 1) and the alignment its trailing zeros give.
 */
static inline void fz_mask_limits(__u64 mask, __u64 *highest,
				  __u64 *align)
{
	__u64 h;

	*align = mask & -mask;
	h = mask | (*align - 1);
	/* Largest 2^n - 1 at or below h. */
	*highest = (h == ~0ULL) ? h : (1ULL << (63 - __builtin_clzll(h + 1))) - 1;
}

/* The fields of a create as the kernel reads them. */
struct fz_create_in {
	__u64 capacity;
	__u32 options;
	__u32 flags;
	__u64 address;
	__s32 fd;
	__u32 reserved;
	__u64 alignment;
	__u64 physical_mask;
	__u64 data;
};

/*
 * What IOBMD_IOC_CREATE may return for these arguments (the errnos of
 * uapi/linux/iobmd.h): every documented refusal that applies, in any order
 * (the ABI does not rank them); FZ_OK and the resource errnos only when
 * none applies. @pat: whether the CPU has PAT (write-combining works);
 * @max_buffer: the module parameter max_buffer_bytes (0: no limit).
 */
static inline __u64 fz_create_expect(const struct fz_create_in *c, int pat,
				     __u64 max_buffer)
{
	__u32 o = c->options, mode = o & 0x700, dir = o & 7;
	int pageable = !!(o & IOBMD_MEMORY_PAGEABLE);
	__u64 highest = 0, malign = 0, pages;
	__u64 refuse = 0, amb = 0;
	__u64 align = c->alignment;

	if (!c->capacity || c->capacity > ~0ULL - 4095)
		refuse |= FZ_E(EINVAL);
	pages = (c->capacity + 4095) & ~4095ULL;
	if (align > 1 && (align & (align - 1)))
		refuse |= FZ_E(EINVAL);
	if (c->flags & ~IOBMD_CREATE_MAP_TASK || c->reserved || c->fd ||
	    c->address)
		refuse |= FZ_E(EINVAL);
	if (o & ~FZ_KNOWN_OPTIONS || dir > IOBMD_DIRECTION_INOUT)
		refuse |= FZ_E(EINVAL);
	if ((o & IOBMD_MEMORY_PURGEABLE) && !pageable)
		refuse |= FZ_E(EINVAL);
	if (mode > IOBMD_MAP_WRITE_COMBINE_CACHE)
		refuse |= FZ_E(EINVAL);
	if (c->physical_mask)
		fz_mask_limits(c->physical_mask, &highest, &malign);
	if (pageable && ((o & FZ_CONTIG) || align > 4096 || malign > 4096 ||
			 (o & IOBMD_MEMORY_MAPPER_NONE) ||
			 (o & IOBMD_MEMORY_KERNEL_USER_SHARED) ||
			 (mode != 0 && mode != IOBMD_MAP_COPYBACK_CACHE)))
		refuse |= FZ_E(EINVAL);
	if (o & (IOBMD_MEMORY_CLEAR_ENCRYPT | IOBMD_MEMORY_USE_RESERVE) ||
	    mode == IOBMD_MAP_WRITE_THRU_CACHE ||
	    (mode == IOBMD_MAP_WRITE_COMBINE_CACHE && !pat))
		refuse |= FZ_E(EOPNOTSUPP);
	if (c->physical_mask && (highest < 0xFFFFFF ||
				 (pageable && highest < 0xFFFFFFFFULL)))
		refuse |= FZ_E(EOPNOTSUPP);
	/*
	 * "So large that rounding it to pages and the alignment overflows":
	 * where exactly that starts is the kernel's; near it either answer.
	 */
	if (align >= (1ULL << 62) || malign >= (1ULL << 62) ||
	    pages + align < pages || pages + malign < pages ||
	    c->capacity >= (1ULL << 62))
		amb = FZ_E(EINVAL) | FZ_E(ENOMEM);
	/*
	 * The byte limits are checked after the arguments but before the
	 * mask's device is looked up: EFBIG above max_buffer_bytes, with or
	 * instead of a low mask's EOPNOTSUPP; ENOSPC whenever the live
	 * buffers (of every process) leave no room.
	 */
	if (max_buffer && pages > max_buffer) {
		if (!refuse)
			return FZ_E(EFBIG) | amb;
		amb |= FZ_E(EFBIG);
	}
	if (refuse)
		return refuse | amb | (c->data ? FZ_E(EFAULT) : 0);
	/* Valid arguments: success, or no memory (or address space). */
	return amb | FZ_OK | FZ_E(ENOMEM) | FZ_E(ENOSPC) | FZ_E(EMFILE) |
	       FZ_E(ENFILE) | (c->data ? FZ_E(EFAULT) : 0);
}

/* The expected cache mode INFO reports for a created buffer. */
static inline __u32 fz_cache_mode(__u32 options)
{
	__u32 mode = options & 0x700;

	return mode ? mode : IOBMD_MAP_COPYBACK_CACHE;
}

static inline const char *fz_errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0:
		return "0";
	case EINVAL:
		return "EINVAL";
	case EFAULT:
		return "EFAULT";
	case ENOMEM:
		return "ENOMEM";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case E2BIG:
		return "E2BIG";
	case EBUSY:
		return "EBUSY";
	case ENXIO:
		return "ENXIO";
	case ENOTTY:
		return "ENOTTY";
	case ENOSPC:
		return "ENOSPC";
	case EFBIG:
		return "EFBIG";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EBADF:
		return "EBADF";
	case ENODEV:
		return "ENODEV";
	case EOVERFLOW:
		return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

#endif /* IOBMD_FUZZ_MODEL_H */
