/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workload: a seeded sequence of key-value operations, snapshots, a
 * restore and plain file I/O, folded into one 64-bit checksum.
 *
 * Everything that goes into the checksum is a function of the seed alone,
 * so the value is the same on every run, in every iteration of the
 * benchmark and under every deployment of the libraries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/plat.h>
#include <uk/console.h>
#include <uk/hash.h>
#include <uk/workq.h>
#include <ramfs/ramfs.h>
#include <kvs/kvs.h>
#include <kvs/snapshot.h>
#include <app/app.h>

#define APP_READ_CHUNK 100

const char *const app_op_names[APP_OP_COUNT] = {
	[APP_OP_PUT]      = "put",
	[APP_OP_GET]      = "get",
	[APP_OP_DEL]      = "del",
	[APP_OP_ITER]     = "iterate",
	[APP_OP_SNAPSHOT] = "snapshot",
	[APP_OP_RESTORE]  = "restore",
	[APP_OP_FILEIO]   = "fileio",
};

/* Buffers handed to other libraries: keys, values, listings, file I/O. */
static char app_key[KVS_KEY_MAX];
static __u8 app_val[KVS_VAL_MAX];
static char app_names[128];
static char app_iobuf[256];
/* Incremented by a work item that uklock runs. */
static __u64 app_ticks = 0;

/* What the iteration callback accumulates. */
struct app_count {
	__u64 n;
	__u64 bytes;
	__u64 keysum;
	__u64 valcrc;
};

static __u64 app_mix(__u64 h, __u64 v)
{
	return ukhash_mix64(h, v);
}

static __u64 app_clock(void)
{
	return ukplat_monotonic_clock();
}

static __u64 app_elapsed(__u64 since)
{
	return ukplat_time_elapsed_ns(since);
}

static void app_make_key(__u32 k)
{
	snprintf(app_key, sizeof(app_key), "user:%05u", k);
}

/* kvs calls this once per entry. Sums keep it independent of the order. */
static int app_count_cb(const struct kvs_record *rec, void *arg)
{
	struct app_count *c = arg;

	c->n++;
	c->bytes += rec->vlen;
	c->keysum += rec->hash ^ rec->vlen;
	c->valcrc += ukhash_crc32(0, rec->val, rec->vlen);
	return 0;
}

/* uklock runs this from its work queue. */
static void app_tick_work(void *arg)
{
	__u64 *ticks = arg;

	(*ticks)++;
}

/* Forget whatever an earlier run left behind. */
static void app_reset(void)
{
	kvs_clear();
	ramfs_unlink("/snap/a.kvs");
	ramfs_unlink("/snap/b.kvs");
	ramfs_unlink("/data/log.txt");
	ukplat_random_seed(APP_SEED);
}

static int phase_put(struct app_result *res, __u64 *cs)
{
	__u32 i, k, vlen;
	int rc;

	for (i = 0; i < APP_NPUTS; i++) {
		k = ukplat_random_range(APP_KEYSPACE);
		vlen = 8 + ukplat_random_range(121);
		app_make_key(k);
		ukplat_random_fill(app_val, vlen);
		rc = kvs_put(app_key, app_val, vlen);
		if (rc < 0)
			return rc;
		*cs = app_mix(*cs, ((__u64)k << 32) | (vlen << 1) | (__u32)rc);
	}
	res->ops[APP_OP_PUT] += APP_NPUTS;
	return 0;
}

static int phase_get(struct app_result *res, __u64 *cs)
{
	__u32 i, k, hits = 0;
	__ssz n;

	for (i = 0; i < APP_NGETS; i++) {
		k = ukplat_random_range(APP_KEYSPACE);
		app_make_key(k);
		n = kvs_get(app_key, app_val, sizeof(app_val));
		if (n >= 0) {
			hits++;
			*cs = app_mix(*cs, ukhash_crc32(0, app_val, (__sz)n));
		} else {
			*cs = app_mix(*cs, k);
		}
	}
	res->ops[APP_OP_GET] += APP_NGETS;
	app_info("app: %u gets, %u hits", APP_NGETS, hits);
	return 0;
}

static int phase_del(struct app_result *res, __u64 *cs)
{
	__u32 k, dels = 0;

	for (k = 0; k < APP_KEYSPACE; k += APP_DEL_STRIDE) {
		app_make_key(k);
		if (kvs_del(app_key) == 0)
			dels++;
		res->ops[APP_OP_DEL]++;
	}
	*cs = app_mix(*cs, dels);
	app_info("app: %u deletes, %llu keys live", dels,
		 (unsigned long long)kvs_count());
	return 0;
}

static int phase_iterate(struct app_result *res, __u64 *cs, __u64 *digest)
{
	struct app_count cnt = { 0 };
	int rc;

	rc = kvs_foreach(app_count_cb, &cnt);
	if (rc < 0)
		return rc;
	if ((__sz)rc != kvs_count())
		return -EIO;
	*digest = kvs_digest();
	*cs = app_mix(*cs, cnt.n);
	*cs = app_mix(*cs, cnt.bytes);
	*cs = app_mix(*cs, cnt.keysum);
	*cs = app_mix(*cs, cnt.valcrc);
	*cs = app_mix(*cs, *digest);
	res->ops[APP_OP_ITER] += cnt.n;
	app_info("app: iterated %llu records, %llu value bytes",
		 (unsigned long long)cnt.n, (unsigned long long)cnt.bytes);
	return 0;
}

