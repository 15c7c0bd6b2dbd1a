/*
 * intel-pku runtime: key allocation, memory tagging, PKRU values and the gate trampoline.
 * Runs in the main process (intel-pku compartments never get a process of their own; in a mixed
 * deployment they share the main process with the default compartment).
 *
 * What a compromised compartment holds: its own code, every wrpkru/xrstor byte sequence in the
 * binary (the build scans for them outside this file's gates: flexos_scan_pkru.c), key-0 memory.
 * What it must not be able to change, and where that lives:
 *   - PKRU values, the compartment stacks' bounds, `active`: read-only pages (key 0) after set-up;
 *   - which compartment runs, each stack's next entry point, the call stack of gates, the
 *     trusted stack: pages with the runtime key, which compartments' PKRU make read-only;
 *   - the entry tables: const data (.rodata / RELRO);
 *   - the protections themselves: pkey_mprotect and mprotect/mmap over the image and the stacks
 *     are refused by the seccomp filter (flexos_lockdown.c).
 * Every wrpkru of this file is followed by a check that the PKRU it wrote is the one the runtime
 * state says (ERIM's pattern): jumping straight onto one with a PKRU of one's choosing ends the
 * program. The first wrpkru of a gate enters the trusted phase (PKRU 0: every key); the caller's
 * compartment is read from the runtime state, never from the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <flexos/isolation.h>
#include <flexos/internal.h>

#define BOOT FLEXOS_MAX_COMPARTMENTS /* the pseudo-compartment of start-up code */
#define MAX_DEPTH 1024               /* nested gates */
#define TRUSTED_STACK (256UL << 10)
#define WATCHDOG_STACK (256UL << 10)
#define TIMEOUT_DEFAULT_MS 30000

struct frame {
	int16_t caller, callee; /* 0..FLEXOS_NUM_COMPARTMENTS, BOOT */
	uint32_t entry;      /* the entry index called (for the watchdog's report) */
	char *caller_sp;     /* where the caller's stack continues when the callee returns */
	char *saved_next_sp; /* the caller's next entry point before this gate */
};

/* Runtime-key pages: compartments may read, only the trusted phase writes. */
struct state {
	int32_t cur;   /* offset 0: the compartment running now (BOOT before main) */
	int32_t depth; /* gates in progress */
	char *tsp;     /* offset 8: where the next trusted frame goes */
	uint64_t gen;  /* +1 on every gate entry and return: the watchdog sees progress */
	char *next_sp[FLEXOS_MAX_COMPARTMENTS + 1];
	struct frame frames[MAX_DEPTH];
};

/* Read-only after set-up (one page, key 0). The trampoline reads it at fixed offsets. */
struct ro {
	uint32_t pkru[FLEXOS_MAX_COMPARTMENTS + 1]; /* offset 0; [BOOT] */
	uint32_t pad;
	struct state *state; /* offset 72 */
	int32_t vector;      /* offset 80: 0 SSE only, 1 AVX, 2 AVX-512 */
	int32_t active;      /* offset 84: keys are set, the gates switch */
	int32_t runtime_key;
	long timeout_ms;     /* FLEXOS_INTELPKU_TIMEOUT_MS: the watchdog's limit (0: none) */
	char *watchdog_stack;
};
_Static_assert(__builtin_offsetof(struct ro, state) == 72, "asm uses offset 72");
_Static_assert(__builtin_offsetof(struct ro, vector) == 80, "asm uses offset 80");
_Static_assert(__builtin_offsetof(struct ro, active) == 84, "asm uses offset 84");
_Static_assert(__builtin_offsetof(struct state, tsp) == 8, "asm uses offset 8");

union ro_page {
	struct ro r;
	char page[4096];
};
union ro_page flexos_intelpku_ro __attribute__((aligned(4096), visibility("hidden")));
#define RO (flexos_intelpku_ro.r)

/* What the trampoline keeps on the trusted stack for one gate (64 bytes). */
struct gate_frame {
	uint64_t a[6];
	uint64_t fn;
	char *sp; /* entry: the callee's stack; return: the caller's */
};
_Static_assert(sizeof(struct gate_frame) == 64, "asm uses 64");

/* PKRU: two bits per key, AD (access disable) at 2k, WD (write disable) at 2k+1. Allowed: key
 * 0 and `key`; the runtime key readable. */
