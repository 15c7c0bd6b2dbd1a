/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time assertions.
 *
 * A failed assertion is the end of the program, so it bypasses the console
 * library on purpose: it writes straight to stderr and aborts. That keeps
 * the assertion path free of any cross-library call (it may fire while the
 * console itself is inconsistent).
 */
#ifndef __UK_ASSERT_H__
#define __UK_ASSERT_H__

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uk/essentials.h>

static inline void __noreturn __uk_assert_fail(const char *expr,
					       const char *file, int line)
{
	char num[12];
	int i = (int)sizeof(num);
	ssize_t __maybe_unused rc;

	/* Render the line number by hand: no stdio on this path. */
	num[--i] = '\0';
	do {
		num[--i] = (char)('0' + line % 10);
		line /= 10;
	} while (line > 0 && i > 0);

	rc = write(2, "assertion failed: ", 18);
	rc = write(2, expr, strlen(expr));
	rc = write(2, " at ", 4);
	rc = write(2, file, strlen(file));
	rc = write(2, ":", 1);
	rc = write(2, &num[i], strlen(&num[i]));
	rc = write(2, "\n", 1);
	abort();
}

#define UK_ASSERT(x)							\
	do {								\
		if (unlikely(!(x)))					\
			__uk_assert_fail(#x, __FILE__, __LINE__);	\
	} while (0)

#define UK_BUGON(x) UK_ASSERT(!(x))
#define UK_BUG()    __uk_assert_fail("BUG", __FILE__, __LINE__)

#endif /* __UK_ASSERT_H__ */
