/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * On-disk format of kvs snapshots:
 *
 *   struct kvs_snap_hdr                      16 bytes
 *   count * { struct kvs_snap_rec, key bytes, value bytes }
 *   __u32 crc32 of everything above
 *
 * All integers little endian (the corpus only targets x86-64).
 */
#ifndef __KVS_SNAPSHOT_H__
#define __KVS_SNAPSHOT_H__

#include <uk/essentials.h>

#define KVS_SNAP_MAGIC   0x3153564bu   /* "KVS1" */
#define KVS_SNAP_VERSION 1

struct kvs_snap_hdr {
	__u32 magic;
	__u16 version;
	__u16 flags;
	__u32 count;
	__u32 payload_len;   /* bytes of records after the header */
} __packed;

struct kvs_snap_rec {
	__u16 klen;          /* without NUL */
	__u16 vlen;
} __packed;

UK_CTASSERT(sizeof(struct kvs_snap_hdr) == 16);
UK_CTASSERT(sizeof(struct kvs_snap_rec) == 4);

#endif /* __KVS_SNAPSHOT_H__ */
