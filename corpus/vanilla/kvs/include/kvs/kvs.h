/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kvs: a hash table of string keys and binary values, with snapshots that
 * are written to and restored from ramfs files.
 *
 * Keys and values are always copied: into kvs on put, out of kvs into a
 * buffer of the caller on get, and into a record kvs allocates in memory
 * the callback can read when iterating.
 */
#ifndef __KVS_KVS_H__
#define __KVS_KVS_H__

#include <uk/essentials.h>

#define KVS_KEY_MAX  32      /* key bytes, NUL included */
#define KVS_VAL_MAX  256     /* value bytes */

struct kvs_record {
	__u64 hash;
	__u32 klen;
	__u32 vlen;
	char key[KVS_KEY_MAX];
	__u8 val[KVS_VAL_MAX];
};

/* Iteration callback; a non-zero return stops the iteration and becomes
 * the result of kvs_foreach(). `rec` is only valid during the call.
 */
typedef int (*kvs_iter_cb)(const struct kvs_record *rec, void *arg);

struct kvs_stats {
	__u64 puts;
	__u64 updates;      /* puts that replaced an existing value */
	__u64 gets;
	__u64 hits;
	__u64 dels;
	__u64 snapshots;
	__u64 restores;
	__u64 grows;        /* hash table resizes */
};

/* Operation counters, read directly by other libraries. */
extern struct kvs_stats kvs_stats;

/* Set up the store with at least `nbuckets` buckets (idempotent). */
int kvs_init(unsigned int nbuckets);

/* Insert or replace; returns 0 (new key), 1 (replaced) or a negative
 * errno. The key must be a NUL-terminated string shorter than KVS_KEY_MAX.
 */
int kvs_put(const char *key, const void *val, __sz vlen);

/* Copy up to `buflen` bytes of the value into `buf`; returns the value's
 * full length or -ENOENT.
 */
__ssz kvs_get(const char *key, void *buf, __sz buflen);

int kvs_del(const char *key);
__sz kvs_count(void);
void kvs_clear(void);

/* Call `cb` once per entry, in table order; returns the number of entries
 * visited or the first non-zero callback result.
 */
int kvs_foreach(kvs_iter_cb cb, void *arg);

/* Order-independent digest of the whole content. */
__u64 kvs_digest(void);

/* Write every entry to the ramfs file `path`; returns the file size. */
__ssz kvs_snapshot(const char *path);

/* Replace the content by the snapshot in `path`; returns the number of
 * entries loaded.
 */
int kvs_restore(const char *path);

/* Queue a snapshot to `path` on the uklock work queue; returns the work
 * item's sequence number. The result is reported by kvs_async_status().
 */
int kvs_snapshot_async(const char *path);

/* Result of the last asynchronous snapshot (-EINPROGRESS while pending). */
__ssz kvs_async_status(void);

/* Write the names of the snapshot files ("*.kvs") in directory `dir` into
 * `out`, separated by commas; returns how many there are.
 */
int kvs_snapshot_list(const char *dir, char *out, __sz outlen);

/* Publish the kvs heap statistics to the ukalloc registry. */
int kvs_publish_stats(void);

#endif /* __KVS_KVS_H__ */
