/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Monotonic time for the linuxu platform. Only the benchmark mode reads the
 * clock; the checksummed workload never depends on it.
 */
#include <time.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/plat.h>

static const char linuxuplat_libinfo[] __used __section(".uk_libinfo") =
	"linuxuplat 1.0";

__u64 ukplat_monotonic_clock(void)
{
	struct timespec ts;
	int rc;

	rc = clock_gettime(CLOCK_MONOTONIC, &ts);
	UK_ASSERT(rc == 0);
	return ukplat_ts_to_ns((__u64)ts.tv_sec, (__u64)ts.tv_nsec);
}

__u64 ukplat_time_elapsed_ns(__u64 since)
{
	__u64 now = ukplat_monotonic_clock();

	/* The clock is monotonic, but two reads may still return the same
	 * value on a coarse clock source: report at least 1 ns.
	 */
	if (unlikely(now <= since))
		return 1;
	return now - since;
}
