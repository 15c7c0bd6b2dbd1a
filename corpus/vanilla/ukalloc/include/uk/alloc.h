/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A first-fit allocator over a caller-owned arena.
 *
 * Every library that needs a heap keeps a `struct uk_alloc` and an arena in
 * its own static storage and calls the static inline functions below. They
 * are compiled into the caller, so an allocation runs as code of the library
 * that owns the heap and only ever touches that library's memory: a
 * library's heap stays private to it even when libraries are isolated from
 * one another. The out-of-line part of ukalloc (uk_alloc_register() and
 * friends) only ever sees copies of the statistics.
 *
 * Layout: the arena is a sequence of blocks, each starting with a
 * `struct uk_alloc_block` header. Free blocks are kept on an address-ordered
 * list so that neighbours can be merged when a block is freed.
 */
#ifndef __UK_ALLOC_H__
#define __UK_ALLOC_H__

#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/list.h>

#define UK_ALLOC_ALIGN        16
#define UK_ALLOC_MAGIC_USED   0xa110cu
#define UK_ALLOC_MAGIC_FREE   0xf7eeu
#define UK_ALLOC_NAME_MAX     16

struct uk_alloc_stats {
	__u64 nallocs;       /* successful allocations */
	__u64 nfrees;        /* frees of non-NULL pointers */
	__u64 nfailed;       /* allocations that found no space */
	__u64 cur_bytes;     /* payload bytes currently handed out */
	__u64 peak_bytes;    /* maximum of cur_bytes */
	__u64 arena_bytes;   /* size of the arena */
};

struct uk_alloc_block {
	__u64 size;          /* whole block, header included */
	__u32 magic;         /* UK_ALLOC_MAGIC_USED or _FREE */
	__u32 payload;       /* bytes requested by the caller */
	struct uk_list_head free_node; /* on the free list; payload if used */
};

/* Used blocks give their free_node bytes to the payload. */
#define UK_ALLOC_HDR_SIZE   offsetof(struct uk_alloc_block, free_node)
#define UK_ALLOC_MIN_BLOCK  sizeof(struct uk_alloc_block)

UK_CTASSERT(UK_ALLOC_HDR_SIZE % UK_ALLOC_ALIGN == 0);
UK_CTASSERT(UK_ALLOC_MIN_BLOCK % UK_ALLOC_ALIGN == 0);

struct uk_alloc {
	char *arena;
	__sz arena_size;
	struct uk_list_head free_list;  /* free blocks, ascending addresses */
	struct uk_alloc_stats stats;
};

static inline struct uk_alloc_block *__uk_alloc_hdr(void *ptr)
{
	return (struct uk_alloc_block *)((char *)ptr - UK_ALLOC_HDR_SIZE);
}

static inline void *__uk_alloc_payload(struct uk_alloc_block *b)
{
	return (char *)b + UK_ALLOC_HDR_SIZE;
}

static inline int __uk_alloc_owns(const struct uk_alloc *a, const void *ptr)
{
	const char *p = ptr;

	return p >= a->arena && p < a->arena + a->arena_size;
}

/* Turn `arena` (of `size` bytes) into one big free block. */
static inline void uk_alloc_init(struct uk_alloc *a, void *arena, __sz size)
{
	char *start = (char *)UK_ALIGN_UP((__uptr)arena, UK_ALLOC_ALIGN);
	__sz usable = UK_ALIGN_DOWN(size - (__sz)(start - (char *)arena),
				    UK_ALLOC_ALIGN);
	struct uk_alloc_block *b;

	UK_ASSERT(usable >= UK_ALLOC_MIN_BLOCK);
	memset(a, 0, sizeof(*a));
	a->arena = start;
	a->arena_size = usable;
	a->stats.arena_bytes = usable;
	UK_INIT_LIST_HEAD(&a->free_list);

	b = (struct uk_alloc_block *)start;
	b->size = usable;
	b->magic = UK_ALLOC_MAGIC_FREE;
	b->payload = 0;
	uk_list_add(&b->free_node, &a->free_list);
}

/* Block size needed for a payload of `size` bytes. */
static inline __sz __uk_alloc_block_size(__sz size)
{
	__sz need = UK_ALIGN_UP(size + UK_ALLOC_HDR_SIZE, UK_ALLOC_ALIGN);

	return UK_MAX(need, UK_ALLOC_MIN_BLOCK);
}

static inline void *uk_malloc(struct uk_alloc *a, __sz size)
{
	struct uk_alloc_block *b, *rest;
	__sz need;

	if (unlikely(size == 0 || size > a->arena_size))
		goto fail;
	need = __uk_alloc_block_size(size);

	uk_list_for_each_entry(b, &a->free_list, free_node) {
		UK_ASSERT(b->magic == UK_ALLOC_MAGIC_FREE);
		if (b->size < need)
			continue;
		if (b->size - need >= UK_ALLOC_MIN_BLOCK) {
			/* Split: the tail stays free, in b's list position. */
			rest = (struct uk_alloc_block *)((char *)b + need);
			rest->size = b->size - need;
			rest->magic = UK_ALLOC_MAGIC_FREE;
			rest->payload = 0;
			uk_list_add_before(&rest->free_node, &b->free_node);
			b->size = need;
		}
		uk_list_del(&b->free_node);
		b->magic = UK_ALLOC_MAGIC_USED;
		b->payload = (__u32)size;
		a->stats.nallocs++;
		a->stats.cur_bytes += size;
		if (a->stats.cur_bytes > a->stats.peak_bytes)
			a->stats.peak_bytes = a->stats.cur_bytes;
		return __uk_alloc_payload(b);
	}
fail:
	a->stats.nfailed++;
	return NULL;
}

