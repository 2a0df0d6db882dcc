/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmarks share: a monotonic clock in microseconds and the
 * median of a few runs. What they share with the selftests is
 * tools/include/iobmd_util.h.
 */
#ifndef IOBMD_BENCH_H
#define IOBMD_BENCH_H

#include <stdlib.h>

#include "iobmd_util.h"

static inline double now_us(void)
{
	return iobmd_now_us();
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n values; sorts them. */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

#endif /* IOBMD_BENCH_H */
