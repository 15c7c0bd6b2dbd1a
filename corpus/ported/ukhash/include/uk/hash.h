/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash functions.
 *
 * FNV-1a is static inline: hash tables call it on their own private keys,
 * so it has to run as code of the library that owns the table. CRC-32 and
 * the 64-bit mixer are out of line (they own a lookup table and are used
 * on data that the caller shares with ukhash).
 */
#ifndef __UK_HASH_H__
#define __UK_HASH_H__

#include <uk/essentials.h>

#define UKHASH_FNV64_OFFSET 0xcbf29ce484222325ULL
#define UKHASH_FNV64_PRIME  0x00000100000001b3ULL

static inline __u64 ukhash_fnv1a64(const void *buf, __sz len)
{
	const __u8 *p = buf;
	__u64 h = UKHASH_FNV64_OFFSET;

	while (len--) {
		h ^= *p++;
		h *= UKHASH_FNV64_PRIME;
	}
	return h;
}

static inline __u64 ukhash_str64(const char *s)
{
	__u64 h = UKHASH_FNV64_OFFSET;

	while (*s) {
		h ^= (__u8)*s++;
		h *= UKHASH_FNV64_PRIME;
	}
	return h;
}

/* IEEE 802.3 CRC-32 of `len` bytes, continuing from `crc` (start with 0). */
__u32 ukhash_crc32(__u32 crc, const void *buf, __sz len);

/* The 256-entry lookup table used by ukhash_crc32(). */
const __u32 *ukhash_crc32_table(void);

/* Fold `v` into the running hash `h` (order-sensitive). */
__u64 ukhash_mix64(__u64 h, __u64 v);

/* Final avalanche of a 64-bit value. */
__u64 ukhash_fmix64(__u64 k);

#endif /* __UK_HASH_H__ */