static inline void *uk_calloc(struct uk_alloc *a, __sz n, __sz size)
{
	void *p;

	/* Refuse products that overflow instead of allocating too little. */
	if (size != 0 && n > (__sz)-1 / size) {
		a->stats.nfailed++;
		return NULL;
	}
	p = uk_malloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* Merge `b` with the free block that follows it in memory, if any. */
static inline void __uk_alloc_merge_next(struct uk_alloc *a,
					 struct uk_alloc_block *b)
{
	struct uk_alloc_block *next;

	if (uk_list_is_last(&b->free_node, &a->free_list))
		return;
	next = uk_list_next_entry(b, free_node);
	if ((char *)b + b->size != (char *)next)
		return;
	b->size += next->size;
	next->magic = 0;
	uk_list_del(&next->free_node);
}

static inline void uk_free(struct uk_alloc *a, void *ptr)
{
	struct uk_alloc_block *b, *pos, *prev;

	if (!ptr)
		return;
	UK_ASSERT(__uk_alloc_owns(a, ptr));
	b = __uk_alloc_hdr(ptr);
	UK_ASSERT(b->magic == UK_ALLOC_MAGIC_USED);

	a->stats.nfrees++;
	a->stats.cur_bytes -= b->payload;
	b->magic = UK_ALLOC_MAGIC_FREE;
	b->payload = 0;

	/* Keep the free list address-ordered: insert before the first free
	 * block located after b.
	 */
	uk_list_for_each_entry(pos, &a->free_list, free_node) {
		if (pos > b)
			break;
	}
	uk_list_add_before(&b->free_node, &pos->free_node);

	__uk_alloc_merge_next(a, b);
	if (b->free_node.prev != &a->free_list) {
		prev = uk_list_entry(b->free_node.prev,
				     struct uk_alloc_block, free_node);
		if ((char *)prev + prev->size == (char *)b)
			__uk_alloc_merge_next(a, prev);
	}
}

/* Payload bytes usable at `ptr` (at least what was requested). */
static inline __sz uk_alloc_usable_size(const void *ptr)
{
	const struct uk_alloc_block *b =
		(const struct uk_alloc_block *)((const char *)ptr -
						UK_ALLOC_HDR_SIZE);

	return b->size - UK_ALLOC_HDR_SIZE;
}

static inline void *uk_realloc(struct uk_alloc *a, void *ptr, __sz size)
{
	struct uk_alloc_block *b;
	void *n;

	if (!ptr)
		return uk_malloc(a, size);
	if (size == 0) {
		uk_free(a, ptr);
		return NULL;
	}
	b = __uk_alloc_hdr(ptr);
	if (size <= uk_alloc_usable_size(ptr)) {
		/* Fits in place: only the accounting changes. */
		a->stats.cur_bytes = a->stats.cur_bytes - b->payload + size;
		if (a->stats.cur_bytes > a->stats.peak_bytes)
			a->stats.peak_bytes = a->stats.cur_bytes;
		b->payload = (__u32)size;
		return ptr;
	}
	n = uk_malloc(a, size);
	if (!n)
		return NULL;
	memcpy(n, ptr, b->payload);
	uk_free(a, ptr);
	return n;
}

/* Duplicate a string into the heap `a`. */
static inline char *uk_strdup(struct uk_alloc *a, const char *s)
{
	__sz len = strlen(s) + 1;
	char *d = uk_malloc(a, len);

	if (d)
		memcpy(d, s, len);
	return d;
}

/* Copy the statistics of `a` into `out`. */
static inline void uk_alloc_stats_get(const struct uk_alloc *a,
				      struct uk_alloc_stats *out)
{
	*out = a->stats;
}

/* Bytes available in the largest free block (a fragmentation indicator). */
static inline __sz uk_alloc_largest_free(const struct uk_alloc *a)
{
	const struct uk_alloc_block *b;
	__sz best = 0;

	uk_list_for_each_entry(b, &a->free_list, free_node) {
		if (b->size > best)
			best = b->size;
	}
	return best > UK_ALLOC_HDR_SIZE ? best - UK_ALLOC_HDR_SIZE : 0;
}

/* Walk the whole arena and check that headers and the free list agree;
 * returns the number of free blocks. Used by self-tests.
 */
static inline __sz uk_alloc_check(const struct uk_alloc *a)
{
	const char *p = a->arena;
	const struct uk_alloc_block *b;
	__sz nfree = 0;

	while (p < a->arena + a->arena_size) {
		b = (const struct uk_alloc_block *)p;
		UK_ASSERT(b->magic == UK_ALLOC_MAGIC_USED ||
			  b->magic == UK_ALLOC_MAGIC_FREE);
		UK_ASSERT(b->size >= UK_ALLOC_MIN_BLOCK);
		if (b->magic == UK_ALLOC_MAGIC_FREE)
			nfree++;
		p += b->size;
	}
	UK_ASSERT(p == a->arena + a->arena_size);
	UK_ASSERT(nfree == uk_list_count(&a->free_list));
	return nfree;
}

/*
 * Out-of-line part: a registry where libraries publish copies of their heap
 * statistics, so that one place can report on every heap of the image.
 */

/* Register a heap by name; returns its id (>= 0) or -ENOSPC. */
int uk_alloc_register(const char *name, __u64 arena_bytes);

/* Publish a copy of the statistics of heap `id`. */
int uk_alloc_update(int id, const struct uk_alloc_stats *stats);

/* Sum of the last published statistics of every heap; returns the number
 * of registered heaps.
 */
int uk_alloc_total(struct uk_alloc_stats *out);

/* Print one line per registered heap on the console. */
void uk_alloc_dump(void);

#endif /* __UK_ALLOC_H__ */
