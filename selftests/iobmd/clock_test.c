// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's clock, which the benchmarks (tools/bench) time with: a
 * clocksource of a microsecond or finer (the TSC, the HPET or the ACPI PM
 * timer, not the tick), and monotonic reads that step by less than
 * 100 us. clock_getres() is logged but proves nothing here: without
 * CONFIG_HIGH_RES_TIMERS it reports the tick (the resolution of timers),
 * whatever the clocksource reads. The negative control is the coarse
 * clock, which the same measurement must see step by the tick.
 */
#include <time.h>

#include "kselftest_harness.h"
#include "iobmd_helpers.h"

#define AVAILABLE \
	"/sys/devices/system/clocksource/clocksource0/available_clocksource"

/* The current clocksource is a fine one, and one the kernel offers. */
TEST(clocksource_is_fine)
{
	char name[64], avail[512] = " ", want[80];
	FILE *f;

	ASSERT_EQ(0, iobmd_clocksource(name, sizeof(name)));
	TH_LOG("clocksource %s", name);
	ASSERT_TRUE(iobmd_clocksource_fine(name));
	/* Not a fine name read from the wrong file: it is listed. */
	f = fopen(AVAILABLE, "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(avail + 1, sizeof(avail) - 1, f));
	fclose(f);
	avail[strcspn(avail, "\n")] = ' ';
	snprintf(want, sizeof(want), " %s ", name);
	ASSERT_NE(NULL, strstr(avail, want)) {
		TH_LOG("available:%s", avail);
	}
	/* The tick is never a fine clocksource. */
	ASSERT_FALSE(iobmd_clocksource_fine("jiffies"));
	ASSERT_FALSE(iobmd_clocksource_fine("refined-jiffies"));
	ASSERT_FALSE(iobmd_clocksource_fine("tsc-early"));
}

/* What the benchmarks read steps by less than 100 us. */
TEST(monotonic_steps_below_100us)
{
	static const clockid_t clocks[] = { CLOCK_MONOTONIC,
					    CLOCK_MONOTONIC_RAW };
	static const char * const names[] = { "CLOCK_MONOTONIC",
					      "CLOCK_MONOTONIC_RAW" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		long long step = iobmd_clock_step_ns(clocks[i], 100);
		struct timespec res;

		ASSERT_EQ(0, clock_getres(clocks[i], &res));
		TH_LOG("%s: step %lld ns, clock_getres %ld ns", names[i], step,
		       res.tv_sec * 1000000000L + res.tv_nsec);
		ASSERT_LT(0, step);
		ASSERT_GT(100000, step);
	}
}

/*
 * Negative control: the same measurement on CLOCK_MONOTONIC_COARSE, which
 * moves once a tick (HZ is 1000 or less), finds a step of 1 ms or more.
 */
TEST(coarse_clock_steps_by_the_tick)
{
	long long step = iobmd_clock_step_ns(CLOCK_MONOTONIC_COARSE, 3);
	struct timespec res;

	ASSERT_EQ(0, clock_getres(CLOCK_MONOTONIC_COARSE, &res));
	TH_LOG("CLOCK_MONOTONIC_COARSE: step %lld ns, clock_getres %ld ns",
	       step, res.tv_sec * 1000000000L + res.tv_nsec);
	ASSERT_LE(1000000, step);
}

TEST_HARNESS_MAIN
