/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the source files of uklock. They are not listed in
 * exportsyms.uk: other libraries must not use them.
 */
#ifndef __UKLOCK_INTERNAL_H__
#define __UKLOCK_INTERNAL_H__

#include <uk/mutex.h>
#include <uk/workq.h>

struct uklock_mutex {
	int used;
	struct uk_mutex_stats st;
};

/* The slot of mutex `id`, or NULL if `id` does not name a mutex. */
struct uklock_mutex *uklock_mutex_get(int id);

/* Snapshot of the work queue counters. */
void uklock_workq_counters(struct uk_workq_stats *out);

#endif /* __UKLOCK_INTERNAL_H__ */
