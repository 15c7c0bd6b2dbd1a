/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placeholder <flexos/isolation.h>: every FlexOS porting annotation mapped
 * to the plain code it stands for.
 *
 * Why this exists: a ported library is annotated with gates, whitelists,
 * shared allocations and shared literals (SPEC section 2). FlexOS's own
 * header turns each of them into a compile-time error until a deployment
 * has been rewritten, so an annotated tree cannot be built on its own.
 * This header is the opposite: it is the "fcalls, everything in one
 * compartment, nothing rewritten" reading of the annotations, so that
 *
 *   - the ported corpus builds and runs before any rewriting tool exists
 *     (corpus/Makefile puts this directory on the include path for
 *     FORM=ported), and its output can be compared with the vanilla form;
 *   - `flexos port` results can be compiled to check that they still build.
 *
 * A rewritten tree never sees this file: the rewrite generates its own
 * <flexos/isolation.h> for the deployment (docs/CONTRACTS.md section 3).
 */
#ifndef FLEXOS_ISOLATION_H
#define FLEXOS_ISOLATION_H

#include <stdlib.h>

#define FLEXOS_PLACEHOLDER_ISOLATION 1

/*
 * Unknown attributes (flexos_whitelist, lib<X>_callback) are annotations
 * for the rewriting tool, not for the compiler: keep gcc's -Wattributes
 * quiet about them so that -Wall -Werror builds pass. The pragma applies
 * to the rest of every translation unit that includes this header, which
 * is why the header must come before the first annotation.
 */
#pragma GCC diagnostic ignored "-Wattributes"

/*
 * What a gate may carry (SPEC section 2): at most 6 arguments, each of
 * integer or pointer class, i.e. at most 8 bytes after the usual array and
 * function decay (`1 ? (a) : (a)` decays exactly like a call argument and
 * is never evaluated inside sizeof). Checked at compile time, so a porting
 * mistake fails here already, not only under a real mechanism.
 */
#define __FLEXOS_NARGS_X(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10,	\
			 _11, _12, _13, _14, _15, _16, n, ...) n
#define __FLEXOS_NARGS(...)						\
	__FLEXOS_NARGS_X(_, ##__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9,	\
			 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __FLEXOS_CAT_(a, b) a##b
#define __FLEXOS_CAT(a, b)  __FLEXOS_CAT_(a, b)

/* (structs and unions by value are fine: the rewrite marshals them, record classes 12 and 13) */
#define __FLEXOS_ARG_OK(a)						\
	_Static_assert(sizeof(1 ? (a) : (a)) <= 8 ||			\
			       __builtin_classify_type(a) == 12 ||	\
			       __builtin_classify_type(a) == 13,	\
		       "flexos gate argument larger than 8 bytes: " #a)
#define __FLEXOS_ARGS_OK0()
#define __FLEXOS_ARGS_OK1(a) __FLEXOS_ARG_OK(a);
#define __FLEXOS_ARGS_OK2(a, ...) __FLEXOS_ARG_OK(a); __FLEXOS_ARGS_OK1(__VA_ARGS__)
#define __FLEXOS_ARGS_OK3(a, ...) __FLEXOS_ARG_OK(a); __FLEXOS_ARGS_OK2(__VA_ARGS__)
#define __FLEXOS_ARGS_OK4(a, ...) __FLEXOS_ARG_OK(a); __FLEXOS_ARGS_OK3(__VA_ARGS__)
#define __FLEXOS_ARGS_OK5(a, ...) __FLEXOS_ARG_OK(a); __FLEXOS_ARGS_OK4(__VA_ARGS__)
#define __FLEXOS_ARGS_OK6(a, ...) __FLEXOS_ARG_OK(a); __FLEXOS_ARGS_OK5(__VA_ARGS__)
/* More than 6: only the count assertion below speaks. */
#define __FLEXOS_ARGS_OK7(...)
#define __FLEXOS_ARGS_OK8(...)
#define __FLEXOS_ARGS_OK9(...)
#define __FLEXOS_ARGS_OK10(...)
#define __FLEXOS_ARGS_OK11(...)
#define __FLEXOS_ARGS_OK12(...)
#define __FLEXOS_ARGS_OK13(...)
#define __FLEXOS_ARGS_OK14(...)
#define __FLEXOS_ARGS_OK15(...)
#define __FLEXOS_ARGS_OK16(...)

#define __FLEXOS_GATE_ARGS_OK(...)					\
	_Static_assert(__FLEXOS_NARGS(__VA_ARGS__) <= 6,		\
		       "a flexos gate passes at most 6 arguments");	\
	__FLEXOS_CAT(__FLEXOS_ARGS_OK, __FLEXOS_NARGS(__VA_ARGS__))(__VA_ARGS__)

/*
 * Gates. Both are statements (do/while), which also stops anyone from
 * using a gate as an expression: a cross-compartment call has no value,
 * only the `ret` lvalue of flexos_gate_r receives one.
 * `flexos_gate(libx, f)` with no argument works: GCC accepts an empty
 * variable argument list and `f(__VA_ARGS__)` then becomes `f()`.
 */
#define flexos_gate(lib, fname, ...)					\
	do {								\
		__FLEXOS_GATE_ARGS_OK(__VA_ARGS__)			\
		fname(__VA_ARGS__);					\
	} while (0)

#define flexos_gate_r(lib, ret, fname, ...)				\
	do {								\
		__FLEXOS_GATE_ARGS_OK(__VA_ARGS__)			\
		(ret) = fname(__VA_ARGS__);				\
	} while (0)

/*
 * Shared heap. Without isolation the shared heap is just the C heap; the
 * trailing arguments (the libraries allowed to use the memory) are ignored.
 */
#define FLEXOS_PLACEHOLDER_PAGE_SIZE 4096UL

static inline void *flexos_placeholder_memalign(size_t align, size_t size)
{
	void *p = NULL;

	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size ? size : 1) != 0)
		return NULL;
	return p;
}

#define flexos_malloc_whitelist(size, ...)      malloc(size)
#define flexos_calloc_whitelist(n, size, ...)   calloc((n), (size))
#define flexos_realloc_whitelist(ptr, size, ...) realloc((ptr), (size))
#define flexos_memalign_whitelist(align, size, ...) \
	flexos_placeholder_memalign((align), (size))
#define flexos_palloc_whitelist(npages, ...)				\
	flexos_placeholder_memalign(FLEXOS_PLACEHOLDER_PAGE_SIZE,	\
		(size_t)(npages) * FLEXOS_PLACEHOLDER_PAGE_SIZE)
#define flexos_free_whitelist(ptr, ...)          free(ptr)
#define flexos_pfree_whitelist(ptr, npages, ...) free(ptr)

/* Without compartments every literal is reachable by every library. */
#define FLEXOS_SHARED_LITERAL(s) (s)

#endif /* FLEXOS_ISOLATION_H */
