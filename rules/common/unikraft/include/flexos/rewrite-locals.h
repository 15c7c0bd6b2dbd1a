/*
 * Helpers for whitelisted locals, added to FlexOS's flexos-core by flexos rewrite --target
 * unikraft (included after <flexos/isolation.h> by every file whose locals were moved).
 *
 * sharing: dss  - the local keeps its private slot; the code uses the slot's mirror in the data
 *                 shadow stack, STACK_SIZE above it, which flexos-core maps shared.
 * sharing: heap - the local lives in a block of the shared heap (flexos_shared_alloc), freed on
 *                 every exit of its scope by the rewritten code.
 */
#ifndef FLEXOS_REWRITE_LOCALS_H
#define FLEXOS_REWRITE_LOCALS_H

#include <stdint.h>
#include <uk/alloc.h>
#include <uk/plat/config.h>
#include <uk/essentials.h>

static inline void *flexos_dss_local(void *slot, unsigned long size, const void *init)
{
	void *shadow = (void *)((uintptr_t)slot + STACK_SIZE);

	if (init)
		__builtin_memcpy(shadow, init, size);
	return shadow;
}

static inline void *flexos_heap_local(unsigned long size, const void *init)
{
	void *block = uk_malloc(flexos_shared_alloc, size);

	if (unlikely(!block))
		UK_CRASH("flexos: shared heap exhausted (whitelisted local of %lu bytes)\n", size);
	if (init)
		__builtin_memcpy(block, init, size);
	return block;
}

#endif /* FLEXOS_REWRITE_LOCALS_H */
