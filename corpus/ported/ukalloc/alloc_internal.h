/* SPDX-License-Identifier: BSD-3-Clause */
/* The heap registry, shared by registry.c and report.c (not exported). */
#ifndef __UKALLOC_INTERNAL_H__
#define __UKALLOC_INTERNAL_H__

#include <uk/alloc.h>

#define UK_ALLOC_MAX_HEAPS 8

struct uk_alloc_reg {
	int used;
	char name[UK_ALLOC_NAME_MAX];
	struct uk_alloc_stats stats;
};

/* Registry slot `id`, or NULL when `id` is not registered. */
struct uk_alloc_reg *uk_alloc_reg_get(int id);

/* Number of slots in use (they are allocated from id 0 upwards). */
int uk_alloc_reg_count(void);

#endif /* __UKALLOC_INTERNAL_H__ */
