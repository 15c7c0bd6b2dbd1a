/* SPDX-License-Identifier: BSD-3-Clause */
/* kvs internals shared by its source files (not exported). */
#ifndef __KVS_IMPL_H__
#define __KVS_IMPL_H__

#include <uk/essentials.h>
#include <uk/list.h>
#include <uk/alloc.h>
#include <kvs/kvs.h>

struct kvs_entry {
	struct uk_list_head node;   /* in its bucket */
	__u64 hash;
	__u32 klen;                 /* without NUL */
	__u32 vlen;
	__u8 *val;                  /* allocated from kvs_heap */
	char key[KVS_KEY_MAX];
};

extern struct uk_alloc kvs_heap;

void kvs_lock(void);
void kvs_unlock(void);

/* Number of entries; the caller holds the lock. */
__sz kvs_table_size(void);

/* Iterate over all entries: start with e == NULL and *bucket == 0. */
struct kvs_entry *kvs_table_next(struct kvs_entry *e, unsigned int *bucket);

/* Insert or replace; returns 0 (new), 1 (replaced) or a negative errno. */
int kvs_table_insert(const char *key, __sz klen, const void *val, __sz vlen);

/* Drop every entry (the bucket array is kept). */
void kvs_table_reset(void);

#endif /* __KVS_IMPL_H__ */