static uint32_t pkru_allowing(int key, int runtime_key)
{
	uint32_t pkru = ~(uint32_t)3;
	if (key > 0)
		pkru &= ~((uint32_t)3 << (2 * key));
	pkru &= ~((uint32_t)1 << (2 * runtime_key)); /* AD off, WD stays on */
	return pkru;
}

static void require(void)
{
	int key = pkey_alloc(0, 0);
	if (key < 0) {
		int err = errno;
		fflush(stdout);
		fprintf(stderr,
			"flexos: intel-pku: this CPU or kernel has no memory protection keys "
			"(pkey_alloc: %s); exiting with status 77\n",
			strerror(err));
		_exit(77);
	}
	pkey_free(key);
}

static void tag(void *lo, void *hi, int prot, int key, int c, const char *what)
{
	if (hi > lo && pkey_mprotect(lo, (size_t)((char *)hi - (char *)lo), prot, key) != 0)
		flexos_rt_die("intel-pku: pkey_mprotect(%s of compartment %d): %s", what, c,
			      strerror(errno));
}

/* Shared-heap groups (flexos/groups.c) whose members are some but not all of this process's
 * compartments get a key of their own, allowed in their members' PKRU only. Groups with every
 * compartment of this process keep key 0; groups with none are not mapped here (vmept). The
 * rewrite gives the excess groups to group 0 when they outnumber the free keys (with a warning);
 * a kernel with fewer keys than it budgeted stops here. */
static void key_groups(int rk)
{
	uint32_t here = 0;
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host == flexos_rt_my_host)
			here |= 1u << c;
	unsigned n = flexos_rt_num_groups();
	for (unsigned g = 1; g < n; g++) {
		uint32_t m = flexos_rt_group_members(g) & here;
		if (m == 0 || m == here)
			continue;
		int key = pkey_alloc(0, PKEY_DISABLE_ACCESS);
		if (key < 0)
			flexos_rt_die("intel-pku: pkey_alloc for shared-heap group %u (compartments %#x): "
				      "%s; this kernel has fewer protection keys than the rewrite "
				      "budgeted", g, flexos_rt_group_members(g), strerror(errno));
		if (key == rk)
			flexos_rt_die("intel-pku: pkey_alloc returned the runtime key");
		char *lo, *hi;
		flexos_rt_group_region(g, &lo, &hi);
		tag(lo, hi, PROT_READ | PROT_WRITE, key, -1, "shared-heap group");
		for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
			if (m >> c & 1)
				RO.pkru[c] &= ~((uint32_t)3 << (2 * key));
	}
}

/* exit(0) called by a compartment other than the default one inside a gate ends the program
 * with 70 and says so: a compromised library must not end it silently with success. */
static void exit_check(int status, void *arg)
{
	(void)arg;
	struct state *s = RO.state;
	if (status != 0 || !s || s->depth <= 0 || s->cur == FLEXOS_DEFAULT_COMPARTMENT ||
	    s->cur >= FLEXOS_NUM_COMPARTMENTS)
		return;
	fflush(stdout);
	fprintf(stderr, "flexos: compartment %s called exit(0) inside a gate; ending the program "
			"with status 70\n", flexos_compartments[s->cur].name);
	_exit(70);
}

