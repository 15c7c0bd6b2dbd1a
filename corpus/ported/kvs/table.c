/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hash table: chained buckets that double when the average chain gets
 * longer than two entries.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/list.h>
#include <uk/alloc.h>
#include <uk/mutex.h>
#include <uk/hash.h>
#include <kvs/kvs.h>
#include <flexos/isolation.h>
#include "kvs_impl.h"

#define KVS_ARENA_SIZE    (512 * 1024)
#define KVS_MIN_BUCKETS   16
#define KVS_MAX_BUCKETS   4096
#define KVS_MAX_LOAD      2

static const char kvs_libinfo[] __used __section(".uk_libinfo") = "kvs 1.0";

/* Read by other libraries directly, hence shared. */
struct kvs_stats kvs_stats __attribute__((flexos_whitelist));

struct uk_alloc kvs_heap;
static char kvs_arena[KVS_ARENA_SIZE] __aligned(UK_ALLOC_ALIGN);

static struct uk_list_head *buckets;
static unsigned int nbuckets;
static __sz nentries;
static int kvs_mutex = -1;
static int kvs_heap_id = -1;

void kvs_lock(void)
{
	flexos_gate(libuklock, uk_mutex_lock, kvs_mutex);
}

void kvs_unlock(void)
{
	flexos_gate(libuklock, uk_mutex_unlock, kvs_mutex);
}

static struct uk_list_head *bucket_of(__u64 hash)
{
	return &buckets[hash & (nbuckets - 1)];
}

static struct uk_list_head *buckets_alloc(unsigned int n)
{
	struct uk_list_head *b;
	unsigned int i;

	b = uk_malloc(&kvs_heap, n * sizeof(*b));
	if (!b)
		return NULL;
	for (i = 0; i < n; i++)
		UK_INIT_LIST_HEAD(&b[i]);
	return b;
}

int kvs_init(unsigned int want)
{
	unsigned int n = KVS_MIN_BUCKETS;
	int rc;

	if (buckets)
		return 0;
	while (n < want && n < KVS_MAX_BUCKETS)
		n <<= 1;
	uk_alloc_init(&kvs_heap, kvs_arena, sizeof(kvs_arena));
	flexos_gate_r(libuklock, rc, uk_mutex_create,
		      FLEXOS_SHARED_LITERAL("kvs"));
	if (rc < 0)
		return rc;
	kvs_mutex = rc;
	flexos_gate_r(libukalloc, kvs_heap_id, uk_alloc_register,
		      FLEXOS_SHARED_LITERAL("kvs"), sizeof(kvs_arena));
	buckets = buckets_alloc(n);
	if (!buckets)
		return -ENOMEM;
	nbuckets = n;
	nentries = 0;
	return 0;
}

/* Double the bucket array; on failure the table simply stays slower. */
static void grow(void)
{
	struct uk_list_head *old = buckets, *nb;
	unsigned int i, oldn = nbuckets;
	struct kvs_entry *e, *tmp;

	if (nbuckets >= KVS_MAX_BUCKETS)
		return;
	nb = buckets_alloc(nbuckets * 2);
	if (!nb)
		return;
	buckets = nb;
	nbuckets *= 2;
	for (i = 0; i < oldn; i++) {
		uk_list_for_each_entry_safe(e, tmp, &old[i], node) {
			uk_list_del(&e->node);
			uk_list_add_tail(&e->node, bucket_of(e->hash));
		}
	}
	uk_free(&kvs_heap, old);
	kvs_stats.grows++;
}

static struct kvs_entry *find(const char *key, __sz klen, __u64 hash)
{
	struct kvs_entry *e;

	uk_list_for_each_entry(e, bucket_of(hash), node) {
		if (e->hash == hash && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return e;
	}
	return NULL;
}

/* Longest bucket chain: a debugging aid (call it from a debugger), which
 * no code path uses, hence __unused to keep -Wall quiet.
 */
static __unused unsigned int kvs_longest_chain(void)
{
	unsigned int i, len, longest = 0;
	struct kvs_entry *e;

	for (i = 0; i < nbuckets; i++) {
		len = 0;
		uk_list_for_each_entry(e, &buckets[i], node)
			len++;
		if (len > longest)
			longest = len;
	}
	return longest;
}

__sz kvs_table_size(void)
{
	return nentries;
}

struct kvs_entry *kvs_table_next(struct kvs_entry *e, unsigned int *bucket)
{
	struct uk_list_head *b;

