/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the source files of ukconsole only (not exported). */
#ifndef __UKCONSOLE_INTERNAL_H__
#define __UKCONSOLE_INTERNAL_H__

#include <uk/essentials.h>

/* Write everything in `buf` to the terminal; the caller holds the lock. */
void uk_console_emit(const char *buf, __sz len);

void uk_console_lock(void);
void uk_console_unlock(void);

#endif /* __UKCONSOLE_INTERNAL_H__ */
