/*
 * The common Linux userspace runtime: compartment table checks, shared memory, compartment
 * stacks (with DSS shadows), stack switching and the start-up sequence (__wrap_main).
 * See rules/common/README.md for the model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <flexos/isolation.h>
#include <flexos/internal.h>

#ifndef FLEXOS_SHARED_HEAP_SIZE
#define FLEXOS_SHARED_HEAP_SIZE (256UL << 20)
#endif
#ifndef FLEXOS_SHARED_GROUP_HEAP_SIZE
#define FLEXOS_SHARED_GROUP_HEAP_SIZE (64UL << 20)
#endif

union flexos_comp_rt_page flexos_comp_rt_page __attribute__((aligned(4096)));
struct flexos_comp_state flexos_rt_boot;
struct flexos_comp_state *flexos_rt_cur_stack = &flexos_rt_boot;
int flexos_rt_started;
int flexos_rt_nhosts = 1;
int flexos_rt_my_host;

_Static_assert(__builtin_offsetof(struct flexos_comp_state, pkru) == 0, "asm uses offset 0");
_Static_assert(__builtin_offsetof(struct flexos_comp_state, sp) == 8, "asm uses offset 8");

static int initialised;
static int shm_fd = -1;      /* memfd behind everything shared between processes (vmept) */
static off_t shm_size;

extern int __real_main(int, char **, char **) __attribute__((weak));
extern char __executable_start[], _end[]; /* the default linker script defines them */

void flexos_rt_die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("flexos: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(70);
}

int flexos_rt_any_mech(int mech)
{
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_compartments[c].mech == mech)
			return 1;
	return 0;
}

/* The runtime of mechanism `id`, NULL when the deployment does not link it. */
static const struct flexos_mechanism *mechanism(int id)
{
	for (const struct flexos_mechanism *const *m = flexos_mechanisms; *m; m++)
		if ((*m)->id == id)
			return *m;
	return NULL;
}

/* The mechanism that separates the compartments sharing this process (intel-pku), once it is
 * set up; NULL when none does. */
static const struct flexos_mechanism *switcher(void)
{
	for (const struct flexos_mechanism *const *m = flexos_mechanisms; *m; m++)
		if ((*m)->shares_process && (*m)->active && (*m)->active())
			return *m;
	return NULL;
}

/* Has a runtime that isolates (any hook): needs --wrap=main and the lockdown. */
static int isolating(const struct flexos_mechanism *m)
{
	return m && (m->require || m->start || m->setup || m->call || m->run_main);
}

static int any_isolating(void)
{
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (isolating(mechanism(flexos_compartments[c].mech)))
			return 1;
	return 0;
}

/* Maps `len` bytes that every process of the deployment sees (a fresh piece of the memfd), at
 * `fixed` when not NULL. Without vmept there is one process: private anonymous memory. */
static void *map_shared(void *fixed, size_t len)
{
	int flags = fixed ? MAP_FIXED : 0;
	void *p;
	if (shm_fd < 0) {
		p = mmap(fixed, len, PROT_READ | PROT_WRITE,
			 flags | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	} else {
		if (ftruncate(shm_fd, shm_size + (off_t)len) != 0)
			flexos_rt_die("ftruncate(shared memory): %s", strerror(errno));
		p = mmap(fixed, len, PROT_READ | PROT_WRITE, flags | MAP_SHARED, shm_fd, shm_size);
		shm_size += (off_t)len;
	}
	if (p == MAP_FAILED)
		flexos_rt_die("mmap(%zu bytes of shared memory): %s", len, strerror(errno));
	return p;
}

static void check_table(void)
{
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		const struct flexos_compartment *k = &flexos_compartments[c];
		if (!k->name || k->id != c)
			flexos_rt_die("deployment.c: compartment %d is missing from the table", c);
		if (!mechanism(k->mech))
			flexos_rt_die("deployment.c: compartment %d (%s): mechanism %d is not part of "
				      "this build (flexos/mechanisms.c)", c, k->name, k->mech);
		if (FLEXOS_PAGE_DOWN(k->data_start) != (uintptr_t)k->data_start ||
		    FLEXOS_PAGE_DOWN(k->bss_start) != (uintptr_t)k->bss_start ||
		    FLEXOS_PAGE_DOWN(k->data_end) != (uintptr_t)k->data_end ||
		    FLEXOS_PAGE_DOWN(k->bss_end) != (uintptr_t)k->bss_end ||
		    FLEXOS_PAGE_DOWN(k->rodata_start) != (uintptr_t)k->rodata_start ||
		    FLEXOS_PAGE_DOWN(k->rodata_end) != (uintptr_t)k->rodata_end)
			flexos_rt_die("compartment %d (%s): sections not page aligned; link with "
				      "-Wl,-T,flexos_extra.ld", c, k->name);
	}
	if (FLEXOS_PAGE_DOWN(__flexos_data_shared_start) != (uintptr_t)__flexos_data_shared_start ||
	    FLEXOS_PAGE_DOWN(__flexos_data_shared_end) != (uintptr_t)__flexos_data_shared_end)
		flexos_rt_die(".data_shared not page aligned; link with -Wl,-T,flexos_extra.ld");
}

