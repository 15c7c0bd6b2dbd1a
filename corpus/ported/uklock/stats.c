/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics queries. Results are copied into caller-provided structures so
 * that no pointer into uklock's own tables ever leaves the library.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/mutex.h>
#include <uk/workq.h>
#include "uklock_internal.h"

/* Number of statistics queries; only a debugger ever reads it. */
static unsigned long stats_queries __attribute__((unused));

int uk_mutex_stats(int id, struct uk_mutex_stats *out)
{
	struct uklock_mutex *m = uklock_mutex_get(id);

	if (!m)
		return -EINVAL;
	stats_queries++;
	memcpy(out, &m->st, sizeof(*out));
	return 0;
}

void uk_workq_stats(struct uk_workq_stats *out)
{
	stats_queries++;
	uklock_workq_counters(out);
}
