/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spinlocks embedded in the data they protect.
 *
 * These are static inline on purpose: a spinlock lives inside the owning
 * library's structures, so taking it must run as that library's code. A
 * lock word owned by one library is never handed to another.
 */
#ifndef __UK_SPINLOCK_H__
#define __UK_SPINLOCK_H__

#include <uk/essentials.h>

struct uk_spinlock {
	volatile int locked;
};

#define UK_SPINLOCK_INITIALIZER { 0 }

static inline void uk_spin_init(struct uk_spinlock *l)
{
	l->locked = 0;
}

static inline int uk_spin_trylock(struct uk_spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void uk_spin_lock(struct uk_spinlock *l)
{
	while (!uk_spin_trylock(l)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	}
}

static inline void uk_spin_unlock(struct uk_spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline int uk_spin_is_locked(const struct uk_spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif /* __UK_SPINLOCK_H__ */