static void setup(void)
{
	int rk = pkey_alloc(0, 0);
	if (rk < 0)
		flexos_rt_die("intel-pku: pkey_alloc for the runtime: %s", strerror(errno));
	RO.runtime_key = rk;
	size_t len = FLEXOS_PAGE_UP(sizeof(struct state)) + TRUSTED_STACK;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		flexos_rt_die("intel-pku: mmap(runtime state): %s", strerror(errno));
	struct state *s = (struct state *)mem;
	s->cur = BOOT;
	s->tsp = mem + len;
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		s->next_sp[c] = (char *)((uintptr_t)flexos_comp_rt[c].stack_hi & ~(uintptr_t)15);
	RO.state = s;
	const char *t = getenv("FLEXOS_INTELPKU_TIMEOUT_MS");
	RO.timeout_ms = TIMEOUT_DEFAULT_MS;
	if (t && *t) {
		char *end;
		errno = 0;
		RO.timeout_ms = strtol(t, &end, 10);
		if (*end || errno || RO.timeout_ms < 0)
			flexos_rt_die("FLEXOS_INTELPKU_TIMEOUT_MS=%s: expected a number of milliseconds "
				      "(0: no watchdog)", t);
	}
	if (RO.timeout_ms > 0) {
		/* the watchdog's stack (and, at its top, its thread control block): runtime key, so
		 * no compartment can write what the watchdog runs on */
		char *w = mmap(NULL, WATCHDOG_STACK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w == MAP_FAILED)
			flexos_rt_die("intel-pku: mmap(watchdog stack): %s", strerror(errno));
		tag(w, w + WATCHDOG_STACK, PROT_READ | PROT_WRITE, rk, -1, "watchdog stack");
		flexos_rt_fence(w, w + WATCHDOG_STACK);
		RO.watchdog_stack = w;
	}
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		const struct flexos_compartment *k = &flexos_compartments[c];
		if (flexos_comp_rt[c].host != flexos_rt_my_host)
			continue;
		int key = 0;
		if (k->mech == FLEXOS_MECH_INTELPKU) {
			/* no access for the set-up thread itself (and the watchdog it starts) */
			key = pkey_alloc(0, PKEY_DISABLE_ACCESS);
			if (key < 0)
				flexos_rt_die("intel-pku: pkey_alloc for compartment %d (%s): %s", c,
					      k->name, strerror(errno));
			tag(k->data_start, k->data_end, PROT_READ | PROT_WRITE, key, c, "data");
			tag(k->bss_start, k->bss_end, PROT_READ | PROT_WRITE, key, c, "bss");
			tag(k->rodata_start, k->rodata_end, PROT_READ, key, c, "read-only data");
#ifndef FLEXOS_SHARING_SHARED_STACK
			tag(flexos_comp_rt[c].stack_lo, flexos_comp_rt[c].stack_hi,
			    PROT_READ | PROT_WRITE, key, c, "stack");
#endif
		}
		RO.pkru[c] = pkru_allowing(key, rk);
	}
	key_groups(rk);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host == flexos_rt_my_host)
			flexos_comp_rt[c].pkru = RO.pkru[c];
	RO.pkru[BOOT] = RO.pkru[FLEXOS_DEFAULT_COMPARTMENT]; /* what runs after main: its rights */
	RO.vector = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx") ? 1 : 0;
	RO.active = 1;
	on_exit(exit_check, NULL);
	tag(mem, mem + len, PROT_READ | PROT_WRITE, rk, -1, "runtime state");
	flexos_rt_fence(mem, mem + len);
	if (mprotect(&flexos_intelpku_ro, sizeof(flexos_intelpku_ro), PROT_READ) != 0 ||
	    mprotect(&flexos_comp_rt_page, sizeof(flexos_comp_rt_page), PROT_READ) != 0)
		flexos_rt_die("intel-pku: mprotect(runtime tables, read-only): %s", strerror(errno));
}

/* Trusted phase of a gate, on the trusted stack: checks the call, records the frame, returns
 * the callee's PKRU; f->a are the arguments (zeroed beyond the arity), f->fn, f->sp are set. */
uint64_t flexos_intelpku_enter(struct gate_frame *f, uint64_t to_word, uint64_t id,
			       char *caller_sp) FLEXOS_HIDDEN;
uint64_t flexos_intelpku_enter(struct gate_frame *f, uint64_t to_word, uint64_t id, char *caller_sp)
{
	struct state *s = RO.state;
	int to = (int)(uint32_t)to_word;
	int relayed = (int)(to_word >> 32) - 1;
	int caller = s->cur;
	int as = caller;
	if (relayed >= 0) { /* the vmept server of this process, for a compartment elsewhere */
		if (relayed >= FLEXOS_NUM_COMPARTMENTS ||
		    flexos_comp_rt[relayed].host == flexos_rt_my_host)
			flexos_rt_die("intel-pku: refused a relayed call in the name of compartment %d, "
				      "which runs in this process", relayed);
		as = relayed;
	}
	if (to < 0 || to >= FLEXOS_NUM_COMPARTMENTS || flexos_comp_rt[to].host != flexos_rt_my_host)
		flexos_rt_die("intel-pku: refused call from compartment %d into compartment %d: not "
			      "a compartment of this process", as, to);
	if (s->depth >= MAX_DEPTH)
		flexos_rt_die("intel-pku: more than %d nested gates", MAX_DEPTH);
	f->fn = flexos_rt_entry(as, to, id, f->a);
	struct frame *fr = &s->frames[s->depth++];
	fr->caller = caller;
	fr->callee = to;
	fr->entry = (uint32_t)id;
	s->gen++; /* one add; the watchdog reads it with an atomic load */
	fr->caller_sp = caller_sp;
	fr->saved_next_sp = s->next_sp[caller];
	caller_sp = (char *)((uintptr_t)caller_sp & ~(uintptr_t)15);
	s->next_sp[caller] = caller_sp; /* a nested entry into the caller starts below its frame */
#ifdef FLEXOS_SHARING_SHARED_STACK
	f->sp = caller_sp;
#else
	f->sp = s->next_sp[to];
#endif
	s->tsp = (char *)f; /* nested trusted frames go below this one */
	s->cur = to;
	return RO.pkru[to];
}

