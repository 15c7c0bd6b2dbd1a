/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recursive mutexes, named by an integer id.
 *
 * The mutex state is kept inside uklock and callers only hold the id: an id
 * can be passed across a library boundary by value, whereas a pointer to a
 * lock structure owned by the caller could not be dereferenced by uklock if
 * the two libraries were isolated from each other.
 */
#ifndef __UK_MUTEX_H__
#define __UK_MUTEX_H__

#include <uk/essentials.h>

#define UK_MUTEX_MAX       16
#define UK_MUTEX_NAME_MAX  16

struct uk_mutex_stats {
	__u64 acquisitions;  /* successful lock/trylock calls */
	__u64 recursions;    /* acquisitions while already held */
	__u64 trylock_busy;  /* trylock calls that found it held */
	__u32 depth;         /* current nesting depth */
	__u32 max_depth;
	char name[UK_MUTEX_NAME_MAX];
};

/* Create a mutex; returns its id (>= 0) or -ENOSPC. `name` is copied. */
int uk_mutex_create(const char *name);

/* Acquire (recursively); returns the new depth or -EINVAL. */
int uk_mutex_lock(int id);

/* Acquire only if free; returns 1 on success, 0 if held, -EINVAL. */
int uk_mutex_trylock(int id);

/* Release one level; returns the remaining depth or -EINVAL/-EPERM. */
int uk_mutex_unlock(int id);

/* Copy the statistics of mutex `id` into `out`. */
int uk_mutex_stats(int id, struct uk_mutex_stats *out);

#endif /* __UK_MUTEX_H__ */
