/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console output. Every line the corpus prints goes through here and is
 * written with write(2) on file descriptor 1, unbuffered: if libraries run
 * in separate processes, buffered stdio in each of them would duplicate or
 * reorder output.
 *
 * The interface takes finished strings only (no format strings and no
 * variable argument lists): callers format into their own buffer first.
 */
#ifndef __UK_CONSOLE_H__
#define __UK_CONSOLE_H__

#include <uk/essentials.h>

#define UK_LOG_CRIT   0
#define UK_LOG_ERR    1
#define UK_LOG_WARN   2
#define UK_LOG_INFO   3
#define UK_LOG_DEBUG  4

/* Messages with a level above this are dropped by uk_console_log().
 * Other libraries set it directly.
 */
extern int uk_console_loglevel;

/* Write `len` bytes as they are. */
void uk_console_write(const char *buf, __sz len);

/* Write `msg` and a newline if `level` passes the log level; returns 1 if
 * the message was written, 0 if it was filtered out.
 */
int uk_console_log(int level, const char *msg);

/* Hex and ASCII dump of `len` bytes, 16 per line, each line starting with
 * `prefix`.
 */
void uk_console_hexdump(const void *buf, __sz len, const char *prefix);

#endif /* __UK_CONSOLE_H__ */
