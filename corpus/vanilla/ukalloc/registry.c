/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registry of heaps. Heaps themselves stay with the libraries that own
 * them; the registry only keeps the copies of statistics they publish.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/alloc.h>
#include "alloc_internal.h"

static const char ukalloc_libinfo[] __used __section(".uk_libinfo") =
	"ukalloc 1.0";

static struct uk_alloc_reg regs[UK_ALLOC_MAX_HEAPS];
static int nregs;

struct uk_alloc_reg *uk_alloc_reg_get(int id)
{
	if (id < 0 || id >= nregs || !regs[id].used)
		return NULL;
	return &regs[id];
}

int uk_alloc_reg_count(void)
{
	return nregs;
}

int uk_alloc_register(const char *name, __u64 arena_bytes)
{
	struct uk_alloc_reg *r;
	int id;

	/* A library that initialises twice keeps its first slot. */
	for (id = 0; id < nregs; id++) {
		if (strncmp(regs[id].name, name, UK_ALLOC_NAME_MAX - 1) == 0)
			return id;
	}
	if (nregs == UK_ALLOC_MAX_HEAPS)
		return -ENOSPC;
	id = nregs++;
	r = &regs[id];
	memset(r, 0, sizeof(*r));
	r->used = 1;
	strncpy(r->name, name, sizeof(r->name) - 1);
	r->stats.arena_bytes = arena_bytes;
	return id;
}

int uk_alloc_update(int id, const struct uk_alloc_stats *stats)
{
	struct uk_alloc_reg *r = uk_alloc_reg_get(id);

	if (!r)
		return -EINVAL;
	r->stats = *stats;
	return 0;
}
