// SPDX-License-Identifier: GPL-2.0
/*
 * iobmd: instantiates the tracepoints declared in iobmd_trace.h.
 */
#define CREATE_TRACE_POINTS
#include "iobmd_trace.h"