/* Trusted phase of a gate's return: pops the frame, returns the caller's PKRU, f->sp set. */
uint64_t flexos_intelpku_leave(struct gate_frame *f) FLEXOS_HIDDEN;
uint64_t flexos_intelpku_leave(struct gate_frame *f)
{
	struct state *s = RO.state;
	if (s->depth <= 0)
		flexos_rt_die("intel-pku: a gate returned that was never entered");
	struct frame *fr = &s->frames[--s->depth];
	if (fr->callee != s->cur)
		flexos_rt_die("intel-pku: gate frames out of order");
	s->gen++; /* one add; the watchdog reads it with an atomic load */
	s->cur = fr->caller;
	s->next_sp[fr->caller] = fr->saved_next_sp;
	s->tsp = (char *)(f + 1);
	f->sp = fr->caller_sp;
	return RO.pkru[fr->caller];
}

/* Reached by a jump from a failed check, on whatever stack the attacker left: the stub below
 * moves to a stack of its own first. */
static char panic_stack[16384] __attribute__((aligned(16), used));
void flexos_intelpku_bad_pkru_report(void) FLEXOS_HIDDEN __attribute__((noreturn, used));
__asm__(".text\n"
	".type flexos_intelpku_bad_pkru,@function\n"
	"flexos_intelpku_bad_pkru:\n"
	"	lea panic_stack+16384(%rip), %rsp\n"
	"	call flexos_intelpku_bad_pkru_report\n"
	"	ud2\n"
	".size flexos_intelpku_bad_pkru, .-flexos_intelpku_bad_pkru\n");
void flexos_intelpku_bad_pkru_report(void)
{
	flexos_rt_die("intel-pku: a wrpkru outside a gate's path (PKRU %#x while compartment %d "
		      "runs); stopping", flexos_rdpkru(),
		      RO.state ? RO.state->cur : -1);
}