static size_t heap_size(const char *var, size_t dflt)
{
	const char *s = getenv(var);
	if (!s || !*s)
		return dflt;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || v < (1UL << 20))
		flexos_rt_die("%s=%s: expected a size of at least 1M", var, s);
	return FLEXOS_PAGE_UP(v);
}

/* Per compartment: [guard page][stack FLEXOS_STACK_SIZE][DSS shadow FLEXOS_STACK_SIZE]. The
 * stack is shared between processes only under the shared-stack strategy; the shadow always is. */
static void make_stacks(void)
{
	size_t shadow = 0;
#ifdef FLEXOS_SHARING_DSS
	shadow = FLEXOS_STACK_SIZE;
#endif
	size_t per = FLEXOS_PAGE_SIZE + FLEXOS_STACK_SIZE + shadow;
	char *base = mmap(NULL, per * FLEXOS_NUM_COMPARTMENTS, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		flexos_rt_die("mmap(compartment stacks): %s", strerror(errno));
	flexos_rt_fence(base, base + per * FLEXOS_NUM_COMPARTMENTS);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		char *lo = base + per * c + FLEXOS_PAGE_SIZE;
#ifdef FLEXOS_SHARING_SHARED_STACK
		if (shm_fd >= 0)
			map_shared(lo, FLEXOS_STACK_SIZE);
		else
#endif
		if (mprotect(lo, FLEXOS_STACK_SIZE, PROT_READ | PROT_WRITE) != 0)
			flexos_rt_die("mprotect(stack of compartment %d): %s", c, strerror(errno));
		if (shadow) {
			if (shm_fd >= 0)
				map_shared(lo + FLEXOS_STACK_SIZE, shadow);
			else if (mprotect(lo + FLEXOS_STACK_SIZE, shadow, PROT_READ | PROT_WRITE) != 0)
				flexos_rt_die("mprotect(DSS of compartment %d): %s", c, strerror(errno));
		}
		flexos_comp_rt[c].stack_lo = lo;
		flexos_comp_rt[c].stack_hi = lo + FLEXOS_STACK_SIZE;
		flexos_comp_rt[c].sp = lo + FLEXOS_STACK_SIZE;
	}
}

