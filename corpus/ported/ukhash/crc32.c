/* SPDX-License-Identifier: BSD-3-Clause */
#include <uk/essentials.h>
#include <uk/hash.h>

__u32 ukhash_crc32(__u32 crc, const void *buf, __sz len)
{
	const __u32 *table = ukhash_crc32_table();
	const __u8 *p = buf;

	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