/* Before set-up (constructors) there is no isolation yet: the entry is looked up and called. */
uint64_t flexos_intelpku_before_setup(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				      uint64_t a5, uint64_t a6, uint64_t id, uint64_t to) FLEXOS_HIDDEN;
uint64_t flexos_intelpku_before_setup(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				      uint64_t a5, uint64_t a6, uint64_t id, uint64_t to)
{
	uint64_t a[6] = { a1, a2, a3, a4, a5, a6 };
	int c = (int)(uint32_t)to;
	uint32_t index = (uint32_t)id, nargs = (uint32_t)(id >> 32);
	if (c < 0 || c >= FLEXOS_NUM_COMPARTMENTS || index >= flexos_entry_tables[c].count ||
	    flexos_entry_tables[c].entries[index].arity != nargs)
		flexos_rt_die("intel-pku: gate into compartment %d before start-up: entry %u with %u "
			      "arguments is not in its table", c, index, nargs);
	uint64_t fn = flexos_entry_tables[c].entries[index].fn;
	return ((flexos_fn6_t)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* After a wrpkru: the PKRU in eax must be the table's for the compartment the state says runs. */
#define VERIFY_PKRU                                                                              \
	"	mov flexos_intelpku_ro+72(%rip), %r10\n"                                       \
	"	movslq (%r10), %r11\n"                                                         \
	"	lea flexos_intelpku_ro(%rip), %r10\n"                                          \
	"	cmp (%r10,%r11,4), %eax\n"                                                     \
	"	jne flexos_intelpku_bad_pkru\n"

/* Vector registers: the callee must not see the caller's, nor the caller the callee's. */
#define CLEAR_VECTORS(n)                                                                         \
	"	cmpl $0, flexos_intelpku_ro+80(%rip)\n"                                        \
	"	je " n "f\n"                                                                   \
	"	vzeroall\n"                                                                    \
	"	cmpl $2, flexos_intelpku_ro+80(%rip)\n"                                        \
	"	jne " n "9f\n"                                                                 \
	"	vpxord %zmm16, %zmm16, %zmm16\n	vpxord %zmm17, %zmm17, %zmm17\n"                \
	"	vpxord %zmm18, %zmm18, %zmm18\n	vpxord %zmm19, %zmm19, %zmm19\n"                \
	"	vpxord %zmm20, %zmm20, %zmm20\n	vpxord %zmm21, %zmm21, %zmm21\n"                \
	"	vpxord %zmm22, %zmm22, %zmm22\n	vpxord %zmm23, %zmm23, %zmm23\n"                \
	"	vpxord %zmm24, %zmm24, %zmm24\n	vpxord %zmm25, %zmm25, %zmm25\n"                \
	"	vpxord %zmm26, %zmm26, %zmm26\n	vpxord %zmm27, %zmm27, %zmm27\n"                \
	"	vpxord %zmm28, %zmm28, %zmm28\n	vpxord %zmm29, %zmm29, %zmm29\n"                \
	"	vpxord %zmm30, %zmm30, %zmm30\n	vpxord %zmm31, %zmm31, %zmm31\n"                \
	"	jmp " n "9f\n"                                                                 \
	n ":\n"                                                                                  \
	"	pxor %xmm0, %xmm0\n	pxor %xmm1, %xmm1\n	pxor %xmm2, %xmm2\n"                   \
	"	pxor %xmm3, %xmm3\n	pxor %xmm4, %xmm4\n	pxor %xmm5, %xmm5\n"                   \
	"	pxor %xmm6, %xmm6\n	pxor %xmm7, %xmm7\n	pxor %xmm8, %xmm8\n"                   \
	"	pxor %xmm9, %xmm9\n	pxor %xmm10, %xmm10\n	pxor %xmm11, %xmm11\n"                 \
	"	pxor %xmm12, %xmm12\n	pxor %xmm13, %xmm13\n	pxor %xmm14, %xmm14\n"               \
	"	pxor %xmm15, %xmm15\n"                                                         \
	n "9:\n"

/*
 * flexos_intelpku_trampoline(a1..a6 in rdi rsi rdx rcx r8 r9; id, to on the stack)
 * Caller stack: the callee-saved registers (restored last). Trusted stack: a gate_frame.
 * Between the labels flexos_intelpku_clear_{entry,exit}_{begin,end}: the register clearing
 * (counted by the benchmark).
 */
__asm__(".text\n"
	".globl flexos_intelpku_trampoline\n"
	".type flexos_intelpku_trampoline,@function\n"
	"flexos_intelpku_trampoline:\n"
	"	cmpl $0, flexos_intelpku_ro+84(%rip)\n"
	"	je flexos_intelpku_before_setup\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov 56(%rsp), %r12\n"        /* id */
	"	mov 64(%rsp), %r13\n"        /* to */
	"	mov %rdx, %r14\n"
	"	mov %rcx, %r15\n"
	"	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"                    /* trusted phase: every key */
	"	test %eax, %eax\n"
	"	jnz flexos_intelpku_bad_pkru\n"
	"	mov %rsp, %rbx\n"            /* the caller's stack */
	"	mov flexos_intelpku_ro+72(%rip), %rax\n"
	"	mov 8(%rax), %rsp\n"         /* the trusted stack */
	"	sub $64, %rsp\n"
	"	mov %rdi, 0(%rsp)\n"
	"	mov %rsi, 8(%rsp)\n"
	"	mov %r14, 16(%rsp)\n"
	"	mov %r15, 24(%rsp)\n"
	"	mov %r8, 32(%rsp)\n"
	"	mov %r9, 40(%rsp)\n"
	"	mov %rsp, %rdi\n"
	"	mov %r13, %rsi\n"
	"	mov %r12, %rdx\n"
	"	mov %rbx, %rcx\n"
	"	call flexos_intelpku_enter\n" /* rax = callee PKRU */
	"	mov 48(%rsp), %r13\n"        /* fn */
	"	mov 56(%rsp), %rbx\n"        /* callee stack */
	"	mov 0(%rsp), %rdi\n"
	"	mov 8(%rsp), %rsi\n"
	"	mov 16(%rsp), %r14\n"
	"	mov 24(%rsp), %r15\n"
	"	mov 32(%rsp), %r8\n"
	"	mov 40(%rsp), %r9\n"
	"	mov %rbx, %rsp\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"
	VERIFY_PKRU
	"	mov %r14, %rdx\n"
	"	mov %r15, %rcx\n"
	".globl flexos_intelpku_clear_entry_begin\n"
	"flexos_intelpku_clear_entry_begin:\n"
	"	xor %eax, %eax\n"
	"	xor %r10d, %r10d\n"
	"	xor %r11d, %r11d\n"
	"	xor %ebx, %ebx\n"
	"	xor %ebp, %ebp\n"
	"	xor %r12d, %r12d\n"
	CLEAR_VECTORS("1")
	".globl flexos_intelpku_clear_entry_end\n"
	"flexos_intelpku_clear_entry_end:\n"
	"	call *%r13\n"
	"	mov %rax, %r12\n"            /* the result */
	"	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"                    /* trusted phase */
	"	test %eax, %eax\n"
	"	jnz flexos_intelpku_bad_pkru\n"
	"	mov flexos_intelpku_ro+72(%rip), %rax\n"
	"	mov 8(%rax), %rsp\n"         /* this gate's frame */
	"	mov %rsp, %rdi\n"
	"	call flexos_intelpku_leave\n" /* rax = caller PKRU */
	"	mov 56(%rsp), %rbx\n"        /* caller stack */
	"	mov %rbx, %rsp\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"
	VERIFY_PKRU
	".globl flexos_intelpku_clear_exit_begin\n"
	"flexos_intelpku_clear_exit_begin:\n"
	"	xor %edi, %edi\n"
	"	xor %esi, %esi\n"
	"	xor %r8d, %r8d\n"
	"	xor %r9d, %r9d\n"
	"	xor %r10d, %r10d\n"
	"	xor %r11d, %r11d\n"
	CLEAR_VECTORS("2")
	".globl flexos_intelpku_clear_exit_end\n"
	"flexos_intelpku_clear_exit_end:\n"
	"	mov %r12, %rax\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size flexos_intelpku_trampoline, .-flexos_intelpku_trampoline\n"
	/* flexos_intelpku_enter_main(argc, argv, envp, fn, sp, pkru): main on its stack, rights */
	".globl flexos_intelpku_enter_main\n"
	".type flexos_intelpku_enter_main,@function\n"
	"flexos_intelpku_enter_main:\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	mov %rsp, %rbx\n"
	"	mov %rcx, %r12\n"
	"	mov %rdx, %r13\n"
	"	mov %r8, %rsp\n"
	"	mov %r9d, %eax\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"
	VERIFY_PKRU
	"	mov %r13, %rdx\n"
	"	call *%r12\n"
	"	mov %rbx, %rsp\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	ret\n"
	".size flexos_intelpku_enter_main, .-flexos_intelpku_enter_main\n");

int flexos_intelpku_enter_main(int argc, char **argv, char **envp, void *fn, char *sp,
			       uint32_t pkru) FLEXOS_HIDDEN;

/*
 * The watchdog: a compartment that does not return from a gate within RO.timeout_ms ends the
 * program (status 70), as vmept's caller timeout does. Gates pay no system call for it: each
 * entry and return bumps the state's generation counter, and this thread wakes every
 * timeout/10 (at most 250 ms) to see whether a gate is open with the same generation as the
 * time before. It is trusted and runs no compartment code. What a compartment could use to
 * take it over is out of its reach: its stack and thread control block carry the runtime key
 * (read-only to compartments), it reads only the runtime state, read-only tables and const
 * data, it blocks every signal, and it calls no libc code whose data compartments can write
 * (no stdio, no malloc: the report is formatted here and written with write(2)). It is started
 * after the lockdown, so the seccomp filter and Landlock hold for it too, and inherits the
 * set-up thread's PKRU: key 0 and the runtime key, no compartment's or group's key.
 */
static char *put_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, char *end, long v)
{
	char digits[24];
	int n = 0;
	if (v < 0) {
		p = put_str(p, end, "-");
		v = -v;
	}
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 24);
	while (n && p < end)
		*p++ = digits[--n];
	return p;
}

