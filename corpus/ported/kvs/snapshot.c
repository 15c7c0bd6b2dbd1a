/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshots: the table serialised into a ramfs file (format in
 * <kvs/snapshot.h>), synchronously or from the uklock work queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/hash.h>
#include <uk/workq.h>
#include <ramfs/ramfs.h>
#include <kvs/kvs.h>
#include <kvs/snapshot.h>
#include <flexos/isolation.h>
#include "kvs_impl.h"

/* Serialisation buffer size: records are staged here, then written. */
#define KVS_SNAP_BUF 1024

UK_CTASSERT(KVS_SNAP_BUF >= sizeof(struct kvs_snap_hdr) +
	    sizeof(struct kvs_snap_rec) + KVS_KEY_MAX + KVS_VAL_MAX);

struct kvs_snap_req {
	char path[RAMFS_PATH_MAX];
};

struct kvs_scan {
	char *out;
	__sz outlen;
	__sz used;
	int count;
};

static __ssz async_status;

/* Write all of `buf` to `fd`; returns 0 or a negative errno. */
static int snap_write(int fd, const __u8 *buf, __sz len)
{
	ssize_t n;

	flexos_gate_r(libramfs, n, ramfs_write, fd, buf, len);
	if (n != (ssize_t)len)
		return -EIO;
	return 0;
}

/* Checksum and write out the staged bytes. */
static int snap_flush(int fd, const __u8 *buf, __sz len, __u32 *crc)
{
	__u32 c;

	flexos_gate_r(libukhash, c, ukhash_crc32, *crc, buf, len);
	*crc = c;
	return snap_write(fd, buf, len);
}

__ssz kvs_snapshot(const char *path)
{
	struct kvs_snap_hdr hdr;
	struct kvs_snap_rec rec;
	struct kvs_entry *e;
	unsigned int bucket = 0;
	__u32 crc = 0, payload = 0;
	__sz used, reclen;
	__u8 *buf;
	__ssz rc;
	int fd;

	/* Shared: ramfs and ukhash read it. */
	buf = flexos_malloc_whitelist(KVS_SNAP_BUF, libramfs, libukhash);
	if (!buf)
		return -ENOMEM;
	kvs_lock();
	for (e = kvs_table_next(NULL, &bucket); e;
	     e = kvs_table_next(e, &bucket))
		payload += (__u32)(sizeof(rec) + e->klen + e->vlen);

	flexos_gate_r(libramfs, fd, ramfs_open, path,
		      RAMFS_O_WRONLY | RAMFS_O_CREAT | RAMFS_O_TRUNC);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	hdr.magic = KVS_SNAP_MAGIC;
	hdr.version = KVS_SNAP_VERSION;
	hdr.flags = 0;
	hdr.count = (__u32)kvs_table_size();
	hdr.payload_len = payload;
	memcpy(buf, &hdr, sizeof(hdr));
	used = sizeof(hdr);

	bucket = 0;
	for (e = kvs_table_next(NULL, &bucket); e;
	     e = kvs_table_next(e, &bucket)) {
		reclen = sizeof(rec) + e->klen + e->vlen;
		if (used + reclen > KVS_SNAP_BUF) {
			rc = snap_flush(fd, buf, used, &crc);
			if (rc < 0)
				goto out_close;
			used = 0;
		}
		rec.klen = (__u16)e->klen;
		rec.vlen = (__u16)e->vlen;
		memcpy(buf + used, &rec, sizeof(rec));
		memcpy(buf + used + sizeof(rec), e->key, e->klen);
		memcpy(buf + used + sizeof(rec) + e->klen, e->val, e->vlen);
		used += reclen;
	}
	rc = snap_flush(fd, buf, used, &crc);
	if (rc < 0)
		goto out_close;
	memcpy(buf, &crc, sizeof(crc));
	rc = snap_write(fd, buf, sizeof(crc));
	if (rc < 0)
		goto out_close;
	kvs_stats.snapshots++;
	rc = (__ssz)(sizeof(hdr) + payload + sizeof(crc));
out_close:
	flexos_gate(libramfs, ramfs_close, fd);
out:
	kvs_unlock();
	flexos_free_whitelist(buf, libramfs, libukhash);
	return rc;
}

/* Parse `len` bytes of records into the (empty) table. */
static int load_records(const __u8 *p, __u32 len, __u32 count)
{
	const __u8 *end = p + len;
	struct kvs_snap_rec rec;
	char key[KVS_KEY_MAX];
	__u32 i;
	int rc;

	for (i = 0; i < count; i++) {
		if ((__sz)(end - p) < sizeof(rec))
			return -EILSEQ;
		memcpy(&rec, p, sizeof(rec));
		p += sizeof(rec);
		if (rec.klen == 0 || rec.klen >= KVS_KEY_MAX ||
		    rec.vlen > KVS_VAL_MAX ||
		    (__sz)(end - p) < (__sz)rec.klen + rec.vlen)
			return -EILSEQ;
		memcpy(key, p, rec.klen);
		key[rec.klen] = '\0';
		rc = kvs_table_insert(key, rec.klen, p + rec.klen, rec.vlen);
		if (rc < 0)
			return rc;
		p += rec.klen + rec.vlen;
	}
	return p == end ? (int)count : -EILSEQ;
}

