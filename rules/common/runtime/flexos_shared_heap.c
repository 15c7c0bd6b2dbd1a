/*
 * The shared heap: flexos_shared_malloc & co. over one region that every compartment can
 * reach (key 0 under intel-pku; a MAP_SHARED memfd mapping, identical in every process, under
 * vmept). All allocator state lives at the start of the region itself, so every process of a
 * vmept deployment sees the same free lists. A spinlock in the region serialises threads and
 * processes.
 *
 * Blocks carry a 16-byte header right before the user pointer. Small requests (up to 32 KiB)
 * come from size classes (16-byte steps to 128, then four classes per power of two) with LIFO
 * free lists; larger ones are page multiples with a first-fit free list (a block is reused for a
 * request of at least half its size). Memory is never returned to the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <flexos/isolation.h>

#include <flexos/internal.h>

#define HDR_SIZE 16u
#define MAGIC_BLOCK 0xf1e05b10u
#define MAGIC_ALIGNED 0xf1e05a1du
#define SMALL_MAX 32768u
#define NUM_CLASSES 48
#define LARGE_CLASS 0xffffffffu

struct hdr {
	uint32_t magic;
	uint32_t cls;   /* size class, or LARGE_CLASS */
	uint64_t extra; /* LARGE_CLASS: block size in bytes; MAGIC_ALIGNED: offset back to block */
};

struct free_block {
	struct free_block *next;
};

struct large_free {
	struct large_free *next;
	uint64_t size;
};

struct heap_state {
	uint32_t lock;
	uint32_t ready;
	char *bump;
	char *limit;
	struct free_block *free_small[NUM_CLASSES];
	struct large_free *free_large;
};

static struct heap_state *heap;

/* Class sizes include the header. */
static uint32_t class_size(unsigned c)
{
	if (c < 8)
		return 16u * (c + 1); /* 16 … 128 */
	c -= 8;
	uint32_t base = 128u << (c / 4);
	return base + (base / 4) * (c % 4 + 1); /* 160, 192, 224, 256, 320, … */
}

static unsigned class_of(size_t total)
{
	if (total <= 128)
		return (unsigned)((total + 15) / 16) - 1;
	unsigned c = 8;
	while (class_size(c) < total)
		c++;
	return c;
}

static void lock(void)
{
	while (__atomic_exchange_n(&heap->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&heap->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&heap->lock, 0, __ATOMIC_RELEASE);
}

void flexos_rt_heap_init(void *base, size_t size)
{
	heap = base;
	if (heap->ready)
		return;
	heap->bump = (char *)base + ((sizeof(struct heap_state) + 63) & ~(size_t)63);
	heap->limit = (char *)base + size;
	heap->ready = 1;
}

static void ensure_heap(void)
{
	if (!heap)
		flexos_rt_init();
}

/* Carves `bytes` (a multiple of 16) from the untouched part of the region; lock held. */
static char *carve(size_t bytes)
{
	if ((size_t)(heap->limit - heap->bump) < bytes)
		return NULL;
	char *p = heap->bump;
	heap->bump += bytes;
	return p;
}

static char *alloc_block(size_t total, uint32_t *cls_out, uint64_t *size_out)
{
	char *block;
	if (total <= SMALL_MAX) {
		unsigned c = class_of(total);
		lock();
		struct free_block *f = heap->free_small[c];
		if (f) {
			heap->free_small[c] = f->next;
			block = (char *)f;
		} else {
			block = carve(class_size(c));
		}
		unlock();
		*cls_out = c;
		*size_out = class_size(c);
		return block;
	}
	size_t bytes = (total + 4095) & ~(size_t)4095;
	lock();
	struct large_free **pp = &heap->free_large;
	block = NULL;
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->size >= bytes && (*pp)->size / 2 <= bytes) {
			block = (char *)*pp;
			bytes = (*pp)->size;
			*pp = (*pp)->next;
			break;
		}
	}
	if (!block) {
		/* keep large blocks page aligned so palloc and big memaligns waste little */
		size_t pad = (size_t)(-(uintptr_t)heap->bump & 4095);
		if (pad && carve(pad)) {
			/* the skipped bytes become a small free block when they fit one */
			char *gap = heap->bump - pad;
			while (pad >= 16) {
				unsigned c = 0;
				while (c + 1 < NUM_CLASSES && class_size(c + 1) <= pad && class_size(c + 1) <= SMALL_MAX)
					c++;
				struct free_block *f = (struct free_block *)gap;
				f->next = heap->free_small[c];
				heap->free_small[c] = f;
				gap += class_size(c);
				pad -= class_size(c);
			}
		}
		block = carve(bytes);
	}
	unlock();
	*cls_out = LARGE_CLASS;
	*size_out = bytes;
	return block;
}