	/* Next entry in the same bucket, if any. */
	if (e) {
		b = &buckets[*bucket];
		if (!uk_list_is_last(&e->node, b))
			return uk_list_next_entry(e, node);
		(*bucket)++;
	}
	/* Otherwise the first entry of the next non-empty bucket. */
	for (; *bucket < nbuckets; (*bucket)++) {
		b = &buckets[*bucket];
		if (!uk_list_empty(b))
			return uk_list_first_entry(b, struct kvs_entry, node);
	}
	return NULL;
}

int kvs_table_insert(const char *key, __sz klen, const void *val, __sz vlen)
{
	__u64 hash = ukhash_fnv1a64(key, klen);
	struct kvs_entry *e = find(key, klen, hash);
	__u8 *nv;

	if (e) {
		/* Replace the value, reusing its block when it fits. */
		nv = uk_realloc(&kvs_heap, e->val, vlen ? vlen : 1);
		if (!nv)
			return -ENOMEM;
		memcpy(nv, val, vlen);
		e->val = nv;
		e->vlen = (__u32)vlen;
		return 1;
	}
	e = uk_malloc(&kvs_heap, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->val = uk_malloc(&kvs_heap, vlen ? vlen : 1);
	if (!e->val) {
		uk_free(&kvs_heap, e);
		return -ENOMEM;
	}
	memcpy(e->val, val, vlen);
	memset(e->key, 0, sizeof(e->key));
	memcpy(e->key, key, klen);
	e->klen = (__u32)klen;
	e->vlen = (__u32)vlen;
	e->hash = hash;
	uk_list_add_tail(&e->node, bucket_of(hash));
	nentries++;
	if (nentries > (__sz)nbuckets * KVS_MAX_LOAD)
		grow();
	return 0;
}

static void entry_free(struct kvs_entry *e)
{
	uk_list_del(&e->node);
	uk_free(&kvs_heap, e->val);
	uk_free(&kvs_heap, e);
	nentries--;
}

void kvs_table_reset(void)
{
	struct kvs_entry *e, *tmp;
	unsigned int i;

	for (i = 0; i < nbuckets; i++) {
		uk_list_for_each_entry_safe(e, tmp, &buckets[i], node)
			entry_free(e);
	}
	UK_ASSERT(nentries == 0);
}

/* Length of a valid key, or a negative errno. */
static int key_check(const char *key)
{
	__sz len;

	if (!key)
		return -EINVAL;
	len = strnlen(key, KVS_KEY_MAX);
	if (len == 0 || len >= KVS_KEY_MAX)
		return -EINVAL;
	return (int)len;
}

int kvs_put(const char *key, const void *val, __sz vlen)
{
	int klen = key_check(key), rc;

	if (klen < 0)
		return klen;
	if (vlen > KVS_VAL_MAX)
		return -E2BIG;
	kvs_lock();
	rc = kvs_table_insert(key, (__sz)klen, val, vlen);
	if (rc >= 0)
		kvs_stats.puts++;
	if (rc == 1)
		kvs_stats.updates++;
	kvs_unlock();
	return rc;
}

__ssz kvs_get(const char *key, void *buf, __sz buflen)
{
	int klen = key_check(key);
	struct kvs_entry *e;
	__ssz rc;

	if (klen < 0)
		return klen;
	kvs_lock();
	kvs_stats.gets++;
	e = find(key, (__sz)klen, ukhash_fnv1a64(key, (__sz)klen));
	if (!e) {
		rc = -ENOENT;
	} else {
		kvs_stats.hits++;
		memcpy(buf, e->val, UK_MIN((__sz)e->vlen, buflen));
		rc = (__ssz)e->vlen;
	}
	kvs_unlock();
	return rc;
}

int kvs_del(const char *key)
{
	int klen = key_check(key), rc = -ENOENT;
	struct kvs_entry *e;

	if (klen < 0)
		return klen;
	kvs_lock();
	e = find(key, (__sz)klen, ukhash_fnv1a64(key, (__sz)klen));
	if (e) {
		entry_free(e);
		kvs_stats.dels++;
		rc = 0;
	}
	kvs_unlock();
	return rc;
}

__sz kvs_count(void)
{
	__sz n;

	kvs_lock();
	n = nentries;
	kvs_unlock();
	return n;
}

void kvs_clear(void)
{
	kvs_lock();
	kvs_table_reset();
	kvs_unlock();
}

int kvs_publish_stats(void)
{
	/* A copy for ukalloc to read. */
	__attribute__((flexos_whitelist)) struct uk_alloc_stats st;
	int rc;

	if (kvs_heap_id < 0)
		return -ENODEV;
	kvs_lock();
	uk_alloc_check(&kvs_heap);
	uk_alloc_stats_get(&kvs_heap, &st);
	kvs_unlock();
	flexos_gate_r(libukalloc, rc, uk_alloc_update, kvs_heap_id, &st);
	return rc;
}
