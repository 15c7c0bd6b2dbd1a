/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-table walks: iteration with a callback and the content digest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/hash.h>
#include <kvs/kvs.h>
#include <flexos/isolation.h>
#include "kvs_impl.h"

/* Staging area for the digest: key and value of one entry, laid out for
 * ukhash_crc32(), which reads it: shared.
 */
static __u8 digest_buf[KVS_KEY_MAX + KVS_VAL_MAX]
	__attribute__((flexos_whitelist));

static void record_fill(struct kvs_record *rec, const struct kvs_entry *e)
{
	rec->hash = e->hash;
	rec->klen = e->klen;
	rec->vlen = e->vlen;
	memcpy(rec->key, e->key, sizeof(rec->key));
	memcpy(rec->val, e->val, e->vlen);
}

int kvs_foreach(kvs_iter_cb cb, void *arg)
{
	struct kvs_record *rec;
	struct kvs_entry *e;
	unsigned int bucket = 0;
	int n = 0, rc = 0;

	/* The callback gets a copy of each entry in a scratch record rather
	 * than a pointer into the table: the table stays private to kvs,
	 * the record is on the shared heap where the callback can read it.
	 */
	rec = flexos_malloc_whitelist(sizeof(*rec), libapp);
	if (!rec)
		return -ENOMEM;
	kvs_lock();
	for (e = kvs_table_next(NULL, &bucket); e;
	     e = kvs_table_next(e, &bucket)) {
		record_fill(rec, e);
		n++;
		rc = cb(rec, arg);
		if (rc != 0)
			break;
	}
	kvs_unlock();
	flexos_free_whitelist(rec, libapp);
	return rc != 0 ? rc : n;
}

__u64 kvs_digest(void)
{
	struct kvs_entry *e;
	unsigned int bucket = 0;
	__u64 digest = 0;
	__u32 crc;

	kvs_lock();
	for (e = kvs_table_next(NULL, &bucket); e;
	     e = kvs_table_next(e, &bucket)) {
		memcpy(digest_buf, e->key, e->klen);
		memcpy(digest_buf + e->klen, e->val, e->vlen);
		flexos_gate_r(libukhash, crc, ukhash_crc32, 0, digest_buf,
			      e->klen + e->vlen);
		/* A sum does not depend on the table order, so a restored
		 * table digests like the original.
		 */
		digest += ((__u64)crc << 16) ^ ((__u64)e->klen << 8) ^ e->vlen;
	}
	kvs_unlock();
	return digest;
}
