/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic random numbers: a 64-bit xorshift generator whose output is
 * passed through a multiplicative finaliser. The state lives here, in the
 * platform library, so every caller draws from one reproducible sequence.
 */
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/plat.h>

#define UKPLAT_RANDOM_DEFAULT_SEED 0x9e3779b97f4a7c15ULL

static __u64 rng_state = UKPLAT_RANDOM_DEFAULT_SEED;

void ukplat_random_seed(__u64 seed)
{
	/* xorshift must never hold the all-zero state. */
	rng_state = seed ? seed : UKPLAT_RANDOM_DEFAULT_SEED;
}

__u64 ukplat_random_u64(void)
{
	__u64 x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

__u32 ukplat_random_range(__u32 bound)
{
	__u64 threshold, r;

	UK_ASSERT(bound > 0);
	/* Reject the low values that would bias the modulo. */
	threshold = (0ULL - bound) % bound;
	do {
		r = ukplat_random_u64();
	} while (r < threshold);
	return (__u32)(r % bound);
}

__sz ukplat_random_fill(void *buf, __sz len)
{
	__u8 *p = buf;
	__sz left = len;
	__u64 r;

	while (left >= sizeof(r)) {
		r = ukplat_random_u64();
		memcpy(p, &r, sizeof(r));
		p += sizeof(r);
		left -= sizeof(r);
	}
	if (left > 0) {
		r = ukplat_random_u64();
		memcpy(p, &r, left);
	}
	return len;
}
