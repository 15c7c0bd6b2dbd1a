/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC-32 lookup table, computed on first use rather than spelled out: the
 * reflected polynomial is all the table depends on.
 */
#include <uk/essentials.h>
#include <uk/hash.h>

#define CRC32_POLY_REFLECTED 0xedb88320u

static const char ukhash_libinfo[] __used __section(".uk_libinfo") =
	"ukhash 1.0";

static __u32 crc_table[256];
static int crc_table_ready;

const __u32 *ukhash_crc32_table(void)
{
	__u32 c;
	int i, k;

	if (likely(crc_table_ready))
		return crc_table;
	for (i = 0; i < 256; i++) {
		c = (__u32)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32_POLY_REFLECTED : c >> 1;
		crc_table[i] = c;
	}
	crc_table_ready = 1;
	return crc_table;
}