static char *put_compartment(char *p, char *end, int c)
{
	p = put_str(p, end, "compartment ");
	if (c < 0 || c >= FLEXOS_NUM_COMPARTMENTS)
		return put_str(p, end, "(start-up)");
	p = put_num(p, end, c);
	p = put_str(p, end, " (");
	p = put_str(p, end, flexos_compartments[c].name);
	return put_str(p, end, ")");
}

static long monotonic_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static __attribute__((noreturn)) void watchdog_report(const struct frame *fr)
{
	char msg[512], *p = msg, *end = msg + sizeof(msg) - 1;
	p = put_str(p, end, "flexos: ");
	p = put_compartment(p, end, fr->callee);
	p = put_str(p, end, " did not return to ");
	p = put_compartment(p, end, fr->caller);
	p = put_str(p, end, " within ");
	p = put_num(p, end, RO.timeout_ms);
	p = put_str(p, end, " ms");
	if (fr->callee >= 0 && fr->callee < FLEXOS_NUM_COMPARTMENTS &&
	    fr->entry < flexos_entry_tables[fr->callee].count) {
		p = put_str(p, end, " (entry ");
		p = put_str(p, end, flexos_entry_tables[fr->callee].entries[fr->entry].name);
		p = put_str(p, end, ")");
	}
	p = put_str(p, end, "; stopping (FLEXOS_INTELPKU_TIMEOUT_MS)\n");
	for (char *q = msg; q < p;) {
		long n = syscall(SYS_write, 2, q, (size_t)(p - q));
		if (n <= 0)
			break;
		q += n;
	}
	syscall(SYS_exit_group, 70);
	__builtin_unreachable();
}