static size_t usable_size(const struct hdr *h)
{
	uint64_t block = h->cls == LARGE_CLASS ? h->extra : class_size(h->cls);
	return (size_t)block - HDR_SIZE;
}

void *flexos_shared_malloc(size_t size)
{
	ensure_heap();
	if (size > ((size_t)1 << 40)) {
		errno = ENOMEM;
		return NULL;
	}
	uint32_t cls;
	uint64_t bytes;
	char *block = alloc_block(size + HDR_SIZE, &cls, &bytes);
	if (!block) {
		errno = ENOMEM;
		return NULL;
	}
	struct hdr *h = (struct hdr *)block;
	h->magic = MAGIC_BLOCK;
	h->cls = cls;
	h->extra = bytes;
	return block + HDR_SIZE;
}

static struct hdr *header_of(void *p, const char *who)
{
	struct hdr *h = (struct hdr *)((char *)p - HDR_SIZE);
	if (h->magic == MAGIC_ALIGNED)
		h = (struct hdr *)((char *)h - h->extra);
	if (h->magic != MAGIC_BLOCK)
		flexos_rt_die("%s(%p): not a block of the shared heap", who, p);
	return h;
}

void flexos_shared_free(void *p)
{
	if (!p)
		return;
	struct hdr *h = header_of(p, "flexos_shared_free");
	h->magic = 0;
	lock();
	if (h->cls == LARGE_CLASS) {
		struct large_free *l = (struct large_free *)h;
		l->size = h->extra;
		l->next = heap->free_large;
		heap->free_large = l;
	} else {
		unsigned c = h->cls;
		struct free_block *f = (struct free_block *)h;
		f->next = heap->free_small[c];
		heap->free_small[c] = f;
	}
	unlock();
}

void *flexos_shared_calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = flexos_shared_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *flexos_shared_realloc(void *p, size_t size)
{
	if (!p)
		return flexos_shared_malloc(size);
	if (size == 0) {
		flexos_shared_free(p);
		return NULL;
	}
	struct hdr *h = header_of(p, "flexos_shared_realloc");
	size_t have = usable_size(h) - (size_t)((char *)p - ((char *)h + HDR_SIZE));
	if (size <= have)
		return p;
	void *q = flexos_shared_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	flexos_shared_free(p);
	return q;
}

void *flexos_shared_memalign(size_t align, size_t size)
{
	if (align <= 16)
		return flexos_shared_malloc(size);
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	char *raw = flexos_shared_malloc(size + align + HDR_SIZE);
	if (!raw)
		return NULL;
	if (((uintptr_t)raw & (align - 1)) == 0)
		return raw;
	char *p = (char *)(((uintptr_t)raw + HDR_SIZE + align - 1) & ~(uintptr_t)(align - 1));
	struct hdr *a = (struct hdr *)(p - HDR_SIZE);
	a->magic = MAGIC_ALIGNED;
	a->cls = 0;
	a->extra = (uint64_t)((char *)a - (raw - HDR_SIZE));
	return p;
}

void *flexos_shared_palloc(size_t npages)
{
	return flexos_shared_memalign(4096, npages * 4096);
}

void flexos_shared_pfree(void *p, size_t npages)
{
	(void)npages;
	flexos_shared_free(p);
}

/* The shared copy of a struct passed or returned by value through a gate (flexos/runtime.h):
 * running out of shared heap here has no error path in the caller's code, so it is fatal. */
void *flexos_byval_result(size_t size)
{
	void *p = flexos_shared_malloc(size ? size : 1);
	if (p == NULL)
		flexos_rt_die("shared heap exhausted copying a %zu-byte struct through a gate", size);
	return p;
}
