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
 * Gates. Both are statements (do/while), which also stops anyone from
 * using a gate as an expression: a cross-compartment call has no value,
 * only the `ret` lvalue of flexos_gate_r receives one.
 * `flexos_gate(libx, f)` with no argument works: GCC accepts an empty
 * variable argument list and `f(__VA_ARGS__)` then becomes `f()`.
 */
#define flexos_gate(lib, fname, ...)					\
	do {								\
		fname(__VA_ARGS__);					\
	} while (0)

#define flexos_gate_r(lib, ret, fname, ...)				\
	do {								\
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
