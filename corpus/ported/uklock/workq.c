/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The work queue: a fixed ring of (function, argument) pairs.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/workq.h>
#include "uklock_internal.h"

struct uk_work {
	uk_work_fn fn;
	void *arg;
	__u32 seq;
};

static struct uk_work ring[UK_WORKQ_DEPTH];
static __u32 head;          /* next item to run */
static __u32 tail;          /* next free slot */
static __u32 next_seq = 1;
static struct uk_workq_stats counters;
/* Set while uk_workq_run() drains the ring, to refuse nested runs. */
static int running;

UK_CTASSERT(UK_IS_POWER_OF_2(UK_WORKQ_DEPTH));

static inline __u32 ring_count(void)
{
	return tail - head;
}

int uk_workq_post(uk_work_fn fn, void *arg)
{
	struct uk_work *w;

	UK_ASSERT(fn != NULL);
	if (unlikely(ring_count() == UK_WORKQ_DEPTH)) {
		counters.rejected++;
		return -EAGAIN;
	}
	w = &ring[tail % UK_WORKQ_DEPTH];
	w->fn = fn;
	w->arg = arg;
	w->seq = next_seq++;
	/* Sequence numbers are positive ints: wrap before the sign bit. */
	if (next_seq > 0x7fffffffu)
		next_seq = 1;
	tail++;
	counters.posted++;
	if (ring_count() > counters.max_pending)
		counters.max_pending = ring_count();
	return (int)w->seq;
}

int uk_workq_run(void)
{
	struct uk_work w;
	int n = 0;

	/* A work item that runs the queue itself would reorder work. */
	if (running)
		return -EBUSY;
	running = 1;
	while (ring_count() > 0) {
		/* Copy the item out first: fn may post more work, which can
		 * reuse the slot.
		 */
		w = ring[head % UK_WORKQ_DEPTH];
		memset(&ring[head % UK_WORKQ_DEPTH], 0, sizeof(w));
		head++;
		w.fn(w.arg);
		counters.executed++;
		n++;
	}
	running = 0;
	return n;
}

int uk_workq_pending(void)
{
	return (int)ring_count();
}

void uklock_workq_counters(struct uk_workq_stats *out)
{
	*out = counters;
	out->pending = ring_count();
}
