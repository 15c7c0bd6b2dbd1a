/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hex dumps, formatted by hand into a line buffer (no stdio anywhere in
 * the console library).
 */
#include <string.h>
#include <uk/essentials.h>
#include <uk/console.h>
#include "console_internal.h"

#define HEXDUMP_WIDTH 16
#define HEXDUMP_PREFIX_MAX 16

static const char hexdigits[16] = "0123456789abcdef";

/* Append `v` as `ndigits` hex digits; returns the new length. */
static __sz put_hex(char *line, __sz pos, __u64 v, int ndigits)
{
	int i;

	for (i = ndigits - 1; i >= 0; i--)
		line[pos++] = hexdigits[(v >> (4 * i)) & 0xf];
	return pos;
}

/* Format one dump line for `n` (<= 16) bytes at offset `off`. */
static __sz format_line(char *line, const char *prefix, __sz off,
			const __u8 *p, __sz n)
{
	__sz pos = 0, i, plen = strlen(prefix);

	if (plen > HEXDUMP_PREFIX_MAX)
		plen = HEXDUMP_PREFIX_MAX;
	memcpy(line, prefix, plen);
	pos = plen;
	line[pos++] = ' ';
	pos = put_hex(line, pos, off, 4);
	line[pos++] = ':';
	for (i = 0; i < HEXDUMP_WIDTH; i++) {
		line[pos++] = ' ';
		if (i < n) {
			pos = put_hex(line, pos, p[i], 2);
		} else {
			line[pos++] = ' ';
			line[pos++] = ' ';
		}
	}
	line[pos++] = ' ';
	line[pos++] = '|';
	for (i = 0; i < n; i++)
		line[pos++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	line[pos++] = '|';
	line[pos++] = '\n';
	return pos;
}

void uk_console_hexdump(const void *buf, __sz len, const char *prefix)
{
	/* prefix + " xxxx:" + 16 * " xx" + " |" + 16 chars + "|\n" */
	char line[HEXDUMP_PREFIX_MAX + 6 + 3 * HEXDUMP_WIDTH + 2 +
		  HEXDUMP_WIDTH + 2];
	const __u8 *p = buf;
	__sz off, n;

	uk_console_lock();
	for (off = 0; off < len; off += HEXDUMP_WIDTH) {
		n = UK_MIN(len - off, (__sz)HEXDUMP_WIDTH);
		uk_console_emit(line, format_line(line, prefix, off,
						  p + off, n));
	}
	uk_console_unlock();
}
