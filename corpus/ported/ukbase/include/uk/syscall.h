/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Definer macro for system-call style entry points.
 *
 *   UK_SYSCALL_R_DEFINE(int, ramfs_open, const char *, path, int, flags)
 *   { ... }
 *
 * expands to the plain function definition
 *
 *   int ramfs_open(const char *path, int flags) { ... }
 *
 * The "_R" (raw) flavour returns a negative errno value on failure instead
 * of setting errno, which is what a library boundary wants: errno is
 * per-compartment state and must not be relied upon across a gate.
 * Parameters are given as type, name pairs; up to six pairs are supported,
 * zero pairs give `(void)`.
 */
#ifndef __UK_SYSCALL_H__
#define __UK_SYSCALL_H__

#include <uk/essentials.h>

#define __UK_CONCAT_(a, b) a##b
#define __UK_CONCAT(a, b)  __UK_CONCAT_(a, b)

/* Number of macro arguments, 0..14 (GNU comma swallowing for zero). */
#define __UK_NARGS_X(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11,	\
		     _12, _13, _14, n, ...) n
#define UK_NARGS(...)							\
	__UK_NARGS_X(_, ##__VA_ARGS__, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,	\
		     4, 3, 2, 1, 0)

/* Turn "type, name, type, name, ..." into "type name, type name, ...". */
#define __UK_ARG_MAP0()              void
#define __UK_ARG_MAP2(t, a)          t a
#define __UK_ARG_MAP4(t, a, ...)     t a, __UK_ARG_MAP2(__VA_ARGS__)
#define __UK_ARG_MAP6(t, a, ...)     t a, __UK_ARG_MAP4(__VA_ARGS__)
#define __UK_ARG_MAP8(t, a, ...)     t a, __UK_ARG_MAP6(__VA_ARGS__)
#define __UK_ARG_MAP10(t, a, ...)    t a, __UK_ARG_MAP8(__VA_ARGS__)
#define __UK_ARG_MAP12(t, a, ...)    t a, __UK_ARG_MAP10(__VA_ARGS__)
#define __UK_ARG_MAPx(n, ...)        __UK_CONCAT(__UK_ARG_MAP, n)(__VA_ARGS__)

#define UK_SYSCALL_R_DEFINE(rtype, fname, ...) \
	rtype fname(__UK_ARG_MAPx(UK_NARGS(__VA_ARGS__), ##__VA_ARGS__))

#endif /* __UK_SYSCALL_H__ */
