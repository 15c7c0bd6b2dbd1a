/*
 * The shared heap: flexos_shared_malloc & co. over one region that every compartment can
 * reach (key 0 under intel-pku; a MAP_SHARED memfd mapping, identical in every process, under
 * vmept). All allocator state lives at the start of the region itself, so every process of a
 * vmept deployment sees the same free lists.
 *
 * Every compartment can write that state, so nothing read from the region is believed
 * (issue 11): the region's bounds are kept in this process's read-only memory; every free-list
 * link, the bump pointer and every block header are checked against them (inside the block
 * area, 16-byte aligned, magic and size class consistent) before use, and a forged one ends the
 * program with a report instead of handing out memory outside the heap. Freed blocks are
 * zeroed, so no compartment reads what another freed. The lock is a futex holding the owner's
 * pid: waiters sleep instead of spinning, a dead owner's lock is taken over, and a lock held by
 * a live process for longer than FLEXOS_HEAP_LOCK_TIMEOUT_MS (env, default 5000) — or by this
 * very process when it wants it (a compartment holding it across a gate) — is reported and
 * ends the program.
 *
 * Groups (issue 11): `flexos_malloc_whitelist(size, libs…)` names the libraries that share a
 * block. The rewrite turns every list into a group, the set of compartments those libraries (and
 * the allocating one) are in, and generates the table of groups (flexos/groups.c). Group 0 is
 * every compartment: the shared heap above. Every other group has a region of its own (same
 * allocator, metadata and bounds kept the same way), mapped only in the processes of its members
 * under vmept (flexos_rt_drop_groups) and keyed with a protection key only its members' PKRU
 * allow under intel-pku (flexos_rt_group_region). A block is freed into the region it lies in.
 *
 * Blocks carry a 16-byte header right before the user pointer. Small requests (up to 32 KiB)
 * come from size classes (16-byte steps to 128, then four classes per power of two) with LIFO
 * free lists; larger ones are page multiples with a first-fit free list (a block is reused for a
 * request of at least half its size). Memory is never returned to the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <flexos/isolation.h>

#include <flexos/internal.h>

#define HDR_SIZE 16u
#define MAGIC_BLOCK 0xf1e05b10u
#define MAGIC_ALIGNED 0xf1e05a1du
#define MAGIC_FREE 0xf1e0f4eeu
#define SMALL_MAX 32768u
#define NUM_CLASSES 48
#define LARGE_CLASS 0xffffffffu

struct hdr {
	uint32_t magic;
	uint32_t cls;   /* size class, or LARGE_CLASS */
	uint64_t extra; /* LARGE_CLASS: block size in bytes; MAGIC_ALIGNED: offset back to block */
};

/* A free block keeps a header (magic MAGIC_FREE, its class) so a forged link is caught. */
struct free_block {
	uint32_t magic;
	uint32_t cls;
	struct free_block *next;
};

struct large_free {
	uint32_t magic;
	uint32_t cls;
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

/* One region: group 0 (every compartment) or one group of compartments. */
struct region {
	struct heap_state *heap;     /* at base */
	char *base, *blocks, *limit; /* [blocks, limit): where blocks may be */
};

/* This process's view of the regions, read-only after start-up (flexos_rt_heap_seal). */
static union {
	struct {
		long lock_timeout_ms;
		unsigned count; /* regions set up */
		struct region r[FLEXOS_MAX_SHARED_GROUPS];
	} v;
	char page[4096];
} bounds __attribute__((aligned(4096)));
_Static_assert(sizeof(bounds.v) <= 4096, "the regions' bounds fit one page");

/* The group table the rewrite generates (flexos/groups.c); a program built without one (a
 * benchmark) has group 0 only, and an allocation naming another group is refused. */
#pragma weak flexos_shared_groups
#define ALL_COMPARTMENTS ((uint32_t)((1ull << FLEXOS_NUM_COMPARTMENTS) - 1))

static uint32_t members_of(unsigned group)
{
	return group ? flexos_shared_groups.members[group] : ALL_COMPARTMENTS;
}

static void forged(const char *what, const void *p)
{
	flexos_rt_die("shared heap: %s (%p) is outside the heap or not a block: its metadata was "
		      "overwritten by a compartment; stopping", what, p);
}

/* A block address read from region r: inside its block area and 16-byte aligned. */
static void *checked(const struct region *r, void *p, size_t bytes, const char *what)
{
	char *q = p;
	if (q < r->blocks || q >= r->limit || ((uintptr_t)q & 15) || (size_t)(r->limit - q) < bytes)
		forged(what, p);
	return p;
}

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

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, word, op, val, t, NULL, 0);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