int kvs_restore(const char *path)
{
	/* ramfs fills it and ukhash reads it. */
	__attribute__((flexos_whitelist)) struct kvs_snap_hdr hdr;
	__u32 crc, stored, total;
	__u8 *payload = NULL;
	ssize_t n, got = 0;
	int fd, rc;

	flexos_gate_r(libramfs, fd, ramfs_open, path, RAMFS_O_RDONLY);
	if (fd < 0)
		return fd;
	flexos_gate_r(libramfs, n, ramfs_read, fd, &hdr, sizeof(hdr));
	if (n != (ssize_t)sizeof(hdr) || hdr.magic != KVS_SNAP_MAGIC ||
	    hdr.version != KVS_SNAP_VERSION) {
		rc = -EILSEQ;
		goto out_close;
	}
	total = hdr.payload_len + (__u32)sizeof(stored);
	payload = flexos_malloc_whitelist(total, libramfs, libukhash);
	if (!payload) {
		rc = -ENOMEM;
		goto out_close;
	}
	while (got < (ssize_t)total) {
		flexos_gate_r(libramfs, n, ramfs_read, fd, payload + got,
			      total - (__u32)got);
		if (n <= 0)
			break;
		got += n;
	}
	if (got != (ssize_t)total) {
		rc = -EILSEQ;
		goto out_close;
	}
	flexos_gate_r(libukhash, crc, ukhash_crc32, 0, &hdr, sizeof(hdr));
	flexos_gate_r(libukhash, crc, ukhash_crc32, crc, payload,
		      hdr.payload_len);
	memcpy(&stored, payload + hdr.payload_len, sizeof(stored));
	if (crc != stored) {
		rc = -EILSEQ;
		goto out_close;
	}

	kvs_lock();
	kvs_table_reset();
	rc = load_records(payload, hdr.payload_len, hdr.count);
	if (rc >= 0)
		kvs_stats.restores++;
	kvs_unlock();
out_close:
	flexos_gate(libramfs, ramfs_close, fd);
	flexos_free_whitelist(payload, libramfs, libukhash);
	return rc;
}

/* Work queue item: runs when the application drains the queue. */
static void __attribute__((libuklock_callback)) kvs_snapshot_work(void *arg)
{
	struct kvs_snap_req *req = arg;

	async_status = kvs_snapshot(req->path);
	flexos_free_whitelist(req, libuklock, libramfs);
}

int kvs_snapshot_async(const char *path)
{
	struct kvs_snap_req *req;
	int rc;

	if (strlen(path) >= RAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	/* The request outlives this call: it is freed by the work item. It
	 * is shared because uklock passes it along, and its path goes to ramfs.
	 */
	req = flexos_malloc_whitelist(sizeof(*req), libuklock, libramfs);
	if (!req)
		return -ENOMEM;
	strcpy(req->path, path);
	async_status = -EINPROGRESS;
	flexos_gate_r(libuklock, rc, uk_workq_post, kvs_snapshot_work, req);
	if (rc < 0) {
		async_status = rc;
		flexos_free_whitelist(req, libuklock, libramfs);
	}
	return rc;
}

__ssz kvs_async_status(void)
{
	return async_status;
}

/* Collects "*.kvs" names of a directory listing into the caller's buffer. */
static int __attribute__((libramfs_callback))
kvs_scan_cb(const struct ramfs_dirent *ent, void *arg)
{
	struct kvs_scan *scan = arg;
	__sz len = strnlen(ent->name, sizeof(ent->name));
	__sz need;

	if (ent->type != RAMFS_TYPE_FILE || len < 5 ||
	    strcmp(ent->name + len - 4, ".kvs") != 0)
		return 0;
	/* Separator, name and the terminating NUL must fit. */
	need = (scan->count > 0 ? 1 : 0) + len + 1;
	if (scan->used + need > scan->outlen)
		return -ENOSPC;
	if (scan->count > 0)
		scan->out[scan->used++] = ',';
	memcpy(scan->out + scan->used, ent->name, len);
	scan->used += len;
	scan->out[scan->used] = '\0';
	scan->count++;
	return 0;
}

int kvs_snapshot_list(const char *dir, char *out, __sz outlen)
{
	struct kvs_scan scan __attribute__((flexos_whitelist)) = {
		out, outlen, 0, 0
	};
	int rc;

	if (outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	flexos_gate_r(libramfs, rc, ramfs_readdir, dir, kvs_scan_cb, &scan);
	if (rc < 0)
		return rc;
	return scan.count;
}
