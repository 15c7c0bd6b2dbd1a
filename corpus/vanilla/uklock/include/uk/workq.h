/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A run-to-completion work queue: the cooperative "scheduler" of the
 * corpus. Work items are function pointers with an argument, run in FIFO
 * order by uk_workq_run(). Items posted while the queue runs are run in
 * the same call, after the ones already queued.
 *
 * The function is called by uklock through the pointer, so it must be
 * reachable from uklock; its argument is passed through untouched.
 */
#ifndef __UK_WORKQ_H__
#define __UK_WORKQ_H__

#include <uk/essentials.h>

#define UK_WORKQ_DEPTH 32

typedef void (*uk_work_fn)(void *arg);

struct uk_workq_stats {
	__u64 posted;
	__u64 executed;
	__u64 rejected;      /* posts refused because the queue was full */
	__u32 max_pending;
	__u32 pending;
};

/* Queue `fn(arg)`; returns the item's sequence number (> 0) or -EAGAIN. */
int uk_workq_post(uk_work_fn fn, void *arg);

/* Run queued items until the queue is empty; returns how many ran. */
int uk_workq_run(void);

/* Number of queued items. */
int uk_workq_pending(void);

void uk_workq_stats(struct uk_workq_stats *out);

#endif /* __UK_WORKQ_H__ */
