/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recursive mutexes for a single cooperative execution context.
 *
 * The corpus never runs two threads at once, so "held" can only mean
 * "held further up the current call chain": locking again nests, which is
 * what code calling back into itself through a callback needs.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/spinlock.h>
#include <uk/mutex.h>
#include "uklock_internal.h"

static const char uklock_libinfo[] __used __section(".uk_libinfo") =
	"uklock 1.0";

static struct uklock_mutex mutexes[UK_MUTEX_MAX];
/* Guards the slot table itself (creation), not the mutexes. */
static struct uk_spinlock table_lock = UK_SPINLOCK_INITIALIZER;

struct uklock_mutex *uklock_mutex_get(int id)
{
	if (unlikely(id < 0 || id >= UK_MUTEX_MAX))
		return NULL;
	if (unlikely(!mutexes[id].used))
		return NULL;
	return &mutexes[id];
}

int uk_mutex_create(const char *name)
{
	struct uklock_mutex *m;
	int id;

	uk_spin_lock(&table_lock);
	for (id = 0; id < UK_MUTEX_MAX; id++) {
		m = &mutexes[id];
		if (m->used)
			continue;
		memset(m, 0, sizeof(*m));
		m->used = 1;
		strncpy(m->st.name, name ? name : "anon",
			sizeof(m->st.name) - 1);
		uk_spin_unlock(&table_lock);
		return id;
	}
	uk_spin_unlock(&table_lock);
	return -ENOSPC;
}

/* Take one more level of `m`, counting nested acquisitions. */
static int mutex_acquire(struct uklock_mutex *m)
{
	if (m->st.depth > 0)
		m->st.recursions++;
	m->st.depth++;
	m->st.acquisitions++;
	if (m->st.depth > m->st.max_depth)
		m->st.max_depth = m->st.depth;
	return (int)m->st.depth;
}

int uk_mutex_lock(int id)
{
	struct uklock_mutex *m = uklock_mutex_get(id);

	if (!m)
		return -EINVAL;
	return mutex_acquire(m);
}

int uk_mutex_trylock(int id)
{
	struct uklock_mutex *m = uklock_mutex_get(id);

	if (!m)
		return -EINVAL;
	if (m->st.depth > 0) {
		m->st.trylock_busy++;
		return 0;
	}
	mutex_acquire(m);
	return 1;
}

int uk_mutex_unlock(int id)
{
	struct uklock_mutex *m = uklock_mutex_get(id);

	if (!m)
		return -EINVAL;
	if (unlikely(m->st.depth == 0))
		return -EPERM;
	m->st.depth--;
	return (int)m->st.depth;
}
