/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Platform services of the linuxu platform: a monotonic clock and a
 * deterministic random number source.
 *
 * The random source is a seeded generator on purpose: the corpus workload
 * must print the same checksum on every run and under every deployment,
 * so "randomness" here means "reproducible, well-mixed input".
 */
#ifndef __UK_PLAT_H__
#define __UK_PLAT_H__

#include <uk/essentials.h>

#define UKPLAT_NSEC_PER_SEC 1000000000ULL

/* Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
__u64 ukplat_monotonic_clock(void);

/* Nanoseconds elapsed since `since` (a value of ukplat_monotonic_clock);
 * never returns 0 so that callers may divide by it.
 */
__u64 ukplat_time_elapsed_ns(__u64 since);

/* Restart the random sequence; equal seeds give equal sequences. */
void ukplat_random_seed(__u64 seed);

__u64 ukplat_random_u64(void);

/* Uniform value in [0, bound); bound must be non-zero. */
__u32 ukplat_random_range(__u32 bound);

/* Fill `buf` with `len` random bytes; returns the number of bytes written. */
__sz ukplat_random_fill(void *buf, __sz len);

/* Cycle-free helper: seconds+nanoseconds to nanoseconds. */
static inline __u64 ukplat_ts_to_ns(__u64 sec, __u64 nsec)
{
	return sec * UKPLAT_NSEC_PER_SEC + nsec;
}

#endif /* __UK_PLAT_H__ */
