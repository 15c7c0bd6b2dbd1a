/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reporting over the heap registry.
 */
#include <stdio.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/alloc.h>
#include <uk/console.h>
#include <flexos/isolation.h>
#include "alloc_internal.h"

/* One console line, formatted here and handed to the console library:
 * shared, because ukconsole reads it.
 */
static __attribute__((flexos_whitelist)) char report_line[128];

static void stats_add(struct uk_alloc_stats *sum,
		      const struct uk_alloc_stats *s)
{
	sum->nallocs += s->nallocs;
	sum->nfrees += s->nfrees;
	sum->nfailed += s->nfailed;
	sum->cur_bytes += s->cur_bytes;
	sum->peak_bytes += s->peak_bytes;
	sum->arena_bytes += s->arena_bytes;
}

int uk_alloc_total(struct uk_alloc_stats *out)
{
	struct uk_alloc_reg *r;
	int id, n = 0;

	memset(out, 0, sizeof(*out));
	for (id = 0; id < uk_alloc_reg_count(); id++) {
		r = uk_alloc_reg_get(id);
		if (!r)
			continue;
		stats_add(out, &r->stats);
		n++;
	}
	return n;
}

void uk_alloc_dump(void)
{
	struct uk_alloc_reg *r;
	int id, len;

	for (id = 0; id < uk_alloc_reg_count(); id++) {
		r = uk_alloc_reg_get(id);
		if (!r)
			continue;
		len = snprintf(report_line, sizeof(report_line),
			       "heap %-8s: %llu allocs, %llu frees, %llu failed,"
			       " %llu/%llu bytes in use (peak %llu)\n",
			       r->name,
			       (unsigned long long)r->stats.nallocs,
			       (unsigned long long)r->stats.nfrees,
			       (unsigned long long)r->stats.nfailed,
			       (unsigned long long)r->stats.cur_bytes,
			       (unsigned long long)r->stats.arena_bytes,
			       (unsigned long long)r->stats.peak_bytes);
		if (len < 0)
			continue;
		if ((__sz)len >= sizeof(report_line))
			len = (int)sizeof(report_line) - 1;
		flexos_gate(libukconsole, uk_console_write, report_line,
			    (__sz)len);
	}
}