static void *watchdog(void *arg)
{
	(void)arg;
	const struct state *s = RO.state;
	long period = RO.timeout_ms / 10;
	period = period < 1 ? 1 : period > 250 ? 250 : period;
	uint64_t last = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
	long since = monotonic_ms();
	for (;;) {
		struct timespec ts = { period / 1000, period % 1000 * 1000000L };
		syscall(SYS_nanosleep, &ts, NULL);
		int32_t depth = __atomic_load_n(&s->depth, __ATOMIC_RELAXED);
		uint64_t gen = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
		long now = monotonic_ms();
		if (depth <= 0 || depth > MAX_DEPTH || gen != last) {
			last = gen;
			since = now;
			continue;
		}
		/* the same gate has been open since `since`: its frame has not changed either */
		if (now - since >= RO.timeout_ms)
			watchdog_report(&s->frames[depth - 1]);
	}
	return NULL;
}

static void start_watchdog(void)
{
	if (RO.timeout_ms <= 0)
		return;
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	sigfillset(&all);
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setstack(&attr, RO.watchdog_stack, WATCHDOG_STACK) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0)
		flexos_rt_die("intel-pku: watchdog thread attributes");
	pthread_sigmask(SIG_SETMASK, &all, &old); /* inherited: the watchdog takes no signal */
	int err = pthread_create(&tid, &attr, watchdog, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err != 0)
		flexos_rt_die("intel-pku: starting the watchdog thread: %s", strerror(err));
}

/* main runs as the default compartment, on its stack, with its PKRU (set-up code is trusted:
 * the state is written before the switch). */
static int run_main(int argc, char **argv, char **envp, void *main_fn)
{
	struct state *s = RO.state;
	int def = FLEXOS_DEFAULT_COMPARTMENT;
	char *sp = s->next_sp[def];
	start_watchdog();
	s->cur = def;
	return flexos_intelpku_enter_main(argc, argv, envp, main_fn, sp, RO.pkru[def]);
}

/* A call into compartment `to` of this process made by the runtime: a vmept gate between two
 * compartments of this process (`from` runs here: the trampoline takes the caller from its
 * state) or a call the vmept server relays for compartment `from` of another process. */
static uint64_t relay(int from, int to, uint64_t id, uint64_t a[6])
{
	int here = from >= 0 && from < FLEXOS_NUM_COMPARTMENTS &&
		   flexos_comp_rt[from].host == flexos_rt_my_host;
	return flexos_intelpku_trampoline(a[0], a[1], a[2], a[3], a[4], a[5], id,
					  (uint64_t)(uint32_t)to |
						  (here ? 0 : (uint64_t)(from + 1) << 32));
}

static int active(void)
{
	return RO.active;
}

const struct flexos_mechanism flexos_mechanism_intelpku = {
	.id = FLEXOS_MECH_INTELPKU,
	.driver = "intel-pku",
	.require = require,
	.setup = setup,
	.active = active,
	.call = relay,
	.run_main = run_main,
	.shares_process = 1,
};