static int phase_snapshot(struct app_result *res, __u64 *cs)
{
	struct ramfs_stat st;
	__u8 head[sizeof(struct kvs_snap_hdr)];
	__ssz size;
	__u64 ticks = app_ticks;
	int fd, ran, nsnap, pending;

	size = kvs_snapshot("/snap/a.kvs");
	if (size < 0)
		return (int)size;
	/* A second snapshot and a tick, both from the work queue. */
	if (kvs_snapshot_async("/snap/b.kvs") < 0)
		return -EIO;
	uk_workq_post(app_tick_work, &app_ticks);
	ran = uk_workq_run();
	pending = uk_workq_pending();
	UK_ASSERT(pending == 0);
	if (kvs_async_status() != size || app_ticks != ticks + 1)
		return -EIO;
	*cs = app_mix(*cs, (__u64)size);
	*cs = app_mix(*cs, (__u64)ran);

	nsnap = kvs_snapshot_list("/snap", app_names, sizeof(app_names));
	if (nsnap < 0)
		return nsnap;
	*cs = app_mix(*cs, ukhash_crc32(0, app_names, strlen(app_names)));

	if (ramfs_stat("/snap/a.kvs", &st) < 0)
		return -EIO;
	*cs = app_mix(*cs, st.size);
	*cs = app_mix(*cs, st.nchunks);
	res->ops[APP_OP_SNAPSHOT] += 2;
	app_info("app: %d snapshots (%s), %lld bytes each, %u chunks",
		 nsnap, app_names, (long long)size, st.nchunks);

	/* Show the snapshot header, read back through the file system. */
	fd = ramfs_open("/snap/a.kvs", RAMFS_O_RDONLY);
	if (fd < 0)
		return fd;
	if (ramfs_read(fd, head, sizeof(head)) != (ssize_t)sizeof(head)) {
		ramfs_close(fd);
		return -EIO;
	}
	ramfs_close(fd);
	if (uk_console_loglevel >= UK_LOG_INFO)
		uk_console_hexdump(head, sizeof(head), "app: snap");
	return 0;
}

static int phase_fileio(struct app_result *res, __u64 *cs)
{
	__u32 i, crc = 0;
	__u64 total = 0, written = 0;
	ssize_t n;
	int fd, len;

	fd = ramfs_open("/data/log.txt",
			RAMFS_O_RDWR | RAMFS_O_CREAT | RAMFS_O_TRUNC);
	if (fd < 0)
		return fd;
	for (i = 0; i < APP_NLOG; i++) {
		len = snprintf(app_iobuf, sizeof(app_iobuf), "%04u %016llx\n",
			       i, (unsigned long long)ukplat_random_u64());
		n = ramfs_write(fd, app_iobuf, (size_t)len);
		if (n != len) {
			ramfs_close(fd);
			return -EIO;
		}
		written += (__u64)n;
	}
	ramfs_lseek(fd, 0, RAMFS_SEEK_SET);
	for (;;) {
		n = ramfs_read(fd, app_iobuf, APP_READ_CHUNK);
		if (n <= 0)
			break;
		crc = ukhash_crc32(crc, app_iobuf, (__sz)n);
		total += (__u64)n;
	}
	ramfs_close(fd);
	if (total != written)
		return -EIO;
	*cs = app_mix(*cs, crc);
	*cs = app_mix(*cs, total);
	res->ops[APP_OP_FILEIO] += APP_NLOG + (total + APP_READ_CHUNK - 1) /
		APP_READ_CHUNK;
	app_info("app: log of %u lines, %llu bytes, crc32 0x%08x", APP_NLOG,
		 (unsigned long long)total, crc);
	return 0;
}

static int phase_restore(struct app_result *res, __u64 *cs, __u64 digest)
{
	__u64 after;
	int n;

	n = kvs_restore("/snap/b.kvs");
	if (n < 0)
		return n;
	after = kvs_digest();
	if (after != digest)
		return -EIO;
	*cs = app_mix(*cs, (__u64)n);
	res->ops[APP_OP_RESTORE] += (__u64)n;
	app_info("app: restored %d records, digest 0x%016llx", n,
		 (unsigned long long)after);
	return 0;
}

/* Run one phase, timing it; leaves app_workload_run() on failure. */
#define APP_PHASE(op, call)						\
	do {								\
		t0 = app_clock();					\
		rc = (call);						\
		res->ns[op] += app_elapsed(t0);				\
		if (rc < 0)						\
			return rc;					\
	} while (0)

int app_workload_run(struct app_result *res)
{
	struct kvs_stats before = kvs_stats;
	__u64 cs = APP_SEED, digest = 0, t0;
	int rc;

	memset(res, 0, sizeof(*res));
	app_reset();

	APP_PHASE(APP_OP_PUT, phase_put(res, &cs));
	app_info("app: %u puts, %llu updates", APP_NPUTS,
		 (unsigned long long)(kvs_stats.updates - before.updates));
	APP_PHASE(APP_OP_GET, phase_get(res, &cs));
	APP_PHASE(APP_OP_DEL, phase_del(res, &cs));
	APP_PHASE(APP_OP_ITER, phase_iterate(res, &cs, &digest));
	APP_PHASE(APP_OP_SNAPSHOT, phase_snapshot(res, &cs));
	APP_PHASE(APP_OP_FILEIO, phase_fileio(res, &cs));
	APP_PHASE(APP_OP_RESTORE, phase_restore(res, &cs, digest));

	/* Counters kvs keeps for everyone: only this run's share counts. */
	cs = app_mix(cs, kvs_stats.hits - before.hits);
	cs = app_mix(cs, kvs_stats.puts - before.puts);
	res->checksum = cs;
	return 0;
}
