/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File data: a list of fixed-size chunks, allocated as the file grows.
 * Holes left by writing past the end read back as zeroes.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/list.h>
#include <uk/alloc.h>
#include "ramfs_impl.h"

UK_CTASSERT(UK_IS_POWER_OF_2(RAMFS_CHUNK_SIZE));

/* The chunk holding byte offset `off` (which must be below nchunks). */
static struct ramfs_chunk *chunk_at(struct ramfs_node *n, __u64 off)
{
	__u64 idx = off / RAMFS_CHUNK_SIZE;
	struct ramfs_chunk *c;

	UK_ASSERT(idx < n->nchunks);
	/* Walk from whichever end of the list is closer. */
	if (idx < n->nchunks / 2) {
		uk_list_for_each_entry(c, &n->chunks, list) {
			if (idx-- == 0)
				return c;
		}
	} else {
		__u64 back = n->nchunks - 1 - idx;
		struct uk_list_head *p;

		for (p = n->chunks.prev; p != &n->chunks; p = p->prev) {
			if (back-- == 0)
				return uk_list_entry(p, struct ramfs_chunk,
						     list);
		}
	}
	UK_BUG();
}

/* Make sure the file has chunks backing the first `size` bytes. */
static int ensure_chunks(struct ramfs_node *n, __u64 size)
{
	__u64 want = (size + RAMFS_CHUNK_SIZE - 1) / RAMFS_CHUNK_SIZE;
	struct ramfs_chunk *c;

	while (n->nchunks < want) {
		c = uk_calloc(&ramfs_heap, 1, sizeof(*c));
		if (unlikely(!c))
			return -ENOSPC;
		uk_list_add_tail(&c->list, &n->chunks);
		n->nchunks++;
	}
	return 0;
}

__ssz ramfs_file_read(struct ramfs_node *n, __u64 off, void *buf, __sz len)
{
	struct ramfs_chunk *c;
	__u8 *dst = buf;
	__sz done = 0, in, step;

	if (off >= n->size || len == 0)
		return 0;
	len = (__sz)UK_MIN((__u64)len, n->size - off);
	c = chunk_at(n, off);
	in = (__sz)(off % RAMFS_CHUNK_SIZE);
	while (done < len) {
		step = UK_MIN(len - done, (__sz)RAMFS_CHUNK_SIZE - in);
		memcpy(dst + done, c->data + in, step);
		done += step;
		in = 0;
		if (done < len)
			c = uk_list_next_entry(c, list);
	}
	return (__ssz)done;
}

__ssz ramfs_file_write(struct ramfs_node *n, __u64 off, const void *buf,
		       __sz len)
{
	struct ramfs_chunk *c;
	const __u8 *src = buf;
	__sz done = 0, in, step;
	int rc;

	if (len == 0)
		return 0;
	rc = ensure_chunks(n, off + len);
	if (rc < 0)
		return rc;
	c = chunk_at(n, off);
	in = (__sz)(off % RAMFS_CHUNK_SIZE);
	while (done < len) {
		step = UK_MIN(len - done, (__sz)RAMFS_CHUNK_SIZE - in);
		memcpy(c->data + in, src + done, step);
		done += step;
		in = 0;
		if (done < len)
			c = uk_list_next_entry(c, list);
	}
	if (off + len > n->size)
		n->size = off + len;
	return (__ssz)done;
}

void ramfs_file_truncate(struct ramfs_node *n)
{
	struct ramfs_chunk *c, *tmp;

	uk_list_for_each_entry_safe(c, tmp, &n->chunks, list) {
		uk_list_del(&c->list);
		uk_free(&ramfs_heap, c);
	}
	n->nchunks = 0;
	n->size = 0;
}