#define LOCK_WAITERS 0x80000000u

static void lock(struct heap_state *heap)
{
	uint32_t me = (uint32_t)getpid(), w = 0;
	if (__atomic_compare_exchange_n(&heap->lock, &w, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	long start = now_ms();
	for (;;) {
		w = __atomic_load_n(&heap->lock, __ATOMIC_RELAXED);
		uint32_t owner = w & ~LOCK_WAITERS;
		if (owner == 0) {
			if (__atomic_compare_exchange_n(&heap->lock, &w, me | (w & LOCK_WAITERS), 0,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return;
			continue;
		}
		if (owner == me)
			flexos_rt_die("shared heap: the lock is already held by this process (a "
				      "compartment kept it across a gate); stopping");
		if (kill((pid_t)owner, 0) != 0 && errno == ESRCH) {
			/* the owner died holding it: take it over (the state is checked on use) */
			if (__atomic_compare_exchange_n(&heap->lock, &w, me, 0, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return;
			continue;
		}
		if (now_ms() - start > bounds.v.lock_timeout_ms)
			flexos_rt_die("shared heap: process %u has held the lock for more than %ld ms; "
				      "stopping (FLEXOS_HEAP_LOCK_TIMEOUT_MS)", owner,
				      bounds.v.lock_timeout_ms);
		if (!(w & LOCK_WAITERS) &&
		    !__atomic_compare_exchange_n(&heap->lock, &w, w | LOCK_WAITERS, 0, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		futex(&heap->lock, FUTEX_WAIT, w | LOCK_WAITERS, &ts);
	}
}

static void unlock(struct heap_state *heap)
{
	if (__atomic_exchange_n(&heap->lock, 0, __ATOMIC_RELEASE) & LOCK_WAITERS)
		futex(&heap->lock, FUTEX_WAKE, 1, NULL);
}

void flexos_rt_heap_init(unsigned group, void *base, size_t size)
{
	struct region *r = &bounds.v.r[group];
	r->heap = base;
	r->base = base;
	r->blocks = (char *)base + ((sizeof(struct heap_state) + 63) & ~(size_t)63);
	r->limit = (char *)base + size;
	if (group >= bounds.v.count)
		bounds.v.count = group + 1;
	const char *t = getenv("FLEXOS_HEAP_LOCK_TIMEOUT_MS");
	bounds.v.lock_timeout_ms = t && *t ? strtol(t, NULL, 0) : 5000;
	if (r->heap->ready)
		return;
	r->heap->bump = r->blocks;
	r->heap->limit = r->limit;
	r->heap->ready = 1;
}

void flexos_rt_heap_seal(void)
{
	if (mprotect(&bounds, sizeof(bounds), PROT_READ) != 0)
		flexos_rt_die("shared heap: mprotect(bounds, read-only): %s", strerror(errno));
}

unsigned flexos_rt_num_groups(void)
{
	if (!&flexos_shared_groups)
		return 1;
	unsigned n = flexos_shared_groups.count;
	const uint32_t *m = flexos_shared_groups.members;
	if (n < 1 || n > FLEXOS_MAX_SHARED_GROUPS || m[0] != ALL_COMPARTMENTS)
		flexos_rt_die("flexos/groups.c: %u shared-heap groups, group 0 %#x: expected 1 to %d "
			      "groups, group 0 = every compartment (%#x); regenerate it", n, m[0],
			      FLEXOS_MAX_SHARED_GROUPS, ALL_COMPARTMENTS);
	for (unsigned g = 1; g < n; g++)
		if (!m[g] || (m[g] & ~ALL_COMPARTMENTS))
			flexos_rt_die("flexos/groups.c: group %u names compartments %#x, outside %#x; "
				      "regenerate it", g, m[g], ALL_COMPARTMENTS);
	return n;
}

uint32_t flexos_rt_group_members(unsigned group)
{
	return members_of(group);
}

void flexos_rt_group_region(unsigned group, char **lo, char **hi)
{
	*lo = bounds.v.r[group].base;
	*hi = bounds.v.r[group].limit;
}

/* 1 if a compartment running in this process belongs to the group. */
static int member_here(unsigned group)
{
	uint32_t m = members_of(group);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if ((m >> c & 1) && flexos_comp_rt[c].host == flexos_rt_my_host)
			return 1;
	return 0;
}

void flexos_rt_drop_groups(void)
{
	for (unsigned g = 1; g < bounds.v.count; g++) {
		const struct region *r = &bounds.v.r[g];
		if (!member_here(g) && munmap(r->base, (size_t)(r->limit - r->base)) != 0)
			flexos_rt_die("shared heap: munmap(group %u): %s", g, strerror(errno));
	}
}

/* The region of `group` for an allocation made in this process. */
static struct region *region_of_group(unsigned group, const char *who)
{
	if (!bounds.v.count)
		flexos_rt_init();
	if (group >= bounds.v.count)
		flexos_rt_die("%s: shared-heap group %u is not in this deployment's table (%u groups); "
			      "regenerate flexos/groups.c", who, group, bounds.v.count);
	if (group && !member_here(group))
		flexos_rt_die("%s: shared-heap group %u (compartments %#x) has no compartment in this "
			      "process", who, group, members_of(group));
	return &bounds.v.r[group];
}

/* The region a block pointer lies in (the block area of a region mapped here). */
static struct region *region_of_block(void *p, const char *who)
{
	char *q = p;
	for (unsigned g = 0; g < bounds.v.count; g++) {
		struct region *r = &bounds.v.r[g];
		if (q >= r->blocks && q < r->limit) {
			if (g && !member_here(g))
				flexos_rt_die("%s(%p): a block of shared-heap group %u (compartments %#x), "
					      "which has no compartment in this process", who, p, g,
					      members_of(g));
			return r;
		}
	}
	flexos_rt_die("%s(%p): not a block of the shared heap", who, p);
}

/* Carves `bytes` (a multiple of 16) from the untouched part of the region; lock held. */
static char *carve(const struct region *r, size_t bytes)
{
	struct heap_state *heap = r->heap;
	if (heap->bump < r->blocks || heap->bump > r->limit || ((uintptr_t)heap->bump & 15))
		forged("the bump pointer", heap->bump);
	if ((size_t)(r->limit - heap->bump) < bytes)
		return NULL;
	char *p = heap->bump;
	heap->bump += bytes;
	return p;
}

static char *alloc_block(const struct region *r, size_t total, uint32_t *cls_out, uint64_t *size_out)
{
	struct heap_state *heap = r->heap;
	char *block;
	if (total <= SMALL_MAX) {
		unsigned c = class_of(total);
		lock(heap);
		struct free_block *f = heap->free_small[c];
		if (f) {
			checked(r, f, class_size(c), "a free-list link");
			if (((struct hdr *)f)->magic != MAGIC_FREE || ((struct hdr *)f)->cls != c)
				forged("a free block", f);
			heap->free_small[c] = f->next;
			block = (char *)f;
		} else {
			block = carve(r, class_size(c));
		}
		unlock(heap);
		*cls_out = c;
		*size_out = class_size(c);
		return block;
	}
	size_t bytes = (total + 4095) & ~(size_t)4095;
	lock(heap);
	struct large_free **pp = &heap->free_large;
	block = NULL;
	for (; *pp; pp = &(*pp)->next) {
		checked(r, *pp, sizeof(struct large_free), "a large free-list link");
		if ((*pp)->magic != MAGIC_FREE || (*pp)->size % 4096 ||
		    (size_t)(r->limit - (char *)*pp) < (*pp)->size)
			forged("a large free block", *pp);
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
		if (pad && carve(r, pad)) {
			/* the skipped bytes become a small free block when they fit one */
			char *gap = heap->bump - pad;
			while (pad >= 16) {
				unsigned c = 0;
				while (c + 1 < NUM_CLASSES && class_size(c + 1) <= pad && class_size(c + 1) <= SMALL_MAX)
					c++;
				struct free_block *f = (struct free_block *)gap;
				f->magic = MAGIC_FREE;
				f->cls = c;
				f->next = heap->free_small[c];
				heap->free_small[c] = f;
				gap += class_size(c);
				pad -= class_size(c);
			}
		}
		block = carve(r, bytes);
	}
	unlock(heap);
	*cls_out = LARGE_CLASS;
	*size_out = bytes;
	return block;
}

static size_t usable_size(const struct hdr *h)
{
	uint64_t block = h->cls == LARGE_CLASS ? h->extra : class_size(h->cls);
	return (size_t)block - HDR_SIZE;
}

static void *malloc_in(const struct region *r, size_t size)
{
	if (size > ((size_t)1 << 40)) {
		errno = ENOMEM;
		return NULL;
	}
	uint32_t cls;
	uint64_t bytes;
	char *block = alloc_block(r, size + HDR_SIZE, &cls, &bytes);
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

void *flexos_shared_malloc(size_t size)
{
	return malloc_in(region_of_group(0, "flexos_shared_malloc"), size);
}

void *flexos_shared_group_malloc(unsigned group, size_t size)
{
	return malloc_in(region_of_group(group, "flexos_shared_group_malloc"), size);
}

static struct hdr *header_of(const struct region *r, void *p, const char *who)
{
	struct hdr *h = (struct hdr *)((char *)p - HDR_SIZE);
	checked(r, h, HDR_SIZE, who);
	if (h->magic == MAGIC_ALIGNED) {
		if (h->extra > (uint64_t)((char *)h - r->blocks) || (h->extra & 15))
			forged(who, p);
		h = (struct hdr *)((char *)h - h->extra);
	}
	if (h->magic != MAGIC_BLOCK)
		flexos_rt_die("%s(%p): not a block of the shared heap", who, p);
	if ((h->cls == LARGE_CLASS && (h->extra % 4096 || (size_t)(r->limit - (char *)h) < h->extra)) ||
	    (h->cls != LARGE_CLASS && (h->cls >= NUM_CLASSES || (size_t)(r->limit - (char *)h) < class_size(h->cls))))
		forged(who, p);
	return h;
}

void flexos_shared_free(void *p)
{
	if (!p)
		return;
	struct region *r = region_of_block(p, "flexos_shared_free");
	struct heap_state *heap = r->heap;
	struct hdr *h = header_of(r, p, "flexos_shared_free");
	size_t bytes = h->cls == LARGE_CLASS ? (size_t)h->extra : class_size(h->cls);
	uint32_t cls = h->cls;
	memset(h, 0, bytes); /* nothing of it stays for the next owner to read */
	lock(heap);
	if (cls == LARGE_CLASS) {
		struct large_free *l = (struct large_free *)h;
		l->magic = MAGIC_FREE;
		l->cls = LARGE_CLASS;
		l->size = bytes;
		l->next = heap->free_large;
		heap->free_large = l;
	} else {
		struct free_block *f = (struct free_block *)h;
		f->magic = MAGIC_FREE;
		f->cls = cls;
		f->next = heap->free_small[cls];
		heap->free_small[cls] = f;
	}
	unlock(heap);
}

static void *calloc_in(const struct region *r, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc_in(r, total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *flexos_shared_calloc(size_t n, size_t size)
{
	return calloc_in(region_of_group(0, "flexos_shared_calloc"), n, size);
}

void *flexos_shared_group_calloc(unsigned group, size_t n, size_t size)
{
	return calloc_in(region_of_group(group, "flexos_shared_group_calloc"), n, size);
}

/* `to`: the region the block must end up in (NULL: the one it is in). */
static void *realloc_in(const struct region *to, void *p, size_t size, const char *who)
{
	if (!p)
		return malloc_in(to ? to : region_of_group(0, who), size);
	if (size == 0) {
		flexos_shared_free(p);
		return NULL;
	}
	const struct region *r = region_of_block(p, who);
	struct hdr *h = header_of(r, p, who);
	size_t have = usable_size(h) - (size_t)((char *)p - ((char *)h + HDR_SIZE));
	if (!to)
		to = r;
	if (size <= have && to == r)
		return p;
	void *q = malloc_in(to, size);
	if (!q)
		return NULL;
	memcpy(q, p, have < size ? have : size);
	flexos_shared_free(p);
	return q;
}

void *flexos_shared_realloc(void *p, size_t size)
{
	return realloc_in(NULL, p, size, "flexos_shared_realloc");
}

void *flexos_shared_group_realloc(unsigned group, void *p, size_t size)
{
	return realloc_in(region_of_group(group, "flexos_shared_group_realloc"), p, size,
			  "flexos_shared_group_realloc");
}

static void *memalign_in(const struct region *r, size_t align, size_t size)
{
	if (align <= 16)
		return malloc_in(r, size);
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	char *raw = malloc_in(r, size + align + HDR_SIZE);
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

void *flexos_shared_memalign(size_t align, size_t size)
{
	return memalign_in(region_of_group(0, "flexos_shared_memalign"), align, size);
}

void *flexos_shared_group_memalign(unsigned group, size_t align, size_t size)
{
	return memalign_in(region_of_group(group, "flexos_shared_group_memalign"), align, size);
}

void *flexos_shared_palloc(size_t npages)
{
	return flexos_shared_memalign(4096, npages * 4096);
}

void *flexos_shared_group_palloc(unsigned group, size_t npages)
{
	return flexos_shared_group_memalign(group, 4096, npages * 4096);
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