void flexos_rt_init(void)
{
	if (initialised)
		return;
	initialised = 1;
	if (sysconf(_SC_PAGESIZE) != (long)FLEXOS_PAGE_SIZE)
		flexos_rt_die("page size %ld is not supported (4096 expected)", sysconf(_SC_PAGESIZE));
	check_table();
	flexos_rt_fence(__executable_start, _end); /* every compartment's sections, the tables */
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) { /* the linker left them writable */
		const struct flexos_compartment *k = &flexos_compartments[c];
		if (k->rodata_end > k->rodata_start &&
		    mprotect(k->rodata_start, (size_t)(k->rodata_end - k->rodata_start), PROT_READ) != 0)
			flexos_rt_die("mprotect(.rodata_comp%d, read-only): %s", c, strerror(errno));
	}
	if (any_isolating() && !__real_main)
		flexos_rt_die("this deployment isolates compartments: link with -Wl,--wrap=main");

	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		int own = mechanism(flexos_compartments[c].mech)->own_process &&
			  c != FLEXOS_DEFAULT_COMPARTMENT;
		flexos_comp_rt[c].host = own ? flexos_rt_nhosts++ : 0;
	}

	if (flexos_rt_nhosts > 1) {
		shm_fd = memfd_create("flexos-shared", MFD_CLOEXEC);
		if (shm_fd < 0)
			flexos_rt_die("memfd_create: %s", strerror(errno));
		/* .data_shared: copy its initial contents into the memfd, map that over it */
		size_t len = (size_t)(__flexos_data_shared_end - __flexos_data_shared_start);
		if (len) {
			if (ftruncate(shm_fd, shm_size + (off_t)len) != 0 ||
			    pwrite(shm_fd, __flexos_data_shared_start, len, shm_size) != (ssize_t)len)
				flexos_rt_die("copying .data_shared: %s", strerror(errno));
			map_shared(__flexos_data_shared_start, len);
		}
	}
	size_t hs = heap_size("FLEXOS_SHARED_HEAP_SIZE", FLEXOS_SHARED_HEAP_SIZE);
	flexos_rt_heap_init(0, map_shared(NULL, hs), hs);
	unsigned groups = flexos_rt_num_groups();
	if (groups > 1) {
		/* one reservation for the groups' regions: fenced as a whole (no mmap/mprotect over
		 * them after start-up), each region its own piece of shared memory */
		size_t gs = heap_size("FLEXOS_SHARED_GROUP_HEAP_SIZE", FLEXOS_SHARED_GROUP_HEAP_SIZE);
		char *area = mmap(NULL, gs * (groups - 1), PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (area == MAP_FAILED)
			flexos_rt_die("mmap(shared-heap groups): %s", strerror(errno));
		for (unsigned g = 1; g < groups; g++)
			flexos_rt_heap_init(g, map_shared(area + gs * (g - 1), gs), gs);
		flexos_rt_fence(area, area + gs * (groups - 1));
	}
	make_stacks();
	if (shm_fd >= 0) { /* the mappings keep the memory; the program keeps its descriptors */
		close(shm_fd);
		shm_fd = -1;
	}
}

__attribute__((constructor(101))) static void flexos_rt_constructor(void)
{
	flexos_rt_init();
}

static void drop_range(char *lo, char *hi)
{
	if (hi > lo && munmap(lo, (size_t)(hi - lo)) != 0)
		flexos_rt_die("munmap(%p): %s", (void *)lo, strerror(errno));
}

void flexos_rt_drop_compartment(int c)
{
	const struct flexos_compartment *k = &flexos_compartments[c];
	drop_range(k->data_start, k->data_end);
	drop_range(k->bss_start, k->bss_end);
	drop_range(k->rodata_start, k->rodata_end);
#ifndef FLEXOS_SHARING_SHARED_STACK
	drop_range(flexos_comp_rt[c].stack_lo, flexos_comp_rt[c].stack_hi);
#endif
}

/* Is [p, p+1) inside memory private to compartment c in this process (data, bss, stack)? */
static int in_private(int c, uint64_t p)
{
	const struct flexos_compartment *k = &flexos_compartments[c];
	char *q = (char *)(uintptr_t)p;
	return (q >= k->data_start && q < k->data_end) || (q >= k->bss_start && q < k->bss_end) ||
	       (q >= k->rodata_start && q < k->rodata_end) ||
	       (q >= flexos_comp_rt[c].stack_lo && q < flexos_comp_rt[c].stack_hi);
}

uint64_t flexos_rt_entry(int from, int to, uint64_t id, uint64_t args[6])
{
	const char *caller = from >= 0 && from < FLEXOS_NUM_COMPARTMENTS ? flexos_compartments[from].name : "?";
	if (to < 0 || to >= FLEXOS_NUM_COMPARTMENTS)
		flexos_rt_die("refused call from compartment %d (%s) into compartment %d: no such "
			      "compartment", from, caller, to);
	const char *callee = flexos_compartments[to].name;
	if (from < 0 || from >= FLEXOS_NUM_COMPARTMENTS)
		flexos_rt_die("refused call into compartment %d (%s) from compartment %d: no such "
			      "compartment", to, callee, from);
	const struct flexos_entry_table *t = &flexos_entry_tables[to];
	uint32_t index = (uint32_t)id, nargs = (uint32_t)(id >> 32);
	if (index >= t->count)
		flexos_rt_die("refused call from compartment %d (%s) into compartment %d (%s): entry "
			      "%u is not in its table of %u entries", from, caller, to, callee, index,
			      t->count);
	const struct flexos_entry *e = &t->entries[index];
	if (!(e->callers >> from & 1))
		flexos_rt_die("refused call from compartment %d (%s) into compartment %d (%s): %s has "
			      "no gate from %s", from, caller, to, callee, e->name, caller);
	if (nargs != e->arity)
		flexos_rt_die("refused call from compartment %d (%s) into compartment %d (%s): %s "
			      "takes %u arguments, the call passed %u", from, caller, to, callee,
			      e->name, e->arity, nargs);
	for (unsigned i = e->arity; i < 6; i++)
		args[i] = 0; /* nothing but the declared arguments reaches the callee */
#ifdef FLEXOS_CHECK_POINTER_ARGS
	for (unsigned i = 0; i < e->arity; i++)
		if ((e->pointer_args >> i & 1) && in_private(to, args[i]))
			flexos_rt_die("refused call from compartment %d (%s) into compartment %d (%s): "
				      "argument %u of %s points into %s's private memory (%p)", from,
				      caller, to, callee, i + 1, e->name, callee,
				      (void *)(uintptr_t)args[i]);
#else
	(void)in_private;
#endif
	return e->fn;
}

