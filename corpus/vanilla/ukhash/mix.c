/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 64-bit mixing. The finaliser is the usual xor-shift-multiply cascade; the
 * combiner rotates the running value so that equal inputs at different
 * positions do not cancel out.
 */
#include <uk/essentials.h>
#include <uk/hash.h>

__u64 ukhash_fmix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static inline __u64 rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

__u64 ukhash_mix64(__u64 h, __u64 v)
{
	return ukhash_fmix64(rotl64(h, 29) ^ (v + 0x9e3779b97f4a7c15ULL));
}