uint64_t flexos_rt_local_call(int from, int to, uint64_t id, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (to < 0 || to >= FLEXOS_NUM_COMPARTMENTS || flexos_comp_rt[to].host != flexos_rt_my_host)
		flexos_rt_die("call into compartment %d, which does not run in this process", to);
	uint64_t a[6] = { a1, a2, a3, a4, a5, a6 };
	const struct flexos_mechanism *m = switcher();
	if (m && m->call)
		return m->call(from, to, id, a);
	uint64_t fn = flexos_rt_entry(from, to, id, a);
	return ((flexos_fn6_t)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* flexos_rt_switch_call(a1..a6 in rdi rsi rdx rcx r8 r9; fn, from, to on the stack) */
__asm__(".text\n"
	".globl flexos_rt_switch_call\n"
	".type flexos_rt_switch_call,@function\n"
	"flexos_rt_switch_call:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	sub $8, %rsp\n"              /* rsp is now 16-byte aligned */
	"	mov 48(%rsp), %r11\n"        /* fn */
	"	mov 64(%rsp), %r12\n"        /* to */
	"	mov flexos_rt_cur_stack(%rip), %rbp\n"
	"	mov 8(%rbp), %r13\n"         /* the stack we leave: its previous saved sp */
	"	mov %rsp, 8(%rbp)\n"
	"	mov %r12, flexos_rt_cur_stack(%rip)\n"
	"	mov 8(%r12), %rsp\n"
	"	call *%r11\n"
	"	mov 8(%rbp), %rsp\n"
	"	mov %r13, 8(%rbp)\n"
	"	mov %rbp, flexos_rt_cur_stack(%rip)\n"
	"	add $8, %rsp\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size flexos_rt_switch_call, .-flexos_rt_switch_call\n");

/*
 * Start-up, second half (the first is the constructor above): runs instead of main when the
 * program is linked with -Wl,--wrap=main. Checks the mechanisms, forks the vmept compartments,
 * protects what this process must not reach, sets the protection keys, then runs main on the
 * default compartment's private stack.
 */
int __wrap_main(int argc, char **argv, char **envp)
{
	flexos_rt_init();
	void *entry_frame = __builtin_frame_address(0);
	const struct flexos_mechanism *const *m;
	if (any_isolating())
		flexos_rt_heap_seal();
	for (m = flexos_mechanisms; *m; m++)
		if ((*m)->require && flexos_rt_any_mech((*m)->id))
			(*m)->require();
	for (m = flexos_mechanisms; *m; m++)
		if ((*m)->start && flexos_rt_any_mech((*m)->id))
			(*m)->start(entry_frame); /* returns in the main process only */
	flexos_rt_drop_groups(); /* the groups none of this process's compartments is in */
	int shared = 0;
	for (m = flexos_mechanisms; *m; m++)
		if (flexos_rt_any_mech((*m)->id)) {
			if ((*m)->setup)
				(*m)->setup();
			shared |= (*m)->shares_process;
		}
	if (any_isolating())
		flexos_rt_lockdown(shared);
	flexos_rt_started = 1;
	const struct flexos_mechanism *sw = switcher();
	if (sw && sw->run_main)
		return sw->run_main(argc, argv, envp, (void *)__real_main);
	return (int)flexos_rt_switch_call((uint64_t)argc, (uint64_t)(uintptr_t)argv,
					  (uint64_t)(uintptr_t)envp, 0, 0, 0, FLEXOS_FN(__real_main),
					  &flexos_rt_boot, &flexos_comp_rt[FLEXOS_DEFAULT_COMPARTMENT]);
}
